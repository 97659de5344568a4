using Mesh.Contracts;
using Mesh.Scheduler.Admission;
using Dapr.Client;
using Mesh.Scheduler.Journal;
using Mesh.Scheduler.Lifecycle;
using Mesh.Scheduler.Telemetry;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Bus;
using Mesh.Workers.Kv;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Scheduler;

/// <summary>Registers the scheduler's parts.</summary>
public static class SchedulerServiceExtensions
{
    /// <summary>
    /// <see cref="SchedulerOptions"/> from <c>Mesh:Scheduler</c> (validated at start); the served model's tokenizer
    /// (read once, no weights); admission; the <see cref="SchedulerCore"/> and its loop; and the subscriptions (group
    /// <c>scheduler</c>): requests, cancellations, prefill results, decode completions, stage failures, encode
    /// results, decode checkpoints, worker reports, and the encode/prefill/decode dead-letter topics. Prefix lookups use the registered
    /// <c>IKvBlockStore</c>, or the kvcache service at <see cref="SchedulerOptions.KvCacheUrl"/>, or none.
    /// </summary>
    public static IHostApplicationBuilder AddSchedulerServices(this IHostApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        SchedulerOptions bound = builder.Configuration.GetSection(SchedulerOptions.SectionName).Get<SchedulerOptions>() ?? new SchedulerOptions();
        if (bound.KvCacheUrl is { } url) services.AddRemoteKvBlockStore(url);

        services.AddSingleton(sp =>
        {
            SchedulerOptions o = sp.GetRequiredService<IOptions<SchedulerOptions>>().Value;
            ServedTokenizer model = TokenizerFiles.Load(o.Model!, o.ModelName);
            var admission = new RequestAdmission(model, o);
            sp.GetRequiredService<ILogger<SchedulerCore>>().SchedulerStarted(model.Name, admission.MaxContext, model.Chat?.Name ?? "none", o.BlockSize);
            return admission;
        });
        services.AddSingleton<SchedulerMetrics>();
        services.AddSingleton(sp => new SchedulerCore(
            sp.GetRequiredService<IOptions<SchedulerOptions>>().Value, sp.GetRequiredService<ILogger<SchedulerCore>>(), sp.GetRequiredService<SchedulerMetrics>()));
        AddJournal(services, bound, builder.Configuration);
        // Made here, not by the container: the delegate subscriptions below post to it.
        var inbox = new SchedulerInbox(Math.Max(1, bound.InboxCapacity));
        services.AddSingleton(inbox);
        services.AddHostedService<SchedulerLoop>();

        var group = new SubscriptionOptions { Group = AppIds.Scheduler };
        builder.AddMeshBus()
            .Subscribe<InferenceRequest, InferenceRequestHandler>(Topics.Requests, group with { Concurrency = 4 })
            .Subscribe<CancelRequest>(Topics.Cancellations, Post<CancelRequest>(inbox), group)
            .Subscribe<PrefillDone>(Topics.PrefillDone, Post<PrefillDone>(inbox), group)
            .Subscribe<Completed>(Topics.DecodeDone, Post<Completed>(inbox), group)
            .Subscribe<DecodeCheckpoint>(Topics.DecodeCheckpoints, Post<DecodeCheckpoint>(inbox), group)
            .Subscribe<Failed>(Topics.StageFailed, Post<Failed>(inbox), group)
            .Subscribe<EncodeDone>(Topics.EncodeDone, Post<EncodeDone>(inbox), group)
            .Subscribe<WorkerLoadReport>(Topics.WorkerLoad, Post<WorkerLoadReport>(inbox), group)
            .Subscribe<PrefillTask>(Topics.DeadLetterFor(Topics.Prefill), PostDeadLetter<PrefillTask>(inbox, Topics.Prefill), group)
            .Subscribe<DecodeTask>(Topics.DeadLetterFor(Topics.Decode), PostDeadLetter<DecodeTask>(inbox, Topics.Decode), group)
            .Subscribe<EncodeTask>(Topics.DeadLetterFor(Topics.Encode), PostDeadLetter<EncodeTask>(inbox, Topics.Encode), group);
        return builder;
    }

    /// <summary>
    /// The journal accepted requests survive a restart in: the Dapr state store <see cref="SchedulerOptions.StateStore"/>
    /// in Dapr bus mode, else the folder <see cref="SchedulerOptions.JournalDirectory"/>, else none.
    /// </summary>
    private static void AddJournal(IServiceCollection services, SchedulerOptions bound, IConfiguration configuration)
    {
        bool dapr = string.Equals(configuration["Mesh:Bus:Mode"], nameof(MeshBusMode.Dapr), StringComparison.OrdinalIgnoreCase);
        if (dapr && bound.StateStore is { Length: > 0 } store)
            services.AddSingleton<IRequestJournal>(sp => new DaprStateJournal(sp.GetRequiredService<DaprClient>(), store));
        else if (bound.JournalDirectory is { Length: > 0 } directory)
            services.AddSingleton<IRequestJournal>(_ => new FileRequestJournal(directory));
    }

    /// <summary>Restarts the scheduler in place (operators' drill): drops its memory and recovers from the journal; returns the requests recovered.</summary>
    public static async Task<int> RestartSchedulerAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var restart = new SchedulerRestart(new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        await services.GetRequiredService<SchedulerInbox>().PostAsync(restart, cancellationToken).ConfigureAwait(false);
        return await restart.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the tokenizer and admission now, so a bad model path fails at start rather than at the first request.</summary>
    public static WebApplication UseSchedulerWarmup(this WebApplication app)
    {
        app.Services.GetRequiredService<RequestAdmission>();
        return app;
    }

    /// <summary>A handler that hands the message to the scheduler loop.</summary>
    private static Func<T, CancellationToken, Task<HandlerResult>> Post<T>(SchedulerInbox inbox) where T : notnull =>
        async (message, ct) =>
        {
            await inbox.PostAsync(message, ct).ConfigureAwait(false);
            return HandlerResult.Success;
        };

    /// <summary>A handler that tells the scheduler loop a stage message of <paramref name="topic"/> was dead-lettered.</summary>
    private static Func<T, CancellationToken, Task<HandlerResult>> PostDeadLetter<T>(SchedulerInbox inbox, string topic) where T : IRequestMessage =>
        async (message, ct) =>
        {
            await inbox.PostAsync(new DeadLettered(topic, message), ct).ConfigureAwait(false);
            return HandlerResult.Success;
        };
}
