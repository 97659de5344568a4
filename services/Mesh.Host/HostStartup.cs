using Microsoft.Extensions.Logging;

namespace Mesh.Host;

/// <summary>What Mesh.Host says when it is up.</summary>
public static class HostStartup
{
    /// <summary>Logs the model and layout, warns about random weights, and prints the URL to the console.</summary>
    public static void Announce(this WebApplication app, EmbeddedOptions options, ServedModelChoice model)
    {
        string url = $"http://127.0.0.1:{options.Port}";
        string layout = options.Colocated
            ? $"{options.PrefillWorkers} colocated worker(s)"
            : $"{options.PrefillWorkers} prefill + {options.DecodeWorkers} decode worker(s), KV handed off through the in-process KV store";
        if (model.RandomWeights) app.Logger.RandomWeights(model.Name, model.Path);
        app.Logger.Listening(url, model.Name, layout);
        Console.WriteLine($"Mesh: {url}/v1 (model '{model.Name}')");
    }
}
