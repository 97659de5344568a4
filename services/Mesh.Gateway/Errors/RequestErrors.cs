using System.Diagnostics.CodeAnalysis;

namespace Mesh.Gateway;

/// <summary>Throw helpers for validation: each names the parameter OpenAI clients see in <c>error.param</c>.</summary>
internal static class RequestErrors
{
    [DoesNotReturn]
    public static void Invalid(string param, string message) => throw InvalidError(param, message);

    public static OpenAiException InvalidError(string param, string message) => OpenAiException.InvalidRequest(message, param, "invalid_value");

    [DoesNotReturn]
    public static void Missing(string param) => throw MissingError(param);

    public static OpenAiException MissingError(string param) =>
        OpenAiException.InvalidRequest($"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    [DoesNotReturn]
    public static void OutOfRange<T>(string param, T value, string range) =>
        throw OpenAiException.InvalidRequest($"Invalid '{param}': expected a value in {range}, got {value}.", param, "invalid_value");

    [DoesNotReturn]
    public static void Unsupported(string param, string message) =>
        throw OpenAiException.InvalidRequest(message, param, "unsupported_parameter");
}
