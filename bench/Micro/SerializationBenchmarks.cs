using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansAssets.Runs;

namespace OrleansAssets.Bench.Micro;

/// <summary>
/// Orleans' serializer round trip (to bytes and back) of the messages every step sends: its stepSucceeded event,
/// and a materialization event with the metadata a typical asset reports.
/// </summary>
public class SerializationBenchmarks
{
    private Serializer<RunEvent> _serializer = null!;
    private RunEvent _succeeded = null!;
    private RunEvent _materialization = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection()
            .AddSerializer(s => s.AddAssembly(typeof(RunEvent).Assembly))
            .BuildServiceProvider();
        _serializer = services.GetRequiredService<Serializer<RunEvent>>();
        var runId = Guid.NewGuid();
        _succeeded = new RunEvent
        {
            Sequence = 42,
            RunId = runId,
            Timestamp = DateTimeOffset.UtcNow,
            Type = RunEventType.StepSucceeded,
            AssetKey = MicroGraph.Middle,
            Attempt = 1,
            DurationMs = 1.5,
            Silo = "127.0.0.1:11111@123456789",
        };
        _materialization = _succeeded with
        {
            Type = RunEventType.Materialization,
            DataVersion = "3f2a9c1e",
            Metadata = new()
            {
                ["rows"] = MetadataValue.Int(10_000),
                ["path"] = MetadataValue.Path("/data/storage/a50_42.parquet"),
                ["mean"] = MetadataValue.Float(12.5),
            },
        };
        Console.Error.WriteLine($"micro: serialized sizes: stepSucceeded {_serializer.SerializeToArray(_succeeded).Length} B, materialization {_serializer.SerializeToArray(_materialization).Length} B");
    }

    [Benchmark(Description = "serialization: RunEvent stepSucceeded round trip")]
    public RunEvent? Succeeded() => _serializer.Deserialize(_serializer.SerializeToArray(_succeeded));

    [Benchmark(Description = "serialization: RunEvent materialization (3 metadata) round trip")]
    public RunEvent? Materialization() => _serializer.Deserialize(_serializer.SerializeToArray(_materialization));
}
