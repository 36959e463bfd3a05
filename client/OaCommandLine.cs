using System.CommandLine;
using OrleansAssets.Assets;
using OrleansAssets.Client;
using OrleansAssets.Client.Http;
using OrleansAssets.Client.Views;
using OrleansAssets.Runs;

namespace OrleansAssets.Cli;

/// <summary>The commands of <c>oa</c>. Every command takes <c>--json</c>; exit codes are in <see cref="ExitCodes"/>.</summary>
internal static partial class OaCommandLine
{
    private const string SelectionHelp = "Which assets, in Dagster's selection syntax: '*', 'key', 'a,b', 'key:\"a*\"', 'tag:k=v', 'owner:x', 'group:g', 'kind:k', 'code_location:c', '+t', 't+', '2+t', '*t', 't*', 'and', 'or', 'not', '( )', 'roots(...)', 'sinks(...)'.";

    private static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON (camelCase, enums as words).", Recursive = true };

    private static readonly Option<string[]> Gateways = new("--gateway")
    {
        Description = "A gateway of the cluster as host:port (repeatable). Without it: OA_GATEWAYS, then ConnectionStrings__Postgres / OA_POSTGRES_*, then the context scripts/cluster wrote to $OA_HOME/context.json, then the dev-mode silo on localhost.",
        Recursive = true,
        AllowMultipleArgumentsPerToken = true,
        CustomParser = Inputs.All<string[]>(Inputs.TryGateways),
    };

    private static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "The cluster's id (else OrleansAssets__Cluster__ClusterId, OA_CLUSTER_ID, the context file's; with --gateway, oa learns it from the gateway).",
        Recursive = true,
        CustomParser = Inputs.One<string>(Inputs.TryClusterId),
    };

    private static readonly Option<Uri> Url = new("--url")
    {
        Description = "Run the command against a gateway's REST API (for example http://localhost:3000) instead of the Orleans client; else OA_URL.",
        Recursive = true,
        CustomParser = Inputs.One<Uri>(Inputs.TryUrl),
    };

    private static readonly Option<string> Token = new("--token")
    {
        Description = "The gateway's token (its OrleansAssets__Auth__Token), sent as Authorization: Bearer; else OA_TOKEN. Never printed.",
        Recursive = true,
    };

    /// <summary>Parses and runs one command line; every failure is one line on stderr and an exit code, never a stack trace.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var root = Create();
            // '@' starts a cron macro (@daily) and --config @FILE, not a response file of System.CommandLine's.
            var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
            {
                var commands = root.Subcommands.Select(c => c.Name).ToList();
                foreach (var line in Output.ParseErrors([.. parse.Errors.Select(e => e.Message)], commands, atRoot: parse.CommandResult.Command == root))
                {
                    Output.Error(line);
                }

                await Console.Error.WriteLineAsync($"See: {string.Join(' ', CommandPath(parse))} --help");
                return ExitCodes.BadInput;
            }

            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // The last resort: whatever escaped the commands' own handling still gets one line, not a stack trace.
            return Fail(e);
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var path = new List<string>();
        for (var symbol = parse.CommandResult; symbol is not null; symbol = symbol.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, symbol.Command.Name);
        }

        path[0] = "oa";
        return path;
    }

    public static RootCommand Create()
    {
        var root = new RootCommand("oa: materialize and inspect OrleansAssets assets.");
        root.Options.Add(Json);
        root.Options.Add(Gateways);
        root.Options.Add(ClusterId);
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Subcommands.Add(AssetsCommand());
        root.Subcommands.Add(AssetCommand());
        root.Subcommands.Add(MaterializeCommand());
        root.Subcommands.Add(ReexecuteCommand());
        root.Subcommands.Add(ReportCommand());
        root.Subcommands.Add(RunsCommand());
        root.Subcommands.Add(RunCommand());
        root.Subcommands.Add(JobsCommand());
        root.Subcommands.Add(JobCommand());
        root.Subcommands.Add(AutomationsCommand(Automation.AutomationKind.Schedule));
        root.Subcommands.Add(AutomationCommand(Automation.AutomationKind.Schedule));
        root.Subcommands.Add(AutomationsCommand(Automation.AutomationKind.Sensor));
        root.Subcommands.Add(AutomationCommand(Automation.AutomationKind.Sensor));
        root.Subcommands.Add(QueueCommand());
        root.Subcommands.Add(CancelCommand());
        root.Subcommands.Add(SilosCommand());
        root.Subcommands.Add(CodeLocationsCommand());
        return root;
    }

    private static Command AssetsCommand()
    {
        var select = new Option<string>("--select", "-s") { Description = SelectionHelp + " An unknown key is skipped with a warning, as 'dagster asset list' does." };
        var command = new Command("assets", "List every asset (or a selection's) with its code location and status.") { select };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var assets = parse.GetValue(select) is { } selection ? await SelectAssetsAsync(client, selection, ct) : await client.ListAssetsAsync(ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(new { assets });
                return ExitCodes.Success;
            }

            Output.WriteTable(
                ["asset", "kind", "group", "code location", "status", "last materialized", "depends on", "stale because"],
                assets.Select(a => new[]
                {
                    // External assets are reported, never run: the column says so before anyone tries oa materialize.
                    a.Key, a.IsExternal ? "external" : "asset", a.Group, a.CodeLocation, Output.Word(a.Status), Output.Time(a.LastMaterializedAt), string.Join(", ", a.Dependencies),
                    // "never materialized" is what the status says already; the column tells why a materialized asset is behind.
                    string.Join("; ", a.StaleReasons.Where(r => r.Kind != StaleReasonKind.NeverMaterialized).Select(r => r.Message)),
                }));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Every page of a selection's assets; the unknown keys it skipped are warned about on stderr, so --json output stays clean.</summary>
    private static async Task<List<Queries.AssetSummary>> SelectAssetsAsync(IOrleansAssetsClient client, string selection, CancellationToken ct)
    {
        var assets = new List<Queries.AssetSummary>();
        var offset = 0;
        while (true)
        {
            var page = await client.FindAssetsAsync(new Queries.AssetQuery { Selection = selection, SkipUnknownKeys = true, Offset = offset, Limit = 1000 }, ct);
            if (offset == 0)
            {
                foreach (var warning in page.Warnings)
                {
                    await Console.Error.WriteLineAsync($"warning: {Output.Tidy(warning)}; skipped.");
                }
            }

            assets.AddRange(page.Items);
            if (page.NextOffset is not { } next)
            {
                return assets;
            }

            offset = next;
        }
    }

    private static Command AssetCommand()
    {
        var key = new Argument<string>("key") { Description = "The asset key, for example sales_summary." };
        var command = new Command("asset", "Show one asset: definition, status and its latest materialization's metadata.") { key };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var view = AssetView.From(await client.GetAssetAsync(parse.GetValue(key)!, ct));
            if (parse.GetValue(Json))
            {
                Output.WriteJson(view);
                return ExitCodes.Success;
            }

            Console.WriteLine($"{view.Key}  ({view.CodeLocation}, group {view.Group})  {Output.Word(view.Status)}");
            if (view.Description is not null)
            {
                Console.WriteLine(view.Description);
            }

            if (view.External == true)
            {
                Console.WriteLine($"external asset: produced outside OrleansAssets, never materialized by a run; report a materialization with: oa report {view.Key} --metadata name=value");
            }

            Console.WriteLine($"depends on: {(view.Dependencies.Count == 0 ? "-" : string.Join(", ", view.Dependencies))}; used by: {(view.Dependents.Count == 0 ? "-" : string.Join(", ", view.Dependents))}");
            if (view.CodeVersion is not null)
            {
                Console.WriteLine($"code version: {view.CodeVersion}");
            }

            if (view.Retry is { } retry)
            {
                Console.WriteLine($"retry: up to {retry.MaxAttempts} attempts, {(retry.Exponential ? "exponential" : "fixed")} backoff from {UserText.Duration(TimeSpan.FromMilliseconds(retry.DelayMs))}"
                    + (retry.Jitter > 0 ? $", jitter {retry.Jitter:P0}" : "")
                    + (retry.NeverRetry.Count > 0 ? $", never for {string.Join(", ", retry.NeverRetry)}" : ""));
            }

            if (view.Kinds is { Count: > 0 } kinds)
            {
                Console.WriteLine($"kinds: {string.Join(", ", kinds)}");
            }

            if (view.MultiAsset is { } multi)
            {
                Console.WriteLine(view.Subsettable == true
                    ? $"output of multi-asset {multi}: one step computes it with its siblings; a run may select some of them"
                    : $"output of multi-asset {multi}: one step computes it with its siblings, which a run must select with it");
            }

            // Every reason on a line of its own: a code change and an upstream's new data call for different fixes.
            // "never materialized" is what the status says already (--json has it).
            foreach (var reason in (view.StaleReasons ?? []).Where(r => r.Kind != StaleReasonKind.NeverMaterialized))
            {
                Console.WriteLine($"stale: {reason.Message}");
            }

            if (view.LatestMaterialization is { } latest)
            {
                // A report took no time of ours: it has no duration to show, and its id is no run's.
                Console.WriteLine($"latest materialization: {(latest.Reported ? $"reported (report {latest.RunId}) at {Output.Time(latest.Timestamp)}" : $"run {latest.RunId} at {Output.Time(latest.Timestamp)} in {Output.Duration(latest.DurationMs)}")}, data version {latest.DataVersion}{(latest.CodeVersion is null ? "" : $", code version {latest.CodeVersion}")}");
                Output.WriteTable(["metadata", "type", "value"], latest.Metadata.Select(m => new[] { m.Key, Output.Word(m.Value.Kind), m.Value.ToString() }));
            }

            if (view.LastFailure is { } failure)
            {
                Console.WriteLine($"last failure: run {failure.RunId} at {Output.Time(failure.Timestamp)}: {failure.Error}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command MaterializeCommand()
    {
        var select = new Option<string>("--select", "-s") { Description = SelectionHelp + " Every key it names must exist.", Required = true };
        var wait = new Option<bool>("--wait", "-w") { Description = "Follow the run until it ends, showing steps as they finish; exit 1 if it fails." };
        var tags = new Option<Dictionary<string, string>>("--tag")
        {
            Description = "A run tag as key=value (repeatable, each key once).",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = Inputs.All<Dictionary<string, string>>(Inputs.TryTags),
        };
        var command = new Command("materialize", "Start a run that materializes the selected assets.") { select, wait, tags };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, client => StartRunAsync(
            client,
            () => client.MaterializeAsync(parse.GetValue(select)!, parse.GetValue(tags) ?? [], ct),
            parse.GetValue(wait),
            parse.GetValue(Json),
            run => new { run.RunId, run.Status, run.AssetKeys },
            run => $"Run {run.RunId} queued: {string.Join(", ", run.AssetKeys)}",
            ct)));
        return command;
    }

    private static Command ReexecuteCommand()
    {
        var id = new Argument<Guid>("id") { Description = "The finished run to execute again.", CustomParser = Inputs.One<Guid>(Inputs.TryRunId) };
        var fromFailure = new Option<bool>("--from-failure") { Description = "Only the steps that failed, were canceled or did not run, reusing what the run materialized for the rest." };
        var wait = new Option<bool>("--wait", "-w") { Description = "Follow the new run until it ends, showing steps as they finish; exit 1 if it fails." };
        var tags = new Option<Dictionary<string, string>>("--tag")
        {
            Description = "A tag as key=value added to the run's (repeatable, each key once).",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = Inputs.All<Dictionary<string, string>>(Inputs.TryTags),
        };
        var command = new Command("reexecute", "Start a run that executes a finished run again: every step, or only from failure. It records its parent and root run.") { id, fromFailure, wait, tags };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, client => StartRunAsync(
            client,
            () => client.ReexecuteRunAsync(parse.GetValue(id), parse.GetValue(fromFailure), parse.GetValue(tags) ?? [], ct),
            parse.GetValue(wait),
            parse.GetValue(Json),
            run => new { run.RunId, run.Status, run.AssetKeys, run.ParentRunId, run.RootRunId },
            run => $"Run {run.RunId} queued, re-executing run {run.ParentRunId}{(parse.GetValue(fromFailure) ? " from failure" : "")}: {string.Join(", ", run.AssetKeys.Concat(run.Ops))}",
            ct)));
        return command;
    }

    private static Command ReportCommand()
    {
        var key = new Argument<string>("key") { Description = "The external asset's key (an asset declared with AddExternalAsset), for example partner_feed." };
        var metadata = new Option<Dictionary<string, MetadataValue>>("--metadata", "-m")
        {
            Description = "Metadata of the materialization as name=value (repeatable, each name once). " + Inputs.MetadataRule,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = Inputs.All<Dictionary<string, MetadataValue>>(Inputs.TryMetadata),
        };
        var dataVersion = new Option<string>("--data-version") { Description = "The producer's version of the data (for example a file's checksum or date); derived from the metadata when left out." };
        var reportId = new Option<Guid?>("--report-id")
        {
            Description = "An id that makes the report once: run the same command again with it after a lost answer and nothing new is recorded. A fresh one when left out.",
            CustomParser = result => result.Tokens.Count == 0 ? null : Inputs.One<Guid>(Inputs.TryReportId)(result),
        };
        var command = new Command("report", "Report a materialization of an external asset, one produced outside OrleansAssets: it is recorded, and its downstream assets show stale (runs never materialize an external asset).")
        {
            key, metadata, dataVersion, reportId,
        };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var record = await client.ReportMaterializationAsync(parse.GetValue(key)!, parse.GetValue(metadata) ?? [], parse.GetValue(dataVersion), parse.GetValue(reportId) ?? Guid.NewGuid(), ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(record);
                return ExitCodes.Success;
            }

            Console.WriteLine($"Reported a materialization of {record.AssetKey} at {Output.Time(record.Timestamp)}: data version {record.DataVersion}, report {record.RunId}");
            Output.WriteTable(["metadata", "type", "value"], record.Metadata.Select(m => new[] { m.Key, Output.Word(m.Value.Kind), m.Value.ToString() }));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// Starts a run, then says it is queued (as JSON or a line) or, with <paramref name="wait"/>, follows it to its end:
    /// what materialize, job run and reexecute share. An outage while starting may have lost only the answer.
    /// </summary>
    private static async Task<int> StartRunAsync(IOrleansAssetsClient client, Func<Task<RunRecord>> start, bool wait, bool json, Func<RunRecord, object> queuedJson, Func<RunRecord, string> queuedLine, CancellationToken ct)
    {
        RunRecord run;
        try
        {
            run = await start();
        }
        catch (Exception e) when (ClusterErrors.Classify(e) is { } outage && e is not GatewayUnreachableException { MayHaveArrived: false })
        {
            // The answer was lost, not necessarily the run: it may have been recorded before the outage.
            throw new ClusterUnreachableException($"{Output.Outage(outage, null)} The run may have started anyway: oa runs --limit 5 lists the latest.", outage.Kind == OutageKind.Storage, e);
        }

        if (wait)
        {
            return await FollowAsync(client, run, json, ct);
        }

        if (json)
        {
            Output.WriteJson(queuedJson(run));
        }
        else
        {
            Console.WriteLine(queuedLine(run));
            Console.WriteLine($"Follow it with: oa run {run.RunId}");
        }

        return ExitCodes.Success;
    }

    /// <summary>Follows a run it started until it ends, showing its steps as they finish; its outcome is the exit code.</summary>
    private static async Task<int> FollowAsync(IOrleansAssetsClient client, RunRecord run, bool json, CancellationToken ct)
    {
        var progress = json ? Console.Error : Console.Out;
        progress.WriteLine($"Run {run.RunId}: {string.Join(", ", run.AssetKeys)}");
        RunDetails finished;
        try
        {
            finished = await client.WaitForRunAsync(
            run.RunId,
            new SynchronousProgress<RunEvent>(e =>
            {
                if (Output.Describe(e) is { } line)
                {
                    progress.WriteLine(line);
                }
            }),
            // The run goes on while the storage or a gateway is away: keep waiting, and say so on stderr.
            RunWatchOptions.Default with { Interruptions = new SynchronousProgress<RunWatchInterruption>(i => Console.Error.WriteLine(Output.Describe(i))) },
            ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"Stopped waiting; run {run.RunId} goes on. Follow it with: oa run {run.RunId}");
            return ExitCodes.Interrupted;
        }

        if (json)
        {
            Output.WriteJson(RunView.From(finished));
        }

        return finished.Run.Status == RunStatus.Success ? ExitCodes.Success : ExitCodes.RunFailed;
    }

    private static Command RunsCommand()
    {
        var status = new Option<RunStatus[]>("--status")
        {
            Description = "Only runs with these statuses (queued, started, success, failure, canceled; repeatable or comma-separated).",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = Inputs.All<RunStatus[]>(Inputs.TryStatuses),
        };
        var limit = new Option<int>("--limit")
        {
            Description = $"How many runs, newest first (1 to {Inputs.MaxLimit}).",
            DefaultValueFactory = _ => 20,
            CustomParser = Inputs.One<int>(Inputs.TryLimit),
        };
        var tags = new Option<Dictionary<string, string>>("--tag")
        {
            Description = "Only runs with this tag, as key=value (repeatable: runs with every one of them).",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = Inputs.All<Dictionary<string, string>>(Inputs.TryTags),
        };
        var command = new Command("runs", "List recent runs, newest first.") { status, limit, tags };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var runs = await client.ListRunsAsync(new RunQuery { Statuses = [.. parse.GetValue(status) ?? []], Limit = parse.GetValue(limit), Tags = parse.GetValue(tags) ?? [] }, ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(new { runs });
                return ExitCodes.Success;
            }

            Output.WriteTable(
                ["run", "status", "selection", "assets", "created", "duration"],
                runs.Select(r => new[]
                {
                    r.RunId.ToString(), Output.Word(r.Status), r.Selection, r.AssetKeys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Output.Time(r.CreatedAt), Output.Duration((r.EndedAt - r.StartedAt)?.TotalMilliseconds),
                }));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command RunCommand()
    {
        var id = new Argument<Guid>("id") { Description = "The run id.", CustomParser = Inputs.One<Guid>(Inputs.TryRunId) };
        var command = new Command("run", "Show one run: status, steps, events and logs.") { id };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var details = await client.GetRunAsync(parse.GetValue(id), cancellationToken: ct);
            var view = RunView.From(details);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(view);
                return ExitCodes.Success;
            }

            Console.WriteLine($"Run {view.RunId}  {Output.Word(view.Status)}  selection '{view.Selection}'  created {Output.Time(view.CreatedAt)}  {Output.Duration(view.DurationMs)}");
            if (view.Error is not null)
            {
                Console.WriteLine($"error: {view.Error}");
            }

            Output.WriteTable(
                ["step", "status", "attempts", "duration", "error"],
                view.Steps.Select(s => new[] { s.AssetKey, Output.Word(s.Status), s.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), Output.Duration(s.DurationMs), s.Error?.ToString() }));
            foreach (var line in view.Events.Select(Output.Describe).OfType<string>())
            {
                Console.WriteLine(line);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command SilosCommand()
    {
        var command = new Command("silos", "List the cluster's silos, live and dead, with the code locations they load.");
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var silos = await client.ListSilosAsync(ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(new { silos });
                return ExitCodes.Success;
            }

            Output.WriteTable(
                ["address", "status", "code locations", "gateway", "started", "host"],
                silos.Select(s => new[] { s.Address, Output.Word(s.Status), string.Join(", ", s.CodeLocations), s.Gateway, Output.Time(s.StartedAt), s.HostName }));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CodeLocationsCommand()
    {
        var command = new Command("code-locations", "List the code locations of the cluster and the live silos that load each.");
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var locations = await client.ListCodeLocationsAsync(ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(new { codeLocations = locations });
                return ExitCodes.Success;
            }

            Output.WriteTable(
                ["code location", "assembly", "version", "assets", "live silos"],
                locations.Select(l => new[] { l.Name, l.Assembly, l.Version, l.AssetCount.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(", ", l.Silos) }));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>
    /// Connects (over a gateway's REST API with <c>--url</c> / <c>OA_URL</c>, else over the Orleans client), runs
    /// the command, and turns failures into one line on stderr and an exit code, the same either way.
    /// </summary>
    private static async Task<int> WithClusterAsync(ParseResult parse, CancellationToken cancellationToken, Func<IOrleansAssetsClient, Task<int>> command)
    {
        ClusterTarget? target = null;
        HttpTarget? http = null;
        try
        {
            var gateways = parse.GetValue(Gateways) ?? [];
            http = HttpTarget.Resolve(parse.GetValue(Url), gateways, parse.GetResult(ClusterId) is { Implicit: false }, parse.GetValue(Token));
            if (http is not null)
            {
                using var client = http.Connect();
                return await command(client);
            }

            target = ClusterContext.Resolve(gateways, parse.GetValue(ClusterId));
            await using var session = await ClusterSession.ConnectAsync(target, Console.Error, cancellationToken);
            return await command(session.Client);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Interrupted.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            return Fail(e, target, http);
        }
    }

    /// <summary>One line on stderr for a failure, and the exit code README promises for it.</summary>
    private static int Fail(Exception e, ClusterTarget? target = null, HttpTarget? http = null)
    {
        var (code, message) = e switch
        {
            BadInputException => (ExitCodes.BadInput, e.Message),
            ClusterUnreachableException => (ExitCodes.Unreachable, e.Message),
            // A missing or wrong token is the caller's to fix, like any bad input: trying again as it is cannot help.
            GatewayAuthenticationException { TokenSent: false } auth =>
                (ExitCodes.BadInput, $"The gateway at {http?.Describe() ?? auth.Url.ToString()} needs a token: pass --token TOKEN or set OA_TOKEN (the token is the gateway's OrleansAssets__Auth__Token)."),
            GatewayAuthenticationException auth =>
                (ExitCodes.BadInput, $"The gateway at {http?.Describe() ?? auth.Url.ToString()} refused the token from {http?.TokenSource ?? "--token"}: it is not the gateway's token (its OrleansAssets__Auth__Token)."),
            GatewayUnreachableException unreachable =>
                (ExitCodes.Unreachable, $"{unreachable.Message} oa looked there because of {http?.Source ?? "--url"}. Start a gateway (dotnet run --project silo serves one on http://localhost:3000; scripts/cluster up prints its URL), or pass another --url."),
            _ when ClusterErrors.Classify(e) is { } outage => (ExitCodes.Unreachable, Output.Outage(outage, target)),
            // Ours, and about the request: an unknown asset or run, a bad selection.
            OrleansAssetsException => (ExitCodes.BadInput, e.Message),
            _ => (ExitCodes.RunFailed, $"oa failed unexpectedly: {e.Message}"),
        };
        Output.Error(message);
        return code;
    }
}
