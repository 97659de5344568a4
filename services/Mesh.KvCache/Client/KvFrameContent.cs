using System.Net;

namespace Mesh.KvCache;

/// <summary>
/// A request body of <see cref="KvFrameFormat"/> frames written as the caller's blocks arrive; no length is
/// known up front, so HTTP/1.1 sends it chunked and HTTP/2 as DATA frames. Each block's bytes are written from
/// the caller's memory, not copied.
/// </summary>
internal sealed class KvFrameContent(IAsyncEnumerable<KvBlock> blocks) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] header = new byte[KvFrameFormat.HeaderBytes];
        await foreach (KvBlock block in blocks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            KvFrameFormat.Write(header, new KvFrame(block.Hash, block.Parent, BlockChecksum.Compute(block.Data.Span), block.Data.Length));
            await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(block.Data, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
