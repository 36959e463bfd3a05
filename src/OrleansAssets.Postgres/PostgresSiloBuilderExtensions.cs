using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansAssets.Hosting;
using OrleansAssets.Storage;

namespace OrleansAssets.Postgres;

public static class PostgresSiloBuilderExtensions
{
    /// <summary>
    /// Keeps everything in one Postgres database: Orleans ADO.NET clustering, grain storage (System.Text.Json,
    /// no type names, so renamed state classes still read) and reminders, plus OrleansAssets' runs, events and
    /// materializations. The schema is migrated when the silo starts.
    /// </summary>
    /// <remarks>The connection comes from <c>OrleansAssets:Postgres:ConnectionString</c>, <c>ConnectionStrings:Postgres</c> or the <c>OA_POSTGRES_*</c> variables, in that order.</remarks>
    public static ISiloBuilder UsePostgresAssetStorage(this ISiloBuilder builder, Action<PostgresStorageOptions>? configure = null)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(PostgresRunStore)))
        {
            // Its clustering, grain storage, reminders and schema are registered once: a second call changes nothing.
            return configure is null
                ? builder
                : throw new InvalidOperationException("UsePostgresAssetStorage was called a second time with settings; call it once with every setting.");
        }

        if (builder.Services.Any(s => s.ServiceType == typeof(IRunStore)))
        {
            throw new InvalidOperationException("UsePostgresAssetStorage was called on a silo that has another asset storage already (UseInMemoryAssetStorage?); choose one.");
        }

        var options = new PostgresStorageOptions();
        builder.Configuration.GetSection(PostgresStorageOptions.SectionName).Bind(options);
        options.ConnectionString ??= PostgresConnectionString.From(builder.Configuration);
        configure?.Invoke(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new OrleansAssetsException("No Postgres connection is configured: set ConnectionStrings__Postgres, or OA_POSTGRES_HOST (with _PORT, _USER, _PASSWORD, _DB).");
        }

        var connectionString = WithPoolLimit(options.ConnectionString, options.MaxPoolSize);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(_ => new PostgresDataSource(NpgsqlDataSource.Create(connectionString)));
        builder.Services.AddSingleton(sp => new PostgresMigrator(sp.GetRequiredService<PostgresDataSource>().Source, sp.GetRequiredService<ILogger<PostgresMigrator>>()));
        builder.Services.AddSingleton<PostgresRunStore>();
        builder.Services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<PostgresRunStore>());
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, EventRetentionService>();

        // First of the host's services: Orleans' providers read their queries from the schema it creates.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, PostgresSchemaInitializer>());

        builder.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = connectionString;
        });
        builder.AddAdoNetGrainStorage(OrleansAssetsStorage.GrainStorageName, o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));
        });
        builder.UseAdoNetReminderService(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = connectionString;
        });
        return builder;
    }

    /// <summary>
    /// The connection string with <paramref name="maxPoolSize"/> as its pool limit, unless it sets one itself, and
    /// without the reset of pooled connections unless it asks for one.
    /// </summary>
    /// <remarks>
    /// Npgsql resets a connection handed back to its pool with <c>DISCARD ALL</c>, a statement (and a transaction in
    /// <c>pg_stat_database</c>) of its own before the next command; nothing here keeps session state (no <c>SET</c>,
    /// temporary tables or session locks), so that doubled the commits of every short read, such as an asset grain's
    /// state read on activation.
    /// </remarks>
    internal static string WithPoolLimit(string connectionString, int maxPoolSize)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (maxPoolSize > 0 && !System.Text.RegularExpressions.Regex.IsMatch(connectionString, @"max(imum)?\s*pool\s*size\s*=", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
        {
            settings.MaxPoolSize = maxPoolSize;
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(connectionString, @"no\s*reset\s*on\s*close\s*=", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
        {
            settings.NoResetOnClose = true;
        }

        return settings.ConnectionString;
    }
}

/// <summary>How a host tells whether OrleansAssets should run on Postgres.</summary>
public static class OrleansAssetsPostgres
{
    /// <summary>The configured connection string (<c>ConnectionStrings:Postgres</c> or <c>OA_POSTGRES_*</c>), or null for none.</summary>
    public static string? ConnectionStringFrom(IConfiguration configuration) =>
        configuration[$"{PostgresStorageOptions.SectionName}:ConnectionString"] is { Length: > 0 } explicitly
            ? explicitly
            : PostgresConnectionString.From(configuration);

    /// <summary>Where the connection points, without its password.</summary>
    public static string Describe(string connectionString) => PostgresConnectionString.Describe(connectionString);
}
