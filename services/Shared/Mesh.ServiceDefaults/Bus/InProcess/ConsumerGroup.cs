using System.Threading.Channels;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// The in-process image of one (topic, app id) consumer group: one bounded queue that every member
/// subscription's consumer loops compete on. Publishers wait while it is full.
/// </summary>
internal sealed class ConsumerGroup
{
    public ConsumerGroup(string topic, string group, MeshSubscription[] members, int capacity)
    {
        Type messageType = members[0].MessageType;
        MeshSubscription? odd = members.FirstOrDefault(m => m.MessageType != messageType);
        if (odd is not null)
            throw new MeshBusException(
                $"Group '{group}' subscribes to topic '{topic}' as both {messageType.Name} and {odd.MessageType.Name}; a topic is read as one type.");
        Topic = topic;
        Group = group;
        Members = members;
        MessageType = messageType;
        int consumers = members.Sum(m => m.Options.Concurrency);
        Queue = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = consumers == 1,
            SingleWriter = false,
        });
    }

    /// <summary>Topic the group reads.</summary>
    public string Topic { get; }

    /// <summary>App id the group stands for.</summary>
    public string Group { get; }

    /// <summary>Competing subscriptions (instances of the app id).</summary>
    public MeshSubscription[] Members { get; }

    /// <summary>Type the members read the topic as.</summary>
    public Type MessageType { get; }

    /// <summary>Messages waiting for a consumer loop; bounded, writers wait when full.</summary>
    public Channel<Delivery> Queue { get; }

    /// <summary>
    /// Whether a message published as <paramref name="declared"/> can be read by this group the way the
    /// Dapr transport would: a polymorphic (abstract) base type must be published as that base so the
    /// discriminator is written; a concrete type accepts any instance of it.
    /// </summary>
    public bool Accepts(Type declared, object message) =>
        MessageType.IsAbstract ? declared == MessageType : MessageType.IsInstanceOfType(message);
}
