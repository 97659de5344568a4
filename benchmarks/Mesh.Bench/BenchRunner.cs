namespace Mesh.Bench;

/// <summary>Runs Mesh and llama.cpp on the same GGUF file, alternating which goes first, with the
/// memory bandwidth probed right before and after every timed run, after one untimed warm-up run
/// each (JIT tiers, page cache). Each repeat uses a fresh random prompt, so no cache can help.</summary>
public static class BenchRunner
{
    public static BenchReport Run(BenchOptions o, TextWriter log)
    {
        o.Validate();
        using var probe = new BandwidthProbe(o.ProbeBytes, o.Threads);
        using var mesh = new MeshPeer(o);
        LlamaCppPeer? llama = null;
        string? skipped = o.MeshOnly ? "--mesh-only" : null;
        if (!o.MeshOnly) llama = LlamaCppPeer.TryLoad(o, out skipped);
        try
        {
            int vocab = mesh.Config.VocabSize;
            double meanPosition = o.PromptTokens + o.GenTokens / 2.0;
            double bytesPerToken = DecodeRoofline.BytesPerToken(mesh.Config, mesh.Weights, meanPosition, o.MeshKvType);
            double llamaBytesPerToken = DecodeRoofline.BytesPerToken(mesh.Config, mesh.Weights, meanPosition, o.LlamaCppKvType);
            log.WriteLine($"model {Path.GetFileName(o.ModelPath)}: {bytesPerToken / 1e6:F1} MB read per decode token; " +
                $"prompt {o.PromptTokens}, gen {o.GenTokens}, threads {o.Threads}, {o.Repeats} repeats; KV cache: mesh {o.MeshKvType}" +
                (skipped is null ? $", llama.cpp {o.LlamaCppKvType}" : $"; llama.cpp skipped: {skipped}"));
            log.WriteLine($"startup (file opened → ready to serve): mesh {mesh.StartupMs:F0} ms" + (llama is null ? "" : $", llama.cpp {llama.StartupMs:F0} ms")
                + (mesh.PanelsReadyMs is { } ready ? $"; mesh's panels ready after {ready:F0} ms" + (mesh.PanelFailure is { } why ? $" (failed: {why})" : "") : ""));

            mesh.Run(Prompt(vocab, o.PromptTokens, seed: -1));
            llama?.Run(Prompt(vocab, o.PromptTokens, seed: -1));

            var meshRuns = new List<RunTiming>();
            var llamaRuns = new List<RunTiming>();
            for (int r = 0; r < o.Repeats; r++)
            {
                int[] prompt = Prompt(vocab, o.PromptTokens, r);
                bool meshFirst = r % 2 == 0;
                if (meshFirst) meshRuns.Add(Timed(probe, () => mesh.Run(prompt), "mesh", r, log, bytesPerToken));
                if (llama is not null) llamaRuns.Add(Timed(probe, () => llama.Run(prompt), "llama.cpp", r, log, llamaBytesPerToken));
                if (!meshFirst) meshRuns.Add(Timed(probe, () => mesh.Run(prompt), "mesh", r, log, bytesPerToken));
            }

            double? concurrent = null, speedup = null;
            var meshResult = PeerResult.Of("mesh", meshRuns, bytesPerToken);
            if (o.Concurrent > 1)
            {
                var rates = new List<double>();
                for (int r = 0; r < Math.Min(3, o.Repeats); r++)
                {
                    var prompts = Enumerable.Range(0, o.Concurrent).Select(s => Prompt(vocab, o.PromptTokens, 1000 * (r + 1) + s)).ToArray();
                    rates.Add(mesh.RunConcurrent(prompts));
                    log.WriteLine($"  mesh {o.Concurrent} sequences together, run {r}: {rates[^1]:F1} decode tok/s in all");
                }
                concurrent = Spread.Of(rates).Median;
                speedup = concurrent / meshResult.Decode.Median;
            }
            return new BenchReport(o, Path.GetFileName(o.ModelPath), bytesPerToken, meshResult,
                llama is null ? null : PeerResult.Of("llama.cpp", llamaRuns, llamaBytesPerToken), skipped, concurrent, speedup,
                mesh.StartupMs, llama?.StartupMs);
        }
        finally { llama?.Dispose(); }
    }

    /// <summary>The text summary printed after the runs.</summary>
    public static void Print(BenchReport r, TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"{"",-10} {"prefill tok/s (median [min..max])",-36} {"decode tok/s",-30} {"bandwidth GB/s",-26} roofline");
        foreach (var p in new[] { r.Mesh, r.LlamaCpp })
        {
            if (p is null) continue;
            w.WriteLine($"{p.Name,-10} {p.Prefill,-36} {p.Decode,-30} {p.Bandwidth,-26} {p.RooflineFraction:P0}");
        }
        if (r.PrefillRatio is { } pr && r.DecodeRatio is { } dr)
            w.WriteLine($"mesh / llama.cpp: prefill {pr:F2}×, decode {dr:F2}×");
        w.WriteLine($"startup: mesh {r.MeshStartupMs:F0} ms" + (r.LlamaCppStartupMs is { } ls ? $", llama.cpp {ls:F0} ms" : ""));
        if (r.ConcurrentDecodeTokensPerSecond is { } c)
            w.WriteLine($"mesh, {r.Options.Concurrent} sequences decoding together: {c:F1} tok/s = {r.ConcurrentSpeedup:F2}× one sequence");
    }

    private static RunTiming Timed(BandwidthProbe probe, Func<(double Prefill, double Decode)> run, string name, int repeat,
        TextWriter log, double bytesPerToken)
    {
        double before = probe.Measure();
        var (prefill, decode) = run();
        double after = probe.Measure();
        var t = new RunTiming(prefill, decode, before, after);
        double roof = DecodeRoofline.TokensPerSecond(t.Bandwidth, bytesPerToken);
        log.WriteLine($"  {name,-9} run {repeat}: prefill {prefill,8:F1} tok/s, decode {decode,7:F1} tok/s; " +
            $"bandwidth {before:F1}/{after:F1} GB/s → roofline {roof:F1} tok/s ({decode / roof:P0})");
        return t;
    }

    /// <summary>Random token ids, the same for both peers; seed −1 is the warm-up prompt.</summary>
    private static int[] Prompt(int vocab, int length, int seed)
    {
        var rng = new Random(unchecked(seed * 7919 + 17));
        var ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = rng.Next(vocab);
        return ids;
    }
}
