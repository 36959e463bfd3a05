using System.Globalization;
using OrleansAssets.Runs;

namespace OrleansAssets.Client;

/// <summary>
/// A cancel asked of a run that already ended. The run grain returns such a run unchanged; the clients say so, so
/// a caller does not take an old outcome for the effect of its cancel. Over HTTP it is the 409 of the cancel.
/// </summary>
public sealed class RunEndedException : OrleansAssetsException
{
    public RunEndedException()
    {
    }

    public RunEndedException(string message) : base(message)
    {
    }

    public RunEndedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal static RunEndedException For(RunRecord run)
    {
        var status = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(run.Status.ToString());
        var at = run.EndedAt is { } ended ? " at " + ended.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";
        return new RunEndedException($"Run {run.RunId} already ended ({status}{at}); there is nothing to cancel.");
    }
}
