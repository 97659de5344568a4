// The scheduler: admission, tokenization, prefix lookup, placement, prefill → decode hand-off, retries and
// deadlines for every request. Loads the model's tokenizer, never its weights. See docs/services.md.
using Mesh.Scheduler;
using Mesh.ServiceDefaults;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddMeshServiceDefaults();     // Serilog, OpenTelemetry, health checks
builder.AddSchedulerServices();       // options, tokenizer, admission, the scheduler loop, subscriptions

WebApplication app = builder.Build();
app.UseSchedulerWarmup();             // read the tokenizer now: a bad model path fails the start
app.MapMeshDefaultEndpoints();        // /health, /alive, /metrics
app.MapMeshSubscriptions();           // Dapr mode: /dapr/subscribe + one route per topic
app.Run();
