using Mesh.Contracts;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Bus.Tests;

/// <summary>How services declare handlers: handler classes from DI, several <c>AddMeshBus()</c> calls.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task A_handler_class_is_resolved_from_a_fresh_scope_per_delivery()
    {
        var log = new MessageLog<(string RequestId, Guid Scope)>();
        await using BusHost host = await BusHost.StartAsync(bus =>
        {
            bus.Services.AddSingleton(log);
            bus.Services.AddScoped<ScopeProbe>();
            bus.Subscribe<PrefillTask, RecordingPrefillHandler>(Topics.Prefill);
        });

        await host.Bus.PublishAsync(Topics.Prefill, Messages.Prefill("a"));
        await host.Bus.PublishAsync(Topics.Prefill, Messages.Prefill("b"));
        await log.WaitForAsync(2);

        Assert.Equal(["a", "b"], log.Entries.Select(e => e.RequestId));
        Assert.NotEqual(log.Entries[0].Scope, log.Entries[1].Scope);
    }

    [Fact]
    public async Task Subscriptions_from_several_AddMeshBus_calls_share_one_bus()
    {
        var prefill = new MessageLog<PrefillTask>();
        var cancel = new MessageLog<CancelRequest>();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Bus:AppId"] = "host" });
        builder.Services.AddLogging();
        builder.AddMeshBus().Subscribe<PrefillTask>(Topics.Prefill, (m, _) => { prefill.Add(m); return Task.FromResult(HandlerResult.Success); },
            new SubscriptionOptions { Group = AppIds.Prefill });
        builder.AddMeshBus().Subscribe<CancelRequest>(Topics.Cancellations, (m, _) => { cancel.Add(m); return Task.FromResult(HandlerResult.Success); },
            new SubscriptionOptions { Group = AppIds.Scheduler });
        using IHost host = builder.Build();
        await host.StartAsync();
        IMeshBus bus = host.Services.GetRequiredService<IMeshBus>();

        await bus.PublishAsync(Topics.Prefill, Messages.Prefill("p"));
        await bus.PublishAsync(Topics.Cancellations, Messages.Cancel("c"));
        await prefill.WaitForAsync(1);
        await cancel.WaitForAsync(1);
        await host.StopAsync();

        Assert.Single(host.Services.GetServices<IMeshBus>());
    }

    internal sealed class ScopeProbe
    {
        public Guid Id { get; } = Guid.NewGuid();
    }

    internal sealed class RecordingPrefillHandler(MessageLog<(string, Guid)> log, ScopeProbe scope) : IMessageHandler<PrefillTask>
    {
        public Task<HandlerResult> HandleAsync(PrefillTask message, CancellationToken cancellationToken)
        {
            log.Add((message.Envelope.RequestId.Value, scope.Id));
            return Task.FromResult(HandlerResult.Success);
        }
    }
}
