using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansAssets;

namespace SalesPipeline;

/// <summary>
/// The article's "a new file exists" sensor: each CSV in the inbox asks for one <c>sales_job</c> run whose
/// <c>raw_sales_data</c> reads that file. The run key is the file's name, size and time of last change, so the
/// same file never runs twice (the cluster keeps run keys across restarts), and a file replaced with new content
/// runs again. Files starting with '.' are still being written (copy to <c>.name.tmp</c>, then rename).
/// </summary>
public static class SalesInbox
{
    public static ValueTask<SensorResult> EvaluateAsync(SensorContext context)
    {
        var inbox = context.Services.GetRequiredService<SalesFiles>().InboxPath;
        if (!Directory.Exists(inbox))
        {
            return ValueTask.FromResult(new SensorResult { SkipReason = $"the inbox {inbox} does not exist (yet)" });
        }

        var requests = new List<SensorRunRequest>();
        var newest = context.Cursor;
        foreach (var file in new DirectoryInfo(inbox).EnumerateFiles("*.csv").Where(f => !f.Name.StartsWith('.')).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var changed = file.LastWriteTimeUtc.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
            requests.Add(new SensorRunRequest($"{file.Name}@{changed}/{file.Length}")
            {
                Tags = new Dictionary<string, string> { ["sales/file"] = file.Name },
                Config = new Dictionary<string, object> { ["raw_sales_data"] = new Dictionary<string, string> { ["path"] = file.FullName } },
            });
            newest = string.CompareOrdinal(changed, newest) > 0 ? changed : newest;
        }

        context.Log.LogDebug("Inbox {Inbox}: {Count} CSV file(s)", inbox, requests.Count);
        return ValueTask.FromResult(new SensorResult
        {
            RunRequests = requests,
            Cursor = newest,
            SkipReason = requests.Count == 0 ? $"no CSV file in {inbox}" : null,
        });
    }
}
