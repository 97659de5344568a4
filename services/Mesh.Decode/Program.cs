// The decode service: continues sequences from KV references in one continuous batch and streams their tokens to
// each request's reply topic. Set Mesh__Worker__Model to the model; see docs/services.md.
using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.Workers.Hosting;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();                 // Serilog, OpenTelemetry, health checks
builder.AddMeshWorker(WorkerRole.Decode);         // the engine, its loop, this worker's topics, load reports

WebApplication app = builder.Build();
app.MapMeshDefaultEndpoints();                    // /health, /alive, /metrics
app.MapMeshSubscriptions();                       // Dapr mode: /dapr/subscribe + one route per topic
app.Run();
