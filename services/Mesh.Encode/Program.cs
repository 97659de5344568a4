// The encode service: encoders for media in prompts (images → embedding tokens). This build has no encoder: it
// fails each media item clearly; text requests never come here. See docs/services.md.
using Mesh.Encode;
using Mesh.ServiceDefaults;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();     // Serilog, OpenTelemetry, health checks
builder.AddEncodeServices();          // EncodeTask subscription, heartbeat

WebApplication app = builder.Build();
app.MapMeshDefaultEndpoints();        // /health, /alive, /metrics
app.MapMeshSubscriptions();           // Dapr mode: /dapr/subscribe + one route per topic
app.Run();
