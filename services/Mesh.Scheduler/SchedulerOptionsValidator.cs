using Microsoft.Extensions.Options;

namespace Mesh.Scheduler;

/// <summary>Refuses scheduler settings that cannot work, naming the setting.</summary>
internal sealed class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions o)
    {
        List<string> errors = [];
        const string s = SchedulerOptions.SectionName;
        if (string.IsNullOrWhiteSpace(o.Model)) errors.Add($"{s}:Model is not set: give the model's .gguf file or Hugging Face folder (its tokenizer is read).");
        if (o.BlockSize < 1) errors.Add($"{s}:BlockSize must be ≥ 1, was {o.BlockSize}.");
        if (o.MaxContext < 0) errors.Add($"{s}:MaxContext must be ≥ 0, was {o.MaxContext}.");
        if (o.MaxAttempts < 1) errors.Add($"{s}:MaxAttempts must be ≥ 1, was {o.MaxAttempts}.");
        if (o.QueuePenaltyTokens < 0 || o.DecodePenaltyTokens < 0) errors.Add($"{s}:QueuePenaltyTokens and DecodePenaltyTokens must be ≥ 0.");
        if (o.MaxWaitingRequests < 1 || o.InboxCapacity < 1) errors.Add($"{s}:MaxWaitingRequests and InboxCapacity must be ≥ 1.");
        if (o.DefaultDeadline <= TimeSpan.Zero || o.TickInterval <= TimeSpan.Zero) errors.Add($"{s}:DefaultDeadline and TickInterval must be positive.");
        if (o.TtftTarget <= TimeSpan.Zero || o.TpotTarget <= TimeSpan.Zero) errors.Add($"{s}:TtftTarget and TpotTarget must be positive.");
        if (o.PrefillTimeout <= TimeSpan.Zero || o.RetryBackoff < TimeSpan.Zero) errors.Add($"{s}:PrefillTimeout must be positive and RetryBackoff not negative.");
        if (o.OfflinePrefillsPerWorker < 0) errors.Add($"{s}:OfflinePrefillsPerWorker must be 0 or more.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
