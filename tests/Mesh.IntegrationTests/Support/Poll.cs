namespace Mesh.IntegrationTests.Support;

/// <summary>Waits for a condition the mesh reaches on its own threads (a worker moved, a file written).</summary>
internal static class Poll
{
    /// <summary>The first non-null answer of <paramref name="probe"/>, asked every 10 ms for up to 30 s.</summary>
    public static async Task<T> UntilAsync<T>(Func<T?> probe) where T : class
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (probe() is { } found) return found;
            await Task.Delay(10, timeout.Token);
        }
    }
}
