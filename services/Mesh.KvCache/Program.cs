// The kvcache service: content-addressed KV blocks (RAM tier spilling to Redis), leases, KvEvents on the bus,
// and the HTTP data plane that carries the bytes. See docs/kvcache.md.
using Mesh.KvCache;
using Mesh.ServiceDefaults;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();
builder.AddKvCacheServices();

WebApplication app = builder.Build();
app.MapMeshDefaultEndpoints();
app.MapKvCacheEndpoints();
app.Run();
