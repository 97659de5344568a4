using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mesh.IntegrationTests.Support;

/// <summary>
/// The last few thousand log lines of a harness, kept in memory so a test that fails only under CI load can say what the
/// mesh did (<see cref="Harness.LogAbout"/>): the scheduler's lines from Debug up (placements, retries, lost workers),
/// everyone else's from Information up.
/// </summary>
internal sealed class MemoryLog : ILoggerProvider
{
    private const int Capacity = 4000;
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The kept lines that contain <paramref name="text"/>, oldest first.</summary>
    public IReadOnlyList<string> Containing(string text) => [.. _lines.Where(l => l.Contains(text, StringComparison.Ordinal))];

    public void Dispose() { }

    private void Write(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity) _lines.TryDequeue(out _);
    }

    private sealed class Logger(MemoryLog log, string category) : ILogger
    {
        private readonly LogLevel _least = category.StartsWith("Mesh.Scheduler", StringComparison.Ordinal) ? LogLevel.Debug : LogLevel.Information;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _least;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                log.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}
