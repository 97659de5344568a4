using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Mesh.KvCache;

/// <summary>The KV data plane's routes. KV bytes travel here, never through pub/sub.</summary>
public static class KvEndpoints
{
    /// <summary>Maps every <c>/kv</c> route; see docs/kvcache.md for the wire formats.</summary>
    public static IEndpointRouteBuilder MapKvCacheEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(KvHttp.StatsPath, ChainEndpoints.StatsAsync);

        RouteGroupBuilder model = app.MapGroup("/kv/{fingerprint}").AddEndpointFilter<KvErrorFilter>();
        model.MapPut("/blocks/{hash}", BlockEndpoints.PutAsync);
        model.MapGet("/blocks/{hash}", BlockEndpoints.GetAsync);
        model.MapPut("/blocks", FrameEndpoints.PutManyAsync);
        model.MapPost("/blocks/fetch", FrameEndpoints.FetchAsync);
        model.MapPost("/lookup", ChainEndpoints.LookupAsync);
        model.MapPost("/lease", ChainEndpoints.LeaseAsync);
        model.MapPost("/release", ChainEndpoints.ReleaseAsync);
        return app;
    }
}
