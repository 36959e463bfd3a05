using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansAssets.Client;
using OrleansAssets.Hosting;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>
/// One in-process test cluster (in-memory storage, named as such) with the sales example loaded from its own
/// assembly folder, as a silo loads it, plus the test-only locations compiled in.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("oa-tests-").FullName;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public OrleansAssetsClient Client { get; private set; } = null!;

    public string OutputDirectory => Path.Combine(_workDirectory, "output");

    public string StorageRoot => Path.Combine(_workDirectory, "storage");

    public static string CodeLocationAssembly(string assemblyName) =>
        Path.Combine(AppContext.BaseDirectory, "codelocations", assemblyName, assemblyName + ".dll");

    /// <summary>More settings for the silo (the run queue's limits, the cancel grace period).</summary>
    protected virtual void ConfigureOptions(OrleansAssetsOptions options)
    {
    }

    /// <summary>More services for the silo (a controlled clock).</summary>
    protected virtual ISiloBuilder ConfigureSilo(ISiloBuilder silo) => silo;

    /// <summary>More configuration of the silo host (a code location's settings).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> HostSettings() => [];

    protected virtual void ConfigureCodeLocations(OrleansAssetsOptions options)
    {
        options.AddCodeLocation("sales", CodeLocationAssembly("SalesPipeline"));
        options.AddCodeLocation<RunBehaviourLocation>("behaviour");
    }

    public virtual async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(HostSettings())
        {
            ["Sales:OutputDir"] = OutputDirectory,
        }));
        builder.ConfigureSilo((_, silo) => ConfigureSilo(silo
            .UseInMemoryAssetStorage()
            .AddOrleansAssets(options =>
            {
                options.IOManager.Root = StorageRoot;
                ConfigureCodeLocations(options);
                ConfigureOptions(options);
            })));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Client = new OrleansAssetsClient(Cluster.Client);
    }

    public virtual async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(_workDirectory, recursive: true);
    }

    /// <summary>Starts a run and waits for it to finish, returning its details with every event.</summary>
    public async Task<Runs.RunDetails> MaterializeAsync(string selection)
    {
        var run = await Client.MaterializeAsync(selection);
        return await WaitAsync(run.RunId);
    }

    public async Task<Runs.RunDetails> WaitAsync(Guid runId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await Client.WaitForRunAsync(runId, pollInterval: TimeSpan.FromMilliseconds(20), cancellationToken: timeout.Token);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>A cluster with the test-only deps-style location, which has the example's keys and so needs a cluster of its own.</summary>
public sealed class DepsStyleClusterFixture : ClusterFixture
{
    protected override void ConfigureCodeLocations(OrleansAssetsOptions options) =>
        options.AddCodeLocation("sales_files", CodeLocationAssembly("SalesPipeline.DepsStyle"));
}
