using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace Mesh.Bus.Tests;

/// <summary>
/// Binds daprd's runtime methods onto <see cref="FakeDaprRuntime"/> by full name
/// (<c>/dapr.proto.runtime.v1.Dapr/&lt;Method&gt;</c>) with the public protobuf message parsers.
/// </summary>
internal sealed class FakeDaprMethodProvider : IServiceMethodProvider<FakeDaprRuntime>
{
    private const string Service = "dapr.proto.runtime.v1.Dapr";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<FakeDaprRuntime> context)
    {
        context.AddUnaryMethod(Unary("PublishEvent", Autogen.PublishEventRequest.Parser, Empty.Parser), [],
            (runtime, request, _) => Task.FromResult(runtime.Publish(request)));
        context.AddUnaryMethod(Unary("SaveState", Autogen.SaveStateRequest.Parser, Empty.Parser), [],
            (runtime, request, _) => Task.FromResult(runtime.Save(request)));
        context.AddUnaryMethod(Unary("GetState", Autogen.GetStateRequest.Parser, Autogen.GetStateResponse.Parser), [],
            (runtime, request, _) => Task.FromResult(runtime.Get(request)));
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, Service, name, Marshal(request), Marshal(response));

    private static Marshaller<T> Marshal<T>(MessageParser<T> parser) where T : IMessage<T> =>
        Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
}
