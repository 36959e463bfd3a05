using OrleansAssets.Cli;

return await OaCommandLine.Create().Parse(args).InvokeAsync();
