using Mesh.Gateway;
using Mesh.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();   // Serilog, OpenTelemetry, health checks
builder.AddGatewayServices();       // options, API keys, reply registry, this instance's reply-topic subscription

var app = builder.Build();
app.MapMeshDefaultEndpoints();      // /health, /alive, /metrics
app.MapMeshSubscriptions();         // Dapr mode: /dapr/subscribe + the reply topic's route
app.MapGatewayEndpoints();          // /v1/chat/completions, /v1/completions, /v1/models
app.Run();
