using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Analysis;
using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;

namespace OrleansAssets.IO;

/// <summary>
/// The default IO manager: each run's value of an asset is one file under <c>{root}/{asset key}/</c>, an Arrow
/// IPC file for a data frame and a JSON file for anything else. A value is written to a temporary file and
/// renamed into place, so a reader sees a whole version or none. As new versions land, the ones that are both
/// beyond the newest <see cref="FileSystemIOManagerOptions.KeepVersions"/> and older than
/// <see cref="FileSystemIOManagerOptions.KeepFor"/> are removed.
/// </summary>
public sealed class FileSystemIOManager(IOptions<OrleansAssetsOptions> options) : IIOManager
{
    private const string FrameExtension = ".arrow";
    private const string JsonExtension = ".json";

    private readonly FileSystemIOManagerOptions _options = options.Value.IOManager;

    public string Root => Path.GetFullPath(_options.Root);

    public async ValueTask<StoredValue> StoreAsync(OutputContext context, object value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var directory = AssetDirectory(context.AssetKey);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName(context.RunId, value is DataFrame ? FrameExtension : JsonExtension));
        var temporary = Path.Combine(directory, $".{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                if (value is DataFrame frame)
                {
                    await ArrowDataFrameFormat.WriteAsync(frame, file, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await JsonSerializer.SerializeAsync(file, value, value.GetType(), JsonDefaults.Web, cancellationToken).ConfigureAwait(false);
                }

                // The rename below must not publish a file whose bytes are still only in the page cache.
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            var version = await HashAsync(temporary, cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
            PruneOldVersions(directory);
            return new StoredValue(path, version, new FileInfo(path).Length);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public async ValueTask<object?> LoadAsync(InputContext context, Type valueType, CancellationToken cancellationToken)
    {
        var directory = AssetDirectory(context.UpstreamKey);
        var frame = Path.Combine(directory, FileName(context.ProducedByRun, FrameExtension));
        var json = Path.Combine(directory, FileName(context.ProducedByRun, JsonExtension));
        if (File.Exists(frame))
        {
            if (!valueType.IsAssignableFrom(typeof(DataFrame)))
            {
                throw new InvalidOperationException($"Asset '{context.ForAssetKey}' takes '{context.UpstreamKey}' as {valueType.Name}, but its stored value is a DataFrame.");
            }

            await using var file = new FileStream(frame, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            return await ArrowDataFrameFormat.ReadAsync(file, cancellationToken).ConfigureAwait(false);
        }

        if (File.Exists(json))
        {
            await using var file = new FileStream(json, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            return await JsonSerializer.DeserializeAsync(file, valueType, JsonDefaults.Web, cancellationToken).ConfigureAwait(false);
        }

        throw new FileNotFoundException(
            $"No stored value of '{context.UpstreamKey}' from run {context.ProducedByRun} under {directory}; it may have been pruned (OrleansAssets:IOManager:KeepVersions and KeepFor keep more) or the IO manager's root differs between silos.",
            frame);
    }

    private string AssetDirectory(string assetKey) => Path.Combine([Root, .. assetKey.Split('/')]);

    private static string FileName(Guid runId, string extension) => runId.ToString("N") + extension;

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var hash = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash)[..16];
    }

    private void PruneOldVersions(string directory)
    {
        var cutoff = DateTime.UtcNow - _options.KeepFor;
        var versions = new DirectoryInfo(directory)
            .EnumerateFiles()
            .Where(f => f.Extension is FrameExtension or JsonExtension)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Skip(Math.Max(1, _options.KeepVersions))
            .Where(f => f.LastWriteTimeUtc < cutoff);
        foreach (var old in versions)
        {
            try
            {
                old.Delete();
            }
            catch (IOException)
            {
                // Another silo pruned it first, or a reader still holds it on a file system that forbids deleting open files.
            }
        }
    }
}
