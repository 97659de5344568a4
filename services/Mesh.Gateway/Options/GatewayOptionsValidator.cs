using Microsoft.Extensions.Options;

namespace Mesh.Gateway;

/// <summary>Rejects gateway settings that cannot work, naming the configuration key.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        List<string> errors = [];
        const string S = GatewayOptions.SectionName;
        if (o.Models.Count == 0) errors.Add($"{S}:Models must list at least one served model name.");
        if (o.Models.Any(string.IsNullOrWhiteSpace)) errors.Add($"{S}:Models must not contain empty names.");
        if (o.Models.Distinct(StringComparer.Ordinal).Count() != o.Models.Count) errors.Add($"{S}:Models lists a model twice.");
        if (o.ApiKeys.Any(string.IsNullOrWhiteSpace)) errors.Add($"{S}:ApiKeys must not contain empty keys.");
        if (o.MaxTokensLimit < 1) errors.Add($"{S}:MaxTokensLimit must be at least 1, was {o.MaxTokensLimit}.");
        if (o.DefaultMaxTokens < 1 || o.DefaultMaxTokens > o.MaxTokensLimit)
            errors.Add($"{S}:DefaultMaxTokens must be in [1, MaxTokensLimit = {o.MaxTokensLimit}], was {o.DefaultMaxTokens}.");
        if (o.MaxRequestBytes < 1024) errors.Add($"{S}:MaxRequestBytes must be at least 1024, was {o.MaxRequestBytes}.");
        if (o.RequestTimeout <= TimeSpan.Zero) errors.Add($"{S}:RequestTimeout must be positive, was {o.RequestTimeout}.");
        if (o.ReplyBufferCapacity < 1) errors.Add($"{S}:ReplyBufferCapacity must be at least 1, was {o.ReplyBufferCapacity}.");
        if (o.InstanceId is { } id && !GatewayInstance.IsValidId(id))
            errors.Add($"{S}:InstanceId must be 1 to 100 of [a-z0-9._-], was \"{id}\".");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
