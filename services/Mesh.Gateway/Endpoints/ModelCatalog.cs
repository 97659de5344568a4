using Mesh.Gateway.OpenAi;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Endpoints;

/// <summary>
/// The models this gateway admits (<see cref="GatewayOptions.Models"/>), as <c>GET /v1/models</c> lists them;
/// <c>created</c> is when the catalog was built (gateway start).
/// </summary>
internal sealed class ModelCatalog(IOptions<GatewayOptions> options, TimeProvider time)
{
    public const string OwnedBy = "mesh";

    /// <summary>The list, built once.</summary>
    public ModelList List { get; } = new(
        "list",
        [.. options.Value.Models.Select(id => new ModelCard(id, "model", time.GetUtcNow().ToUnixTimeSeconds(), OwnedBy))]);

    public IResult ListAsResult() => Results.Json(List, OpenAiJson.Context.ModelList);

    /// <summary>One model's card, or 404 <c>model_not_found</c>.</summary>
    public IResult Get(string model)
    {
        ModelCard? card = List.Data.FirstOrDefault(c => c.Id == model);
        return card is null
            ? throw OpenAiException.ModelNotFound(model)
            : Results.Json(card, OpenAiJson.Context.ModelCard);
    }
}
