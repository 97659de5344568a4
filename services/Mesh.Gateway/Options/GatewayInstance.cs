using Mesh.Contracts;

namespace Mesh.Gateway;

/// <summary>
/// Who this gateway process is on the bus: its id and the reply topic it subscribes to. Fixed at startup,
/// because the bus's subscriptions are.
/// </summary>
/// <param name="Id">Instance id (<see cref="GatewayOptions.InstanceId"/>, else <c>gateway-&lt;machine name&gt;</c>).</param>
internal sealed record GatewayInstance(string Id)
{
    /// <summary>The topic every request of this instance names as its reply topic.</summary>
    public string ReplyTopic { get; } = Topics.RepliesFor(Id);

    /// <summary>The configured id, or one derived from <paramref name="machineName"/> (lowercased, odd characters as '-').</summary>
    public static GatewayInstance From(string? configured, string machineName)
    {
        if (!string.IsNullOrEmpty(configured)) return new GatewayInstance(configured);
        string machine = string.Create(machineName.Length, machineName, static (span, name) =>
        {
            for (int i = 0; i < name.Length; i++)
            {
                char c = char.ToLowerInvariant(name[i]);
                span[i] = IsIdChar(c) ? c : '-';
            }
        });
        string id = AppIds.Gateway + "-" + machine;
        return new GatewayInstance(id.Length > 100 ? id[..100] : id);
    }

    /// <summary>Whether <paramref name="id"/> is usable in a topic name everywhere Mesh runs (Redis streams, Service Bus).</summary>
    public static bool IsValidId(string id) => id.Length is > 0 and <= 100 && id.All(IsIdChar);

    private static bool IsIdChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
