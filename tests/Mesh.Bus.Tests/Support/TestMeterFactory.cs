using System.Diagnostics.Metrics;

namespace Mesh.Bus.Tests;

/// <summary>Creates meters for components built outside DI.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (Meter meter in _meters) meter.Dispose();
    }
}
