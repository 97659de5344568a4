using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>Rejects bus settings that cannot work, naming the configuration key.</summary>
internal sealed class MeshBusOptionsValidator : IValidateOptions<MeshBusOptions>
{
    public ValidateOptionsResult Validate(string? name, MeshBusOptions o)
    {
        List<string> errors = [];
        const string S = MeshBusOptions.SectionName;
        if (!Enum.IsDefined(o.Mode)) errors.Add($"{S}:Mode must be InProcess or Dapr, was {o.Mode}.");
        if (string.IsNullOrWhiteSpace(o.PubSubName)) errors.Add($"{S}:PubSubName must name the Dapr pub/sub component.");
        if (string.IsNullOrWhiteSpace(o.AppId)) errors.Add($"{S}:AppId must not be empty.");
        if (o.MaxDeliveryCount < 1) errors.Add($"{S}:MaxDeliveryCount must be at least 1, was {o.MaxDeliveryCount}.");
        if (o.RetryDelay <= TimeSpan.Zero) errors.Add($"{S}:RetryDelay must be positive, was {o.RetryDelay}.");
        if (o.MaxRetryDelay < o.RetryDelay) errors.Add($"{S}:MaxRetryDelay ({o.MaxRetryDelay}) must be at least RetryDelay ({o.RetryDelay}).");
        if (o.ChannelCapacity < 1) errors.Add($"{S}:ChannelCapacity must be at least 1, was {o.ChannelCapacity}.");
        if (o.IdempotencyCapacity < 1) errors.Add($"{S}:IdempotencyCapacity must be at least 1, was {o.IdempotencyCapacity}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
