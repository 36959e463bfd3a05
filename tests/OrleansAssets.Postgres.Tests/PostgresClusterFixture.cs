using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansAssets.Client;
using OrleansAssets.Hosting;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// Two silos whose clustering, grain storage, reminders and run storage are all on a fresh Postgres database
/// (Orleans' test membership is off), with the sales example loaded from its own folder.
/// </summary>
public class PostgresClusterFixture : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("oa-pg-").FullName;

    public TestDatabase Database { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public OrleansAssetsClient Client => new(Cluster.Client);

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Cluster = await StartClusterAsync(2);
    }

    /// <summary>Starts a cluster on this fixture's database (a second one after the first is disposed sees the same data).</summary>
    public async Task<TestCluster> StartClusterAsync(short silos)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.UseTestClusterMembership = false;
        builder.Properties["OaTest:Postgres"] = Database.ConnectionString;
        builder.Properties["OaTest:Work"] = _work;
        builder.Properties["Sales:OutputDir"] = Path.Combine(_work, "output");
        foreach (var (key, value) in MoreSettings())
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<SiloOnPostgres>();
        builder.AddClientBuilderConfigurator<ClientOnPostgres>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>More settings for the silos, for example <c>OaTest:Versioned</c> to load <see cref="VersionedLocation"/> too.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> MoreSettings() => [];

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    public async Task<Runs.RunDetails> MaterializeAsync(string selection, OrleansAssetsClient? client = null)
    {
        client ??= Client;
        var run = await client.MaterializeAsync(selection);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await client.WaitForRunAsync(run.RunId, pollInterval: TimeSpan.FromMilliseconds(50), cancellationToken: timeout.Token);
    }

    private sealed class SiloOnPostgres : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.UsePostgresAssetStorage(o => o.ConnectionString = silo.Configuration["OaTest:Postgres"]);
            silo.AddOrleansAssets(o =>
            {
                o.IOManager.Root = Path.Combine(silo.Configuration["OaTest:Work"]!, "storage");
                o.CodeLocations.Add(new CodeLocationOptions { Assembly = Path.Combine(AppContext.BaseDirectory, "codelocations", "SalesPipeline", "SalesPipeline.dll") });
                if (silo.Configuration["OaTest:Versioned"] == "true")
                {
                    o.AddCodeLocation<VersionedLocation>("versioned");
                }

                if (silo.Configuration["OaTest:External"] == "true")
                {
                    o.AddCodeLocation<PartnerLocation>("partner");
                }

                if (silo.Configuration["OaTest:Multi"] == "true")
                {
                    o.AddCodeLocation<PairLocation>("pairs");
                }
            });
        }
    }

    private sealed class ClientOnPostgres : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) => client.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = configuration["OaTest:Postgres"];
        });
    }
}
