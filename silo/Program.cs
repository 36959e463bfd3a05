using Microsoft.Extensions.Hosting;
using OrleansAssets;
using OrleansAssets.Hosting;

// One silo binary for every deployment. With no database configured it runs dev mode: one silo on localhost,
// in-memory storage, and the example pipeline loaded when no code location is configured.
// Settings ship beside the binary; relative data paths (IO manager root, outputs) stay relative to the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    builder.UseOrleans(silo =>
    {
        silo.UseLocalhostClustering();
        silo.UseInMemoryAssetStorage();
        silo.AddOrleansAssets(options =>
        {
            if (options.CodeLocations.Count == 0)
            {
                options.CodeLocations.Add(new CodeLocationOptions { Assembly = Path.Combine(AppContext.BaseDirectory, "codelocations", "SalesPipeline", "SalesPipeline.dll") });
            }
        });
    });

    Console.Error.WriteLine(
        "OrleansAssets dev mode: one silo on localhost (gateway 30000) with in-memory storage; " +
        "its state is NOT kept across restarts. Materialize with: dotnet run --project client -- materialize --select '*' --wait");
    await builder.Build().RunAsync();
    return 0;
}
catch (OrleansAssetsException e)
{
    // Bad user code or configuration: one clear line, no stack of framework frames.
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
