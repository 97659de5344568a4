namespace Mesh.Gateway.OpenAi;

/// <summary>
/// <c>usage</c>. Prompt tokens are counted once per request (the n choices share the prompt), completion tokens
/// are summed over the choices.
/// </summary>
internal sealed record UsageBody(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails);

/// <summary>How much of the prompt came from the prefix cache.</summary>
internal sealed record PromptTokensDetails(int CachedTokens);

/// <summary><c>GET /v1/models</c>.</summary>
internal sealed record ModelList(string Object, ModelCard[] Data);

/// <summary>One served model.</summary>
/// <param name="Created">Unix seconds when this gateway started serving the list.</param>
internal sealed record ModelCard(string Id, string Object, long Created, string OwnedBy);

/// <summary>OpenAI's error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed record ErrorResponse(ErrorBody Error);

/// <summary>What went wrong, and which parameter caused it when one did.</summary>
internal sealed record ErrorBody(string Message, string Type, string? Param, string? Code);
