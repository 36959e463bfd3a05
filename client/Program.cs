using OrleansAssets.Cli;

// A failure on a thread of the Orleans client that nothing awaits would end the process with a stack trace:
// say it in one line instead, as every other failure is said.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    Output.Error($"oa failed unexpectedly: {(e.ExceptionObject as Exception)?.Message ?? "unknown error"}");
    Environment.Exit(ExitCodes.RunFailed);
};

return await OaCommandLine.RunAsync(args);
