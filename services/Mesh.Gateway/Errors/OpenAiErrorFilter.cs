using Mesh.Gateway.OpenAi;
using Microsoft.Net.Http.Headers;

namespace Mesh.Gateway;

/// <summary>
/// Turns an <see cref="OpenAiException"/> from a <c>/v1</c> handler into its status and OpenAI error body (401s
/// also get <c>WWW-Authenticate: Bearer</c>). A handler ended by the client disconnecting answers nothing.
/// </summary>
internal sealed class OpenAiErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (OpenAiException ex)
        {
            return ErrorResult(ex);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
    }

    /// <summary>The error as an HTTP result, with <c>WWW-Authenticate</c> on a 401 and <c>Retry-After</c> when the error has one.</summary>
    public static IResult ErrorResult(OpenAiException ex) => new ErrorHttpResult(ex);

    private sealed class ErrorHttpResult(OpenAiException ex) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            if (ex.StatusCode == StatusCodes.Status401Unauthorized) http.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
            if (ex.RetryAfterSeconds is { } after)
                http.Response.Headers[HeaderNames.RetryAfter] = Math.Ceiling(after).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(ex.ToBody(), OpenAiJson.Context.ErrorResponse, statusCode: ex.StatusCode).ExecuteAsync(http);
        }
    }
}
