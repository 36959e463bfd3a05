using Microsoft.Extensions.Configuration;

namespace OrleansAssets.Silo;

/// <summary>
/// The silo's configuration read the way its host will read it (appsettings beside the binary, environment,
/// command line), before the host is chosen: whether Postgres is configured decides dev mode or a cluster.
/// </summary>
internal sealed class ConfigurationManagerProbe(string[] args, string contentRoot)
{
    public IConfiguration Configuration { get; } = new ConfigurationBuilder()
        .SetBasePath(contentRoot)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args)
        .Build();
}
