using System.Text.Json.Nodes;

namespace Mesh.Dapr.Tests;

/// <summary>What a service answers on <c>GET /dapr/subscribe</c>, compared with the subscriptions it must declare.</summary>
internal static class Subscriptions
{
    /// <summary>One expected entry: every Mesh subscription is on the <c>pubsub</c> component with a dead-letter topic.</summary>
    public static JsonObject Entry(string topic, string deadLetterTopic) => new()
    {
        ["topic"] = topic,
        ["pubsubName"] = "pubsub",
        ["route"] = "mesh/topics/" + topic,
        ["deadLetterTopic"] = deadLetterTopic,
    };

    /// <summary>Asserts the app lists exactly <paramref name="expected"/>, in any order (daprd does not care).</summary>
    public static async Task AssertExactlyAsync(HttpClient app, params JsonObject[] expected)
    {
        JsonArray listed = await ListAsync(app);
        string[] Sorted(IEnumerable<JsonNode?> entries) => [.. entries.Select(e => e!.ToJsonString()).Order(StringComparer.Ordinal)];

        Assert.Equal(Sorted(expected), Sorted(listed));
    }

    /// <summary>The topics the app lists.</summary>
    public static async Task<string[]> TopicsAsync(HttpClient app) => [.. (await ListAsync(app)).Select(e => (string)e!["topic"]!)];

    private static async Task<JsonArray> ListAsync(HttpClient app) => JsonNode.Parse(await app.GetStringAsync("/dapr/subscribe"))!.AsArray();
}
