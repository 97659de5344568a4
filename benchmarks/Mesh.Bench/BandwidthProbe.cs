using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mesh.Bench;

/// <summary>A STREAM-like read probe: T threads sum disjoint slices of one buffer far larger than
/// the caches, with wide loads and four independent accumulators, and the best of a few passes is
/// the sustainable read bandwidth. The buffer is allocated and touched once.</summary>
public sealed unsafe class BandwidthProbe : IDisposable
{
    private readonly byte* _buffer;
    private readonly long _bytes;
    private readonly int _threads;

    public BandwidthProbe(long bytes, int threads)
    {
        _bytes = bytes & ~4095L;
        _threads = threads;
        _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)_bytes, 4096);
        for (long i = 0; i < _bytes; i += 4096) _buffer[i] = (byte)i;   // commit every page
        new Span<byte>(_buffer, (int)Math.Min(_bytes, int.MaxValue)).Fill(1);
    }

    /// <summary>Read bandwidth in GB/s (10⁹ bytes): the best of <paramref name="passes"/> passes.</summary>
    public double Measure(int passes = 3)
    {
        double best = 0;
        var sums = new double[_threads];
        for (int p = 0; p < passes; p++)
        {
            long start = Stopwatch.GetTimestamp();
            var threads = new Thread[_threads];
            long slice = _bytes / _threads & ~63L;
            for (int t = 0; t < _threads; t++)
            {
                int index = t;
                threads[t] = new Thread(() => sums[index] = ReadSlice(_buffer + index * slice, slice));
                threads[t].Start();
            }
            foreach (var t in threads) t.Join();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, slice * _threads / seconds / 1e9);
        }
        if (double.IsNaN(sums.Sum())) throw new InvalidOperationException("the probe buffer holds NaNs");
        return best;
    }

    private static double ReadSlice(byte* p, long bytes)
    {
        Vector256<float> a = default, b = default, c = default, d = default;
        byte* end = p + (bytes & ~127L);
        for (; p < end; p += 128)
        {
            a += Vector256.Load((float*)p);
            b += Vector256.Load((float*)(p + 32));
            c += Vector256.Load((float*)(p + 64));
            d += Vector256.Load((float*)(p + 96));
        }
        return Vector256.Sum(a + b + c + d);
    }

    public void Dispose() => NativeMemory.AlignedFree(_buffer);
}
