using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansAssets.Automation;
using OrleansAssets.Client;
using OrleansAssets.Client.Http;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Gateway;

/// <summary>
/// A gateway whose queue runs one run at a time, with an asset that holds the slot until a test lets it go; the
/// sensors that would start runs of their own on a materialization are stopped, so the queue holds the tests' runs only.
/// </summary>
public sealed class DaemonGatewayFixture : GatewayFixture
{
    protected override void ConfigureOptions(OrleansAssetsOptions options) => options.RunQueue.MaxConcurrentRuns = 1;

    protected override void ConfigureCodeLocations(OrleansAssetsOptions options)
    {
        base.ConfigureCodeLocations(options);
        options.AddCodeLocation<HeldLocation>("held");
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        // The silo publishes its code locations as it starts: under load, after the cluster is deployed.
        for (var i = 0; i < 600 && (await Client.ListSensorsAsync()).Count < 3; i++)
        {
            await Task.Delay(50);
        }

        foreach (var sensor in new[] { "sales_summary_changed", "sales_job_failed" })
        {
            await Client.SetAutomationStatusAsync(AutomationKind.Sensor, sensor, AutomationStatus.Stopped, "the test fixture");
        }
    }

    public OrleansAssetsHttpClient HttpSdk() => new(BaseAddress);
}

/// <summary>The daemon's endpoints (jobs, schedules, sensors, ticks, previews, the queue, cancel) and the SDK's methods over both clients.</summary>
public sealed class DaemonApiTests(DaemonGatewayFixture gateway, ITestOutputHelper output) : IClassFixture<DaemonGatewayFixture>
{
    private HttpClient Http => gateway.Http;

    [Fact]
    public async Task Jobs_are_listed_and_shown_with_their_steps_and_an_unknown_one_is_a_404_naming_the_known_ones()
    {
        var jobs = await GetJson("/api/v1/jobs");
        var names = jobs.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("job").GetProperty("name").GetString()).ToList();
        Assert.Equal(["sales_alert", "sales_job", "sales_report"], names);
        Assert.Equal(JsonValueKind.Null, jobs.GetProperty("next").ValueKind);

        var job = await GetJson("/api/v1/jobs/sales_job");
        Assert.Equal("group:sales", job.GetProperty("job").GetProperty("selection").GetString());
        Assert.Equal(
            ["raw_sales_data", "cleaned_sales_data", "sales_summary", "log_sales_summary"],
            job.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("key").GetString()));
        Assert.Equal("op", job.GetProperty("steps")[3].GetProperty("kind").GetString());

        var problem = await Problem(HttpMethod.Get, "/api/v1/jobs/no_such_job", null, 404);
        Assert.Contains("Unknown job 'no_such_job'; jobs: sales_alert, sales_job, sales_report", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launching_a_job_answers_202_with_the_run_and_its_config_and_tags_and_the_run_succeeds()
    {
        var csv = Path.Combine(AppContext.BaseDirectory, "codelocations", "SalesPipeline", "data", "sales.csv");
        using var response = await Http.PostAsJsonAsync("/api/v1/jobs/sales_job/runs", new
        {
            tags = new Dictionary<string, string> { ["owner"] = "api-test" },
            config = new Dictionary<string, object> { ["raw_sales_data"] = new Dictionary<string, string> { ["path"] = csv } },
        });
        var run = await Json(response);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = run.GetProperty("runId").GetGuid();
        Assert.Equal($"/api/v1/runs/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal("sales_job", run.GetProperty("job").GetString());
        Assert.Equal(["log_sales_summary"], run.GetProperty("ops").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal("api-test", run.GetProperty("tags").GetProperty("owner").GetString());
        Assert.Equal("sales", run.GetProperty("tags").GetProperty("pipeline").GetString());
        Assert.Contains("raw_sales_data", run.GetProperty("config").GetString(), StringComparison.Ordinal);

        var finished = await gateway.WaitAsync(id);
        Assert.Equal(RunStatus.Success, finished.Run.Status);

        // No body at all: the job's defaults (sales_report reads the sales_summary just made).
        using var bare = await Http.PostAsync("/api/v1/jobs/sales_report/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, bare.StatusCode);
        Assert.Equal(RunStatus.Success, (await gateway.WaitAsync((await Json(bare)).GetProperty("runId").GetGuid())).Run.Status);
    }

    [Theory]
    [InlineData("/api/v1/jobs/sales_job/runs", """{"config": {"raw_sales_data": {"file": "x.csv"}}}""", 400, "run config of step 'raw_sales_data' has field 'file', which it does not take")]
    [InlineData("/api/v1/jobs/sales_job/runs", """{"config": {"no_such_step": {}}}""", 400, "names step 'no_such_step'")]
    [InlineData("/api/v1/jobs/sales_job/runs", """{"config": {"raw_sales_data": {"path": 42}}}""", 400, "Field 'path' of the run config of step 'raw_sales_data' must be a string")]
    [InlineData("/api/v1/jobs/sales_job/runs", """{"config": [1]}""", 400, "must be an object by step key")]
    [InlineData("/api/v1/jobs/sales_job/runs", """{"tags": {"a": 1}}""", 400, "tag 'a' must have a string value")]
    [InlineData("/api/v1/jobs/sales_job/runs", """{"selection": "*"}""", 400, "'selection' is not a field of a job launch")]
    [InlineData("/api/v1/jobs/sales_job/runs", "{", 400, "not JSON")]
    [InlineData("/api/v1/jobs/no_such_job/runs", "{}", 404, "Unknown job 'no_such_job'")]
    [InlineData("/api/v1/runs/7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11/cancel", "{}", 404, "Unknown run")]
    [InlineData("/api/v1/runs/not-a-run/cancel", "{}", 400, "is not a run id")]
    [InlineData("/api/v1/runs/7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11/cancel", """{"reason": 1}""", 400, "reason must be a string")]
    [InlineData("/api/v1/schedules/no_such_schedule/start", null, 404, "Unknown schedule 'no_such_schedule'; schedules: sales_daily")]
    [InlineData("/api/v1/sensors/no_such_sensor/stop", null, 404, "Unknown sensor 'no_such_sensor'; sensors: sales_inbox, sales_job_failed, sales_summary_changed")]
    public async Task Bad_writes_get_a_problem_naming_what_is_wrong_and_record_no_run(string path, string? body, int status, string says)
    {
        var before = (await gateway.Client.ListRunsAsync(new RunQuery { Limit = 1000 })).Count;

        var detail = await Problem(HttpMethod.Post, path, body, status);

        Assert.Contains(says, detail, StringComparison.Ordinal);
        Assert.Equal(before, (await gateway.Client.ListRunsAsync(new RunQuery { Limit = 1000 })).Count);
    }

    [Theory]
    [InlineData("/api/v1/schedules/no_such_schedule", 404, "Unknown schedule 'no_such_schedule'; schedules: sales_daily")]
    [InlineData("/api/v1/sensors/no_such_sensor", 404, "Unknown sensor 'no_such_sensor'")]
    [InlineData("/api/v1/schedules/no_such_schedule/ticks", 404, "Unknown schedule")]
    [InlineData("/api/v1/sensors/no_such_sensor/ticks", 404, "Unknown sensor")]
    [InlineData("/api/v1/schedules/no_such_schedule/preview", 404, "Unknown schedule")]
    [InlineData("/api/v1/sensors/sales_inbox/ticks?limit=0", 400, "limit must be a whole number from 1 to 1000")]
    [InlineData("/api/v1/sensors/sales_inbox/ticks?cursor=nope", 400, "is not a cursor this API gave out")]
    [InlineData("/api/v1/schedules/sales_daily/preview?count=0", 400, "count must be a whole number from 1 to 1000")]
    [InlineData("/api/v1/schedules/sales_daily/preview?count=1001", 400, "count must be")]
    [InlineData("/api/v1/schedules/sales_daily/preview?from=yesterday", 400, "Invalid instant 'yesterday'")]
    [InlineData("/api/v1/cron/preview", 400, "cron is required")]
    [InlineData("/api/v1/cron/preview?cron=0%200%20*%20*", 400, "Invalid cron expression '0 0 * *': it has 4 fields")]
    [InlineData("/api/v1/cron/preview?cron=61%20*%20*%20*%20*", 400, "Invalid cron expression '61 * * * *'")]
    [InlineData("/api/v1/cron/preview?cron=@daily&timezone=Mars/Olympus", 400, "Unknown time zone 'Mars/Olympus'")]
    public async Task Bad_reads_get_a_problem_naming_what_is_wrong(string path, int status, string says)
    {
        var detail = await Problem(HttpMethod.Get, path, null, status);
        Assert.Contains(says, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedules_and_sensors_are_listed_and_shown_and_start_and_stop_is_persisted()
    {
        var schedules = await GetJson("/api/v1/schedules");
        var daily = Assert.Single(schedules.GetProperty("items").EnumerateArray());
        Assert.Equal("sales_daily", daily.GetProperty("name").GetString());
        Assert.Equal("0 0 * * *", daily.GetProperty("cron").GetString());
        Assert.Equal("Asia/Tokyo", daily.GetProperty("timeZone").GetString());
        Assert.Equal("sales_job", daily.GetProperty("job").GetString());
        Assert.All(daily.GetProperty("nextTicks").EnumerateArray(), t => Assert.Matches(@"^\d{4}-\d\d-\d\dT00:00:00\+09:00$", t.GetString()));
        var sensors = await GetJson("/api/v1/sensors");
        Assert.Equal(["sales_inbox", "sales_job_failed", "sales_summary_changed"], sensors.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal("function", (await GetJson("/api/v1/sensors/sales_inbox")).GetProperty("sensorKind").GetString());

        try
        {
            var started = await PostJson("/api/v1/schedules/sales_daily/start");
            Assert.Equal("running", started.GetProperty("status").GetString());
            Assert.Equal("running", (await GetJson("/api/v1/schedules/sales_daily")).GetProperty("status").GetString());

            // The list reads the stored status, not the grain: the start was written down.
            Assert.Equal("running", (await GetJson("/api/v1/schedules")).GetProperty("items")[0].GetProperty("status").GetString());
            Assert.Equal(AutomationStatus.Running, (await gateway.Client.ListSchedulesAsync()).Single().Status);
        }
        finally
        {
            var stopped = await PostJson("/api/v1/schedules/sales_daily/stop");
            Assert.Equal("stopped", stopped.GetProperty("status").GetString());
        }

        Assert.Equal("stopped", (await GetJson("/api/v1/schedules")).GetProperty("items")[0].GetProperty("status").GetString());
        Assert.Equal("running", (await PostJson("/api/v1/sensors/sales_job_failed/start")).GetProperty("status").GetString());
        Assert.Equal("running", (await GetJson("/api/v1/sensors")).GetProperty("items")[1].GetProperty("status").GetString());
        Assert.Equal("stopped", (await PostJson("/api/v1/sensors/sales_job_failed/stop")).GetProperty("status").GetString());
        Assert.Equal(AutomationStatus.Stopped, (await gateway.Client.ListSensorsAsync()).Single(s => s.Name == "sales_job_failed").Status);
    }

    [Fact]
    public async Task A_sensor_s_ticks_are_paged_newest_first_by_time_and_a_stopped_schedule_has_none()
    {
        // The asset sensor ticks once for each new sales_summary (an idle sensor records no repeated skips).
        await PostJson("/api/v1/sensors/sales_summary_changed/start");
        List<TickRecord> ticks = [];
        try
        {
            for (var round = 0; round < 2; round++)
            {
                Assert.Equal(RunStatus.Success, (await gateway.MaterializeAsync("*sales_summary")).Run.Status);
                for (var i = 0; i < 500 && ticks.Count <= round; i++)
                {
                    ticks = await gateway.Client.ListTicksAsync(AutomationKind.Sensor, "sales_summary_changed", limit: 10);
                    await Task.Delay(ticks.Count <= round ? 20 : 0);
                }
            }
        }
        finally
        {
            await PostJson("/api/v1/sensors/sales_summary_changed/stop");
        }

        Assert.True(ticks.Count >= 2, $"sales_summary_changed ticked {ticks.Count} time(s)");
        var first = await GetJson("/api/v1/sensors/sales_summary_changed/ticks?limit=1");
        var newest = Assert.Single(first.GetProperty("items").EnumerateArray());
        var cursor = first.GetProperty("next").GetString();
        Assert.NotNull(cursor);
        var second = await GetJson($"/api/v1/sensors/sales_summary_changed/ticks?limit=1&cursor={cursor}");
        var older = Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.True(older.GetProperty("at").GetDateTimeOffset() < newest.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("sales_summary_changed", newest.GetProperty("name").GetString());
        Assert.Equal("started", newest.GetProperty("status").GetString());
        Assert.Single(newest.GetProperty("runIds").EnumerateArray());
        var rest = await GetJson($"/api/v1/sensors/sales_summary_changed/ticks?cursor={second.GetProperty("next").GetString()}");
        Assert.Equal(ticks.Count - 2, rest.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("next").ValueKind);

        // The same ticks through the SDK over both clients.
        using var http = gateway.HttpSdk();
        Assert.Equal(Same(ticks), Same(await http.ListTicksAsync(AutomationKind.Sensor, "sales_summary_changed", limit: 10)));
        Assert.Equal(Same(ticks.Skip(1).ToList()), Same(await http.ListTicksAsync(AutomationKind.Sensor, "sales_summary_changed", ticks[0].At, 10)));

        var schedule = await GetJson("/api/v1/schedules/sales_daily/ticks");
        Assert.Empty(schedule.GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, schedule.GetProperty("next").ValueKind);
    }

    [Theory]
    [InlineData("0 0 * * *", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", 3, "2026-01-01T00:00:00+09:00,2026-01-02T00:00:00+09:00,2026-01-03T00:00:00+09:00")]
    [InlineData("*/20 * * * * *", "UTC", "2026-01-01T00:00:05Z", 2, "2026-01-01T00:00:20+00:00,2026-01-01T00:00:40+00:00")]
    [InlineData("*/20 * * * * *", null, "2026-01-01T00:00:20+00:00", 1, "2026-01-01T00:00:20+00:00")]
    [InlineData("@daily", "Europe/Paris", "2026-01-01T00:00:00", 1, "2026-01-01T00:00:00+01:00")]
    // Spring forward in New York: 02:30 does not exist on 2026-03-08; Cronos runs it at the jump, 03:00 EDT.
    [InlineData("30 2 * * *", "America/New_York", "2026-03-07T00:00:00-05:00", 3, "2026-03-07T02:30:00-05:00,2026-03-08T03:00:00-04:00,2026-03-09T02:30:00-04:00")]
    // Fall back: 01:00 happens twice on 2026-11-01; Cronos runs it once, at the first.
    [InlineData("0 1 * * *", "America/New_York", "2026-10-31T00:00:00-04:00", 3, "2026-10-31T01:00:00-04:00,2026-11-01T01:00:00-04:00,2026-11-02T01:00:00-05:00")]
    public async Task Cron_preview_gives_the_ticks_at_or_after_from_in_the_zone_as_cronos_computes_them(string cron, string? zone, string from, int count, string expected)
    {
        var query = $"/api/v1/cron/preview?cron={Uri.EscapeDataString(cron)}&from={Uri.EscapeDataString(from)}&count={count}{(zone is null ? "" : $"&timezone={Uri.EscapeDataString(zone)}")}";
        var preview = await GetJson(query);
        var ticks = preview.GetProperty("ticks").EnumerateArray().Select(t => t.GetString()!).ToList();

        Assert.Equal(expected.Split(','), ticks);
        Assert.Equal(["ticks"], preview.EnumerateObject().Select(p => p.Name));

        // What Cronos itself gives, the very clock the schedules tick on.
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone ?? "UTC");
        var start = ScheduleClock.ParseInstant(from, timeZone);
        var expression = Cronos.CronExpression.Parse(cron, cron.Split(' ').Length == 6 ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard);
        var cronos = expression.GetOccurrences(start, start.AddYears(1), timeZone, fromInclusive: true).Take(count).Select(ScheduleClock.Format);
        Assert.Equal(cronos, ticks);

        // Both clients, as the SDK gives them.
        using var http = gateway.HttpSdk();
        var overHttp = await http.PreviewCronAsync(cron, zone, start, count);
        var overOrleans = await gateway.Client.PreviewCronAsync(cron, zone, start, count);
        Assert.Equal(ticks, overHttp.Select(ScheduleClock.Format));
        Assert.Equal(ticks, overOrleans.Select(ScheduleClock.Format));
        Assert.Equal(overOrleans.Select(t => t.Offset), overHttp.Select(t => t.Offset));
    }

    [Fact]
    public async Task A_schedule_s_preview_is_in_its_zone_from_an_instant_with_or_without_its_offset()
    {
        var preview = await GetJson("/api/v1/schedules/sales_daily/preview?from=2026-01-01T00:00:00%2B09:00&count=3");
        Assert.Equal(["2026-01-01T00:00:00+09:00", "2026-01-02T00:00:00+09:00", "2026-01-03T00:00:00+09:00"], preview.GetProperty("ticks").EnumerateArray().Select(t => t.GetString()));

        // An unescaped '+' reads as a space in a query string; and an instant without an offset is in the schedule's zone.
        var typed = await GetJson("/api/v1/schedules/sales_daily/preview?from=2026-01-01T00:00:00+09:00&count=1");
        Assert.Equal("2026-01-01T00:00:00+09:00", typed.GetProperty("ticks")[0].GetString());
        var local = await GetJson("/api/v1/schedules/sales_daily/preview?from=2026-01-01T00:00:01&count=1");
        Assert.Equal("2026-01-02T00:00:00+09:00", local.GetProperty("ticks")[0].GetString());
        Assert.Equal(5, (await GetJson("/api/v1/schedules/sales_daily/preview")).GetProperty("ticks").GetArrayLength());

        var from = DateTimeOffset.Parse("2026-01-01T00:00:00+09:00", System.Globalization.CultureInfo.InvariantCulture);
        using var http = gateway.HttpSdk();
        Assert.Equal(
            (await gateway.Client.PreviewScheduleAsync("sales_daily", from, 3)).Select(ScheduleClock.Format),
            (await http.PreviewScheduleAsync("sales_daily", from, 3)).Select(ScheduleClock.Format));
    }

    [Fact]
    public async Task A_queued_run_shows_in_the_queue_with_its_position_and_a_cancel_ends_it_canceled_and_a_second_cancel_is_a_409()
    {
        await WaitForEmptyQueueAsync();
        HeldAssets.Close();
        try
        {
            var holding = await gateway.Client.MaterializeAsync("held");
            await WaitForStatusAsync(holding.RunId, RunStatus.Started);
            using var submitted = await Http.PostAsJsonAsync("/api/v1/runs", new { selection = "held", tags = new { owner = "queue-test" } });
            var queuedId = (await Json(submitted)).GetProperty("runId").GetGuid();

            var queue = await GetJson("/api/v1/queue");
            output.WriteLine(queue.ToString());
            var queued = Assert.Single(queue.GetProperty("queued").EnumerateArray());
            Assert.Equal(queuedId, queued.GetProperty("runId").GetGuid());
            Assert.Equal(1, queued.GetProperty("position").GetInt32());
            Assert.Equal("queue-test", queued.GetProperty("tags").GetProperty("owner").GetString());
            Assert.Equal([holding.RunId], queue.GetProperty("running").EnumerateArray().Select(r => r.GetGuid()));
            Assert.Equal(1, queue.GetProperty("maxConcurrentRuns").GetInt32());

            // The run itself says where it stands, over either client.
            using var http = gateway.HttpSdk();
            Assert.Equal(1, (await GetJson($"/api/v1/runs/{queuedId}")).GetProperty("queuePosition").GetInt32());
            Assert.Equal(1, (await http.GetRunAsync(queuedId)).QueuePosition);
            Assert.Equal(1, (await gateway.Client.GetRunAsync(queuedId)).QueuePosition);
            Assert.Equal(JsonSerializer.Serialize(await gateway.Client.GetQueueAsync(), OrleansAssetsJson.Options), JsonSerializer.Serialize(await http.GetQueueAsync(), OrleansAssetsJson.Options));

            using var cancel = await Http.PostAsJsonAsync($"/api/v1/runs/{queuedId}/cancel", new { reason = "not today" });
            var canceled = await Json(cancel);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.Equal($"/api/v1/runs/{queuedId}", cancel.Headers.Location!.OriginalString);
            Assert.Equal("canceled", canceled.GetProperty("status").GetString());
            Assert.StartsWith("the API (", canceled.GetProperty("cancelRequestedBy").GetString(), StringComparison.Ordinal);
            Assert.Contains("not today", canceled.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Empty((await GetJson("/api/v1/queue")).GetProperty("queued").EnumerateArray());

            var again = await Problem(HttpMethod.Post, $"/api/v1/runs/{queuedId}/cancel", null, 409);
            Assert.Contains($"Run {queuedId} already ended (canceled at ", again, StringComparison.Ordinal);
            await Assert.ThrowsAsync<RunEndedException>(() => http.CancelRunAsync(queuedId));
            await Assert.ThrowsAsync<RunEndedException>(() => gateway.Client.CancelRunAsync(queuedId));

            // The SDK cancels a running one on both clients too: over HTTP here.
            var asked = await http.CancelRunAsync(holding.RunId, "done with it");

            // Its step stops on its token at once, so the run may already have ended when the answer comes.
            Assert.Contains(asked.Status, new[] { RunStatus.Started, RunStatus.Canceled });
            Assert.NotNull(asked.CancelRequestedBy);
            Assert.Equal(RunStatus.Canceled, (await gateway.WaitAsync(holding.RunId)).Run.Status);
        }
        finally
        {
            HeldAssets.Open();
        }

        await Assert.ThrowsAsync<NotFoundException>(() => gateway.Client.CancelRunAsync(Guid.NewGuid()));
        using var sdk = gateway.HttpSdk();
        await Assert.ThrowsAsync<NotFoundException>(() => sdk.CancelRunAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task Oa_shows_a_queued_run_s_position_in_the_queue_and_in_the_run_and_cancels_it()
    {
        await WaitForEmptyQueueAsync();
        HeldAssets.Close();
        try
        {
            var holding = await gateway.Client.MaterializeAsync("held");
            await WaitForStatusAsync(holding.RunId, RunStatus.Started);
            var queued = await gateway.Client.MaterializeAsync("held", new Dictionary<string, string> { ["owner"] = "oa" });
            var url = gateway.BaseAddress.ToString();

            var queue = await Cli.Oa.RunAsync("--url", url, "queue", "--json");
            output.WriteLine(queue.ToString());
            Assert.Equal(0, queue.ExitCode);
            using (var json = JsonDocument.Parse(queue.Output))
            {
                var entry = Assert.Single(json.RootElement.GetProperty("queued").EnumerateArray());
                Assert.Equal((queued.RunId, 1, "oa"), (entry.GetProperty("runId").GetGuid(), entry.GetProperty("position").GetInt32(), entry.GetProperty("tags").GetProperty("owner").GetString()));
                Assert.Equal([holding.RunId], json.RootElement.GetProperty("running").EnumerateArray().Select(r => r.GetGuid()));
            }

            var table = await Cli.Oa.RunAsync("--url", url, "queue");
            Assert.Contains("1 queued, 1 running (at most 1 at once)", table.Output, StringComparison.Ordinal);
            Assert.Contains(queued.RunId.ToString(), table.Output, StringComparison.Ordinal);

            var run = await Cli.Oa.RunAsync("--url", url, "run", queued.RunId.ToString(), "--json");
            using (var json = JsonDocument.Parse(run.Output))
            {
                Assert.Equal(1, json.RootElement.GetProperty("queuePosition").GetInt32());
            }

            var cancel = await Cli.Oa.RunAsync("--url", url, "cancel", queued.RunId.ToString(), "--reason", "from oa");
            output.WriteLine(cancel.ToString());
            Assert.Equal(0, cancel.ExitCode);
            Assert.Contains($"Run {queued.RunId} canceled.", cancel.Output, StringComparison.Ordinal);
            var canceled = await gateway.Client.GetRunAsync(queued.RunId);
            Assert.Equal(RunStatus.Canceled, canceled.Run.Status);
            Assert.Contains("from oa", canceled.Run.Error, StringComparison.Ordinal);

            var running = await Cli.Oa.RunAsync("--url", url, "cancel", holding.RunId.ToString(), "--json");
            Assert.Equal(0, running.ExitCode);
            using (var json = JsonDocument.Parse(running.Output))
            {
                Assert.NotNull(json.RootElement.GetProperty("cancelRequestedBy").GetString());
            }

            Assert.Equal(RunStatus.Canceled, (await gateway.WaitAsync(holding.RunId)).Run.Status);
            var ended = await Cli.Oa.RunAsync("--url", url, "cancel", holding.RunId.ToString());
            Assert.Equal(2, ended.ExitCode);
            Assert.Contains("already ended (canceled at ", ended.Error, StringComparison.Ordinal);
        }
        finally
        {
            HeldAssets.Open();
        }
    }

    [Fact]
    public async Task The_sdk_gives_the_same_jobs_schedules_sensors_and_ticks_over_both_clients_and_the_same_errors()
    {
        using var http = gateway.HttpSdk();
        IOrleansAssetsClient orleans = gateway.Client;

        Assert.Equal(Same(await orleans.ListJobsAsync()), Same(await http.ListJobsAsync()));
        Assert.Equal(Same(await orleans.GetJobAsync("sales_job")), Same(await http.GetJobAsync("sales_job")));
        Assert.Equal(Same(await orleans.GetAutomationAsync(AutomationKind.Schedule, "sales_daily")), Same(await http.GetAutomationAsync(AutomationKind.Schedule, "sales_daily")));
        Assert.NotEmpty(await http.ListSensorsAsync());
        Assert.Equal(
            (await orleans.ListSensorsAsync()).Select(s => (s.Name, s.Status, s.SensorKind)),
            (await http.ListSensorsAsync()).Select(s => (s.Name, s.Status, s.SensorKind)));
        Assert.Equal((await orleans.ListSchedulesAsync()).Select(s => (s.Name, s.Status, s.Cron)), (await http.ListSchedulesAsync()).Select(s => (s.Name, s.Status, s.Cron)));
        Assert.Equal(Same(await orleans.ListTicksAsync(AutomationKind.Schedule, "sales_daily")), Same(await http.ListTicksAsync(AutomationKind.Schedule, "sales_daily")));
        Assert.Equal(AutomationStatus.Stopped, (await http.SetAutomationStatusAsync(AutomationKind.Sensor, "sales_summary_changed", AutomationStatus.Stopped)).Status);
        Assert.Equal(AutomationStatus.Stopped, (await orleans.SetAutomationStatusAsync(AutomationKind.Sensor, "sales_summary_changed", AutomationStatus.Stopped, "the test")).Status);

        var badConfig = """{"raw_sales_data": {"file": "x.csv"}}""";
        var overOrleans = await Assert.ThrowsAsync<RunConfigException>(() => orleans.LaunchJobAsync("sales_job", badConfig));
        var overHttp = await Assert.ThrowsAsync<RunConfigException>(() => http.LaunchJobAsync("sales_job", badConfig));
        Assert.Equal(overOrleans.Message, overHttp.Message);
        var notJson = """{"raw_sales_data": """;
        Assert.Equal(
            (await Assert.ThrowsAsync<RunConfigException>(() => orleans.LaunchJobAsync("sales_job", notJson))).Message,
            (await Assert.ThrowsAsync<RunConfigException>(() => http.LaunchJobAsync("sales_job", notJson))).Message);
        Assert.Equal(
            (await Assert.ThrowsAsync<NotFoundException>(() => orleans.GetJobAsync("nope"))).Message,
            (await Assert.ThrowsAsync<NotFoundException>(() => http.GetJobAsync("nope"))).Message);
        Assert.Equal(
            (await Assert.ThrowsAsync<NotFoundException>(() => orleans.GetAutomationAsync(AutomationKind.Sensor, "nope"))).Message,
            (await Assert.ThrowsAsync<NotFoundException>(() => http.GetAutomationAsync(AutomationKind.Sensor, "nope"))).Message);
        Assert.Equal(
            (await Assert.ThrowsAsync<ScheduleException>(() => orleans.PreviewCronAsync("0 0 * *"))).Message,
            (await Assert.ThrowsAsync<ScheduleException>(() => http.PreviewCronAsync("0 0 * *"))).Message);

        var launched = await http.LaunchJobAsync("sales_job", tags: new Dictionary<string, string> { ["owner"] = "sdk" });
        Assert.Equal(("sales_job", "sdk"), (launched.Job, launched.Tags["owner"]));
        Assert.Equal(RunStatus.Success, (await gateway.WaitAsync(launched.RunId)).Run.Status);
        var viaOrleans = await orleans.LaunchJobAsync("sales_job");
        Assert.Equal(RunStatus.Success, (await gateway.WaitAsync(viaOrleans.RunId)).Run.Status);
    }

    [Fact]
    public async Task Every_daemon_endpoint_is_in_the_openapi_document_with_its_name_and_summary()
    {
        var document = await GetJson("/openapi/v1.json");
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => (Route: $"{m.Name.ToUpperInvariant()} {p.Name}", Id: m.Value.GetProperty("operationId").GetString(), Summary: m.Value.GetProperty("summary").GetString())))
            .ToList();
        string[] expected =
        [
            "GET /api/v1/jobs listJobs", "GET /api/v1/jobs/{name} getJob", "POST /api/v1/jobs/{name}/runs launchJob",
            "GET /api/v1/schedules listSchedules", "GET /api/v1/schedules/{name} getSchedule",
            "POST /api/v1/schedules/{name}/start startSchedule", "POST /api/v1/schedules/{name}/stop stopSchedule",
            "GET /api/v1/schedules/{name}/ticks listScheduleTicks", "GET /api/v1/schedules/{name}/preview previewSchedule",
            "GET /api/v1/sensors listSensors", "GET /api/v1/sensors/{name} getSensor",
            "POST /api/v1/sensors/{name}/start startSensor", "POST /api/v1/sensors/{name}/stop stopSensor",
            "GET /api/v1/sensors/{name}/ticks listSensorTicks", "GET /api/v1/cron/preview previewCron",
            "GET /api/v1/queue getQueue", "POST /api/v1/runs/{id}/cancel cancelRun",
        ];
        foreach (var route in expected)
        {
            var operation = operations.SingleOrDefault(o => $"{o.Route} {o.Id}" == route);
            Assert.True(operation.Route is not null, $"{route} is not in /openapi/v1.json");
            Assert.False(string.IsNullOrWhiteSpace(operation.Summary), $"{route} has no summary");
        }
    }

    private static string Same<T>(T value) => JsonSerializer.Serialize(value, OrleansAssetsJson.Options);

    private async Task WaitForEmptyQueueAsync()
    {
        for (var i = 0; i < 500; i++)
        {
            var queue = await gateway.Client.GetQueueAsync();
            if (queue.Queued.Count == 0 && queue.Running.Count == 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the queue did not empty");
    }

    private async Task WaitForStatusAsync(Guid runId, RunStatus status)
    {
        for (var i = 0; i < 500 && (await gateway.Client.GetRunAsync(runId)).Run.Status != status; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(status, (await gateway.Client.GetRunAsync(runId)).Run.Status);
    }

    private async Task<string> Problem(HttpMethod method, string path, string? body, int status)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{method} {path} {body} -> {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        return JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()!;
    }

    private async Task<JsonElement> PostJson(string path)
    {
        using var response = await Http.PostAsync(path, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path} -> {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> GetJson(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} -> {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
