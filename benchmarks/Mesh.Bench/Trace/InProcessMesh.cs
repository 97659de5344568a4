using System.Globalization;
using Mesh.Gateway;
using Mesh.Host;
using Mesh.KvCache;
using Mesh.Scheduler;
using Mesh.Scheduler.Admission;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Bench.Trace;

/// <summary>
/// The whole mesh in this process, as <c>mesh serve</c> runs it (<see cref="EmbeddedServiceExtensions.AddMeshEmbedded"/>:
/// in-process bus and KV store, scheduler, engine workers, encode, attention, gateway) on Kestrel at
/// <c>127.0.0.1</c> and a port the system picks, so replays go over real HTTP. Telemetry is left out and only warnings
/// are logged (to standard error), so the bench's own output stays readable.
/// </summary>
public sealed class InProcessMesh : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessMesh(WebApplication app, Uri address, string model, PromptVocabulary vocabulary, int maxContext)
    {
        _app = app;
        Address = address;
        Model = model;
        Vocabulary = vocabulary;
        MaxContext = maxContext;
    }

    /// <summary>The gateway's base address, ending in <c>/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The served model's name.</summary>
    public string Model { get; }

    /// <summary>The served tokenizer's BOS and ordinary ids.</summary>
    public PromptVocabulary Vocabulary { get; }

    /// <summary>Longest prompt + answer the mesh admits.</summary>
    public int MaxContext { get; }

    /// <summary>Offline decodes the scheduler has preempted so far.</summary>
    public long Preemptions => _app.Services.GetRequiredService<Mesh.Scheduler.Telemetry.SchedulerMetrics>().PreemptionCount;

    /// <summary>The engine settings the bench runs with (per engine): Mesh.Workers' defaults, with the KV pools sized
    /// for a shared machine rather than 1 GiB each.</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Mesh:Worker:KvCacheBytes"] = (256L << 20).ToString(CultureInfo.InvariantCulture),
        ["KvCache:RamBytes"] = (512L << 20).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The layout of <paramref name="mode"/> under <paramref name="options"/>.</summary>
    public static EmbeddedOptions Layout(TraceMode mode, TraceBenchOptions options) => mode == TraceMode.Colocated
        ? new EmbeddedOptions { Colocated = true, PrefillWorkers = options.ColocatedWorkers, Threads = options.Threads }
        : new EmbeddedOptions { PrefillWorkers = options.PrefillWorkers, DecodeWorkers = options.DecodeWorkers, Threads = options.Threads };

    /// <summary>Starts the mesh; it is listening when this returns.</summary>
    public static async Task<InProcessMesh> StartAsync(EmbeddedOptions layout, ServedModelChoice model, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(InProcessMesh).Assembly.GetName().Name, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.AddMeshEmbedded(layout, model);                   // bus, KV store, scheduler, workers, encode, attention, gateway
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        WebApplication app = builder.Build();
        try
        {
            app.UseSchedulerWarmup();                             // read the tokenizer now: a bad model fails the start
            app.MapGatewayEndpoints();
            app.MapKvCacheEndpoints();
            await app.StartAsync(cancellationToken);
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel started without reporting the address it listens on");
            RequestAdmission admission = app.Services.GetRequiredService<RequestAdmission>();
            return new InProcessMesh(app, new Uri(address.TrimEnd('/') + "/"), model.Name, VocabularyOf(admission.Model), admission.MaxContext);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>BOS when the tokenizer adds it, and every id that is not control, unknown, unused, BOS, EOS or a stop id.</summary>
    private static PromptVocabulary VocabularyOf(ServedTokenizer served)
    {
        var t = served.Tokenizer;
        int[] plain = [.. Enumerable.Range(0, t.VocabSize).Where(id => !t.IsControl(id) && id != t.BosId && id != t.EosId && !t.StopIds.Contains(id))];
        return new PromptVocabulary(t.AddBos ? t.BosId : null, plain);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
