using System.Collections.Frozen;
using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;

namespace OrleansAssets.Graph;

/// <summary>
/// The asset graph across code locations: specs by key, and the edges both ways. Immutable; built from the
/// catalog's snapshot and rebuilt when its version changes.
/// </summary>
public sealed class AssetGraph
{
    private readonly FrozenDictionary<string, AssetSpec> _assets;
    private readonly FrozenDictionary<string, string[]> _downstream;

    private readonly FrozenDictionary<string, AssetSpec> _ops;
    private readonly FrozenDictionary<string, JobSpec> _jobs;
    private readonly FrozenDictionary<string, string[]> _assetSensors;

    public AssetGraph(long version, IEnumerable<AssetSpec> assets, IEnumerable<AssetSpec>? ops = null, IEnumerable<JobSpec>? jobs = null, IEnumerable<Automation.ScheduleSpec>? schedules = null, IEnumerable<Automation.SensorSpec>? sensors = null)
    {
        Version = version;
        Schedules = (schedules ?? []).ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);
        Sensors = (sensors ?? []).ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);
        _assetSensors = Sensors.Values.Where(s => s.Kind == Automation.SensorKind.Asset)
            .SelectMany(s => s.Assets.Select(a => (Asset: a, s.GrainKey)))
            .GroupBy(x => x.Asset, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.GrainKey).ToArray(), StringComparer.Ordinal);
        RunStatusSensors = [.. Sensors.Values.Where(s => s.Kind == Automation.SensorKind.RunStatus).Select(s => s.GrainKey)];
        _ops = (ops ?? []).ToFrozenDictionary(o => o.Key, StringComparer.Ordinal);
        _jobs = (jobs ?? []).ToFrozenDictionary(j => j.Name, StringComparer.Ordinal);
        _assets = assets.ToFrozenDictionary(a => a.Key, StringComparer.Ordinal);
        _downstream = _assets.Values
            .SelectMany(a => a.Dependencies.Select(upstream => (upstream, downstream: a.Key)))
            .GroupBy(e => e.upstream, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(e => e.downstream).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        TopologicalOrder = AssetGraphValidator.TopologicalOrder(_assets.Values);
    }

    public static AssetGraph Empty { get; } = new(0, []);

    public long Version { get; }

    public IReadOnlyCollection<AssetSpec> Assets => _assets.Values;

    /// <summary>Every key, upstream before downstream; ties in key order so plans are reproducible.</summary>
    public IReadOnlyList<string> TopologicalOrder { get; }

    public static AssetGraph FromSnapshot(AssetGraphSnapshot snapshot) =>
        new(snapshot.Version, snapshot.CodeLocations.SelectMany(l => l.Assets), snapshot.CodeLocations.SelectMany(l => l.Ops), snapshot.CodeLocations.SelectMany(l => l.Jobs),
            snapshot.CodeLocations.SelectMany(l => l.Schedules), snapshot.CodeLocations.SelectMany(l => l.Sensors));

    public IReadOnlyDictionary<string, Automation.ScheduleSpec> Schedules { get; }

    public IReadOnlyDictionary<string, Automation.SensorSpec> Sensors { get; }

    /// <summary>The grain keys of the run-status sensors, told of every run's end.</summary>
    public IReadOnlyList<string> RunStatusSensors { get; }

    /// <summary>The grain keys of the asset sensors that watch <paramref name="assetKey"/>.</summary>
    public IReadOnlyList<string> AssetSensorsOf(string assetKey) => _assetSensors.GetValueOrDefault(assetKey) ?? [];

    /// <summary>Ops: steps of jobs that materialize nothing, kept out of the asset graph and its selections.</summary>
    public IReadOnlyDictionary<string, AssetSpec> Ops => _ops;

    public IReadOnlyDictionary<string, JobSpec> Jobs => _jobs;

    public bool Contains(string key) => _assets.ContainsKey(key);

    public AssetSpec? Find(string key) => _assets.GetValueOrDefault(key);

    public AssetSpec Get(string key) => _assets.TryGetValue(key, out var spec)
        ? spec
        : throw new NotFoundException($"Unknown asset key '{key}'.");

    /// <summary>Upstream keys that are assets of this graph (external keys of a code location not loaded anywhere are left out).</summary>
    public IEnumerable<string> UpstreamOf(string key) => Get(key).Dependencies.Where(_assets.ContainsKey);

    public IReadOnlyList<string> DownstreamOf(string key) => _downstream.GetValueOrDefault(key) ?? [];
}
