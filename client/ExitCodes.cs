namespace OrleansAssets.Cli;

/// <summary>What <c>oa</c> returns, so scripts can tell a failed run from bad input from no cluster.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The run ended in failure or was canceled; also what <c>oa</c> returns when it fails in a way it did not foresee.</summary>
    public const int RunFailed = 1;

    /// <summary>The input was bad: an unknown command, option, asset or run, a bad selection, a malformed value.</summary>
    public const int BadInput = 2;

    /// <summary>No cluster answered, or its storage is away (the database is unreachable or failing).</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted (Ctrl+C, SIGTERM), as shells expect; a run already started goes on.</summary>
    public const int Interrupted = 130;
}
