// The attention server (core-attention disaggregation). Prefill and decode compute attention themselves in this
// build; this service runs and heartbeats so deployments keep its place. See docs/services.md.
using Mesh.AttentionServer;
using Mesh.ServiceDefaults;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();     // Serilog, OpenTelemetry, health checks
builder.AddAttentionServices();       // heartbeat with the attention role

WebApplication app = builder.Build();
app.MapMeshDefaultEndpoints();        // /health, /alive, /metrics
app.MapMeshSubscriptions();           // Dapr mode: /dapr/subscribe (no topics yet)
app.Run();
