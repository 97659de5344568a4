// The kvcache service: content-addressed KV blocks (RAM tier spilling to Redis), leases, KvEvents on the bus,
// and the HTTP data plane that carries the bytes (HTTP/1.1 on --urls, h2c on KvCache:H2cUrl). See docs/kvcache.md.
using Mesh.KvCache;
using Mesh.ServiceDefaults;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();     // Serilog, OpenTelemetry, health checks
builder.AddKvCacheServices();         // options, tiered store, KvEvent pump, the h2c endpoint

WebApplication app = builder.Build();
app.MapMeshDefaultEndpoints();        // /health, /alive, /metrics
app.MapMeshSubscriptions();           // Dapr mode: /dapr/subscribe (no topics: kvcache only publishes)
app.MapKvCacheEndpoints();            // /kv: the data plane
app.Run();
