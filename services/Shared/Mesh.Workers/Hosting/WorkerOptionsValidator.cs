using Microsoft.Extensions.Options;

namespace Mesh.Workers.Hosting;

/// <summary>Refuses worker settings that cannot run, naming the setting.</summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions o)
    {
        List<string> errors = [];
        const string s = WorkerOptions.SectionName;
        if (string.IsNullOrWhiteSpace(o.Model)) errors.Add($"{s}:Model is not set: give a .gguf file or a Hugging Face folder.");
        if (o.Threads < 0) errors.Add($"{s}:Threads must be ≥ 0 (0 = one per core), was {o.Threads}.");
        if (o.BlockSize < 1) errors.Add($"{s}:BlockSize must be ≥ 1, was {o.BlockSize}.");
        if (o.KvBlocks < 0) errors.Add($"{s}:KvBlocks must be ≥ 0, was {o.KvBlocks}.");
        if (!Enum.IsDefined(o.KvCacheType)) errors.Add($"{s}:KvCacheType must be F32 or F16, was {o.KvCacheType}.");
        if (o.MaxSequences < 1) errors.Add($"{s}:MaxSequences must be ≥ 1, was {o.MaxSequences}.");
        if (o.MaxBatchTokens < 1) errors.Add($"{s}:MaxBatchTokens must be ≥ 1, was {o.MaxBatchTokens}.");
        if (o.MaxContext < 0) errors.Add($"{s}:MaxContext must be ≥ 0, was {o.MaxContext}.");
        if (o.PrefillConcurrency < 1 || o.DecodeConcurrency < 1) errors.Add($"{s}:PrefillConcurrency and DecodeConcurrency must be ≥ 1.");
        if (o.ReportInterval <= TimeSpan.Zero) errors.Add($"{s}:ReportInterval must be positive.");
        if (o.HeldKvTtl <= TimeSpan.Zero || o.KvLeaseTtl <= TimeSpan.Zero) errors.Add($"{s}:HeldKvTtl and KvLeaseTtl must be positive.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
