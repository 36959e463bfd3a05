namespace OrleansAssets.Cluster;

[GenerateSerializer, Alias("oa.SiloStatus")]
public enum SiloState
{
    Joining,
    Active,
    ShuttingDown,
    Dead,
}

/// <summary>A silo of the cluster, live or dead, and the code locations it loads.</summary>
[GenerateSerializer, Alias("oa.SiloInfo")]
public sealed record SiloInfo
{
    /// <summary><c>host:port</c> of the silo-to-silo endpoint.</summary>
    [Id(0)] public required string Address { get; init; }

    [Id(1)] public string? Name { get; init; }

    [Id(2)] public string? HostName { get; init; }

    [Id(3)] public SiloState Status { get; init; }

    [Id(4)] public List<string> CodeLocations { get; init; } = [];

    [Id(5)] public DateTimeOffset? StartedAt { get; init; }

    /// <summary><c>host:port</c> clients connect to, when the silo is a gateway.</summary>
    [Id(6)] public string? Gateway { get; init; }
}
