using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace Mesh.Bus.Tests;

/// <summary>
/// The fake sidecar's behaviour: records publishes; keeps state per (store, key) with integer ETags that
/// start at "1" and grow per write, answering a stale ETag with <c>Aborted</c> as daprd does. Publishing to
/// <see cref="FailingTopic"/> fails with <c>Internal</c>.
/// </summary>
internal sealed class FakeDaprRuntime
{
    public const string FailingTopic = "mesh.broken";

    private readonly ConcurrentDictionary<(string Store, string Key), (ByteString Value, int Version)> _state = new();

    public ConcurrentQueue<Autogen.PublishEventRequest> Published { get; } = new();

    public ConcurrentQueue<Autogen.SaveStateRequest> Saves { get; } = new();

    public ConcurrentQueue<Autogen.GetStateRequest> Gets { get; } = new();

    public Empty Publish(Autogen.PublishEventRequest request)
    {
        if (request.Topic == FailingTopic) throw new RpcException(new Status(StatusCode.Internal, "broker unavailable"));
        Published.Enqueue(request);
        return new Empty();
    }

    public Empty Save(Autogen.SaveStateRequest request)
    {
        Saves.Enqueue(request);
        foreach (Autogen.StateItem item in request.States)
        {
            (string, string) key = (request.StoreName, item.Key);
            string? etag = item.Etag?.Value;
            _state.AddOrUpdate(
                key,
                _ => string.IsNullOrEmpty(etag) ? (item.Value, 1) : throw EtagMismatch(item.Key),
                (_, current) => string.IsNullOrEmpty(etag) || etag == current.Version.ToString()
                    ? (item.Value, current.Version + 1)
                    : throw EtagMismatch(item.Key));
        }
        return new Empty();
    }

    public Autogen.GetStateResponse Get(Autogen.GetStateRequest request)
    {
        Gets.Enqueue(request);
        return _state.TryGetValue((request.StoreName, request.Key), out var entry)
            ? new Autogen.GetStateResponse { Data = entry.Value, Etag = entry.Version.ToString() }
            : new Autogen.GetStateResponse();
    }

    private static RpcException EtagMismatch(string key) =>
        new(new Status(StatusCode.Aborted, $"possible etag mismatch for key {key}"));
}
