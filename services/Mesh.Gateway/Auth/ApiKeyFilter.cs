using Mesh.Contracts;

namespace Mesh.Gateway.Auth;

/// <summary>Authenticates every <c>/v1</c> call and records the caller's tenant for the handlers.</summary>
internal sealed class ApiKeyFilter(ApiKeyStore keys) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        http.Features.Set(new CallerTenant(keys.Authenticate(http.Request.Headers.Authorization)));
        return next(context);
    }
}

/// <summary>The authenticated caller's tenant, as an HTTP feature.</summary>
internal sealed record CallerTenant(TenantId Tenant)
{
    /// <summary>The tenant <see cref="ApiKeyFilter"/> recorded on <paramref name="http"/>.</summary>
    public static TenantId Of(HttpContext http) =>
        http.Features.Get<CallerTenant>()?.Tenant ?? throw new InvalidOperationException("ApiKeyFilter did not run for this endpoint.");
}
