using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure.Messaging.ServiceBus;

namespace Mesh.Client.Tests;

/// <summary>
/// A <see cref="ServiceBusClient"/> that connects to nothing (the SDK's mocking constructors): senders record what
/// they were given, the receiver hands out what the test enqueues and records how each message was settled.
/// </summary>
internal sealed class FakeServiceBusClient : ServiceBusClient
{
    public ConcurrentDictionary<string, FakeSender> Senders { get; } = new();

    public FakeReceiver? Receiver { get; private set; }

    /// <summary>Called with each message sent to any topic; a test answers requests from here.</summary>
    public Action<string, ServiceBusMessage>? OnSend { get; set; }

    public override ServiceBusSender CreateSender(string queueOrTopicName) =>
        Senders.GetOrAdd(queueOrTopicName, topic => new FakeSender(message => OnSend?.Invoke(topic, message)));

    public override ServiceBusReceiver CreateReceiver(string topicName, string subscriptionName) =>
        Receiver = new FakeReceiver(topicName, subscriptionName);
}

internal sealed class FakeSender(Action<ServiceBusMessage> onSend) : ServiceBusSender
{
    public MessageLog<ServiceBusMessage> Sent { get; } = new();

    public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
    {
        Sent.Add(message);
        onSend(message);
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal sealed class FakeReceiver(string topic, string subscription) : ServiceBusReceiver
{
    private readonly Channel<ServiceBusReceivedMessage> _incoming = Channel.CreateUnbounded<ServiceBusReceivedMessage>();

    public string Topic { get; } = topic;

    public string Subscription { get; } = subscription;

    public MessageLog<ServiceBusReceivedMessage> Completed { get; } = new();

    public MessageLog<ServiceBusReceivedMessage> Abandoned { get; } = new();

    public MessageLog<(ServiceBusReceivedMessage Message, string Reason, string Description)> DeadLettered { get; } = new();

    public void Enqueue(ServiceBusReceivedMessage message) => _incoming.Writer.TryWrite(message);

    /// <summary>Makes the next receive call throw <paramref name="error"/>, as a lost namespace would.</summary>
    public void Fail(Exception error) => _incoming.Writer.TryComplete(error);

    public override async Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        ServiceBusReceivedMessage first;
        try
        {
            first = await _incoming.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException closed) when (closed.InnerException is not null)
        {
            throw closed.InnerException;
        }
        List<ServiceBusReceivedMessage> batch = [first];
        while (batch.Count < maxMessages && _incoming.Reader.TryRead(out ServiceBusReceivedMessage? next)) batch.Add(next);
        return batch;
    }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        Completed.Add(message);
        return Task.CompletedTask;
    }

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        Abandoned.Add(message);
        Enqueue(message);
        return Task.CompletedTask;
    }

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        DeadLettered.Add((message, deadLetterReason, deadLetterErrorDescription ?? ""));
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A clock that stands still until told.</summary>
internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
