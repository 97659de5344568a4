using System.Diagnostics;
using System.Globalization;

namespace Mesh.Bench.Trace;

/// <summary>
/// How busy the machine was while a mode ran: the 1-minute load average before and after, and the cores this
/// process and every other process kept busy on average (from <c>/proc/stat</c> and <c>/proc/self/stat</c>), so
/// numbers taken on a shared machine say how much it was shared. Null members where <c>/proc</c> is not there.
/// </summary>
/// <param name="LoadBefore">1-minute load average when the mode started.</param>
/// <param name="LoadAfter">1-minute load average when it ended (it includes this process's own threads).</param>
/// <param name="SelfCores">Cores this process used on average (mesh and client).</param>
/// <param name="OtherCores">Cores all other processes used on average.</param>
public sealed record MachineLoad(double? LoadBefore, double? LoadAfter, double? SelfCores, double? OtherCores)
{
    /// <summary>Clock ticks per second of <c>/proc</c>'s CPU times (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Starts measuring; <see cref="Sample.Stop"/> ends it.</summary>
    public static Sample Start() => new(LoadAverage(), BusyTicks(), SelfTicks(), Stopwatch.GetTimestamp());

    /// <summary>A measurement in progress.</summary>
    public sealed record Sample(double? Load, long? Busy, long? Self, long Started)
    {
        /// <summary>The load over the time since <see cref="Start"/>.</summary>
        public MachineLoad Stop()
        {
            double seconds = Stopwatch.GetElapsedTime(Started).TotalSeconds;
            long? busy = BusyTicks() - Busy, self = SelfTicks() - Self;
            double? selfCores = self / TicksPerSecond / seconds;
            double? otherCores = busy - self is { } other ? Math.Max(0, other / TicksPerSecond / seconds) : null;
            return new MachineLoad(Load, LoadAverage(), selfCores, otherCores);
        }
    }

    private static double? LoadAverage() =>
        Read("/proc/loadavg") is { } text && double.TryParse(text.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double load) ? load : null;

    /// <summary>Busy ticks of all cores: user, nice, system, irq, softirq, steal (not idle, not iowait).</summary>
    private static long? BusyTicks()
    {
        if (Read("/proc/stat") is not { } text) return null;
        string[] f = text[..text.IndexOf('\n')].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return f[0] == "cpu" && f.Length >= 9 ? Ticks(f[1]) + Ticks(f[2]) + Ticks(f[3]) + Ticks(f[6]) + Ticks(f[7]) + Ticks(f[8]) : null;
    }

    /// <summary>This process's user + system ticks (fields 14 and 15 of <c>/proc/self/stat</c>).</summary>
    private static long? SelfTicks()
    {
        if (Read("/proc/self/stat") is not { } text) return null;
        string[] f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return Ticks(f[11]) + Ticks(f[12]);
    }

    private static long Ticks(string field) => long.Parse(field, NumberStyles.None, CultureInfo.InvariantCulture);

    private static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
