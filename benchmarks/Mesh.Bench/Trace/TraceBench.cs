using Mesh.Host;

namespace Mesh.Bench.Trace;

/// <summary>
/// <c>mesh bench trace</c>: replays a slice of a recorded trace (<see cref="TraceShaping"/>) through a fresh
/// in-process mesh per mode over real HTTP, the same prompts at the same times in every mode, and reports throughput,
/// TTFT/TPOT percentiles and goodput per mode. Each mesh first answers one untimed warm-up request (JIT, page cache).
/// </summary>
public static class TraceBench
{
    /// <summary>Runs every mode of <paramref name="options"/>, logging progress to <paramref name="log"/>.</summary>
    /// <exception cref="FileNotFoundException">No trace or model at the given path.</exception>
    /// <exception cref="TraceFormatException">The trace is not in its format.</exception>
    /// <exception cref="ArgumentException">An option is out of range, or the slice holds no request.</exception>
    public static async Task<TraceReport> RunAsync(TraceBenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        options.Validate();
        IReadOnlyList<TraceRequest> trace = TraceFile.Load(options.TracePath);
        ServedModelChoice model = ServedModelChoice.Resolve(new EmbeddedOptions { ModelPath = options.ModelPath }, GeneratedModel.DefaultCacheFolder());
        IReadOnlyList<ShapedRequest> requests = TraceShaping.Apply(trace, options.Shape);
        if (requests.Count == 0)
            throw new ArgumentException($"the slice {options.Shape.SliceStart.TotalSeconds}–{(options.Shape.SliceStart + options.Shape.Duration).TotalSeconds} s " +
                $"of {Path.GetFileName(options.TracePath)} holds no request (the trace spans {trace[^1].Arrival.TotalSeconds:F0} s)");
        log.WriteLine($"trace {Path.GetFileName(options.TracePath)}: {requests.Count} requests to replay over " +
            $"{(options.Shape.Duration * options.Shape.TimeScale).TotalSeconds:F0} s; model {model.Name}{(model.RandomWeights ? " (random weights)" : "")}");

        var runs = new List<ModeRun>();
        foreach (TraceMode mode in options.Modes)
            runs.Add(await RunModeAsync(mode, options, model, requests, log, cancellationToken));
        return new TraceReport(
            Path.GetFileName(options.TracePath), trace.Count, options.Shape, model.Name, options.Targets, requests.Count,
            requests.Average(r => r.PromptTokens), requests.Average(r => r.MaxTokens), runs);
    }

    private static async Task<ModeRun> RunModeAsync(
        TraceMode mode, TraceBenchOptions options, ServedModelChoice model, IReadOnlyList<ShapedRequest> requests, TextWriter log, CancellationToken cancellationToken)
    {
        string name = TraceBenchOptions.Name(mode);
        await using InProcessMesh mesh = await InProcessMesh.StartAsync(InProcessMesh.Layout(mode, options), model, cancellationToken);
        options.Shape.Validate(mesh.MaxContext);
        mesh.Vocabulary.Validate();
        using var http = new HttpClient { BaseAddress = mesh.Address, Timeout = Timeout.InfiniteTimeSpan };
        var client = new CompletionStreamClient(http, mesh.Model, options.Targets);
        var prompts = new PromptBuilder(mesh.Vocabulary, options.Seed);

        RequestOutcome warm = await client.SendAsync(-1, client.Body(WarmUp, prompts.Build(WarmUp)), System.Diagnostics.Stopwatch.GetTimestamp(), cancellationToken);
        if (!warm.Completed) throw new InvalidOperationException($"{name}: the warm-up request failed: {warm.Error}");
        log.WriteLine($"{name}: mesh up at {mesh.Address}, replaying…");

        MachineLoad.Sample load = MachineLoad.Start();
        Task<bool>[] offline = [.. Enumerable.Range(0, options.OfflineRequests).Select(i =>
            client.SendOfflineAsync(client.OfflineBody(prompts.Build(Offline(i)), options.OfflineTokens), cancellationToken))];
        if (offline.Length > 0) log.WriteLine($"{name}: {offline.Length} offline requests of {options.OfflineTokens} tokens sent beside the replay");
        var (outcomes, makespan) = await TraceReplayer.RunAsync(client, requests, prompts, options.Drain, cancellationToken);
        MachineLoad stopped = load.Stop();
        OfflineLoad? batch = null;
        if (offline.Length > 0)
        {
            bool[] done = await Task.WhenAll(offline).WaitAsync(options.Drain + options.Drain, cancellationToken);
            batch = new OfflineLoad(offline.Length, done.Count(d => d), mesh.Preemptions);
            log.WriteLine($"{name}: offline {batch.Completed}/{batch.Sent} completed, {batch.Preemptions} preemptions");
        }
        var run = new ModeRun(ModeReport.Of(name, outcomes, makespan, options.Targets), stopped, batch);
        log.WriteLine($"{name}: {run.Report.Completed}/{run.Report.Requests} completed in {makespan.TotalSeconds:F1} s");
        return run;
    }

    /// <summary>The i-th offline request's prompt shape: 64 tokens.</summary>
    private static ShapedRequest Offline(int i) => new(-2 - i, TimeSpan.Zero, 64, 1, 1, new TraceRequest(TimeSpan.Zero, 64, 1));

    /// <summary>The untimed first request of each mesh: 64 prompt tokens, 8 answer tokens.</summary>
    private static readonly ShapedRequest WarmUp = new(-1, TimeSpan.Zero, 64, 8, 1, new TraceRequest(TimeSpan.Zero, 64, 8));
}
