using Mesh.Contracts;
using Mesh.Gateway;
using Mesh.Host;
using Mesh.KvCache;
using Mesh.Scheduler.Lifecycle;
using Mesh.Scheduler.Placement;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.IntegrationTests.Support;

/// <summary>
/// Mesh.Host's wiring in the test process (<see cref="EmbeddedServiceExtensions.AddMeshEmbedded"/>), the gateway on
/// TestServer, plus a reply topic of the test's own and an observer of stage results. Engines are small and short
/// timers keep the tests quick.
/// </summary>
public sealed class Harness : IAsyncDisposable
{
    public const int BlockSize = 16;
    public const string ReplyTopic = "mesh.replies.itest";

    private readonly WebApplication _app;

    private readonly MemoryLog _log;

    private Harness(WebApplication app, ReplyCollector replies, StageObserver stages, MemoryLog log)
    {
        _app = app;
        _log = log;
        Replies = replies;
        Stages = stages;
    }

    public ReplyCollector Replies { get; }

    public StageObserver Stages { get; }

    public IMeshBus Bus => _app.Services.GetRequiredService<IMeshBus>();

    /// <summary>The in-process KV store (RAM tier).</summary>
    public TieredBlockStore Store => _app.Services.GetRequiredService<TieredBlockStore>();

    public HttpClient Http => _app.GetTestClient();

    public static async Task<Harness> StartAsync(
        string modelPath, EmbeddedOptions layout, Action<IServiceCollection>? services = null, IReadOnlyDictionary<string, string?>? settings = null,
        Action<MeshBusBuilder>? subscriptions = null, bool serviceDefaults = false)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Mesh.IntegrationTests" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var memoryLog = new MemoryLog();
        builder.Logging.AddProvider(memoryLog).SetMinimumLevel(LogLevel.Debug).AddFilter<MemoryLog>("Mesh.Scheduler", LogLevel.Debug);
        if (Environment.GetEnvironmentVariable("MESH_ITEST_LOG") is { Length: > 0 } logPath)
            builder.Logging.AddProvider(new FileLog(logPath));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Bus:RetryDelay"] = "00:00:00.010",
            ["Mesh:Bus:MaxRetryDelay"] = "00:00:00.050",
            ["Mesh:Worker:BlockSize"] = BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mesh:Worker:KvBlocks"] = "256",
            ["Mesh:Worker:MaxSequences"] = "8",
            ["Mesh:Worker:MaxBatchTokens"] = "128",
            ["Mesh:Worker:ReportInterval"] = "00:00:01",
            ["Mesh:Scheduler:BlockSize"] = BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mesh:Scheduler:TickInterval"] = "00:00:00.200",
            ["KvCache:RamBytes"] = (64 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        if (serviceDefaults) builder.AddMeshServiceDefaults();
        builder.AddMeshEmbedded(layout with { Threads = 1 }, new ServedModelChoice(modelPath, TinyModel.Name, RandomWeights: false));
        var replies = new ReplyCollector();
        var stages = new StageObserver();
        var observer = new SubscriptionOptions { Group = "itest" };
        builder.AddMeshBus()
            .Subscribe<ReplyMessage>(ReplyTopic, replies.OnReplyAsync, observer)
            .Subscribe<PrefillDone>(Topics.PrefillDone, stages.OnPrefillDoneAsync, observer)
            .Subscribe<Failed>(Topics.StageFailed, stages.OnFailedAsync, observer);
        subscriptions?.Invoke(builder.AddMeshBus());
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.MapGatewayEndpoints();
        app.MapMeshAdminEndpoints();
        if (serviceDefaults) app.MapMeshDefaultEndpoints();
        await app.StartAsync();
        return new Harness(app, replies, stages, memoryLog);
    }

    /// <summary>The harness's recent log lines that mention <paramref name="text"/> (a request id, a worker), one per line,
    /// for a failure message.</summary>
    public string LogAbout(string text) => string.Join(Environment.NewLine, _log.Containing(text));

    /// <summary>The app's services (scheduler restart, metrics).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>An engine worker of the harness, by id (<c>prefill-0</c>, <c>decode-0</c>, <c>worker-0</c>).</summary>
    public Task<EngineWorker> WorkerAsync(string id) =>
        _app.Services.GetRequiredService<WorkerRegistry>().GetAsync(new WorkerId(id), CancellationToken.None);

    /// <summary>
    /// Waits until the scheduler's view of <paramref name="worker"/> (built from its load reports) satisfies
    /// <paramref name="seen"/>: what a test needs the scheduler to know before it sends work, instead of a sleep
    /// sized for a quiet machine. Read from the test's thread while the scheduler writes it, so a read that races
    /// a worker's first report is simply asked again.
    /// </summary>
    public Task<WorkerView> SchedulerSeesAsync(string worker, Func<WorkerView, bool> seen)
    {
        var id = new WorkerId(worker);
        return Poll.UntilAsync(() =>
        {
            try { return _app.Services.GetRequiredService<SchedulerCore>().Workers.Find(id) is { } view && seen(view) ? view : null; }
            catch (InvalidOperationException) { return null; }
        });
    }

    /// <summary>Prompt tokens the worker's engine computed (not served from its prefix cache) and decode tokens, so far.</summary>
    public async Task<(long Prefill, long Decode)> ComputedAsync(string worker) =>
        await (await WorkerAsync(worker)).Host.InvokeAsync(s => (s.Engine.PrefillTokensComputed, s.Engine.DecodeTokensComputed));

    /// <summary>A request on the test's reply topic.</summary>
    public static InferenceRequest Request(Prompt prompt, SamplingParameters sampling, string model = TinyModel.Name, string tenant = "tenant-a") =>
        new(new MessageEnvelope(new RequestId(Guid.NewGuid().ToString("N")), 0, Priority.Online, default, new TenantId(tenant)),
            model, prompt, sampling, ReplyTopic, Stream: true);

    /// <summary>Publishes <paramref name="request"/> and waits for its completed or failed message.</summary>
    public async Task<RequestReplies> RunAsync(InferenceRequest request)
    {
        RequestReplies replies = Replies.For(request.Envelope.RequestId);
        await Bus.PublishAsync(Topics.Requests, request);
        await replies.End.WaitAsync(TimeSpan.FromSeconds(60));
        return replies;
    }

    /// <summary>RAM-tier counters of the KV store.</summary>
    public async Task<KvTierStats> RamStatsAsync() => (await Store.GetStatsAsync()).For(KvTier.Ram)!;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
