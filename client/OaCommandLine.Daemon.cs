using System.CommandLine;
using System.Globalization;
using OrleansAssets.Automation;
using OrleansAssets.Client;
using OrleansAssets.Client.Views;
using OrleansAssets.Runs;

namespace OrleansAssets.Cli;

/// <summary>The daemon's commands: jobs, schedules, sensors, the run queue and cancel.</summary>
internal static partial class OaCommandLine
{
    /// <summary>Who <c>oa</c> records as having asked for a change (a start, a stop, a cancel).</summary>
    private static string Caller => $"oa ({Environment.UserName}@{Environment.MachineName})";

    private static Command JobsCommand()
    {
        var command = new Command("jobs", "List the jobs: named selections of assets and ops, launched by name.");
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var jobs = await client.ListJobsAsync(ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(new { jobs });
                return ExitCodes.Success;
            }

            Output.WriteTable(
                ["job", "code location", "selection", "ops", "tags", "priority", "description"],
                jobs.Select(j => new[]
                {
                    j.Job.Name, j.Job.CodeLocation, j.Job.Selection ?? "", string.Join(", ", j.Job.Ops), Tags(j.Job.Tags),
                    j.Job.Priority.ToString(CultureInfo.InvariantCulture), j.Job.Description ?? "",
                }));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command JobCommand()
    {
        var name = new Argument<string>("name") { Description = "The job's name, for example sales_job (oa jobs lists them).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("job", "Show one job with its steps; 'oa job run NAME' starts it.") { name };
        command.Subcommands.Add(JobRunCommand());
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var info = await client.GetJobAsync(Required(parse.GetValue(name), "job", "oa job sales_job"), ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(info);
                return ExitCodes.Success;
            }

            var job = info.Job;
            Console.WriteLine($"{job.Name}  ({job.CodeLocation})  priority {job.Priority}");
            if (job.Description is not null)
            {
                Console.WriteLine(job.Description);
            }

            Console.WriteLine($"selection: {job.Selection ?? "-"}; ops: {(job.Ops.Count == 0 ? "-" : string.Join(", ", job.Ops))}; tags: {(job.Tags.Count == 0 ? "-" : Tags(job.Tags))}");
            if (job.DefaultConfig is not null)
            {
                Console.WriteLine($"default config: {job.DefaultConfig}");
            }

            Output.WriteTable(
                ["step", "kind", "depends on", "config fields"],
                info.Steps.Select(s => new[]
                {
                    s.Key, Output.Word(s.Kind), string.Join(", ", s.Dependencies),
                    string.Join(", ", s.Config.Select(f => $"{f.Name}: {f.Type}{(f.Required ? "" : "?")}")),
                }));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command JobRunCommand()
    {
        var name = new Argument<string>("name") { Description = "The job to run, for example sales_job." };
        var config = new Option<string>("--config")
        {
            Description = "The run config: JSON (an object by step key), or @FILE to read it from a file. Without it, the job's default.",
            CustomParser = Inputs.One<string>(Inputs.TryConfig),
        };
        var wait = new Option<bool>("--wait", "-w") { Description = "Follow the run until it ends, showing steps as they finish; exit 1 if it fails." };
        var tags = new Option<Dictionary<string, string>>("--tag")
        {
            Description = "A run tag as key=value (repeatable, each key once); these win over the job's tags.",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = Inputs.All<Dictionary<string, string>>(Inputs.TryTags),
        };
        var command = new Command("run", "Start a run of a job, as oa materialize starts one of a selection.") { name, config, wait, tags };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, client => StartRunAsync(
            client,
            () => client.LaunchJobAsync(parse.GetValue(name)!, parse.GetValue(config), parse.GetValue(tags) ?? [], ct),
            parse.GetValue(wait),
            parse.GetValue(Json),
            RunOf,
            run => $"Run {run.RunId} of job {run.Job} queued: {string.Join(", ", run.AssetKeys.Concat(run.Ops))}",
            ct)));
        return command;
    }

    private static Command AutomationsCommand(AutomationKind kind)
    {
        var schedule = kind == AutomationKind.Schedule;
        var command = new Command(schedule ? "schedules" : "sensors", schedule
            ? "List the schedules with their status, cron and zone, and their next and last ticks."
            : "List the sensors with their status, kind and last tick.");
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var all = schedule ? await client.ListSchedulesAsync(ct) : await client.ListSensorsAsync(ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(schedule ? new { schedules = all } : (object)new { sensors = all });
                return ExitCodes.Success;
            }

            if (schedule)
            {
                Output.WriteTable(
                    ["schedule", "status", "cron", "time zone", "runs", "next tick", "last tick"],
                    all.Select(a => new[] { a.Name, Output.Word(a.Status), a.Cron, a.TimeZone, Target(a), a.NextTicks.Count > 0 ? ScheduleClock.Format(a.NextTicks[0]) : "", LastTick(a.LastTick) }));
            }
            else
            {
                Output.WriteTable(
                    ["sensor", "status", "kind", "every / watches", "runs", "last tick"],
                    all.Select(a => new[] { a.Name, Output.Word(a.Status), a.SensorKind is { } k ? Output.Word(k) : "", Watches(a), Target(a), LastTick(a.LastTick) }));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command AutomationCommand(AutomationKind kind)
    {
        var one = kind == AutomationKind.Schedule ? "schedule" : "sensor";
        var example = kind == AutomationKind.Schedule ? "sales_daily" : "sales_inbox";
        var name = new Argument<string>("name") { Description = $"The {one}'s name, for example {example} (oa {one}s lists them).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(one, $"Show one {one}; start, stop, ticks{(kind == AutomationKind.Schedule ? " and preview" : "")} act on it.") { name };
        command.Subcommands.Add(StatusCommand(kind, AutomationStatus.Running));
        command.Subcommands.Add(StatusCommand(kind, AutomationStatus.Stopped));
        command.Subcommands.Add(TicksCommand(kind));
        if (kind == AutomationKind.Schedule)
        {
            command.Subcommands.Add(PreviewCommand());
        }

        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var info = await client.GetAutomationAsync(kind, Required(parse.GetValue(name), one, $"oa {one} {example}"), ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(info);
                return ExitCodes.Success;
            }

            Console.WriteLine($"{info.Name}  ({info.CodeLocation}, {one})  {Output.Word(info.Status)}");
            if (info.Description is not null)
            {
                Console.WriteLine(info.Description);
            }

            Console.WriteLine(kind == AutomationKind.Schedule
                ? $"cron '{info.Cron}' in {info.TimeZone}; runs {Target(info)}"
                : $"{(info.SensorKind is { } k ? Output.Word(k) : "")} sensor, {Watches(info)}; runs {Target(info)}");
            if (info.NextTicks.Count > 0)
            {
                Console.WriteLine($"next ticks: {string.Join(", ", info.NextTicks.Select(ScheduleClock.Format))}");
            }

            if (info.Cursor is not null)
            {
                Console.WriteLine($"cursor: {info.Cursor}");
            }

            Console.WriteLine($"last tick: {(info.LastTick is null ? "none yet" : LastTick(info.LastTick))}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command StatusCommand(AutomationKind kind, AutomationStatus status)
    {
        var one = kind == AutomationKind.Schedule ? "schedule" : "sensor";
        var name = new Argument<string>("name") { Description = $"The {one} to {(status == AutomationStatus.Running ? "start" : "stop")}." };
        var command = new Command(status == AutomationStatus.Running ? "start" : "stop", status == AutomationStatus.Running
            ? $"Start the {one}; it stays running across restarts until stopped."
            : $"Stop the {one}; it makes no runs until started again.") { name };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var info = await client.SetAutomationStatusAsync(kind, parse.GetValue(name)!, status, Caller, ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(info);
                return ExitCodes.Success;
            }

            Console.WriteLine($"{(kind == AutomationKind.Schedule ? "Schedule" : "Sensor")} {info.Name} is {Output.Word(info.Status)}.");
            if (info.Status == AutomationStatus.Running && info.NextTicks.Count > 0)
            {
                Console.WriteLine($"Next tick: {ScheduleClock.Format(info.NextTicks[0])}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command TicksCommand(AutomationKind kind)
    {
        var one = kind == AutomationKind.Schedule ? "schedule" : "sensor";
        var name = new Argument<string>("name") { Description = $"The {one} whose ticks to list." };
        var limit = new Option<int>("--limit")
        {
            Description = $"How many ticks, newest first (1 to {Inputs.MaxLimit}).",
            DefaultValueFactory = _ => 20,
            CustomParser = Inputs.One<int>(Inputs.TryLimit),
        };
        var command = new Command("ticks", $"List the {one}'s ticks, newest first: when, what came of it, its runs.") { name, limit };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var ticks = await client.ListTicksAsync(kind, parse.GetValue(name)!, limit: parse.GetValue(limit), cancellationToken: ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(new { ticks });
                return ExitCodes.Success;
            }

            Output.WriteTable(
                ["tick", "status", "runs", "message"],
                ticks.Select(t => new[] { ScheduleClock.Format(t.At), Output.Word(t.Status), string.Join(", ", t.RunIds), t.Message ?? "" }));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command PreviewCommand()
    {
        var name = new Argument<string>("name") { Description = "The schedule to preview (or give --cron instead).", Arity = ArgumentArity.ZeroOrOne };
        var cron = new Option<string>("--cron") { Description = "A cron expression to preview without any cluster: 5 fields, 6 with seconds first, or a macro such as @daily." };
        var zone = new Option<string>("--timezone") { Description = "With --cron: the IANA time zone (default UTC), for example Asia/Tokyo." };
        var from = new Option<string>("--from") { Description = "The ticks at or after this ISO 8601 instant (default now); without an offset it is in the schedule's zone." };
        var count = new Option<int>("--count")
        {
            Description = "How many ticks (1 to 1000).",
            DefaultValueFactory = _ => 5,
            CustomParser = Inputs.One<int>(Inputs.TryCount),
        };
        var command = new Command("preview", "Print a schedule's next ticks (or a cron expression's, with --cron, computed here without a cluster), one per line in the zone.") { name, cron, zone, from, count };
        command.SetAction(async (parse, ct) =>
        {
            var expression = parse.GetValue(cron);
            var scheduleName = parse.GetValue(name);
            if (expression is null)
            {
                if (scheduleName is null)
                {
                    return Fail(new BadInputException("give a schedule's name (oa schedule preview sales_daily) or a cron expression (oa schedule preview --cron '0 0 * * *')"));
                }

                if (parse.GetValue(zone) is not null)
                {
                    return Fail(new BadInputException("--timezone goes with --cron; a schedule's ticks are in its own zone"));
                }

                return await WithClusterAsync(parse, ct, async client =>
                {
                    var schedule = await client.GetAutomationAsync(AutomationKind.Schedule, scheduleName, ct);
                    var start = parse.GetValue(from) is { } text ? ScheduleClock.ParseInstant(text, ScheduleClock.FindZone(schedule.TimeZone)) : (DateTimeOffset?)null;
                    return PrintTicks(await client.PreviewScheduleAsync(scheduleName, start, parse.GetValue(count), ct), parse.GetValue(Json));
                });
            }

            if (scheduleName is not null)
            {
                return Fail(new BadInputException("give a schedule's name or --cron, not both"));
            }

            // The clock the schedules tick on, here: a cron expression is checked before anything is deployed.
            try
            {
                var timeZone = ScheduleClock.FindZone(parse.GetValue(zone));
                var start = parse.GetValue(from) is { } text ? ScheduleClock.ParseInstant(text, timeZone) : (DateTimeOffset?)null;
                return PrintTicks(OrleansAssetsClient.Preview(expression, timeZone.Id, start, parse.GetValue(count)), parse.GetValue(Json));
            }
            catch (ScheduleException e)
            {
                return Fail(e);
            }
        });
        return command;
    }

    private static int PrintTicks(List<DateTimeOffset> ticks, bool json)
    {
        if (json)
        {
            // As instants, which JSON writes as ScheduleClock.Format does for whole seconds (a tick's are), without
            // the escaped '+' (\u002B) a string would get.
            Output.WriteJson(new { ticks });
        }
        else
        {
            foreach (var tick in ticks)
            {
                Console.WriteLine(ScheduleClock.Format(tick));
            }
        }

        return ExitCodes.Success;
    }

    private static Command QueueCommand()
    {
        var command = new Command("queue", "Show the run queue: queued runs in the order they start, the running ones, the limits.");
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var queue = await client.GetQueueAsync(ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(queue);
                return ExitCodes.Success;
            }

            var limits = queue.TagLimits.Count == 0 ? "" : $"; tag limits: {string.Join(", ", queue.TagLimits.Select(l => $"{l.Key}{(l.Value is null ? "" : $"={l.Value}")} {l.Limit}"))}";
            Console.WriteLine($"{queue.Queued.Count} queued, {queue.Running.Count} running (at most {queue.MaxConcurrentRuns} at once{limits})");
            if (queue.Queued.Count > 0)
            {
                Output.WriteTable(
                    ["position", "run", "priority", "created", "tags", "waiting for"],
                    queue.Queued.Select(q => new[]
                    {
                        q.Position.ToString(CultureInfo.InvariantCulture), q.RunId.ToString(), q.Priority.ToString(CultureInfo.InvariantCulture),
                        Output.Time(q.CreatedAt), Tags(q.Tags), q.WaitingFor ?? "",
                    }));
            }

            foreach (var running in queue.Running)
            {
                Console.WriteLine($"running: {running}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CancelCommand()
    {
        var id = new Argument<Guid>("id") { Description = "The run to cancel.", CustomParser = Inputs.One<Guid>(Inputs.TryRunId) };
        var reason = new Option<string>("--reason") { Description = "Why, recorded in the run's events." };
        var command = new Command("cancel", "Cancel a run: a queued one ends at once, a running one starts no more steps and ends once its running steps stop.") { id, reason };
        command.SetAction((parse, ct) => WithClusterAsync(parse, ct, async client =>
        {
            var run = await client.CancelRunAsync(parse.GetValue(id), parse.GetValue(reason), Caller, ct);
            if (parse.GetValue(Json))
            {
                Output.WriteJson(RunOf(run));
                return ExitCodes.Success;
            }

            Console.WriteLine(run.Status == RunStatus.Canceled
                ? $"Run {run.RunId} canceled."
                : $"Cancel of run {run.RunId} asked: it starts no more steps and ends canceled once its running steps stop (oa run {run.RunId} follows it).");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>A run record in the shape of the API's run (and <c>oa run --json</c>), without its steps and events.</summary>
    private static RunView RunOf(RunRecord run) => RunView.From(new RunDetails { Run = run });

    private static string Required(string? name, string what, string example) =>
        string.IsNullOrWhiteSpace(name) ? throw new BadInputException($"give the {what}'s name, for example: {example}") : name;

    private static string Tags(IReadOnlyDictionary<string, string> tags) => string.Join(", ", tags.Select(t => $"{t.Key}={t.Value}"));

    private static string Target(AutomationInfo info) => info.Job is { } job ? $"job {job}" : info.Selection is { } selection ? $"'{selection}'" : "-";

    private static string Watches(AutomationInfo info) => info.SensorKind switch
    {
        SensorKind.Function when info.Interval is { } every => $"every {Output.Duration(every.TotalMilliseconds)}",
        SensorKind.Asset => string.Join(", ", info.Assets),
        SensorKind.RunStatus => "run outcomes",
        _ => "",
    };

    private static string LastTick(TickRecord? tick) =>
        tick is null ? "" : $"{ScheduleClock.Format(tick.At)} {Output.Word(tick.Status)}{(tick.RunIds.Count > 0 ? $" ({tick.RunIds.Count} run{(tick.RunIds.Count == 1 ? "" : "s")})" : "")}{(tick.Message is null ? "" : $": {tick.Message}")}";
}
