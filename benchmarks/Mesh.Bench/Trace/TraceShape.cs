namespace Mesh.Bench.Trace;

/// <summary>
/// How a recorded trace is fitted to the machine that replays it (<see cref="TraceShaping.Apply"/>): which stretch of
/// it, how much slower, and how much shorter each prompt and answer.
/// </summary>
public sealed record TraceShape
{
    /// <summary>Start of the slice, in trace time from the first request. The default skips the Azure trace's first
    /// minutes, where its rate ramps up (1.6 req/s in the first 20 s of the conversation trace, 4.5–7 later).</summary>
    public TimeSpan SliceStart { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Length of the slice, in trace time: requests that arrived in [start, start + duration) are replayed.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Wall seconds per trace second: 2 replays the slice over twice its length, at half its request rate.
    /// The default keeps the trace's own rate and shortens the requests instead (<see cref="TokenScale"/>).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>Factor on every prompt and answer length (and on Mooncake's 512-token prefix blocks) before the clips.</summary>
    public double TokenScale { get; init; } = 0.25;

    /// <summary>Longest prompt sent, in tokens, after scaling.</summary>
    public int MaxPrompt { get; init; } = 1024;

    /// <summary>Longest answer asked for (<c>max_tokens</c>), after scaling.</summary>
    public int MaxGen { get; init; } = 128;

    /// <exception cref="ArgumentException">A value out of range, or prompt + answer beyond <paramref name="maxContext"/>.</exception>
    public void Validate(int maxContext)
    {
        if (SliceStart < TimeSpan.Zero) throw new ArgumentException($"--slice-start must be ≥ 0 s, got {SliceStart.TotalSeconds} s");
        if (Duration <= TimeSpan.Zero) throw new ArgumentException($"--duration must be > 0 s, got {Duration.TotalSeconds} s");
        if (!(TimeScale > 0) || double.IsInfinity(TimeScale)) throw new ArgumentException($"--time-scale must be a number > 0, got {TimeScale}");
        if (!(TokenScale > 0) || double.IsInfinity(TokenScale)) throw new ArgumentException($"--scale-tokens must be a number > 0, got {TokenScale}");
        if (MaxPrompt < 1) throw new ArgumentException($"--max-prompt must be ≥ 1, got {MaxPrompt}");
        if (MaxGen < 1) throw new ArgumentException($"--max-gen must be ≥ 1, got {MaxGen}");
        if (MaxPrompt + MaxGen > maxContext)
            throw new ArgumentException($"--max-prompt {MaxPrompt} + --max-gen {MaxGen} exceeds the served model's context of {maxContext} tokens");
    }
}

/// <summary>
/// One request as it is replayed.
/// </summary>
/// <param name="Index">Position in the replayed slice (0 = first sent).</param>
/// <param name="SendAt">When to send it, from the start of the replay.</param>
/// <param name="PromptTokens">Prompt length sent, in tokens (BOS included).</param>
/// <param name="MaxTokens">Tokens asked for, with EOS ignored so exactly this many come back.</param>
/// <param name="BlockTokens">Tokens each of <see cref="Source"/>'s block hashes stands for after scaling.</param>
/// <param name="Source">The recorded request.</param>
public sealed record ShapedRequest(int Index, TimeSpan SendAt, int PromptTokens, int MaxTokens, int BlockTokens, TraceRequest Source);

/// <summary>The transform from recorded requests to replayed ones.</summary>
public static class TraceShaping
{
    /// <summary>
    /// The requests that arrived in [<see cref="TraceShape.SliceStart"/>, start + <see cref="TraceShape.Duration"/>), in
    /// order, each sent at <c>(arrival − start) × TimeScale</c> with <c>prompt = clamp(round(context × TokenScale), 1,
    /// MaxPrompt)</c> and <c>max_tokens = clamp(round(generated × TokenScale), 1, MaxGen)</c> (halves round away from
    /// zero). A Mooncake prefix block stands for <c>max(1, round(512 × TokenScale))</c> tokens.
    /// </summary>
    public static IReadOnlyList<ShapedRequest> Apply(IReadOnlyList<TraceRequest> trace, TraceShape shape)
    {
        TimeSpan end = shape.SliceStart + shape.Duration;
        int blockTokens = Math.Max(1, Scale(TraceFile.MooncakeBlockTokens, shape.TokenScale));
        var shaped = new List<ShapedRequest>();
        foreach (TraceRequest r in trace)
        {
            if (r.Arrival < shape.SliceStart || r.Arrival >= end) continue;
            shaped.Add(new ShapedRequest(
                shaped.Count,
                (r.Arrival - shape.SliceStart) * shape.TimeScale,
                Math.Clamp(Scale(r.ContextTokens, shape.TokenScale), 1, shape.MaxPrompt),
                Math.Clamp(Scale(r.GeneratedTokens, shape.TokenScale), 1, shape.MaxGen),
                blockTokens,
                r));
        }
        return shaped;
    }

    private static int Scale(int tokens, double factor) =>
        (int)Math.Min(int.MaxValue, Math.Round(tokens * factor, MidpointRounding.AwayFromZero));
}
