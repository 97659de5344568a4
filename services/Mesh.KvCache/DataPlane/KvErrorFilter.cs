using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesh.KvCache;

/// <summary>
/// Guards every <c>/kv/{fingerprint}/…</c> endpoint: rejects a malformed fingerprint before the handler runs,
/// and turns the store's typed exceptions into <see cref="KvError"/> answers while the response has not started
/// (a fetch that fails mid-stream can only abort).
/// </summary>
internal sealed class KvErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (http.GetRouteValue("fingerprint") is string fingerprint && !KvFingerprint.IsValid(fingerprint))
            return KvErrors.Result(
                StatusCodes.Status400BadRequest,
                KvErrors.InvalidFingerprint,
                $"Model fingerprint '{fingerprint}' is invalid: use 1 to {KvFingerprint.MaxLength} letters, digits and . _ - :");
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (!http.Response.HasStarted && KvErrors.For(ex) is { } answer)
        {
            return answer;
        }
    }
}
