using System.Reflection;
using System.Runtime.Loader;

namespace OrleansAssets.CodeLocations;

/// <summary>
/// Loads one user-code assembly with its own NuGet dependencies, so code locations with different versions of a
/// package live in one silo. The contracts between host and user code (the Abstractions, Microsoft.Extensions,
/// the DataFrame types) come from the host, or the host could not recognise the user's assets and values.
/// </summary>
internal sealed class CodeLocationLoadContext(string name, string mainAssemblyPath)
    : AssemblyLoadContext($"code-location:{name}", isCollectible: false)
{
    private static readonly string[] SharedPrefixes =
    [
        "OrleansAssets.Abstractions",
        "Microsoft.Extensions.",
        "Microsoft.Data.Analysis",
        "Microsoft.ML.DataView",
        "Apache.Arrow",
        "System.",
    ];

    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    public static bool IsShared(AssemblyName assemblyName) =>
        assemblyName.Name is { } n && SharedPrefixes.Any(p => p.EndsWith('.') ? n.StartsWith(p, StringComparison.Ordinal) : n == p);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException)
            {
                // The host does not carry this one (say, a Microsoft.Extensions package only the user uses): take the user's.
            }
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
