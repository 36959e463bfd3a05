namespace OrleansAssets.Cli;

/// <summary>What <c>oa</c> returns, so scripts can tell a failed run from bad input from no cluster.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The run ended in failure (or was canceled).</summary>
    public const int RunFailed = 1;

    /// <summary>The input was bad: an unknown asset or run, a bad selection, a malformed option.</summary>
    public const int BadInput = 2;

    /// <summary>No cluster answered.</summary>
    public const int Unreachable = 3;
}
