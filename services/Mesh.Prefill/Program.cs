// The prefill service: runs prompts, writes their KV blocks to the KV cache, emits the first token and a KV
// reference. Set Mesh__Worker__Model to the model; see docs/services.md.
using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.Workers.Hosting;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();                 // Serilog, OpenTelemetry, health checks
builder.AddMeshWorker(WorkerRole.Prefill);        // the engine, its loop, this worker's topics, load reports

WebApplication app = builder.Build();
app.MapMeshDefaultEndpoints();                    // /health, /alive, /metrics
app.MapMeshSubscriptions();                       // Dapr mode: /dapr/subscribe + one route per topic
app.Run();
