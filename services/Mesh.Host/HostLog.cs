using Microsoft.Extensions.Logging;

namespace Mesh.Host;

/// <summary>Log messages of Mesh.Host.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "No --model given: serving {Model}, a generated Llama with RANDOM weights ({Path}); its output is not meaningful text. Pass --model PATH for a real model.")]
    public static partial void RandomWeights(this ILogger logger, string model, string path);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Mesh is listening on {Url} serving {Model} ({Layout})")]
    public static partial void Listening(this ILogger logger, string url, string model, string layout);
}
