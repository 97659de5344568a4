using Microsoft.Extensions.Options;

namespace Mesh.Gateway;

/// <summary>Rejects batch settings that cannot work, naming the configuration key.</summary>
internal sealed class BatchOptionsValidator : IValidateOptions<BatchOptions>
{
    public ValidateOptionsResult Validate(string? name, BatchOptions o)
    {
        List<string> errors = [];
        const string S = BatchOptions.SectionName;
        if (o.MaxFileBytes < 1024) errors.Add($"{S}:MaxFileBytes must be at least 1024, was {o.MaxFileBytes}.");
        if (o.MaxRequestsPerBatch < 1) errors.Add($"{S}:MaxRequestsPerBatch must be at least 1, was {o.MaxRequestsPerBatch}.");
        if (o.MaxInFlight < 1) errors.Add($"{S}:MaxInFlight must be at least 1, was {o.MaxInFlight}.");
        if (o.RetryDelay <= TimeSpan.Zero) errors.Add($"{S}:RetryDelay must be positive, was {o.RetryDelay}.");
        if (o.Directory is { } dir && dir.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            errors.Add($"{S}:Directory is not a valid path: \"{dir}\".");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
