// Mesh.Host: every Mesh service in one process: gateway, scheduler, prefill and decode workers, encode, attention
// and the KV store, on the in-process bus. `--model PATH` (GGUF or Hugging Face folder), else a generated random
// model. See docs/services.md.
using Mesh.Gateway;
using Mesh.Host;
using Mesh.KvCache;
using Mesh.Scheduler;
using Mesh.ServiceDefaults;

(EmbeddedOptions options, string[] rest) = HostCommandLine.Parse(args);
ServedModelChoice model = ServedModelChoice.Resolve(options, GeneratedModel.DefaultCacheFolder());

WebApplicationBuilder builder = WebApplication.CreateBuilder(rest);
builder.AddMeshServiceDefaults();                         // Serilog, OpenTelemetry, health checks
builder.AddMeshEmbedded(options, model);                  // bus, KV store, scheduler, workers, encode, attention, gateway
builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");

WebApplication app = builder.Build();
app.UseSchedulerWarmup();                                 // read the tokenizer now: a bad model fails the start
app.MapMeshDefaultEndpoints();                            // /health, /alive, /metrics
app.MapGatewayEndpoints();                                // /v1/chat/completions, /v1/completions, /v1/models
app.MapKvCacheEndpoints();                                // the KV data plane, as the kvcache service serves it
await app.StartAsync();
app.Announce(options, model);
await app.WaitForShutdownAsync();
