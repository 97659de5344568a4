namespace Mesh.ServiceDefaults.Bus;

/// <summary>A message queued for a subscriber group, with how many times it has been handed to a handler (1 on first delivery).</summary>
internal readonly record struct Delivery(object Message, int DeliveryCount);
