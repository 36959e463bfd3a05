using System.CommandLine;
using OrleansAssets.Client;
using OrleansAssets.Client.Views;
using OrleansAssets.Runs;

namespace OrleansAssets.Cli;

/// <summary>The commands of <c>oa</c>. Every command takes <c>--json</c>; exit codes are in <see cref="ExitCodes"/>.</summary>
internal static class OaCommandLine
{
    private static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON (camelCase, enums as words).", Recursive = true };

    private static readonly Option<string[]> Gateways = new("--gateway")
    {
        Description = "A gateway of the cluster as host:port (repeatable). Without it: OA_GATEWAYS, then ConnectionStrings__Postgres / OA_POSTGRES_*, then the context scripts/cluster wrote to $OA_HOME/context.json, then the dev-mode silo on localhost.",
        Recursive = true,
        AllowMultipleArgumentsPerToken = true,
    };

    public static RootCommand Create()
    {
        var root = new RootCommand("oa: materialize and inspect OrleansAssets assets.");
        root.Options.Add(Json);
        root.Options.Add(Gateways);
        root.Subcommands.Add(AssetsCommand());
        root.Subcommands.Add(AssetCommand());
        root.Subcommands.Add(MaterializeCommand());
        root.Subcommands.Add(RunsCommand());
        root.Subcommands.Add(RunCommand());
        root.Subcommands.Add(SilosCommand());
        root.Subcommands.Add(CodeLocationsCommand());
        return root;
    }

    private static Command AssetsCommand()
    {
        var command = new Command("assets", "List every asset with its code location and status.");
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var assets = await client.ListAssetsAsync();
            if (parse.GetValue(Json))
            {
                Output.WriteJson(assets);
                return ExitCodes.Success;
            }

            Output.WriteTable(
                ["asset", "group", "code location", "status", "last materialized", "depends on"],
                assets.Select(a => new[] { a.Key, a.Group, a.CodeLocation, Output.Word(a.Status), Output.Time(a.LastMaterializedAt), string.Join(", ", a.Dependencies) }));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command AssetCommand()
    {
        var key = new Argument<string>("key") { Description = "The asset key, for example sales_summary." };
        var command = new Command("asset", "Show one asset: definition, status and its latest materialization's metadata.") { key };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var view = AssetView.From(await client.GetAssetAsync(parse.GetValue(key)!));
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

            Console.WriteLine($"depends on: {(view.Dependencies.Count == 0 ? "-" : string.Join(", ", view.Dependencies))}; used by: {(view.Dependents.Count == 0 ? "-" : string.Join(", ", view.Dependents))}");
            if (view.StaleBecause.Count > 0)
            {
                Console.WriteLine($"stale: {string.Join(", ", view.StaleBecause)} changed since");
            }

            if (view.LatestMaterialization is { } latest)
            {
                Console.WriteLine($"latest materialization: run {latest.RunId} at {Output.Time(latest.Timestamp)} in {Output.Duration(latest.DurationMs)}, data version {latest.DataVersion}");
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
        var select = new Option<string>("--select", "-s") { Description = "Which assets: '*', 'key', 'a,b', 'key+', '+key', 'key*', '*key', 'group:name', 'tag:k=v'.", Required = true };
        var wait = new Option<bool>("--wait", "-w") { Description = "Follow the run until it ends, showing steps as they finish; exit 1 if it fails." };
        var tags = new Option<string[]>("--tag") { Description = "A run tag as key=value (repeatable).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("materialize", "Start a run that materializes the selected assets.") { select, wait, tags };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var json = parse.GetValue(Json);
            var runTags = ParseTags(parse.GetValue(tags) ?? []);
            var run = await client.MaterializeAsync(parse.GetValue(select)!, runTags);
            if (!parse.GetValue(wait))
            {
                if (json)
                {
                    Output.WriteJson(new { run.RunId, run.Status, run.AssetKeys });
                }
                else
                {
                    Console.WriteLine($"Run {run.RunId} queued: {string.Join(", ", run.AssetKeys)}");
                    Console.WriteLine($"Follow it with: oa run {run.RunId}");
                }

                return ExitCodes.Success;
            }

            var progress = json ? Console.Error : Console.Out;
            progress.WriteLine($"Run {run.RunId}: {string.Join(", ", run.AssetKeys)}");
            var finished = await client.WaitForRunAsync(
                run.RunId,
                new SynchronousProgress<RunEvent>(e =>
                {
                    if (Output.Describe(e) is { } line)
                    {
                        progress.WriteLine(line);
                    }
                }),
                cancellationToken: ct);
            if (json)
            {
                Output.WriteJson(RunView.From(finished));
            }

            return finished.Run.Status == RunStatus.Success ? ExitCodes.Success : ExitCodes.RunFailed;
        }));
        return command;
    }

    private static Command RunsCommand()
    {
        var status = new Option<RunStatus[]>("--status") { Description = "Only runs with these statuses (queued, started, success, failure, canceled).", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int>("--limit") { Description = "How many runs, newest first.", DefaultValueFactory = _ => 20 };
        var command = new Command("runs", "List recent runs, newest first.") { status, limit };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var runs = await client.ListRunsAsync(new RunQuery { Statuses = [.. parse.GetValue(status) ?? []], Limit = parse.GetValue(limit) });
            if (parse.GetValue(Json))
            {
                Output.WriteJson(runs);
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
        var id = new Argument<Guid>("id") { Description = "The run id." };
        var command = new Command("run", "Show one run: status, steps, events and logs.") { id };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var details = await client.GetRunAsync(parse.GetValue(id));
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
            var silos = await client.ListSilosAsync();
            if (parse.GetValue(Json))
            {
                Output.WriteJson(silos);
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
            var locations = await client.ListCodeLocationsAsync();
            if (parse.GetValue(Json))
            {
                Output.WriteJson(locations);
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

    private static Dictionary<string, string> ParseTags(IEnumerable<string> tags)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new OrleansAssetsException($"Tag '{tag}' is not key=value.");
            }

            parsed[tag[..equals]] = tag[(equals + 1)..];
        }

        return parsed;
    }

    /// <summary>Connects, runs the command, and turns failures into one line on stderr and an exit code.</summary>
    private static async Task<int> WithClusterAsync(ParseResult parse, CancellationToken cancellationToken, Func<OrleansAssetsClient, Task<int>> command)
    {
        try
        {
            var target = ClusterContext.Resolve(parse.GetValue(Gateways) ?? []);
            await using var session = await ClusterSession.ConnectAsync(target, cancellationToken);
            return await command(session.Client);
        }
        catch (ClusterUnreachableException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Unreachable;
        }
        catch (OrleansAssetsException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
    }
}
