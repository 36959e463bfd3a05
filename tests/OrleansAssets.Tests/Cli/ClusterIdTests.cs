using Xunit.Abstractions;

namespace OrleansAssets.Tests.Cli;

/// <summary>
/// <c>oa --gateway</c> against a silo whose cluster id is not the default: it hung 180 s. With no id set it finds
/// the one the gateway takes among those oa knows and says so; with one set, or an id it cannot know, it says
/// which to set.
/// </summary>
public sealed class ClusterIdTests(LocalClusterSilo fixture, ITestOutputHelper output) : IClassFixture<LocalClusterSilo>
{
    private TcpSilo Local => fixture.Silo;

    private async Task<OaResult> RunAsync(params string[] arguments)
    {
        var result = await Oa.RunAsync(arguments);
        output.WriteLine($"oa {string.Join(' ', arguments)}: {result}");
        Oa.AssertOurWords(result);
        return result;
    }

    [Fact]
    public async Task A_gateway_of_the_local_cluster_is_reached_without_setting_its_id_and_oa_says_what_it_learned()
    {
        var result = await RunAsync("--gateway", Local.Gateway, "--json", "assets");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"key\": \"outlasting\"", result.Output, StringComparison.Ordinal);
        Assert.Contains($"note: the gateway at {Local.Gateway} serves cluster 'orleansassets-local', not 'orleansassets' (the default)", result.Error, StringComparison.Ordinal);
        Assert.Contains("--cluster-id orleansassets-local", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_right_cluster_id_connects_with_no_note()
    {
        var result = await RunAsync("--gateway", Local.Gateway, "--cluster-id", "orleansassets-local", "assets");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task A_cluster_id_that_was_set_and_is_wrong_is_named_as_refused()
    {
        var result = await RunAsync("--gateway", Local.Gateway, "--cluster-id", "wrong", "assets");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"The gateway at {Local.Gateway} closed the connection in Orleans' handshake: it does not serve cluster 'wrong' (set by --cluster-id)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_id_oa_cannot_know_is_asked_for()
    {
        var storage = Directory.CreateTempSubdirectory("oa-clusterid-").FullName;
        await using var other = await TcpSilo.StartAsync("cli-test-" + Guid.NewGuid().ToString("N")[..8], storage);

        var result = await RunAsync("--gateway", other.Gateway, "assets");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("closed the connection in Orleans' handshake for cluster ids 'orleansassets', 'orleansassets-local', 'default'", result.Error, StringComparison.Ordinal);
        Assert.Contains("Pass the cluster's id with --cluster-id ID or OA_CLUSTER_ID", result.Error, StringComparison.Ordinal);
        Directory.Delete(storage, recursive: true);
    }
}

/// <summary>One silo of cluster id <c>orleansassets-local</c>, the one <c>scripts/cluster</c> gives its cluster.</summary>
public sealed class LocalClusterSilo : IAsyncLifetime
{
    private readonly string _storage = Directory.CreateTempSubdirectory("oa-clusterid-").FullName;

    public TcpSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await TcpSilo.StartAsync("orleansassets-local", _storage);

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        Directory.Delete(_storage, recursive: true);
    }
}
