using Microsoft.Extensions.DependencyInjection;

namespace OrleansAssets.IO;

/// <summary>Finds the IO manager an asset names: one its code location registered, or the silo's default.</summary>
internal sealed class IOManagerResolver(FileSystemIOManager defaultIOManager)
{
    public IIOManager For(string? name, IServiceProvider codeLocationServices) => name is null
        ? defaultIOManager
        : codeLocationServices.GetRequiredKeyedService<IIOManager>(name);
}
