namespace OrleansAssets.Client.Http;

/// <summary>
/// The titles of the gateway's problem details that stand for one exception of the SDK: the gateway writes them,
/// the HTTP client reads them, so a 400 about a run config comes back as the <see cref="RunConfigException"/> it is
/// over Orleans, not as a generic request error.
/// </summary>
public static class ProblemTitles
{
    public const string RunConfig = "Bad run config";

    public const string Schedule = "Bad schedule";

    public const string RunEnded = "Run already ended";

    public const string NotExternal = "Not an external asset";
}
