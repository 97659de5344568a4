namespace Mesh.Kernels;

/// <summary>A range of work items a backend may split between threads (see <see cref="IKernels.For"/>).
/// Implementations are long-lived objects whose fields are set before each run, so a run allocates
/// nothing.</summary>
public interface IParallelWork
{
    /// <summary>Process items [begin, end). Called concurrently on disjoint ranges.</summary>
    void Run(int begin, int end);
}
