using OrleansAssets;
using SalesPipeline;

[assembly: CodeLocation(typeof(SalesLocation), Name = "sales")]

namespace SalesPipeline;

/// <summary>Everything this code location exports, as Dagster's <c>Definitions(...)</c>.</summary>
public sealed class SalesLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<SalesAssets>()
        .AddOps<SalesOps>()
        .AddResource<SalesFiles>("Sales")
        .AddJob(new JobDefinition("sales_job")
        {
            Selection = "group:sales",
            Ops = ["log_sales_summary"],
            Description = "the article's pipeline: raw_sales_data -> cleaned_sales_data -> sales_summary, then a one-line summary",
            Tags = new Dictionary<string, string> { ["pipeline"] = "sales" },
        })
        .AddJob(new JobDefinition("sales_report")
        {
            Ops = ["log_sales_summary"],
            Description = "the one-line summary of the newest sales_summary, alone",
        })
        .AddJob(new JobDefinition("sales_alert")
        {
            Ops = ["alert_sales_failure"],
            Description = "a warning in the log when a sales_job run failed",
        })
        .AddSchedule(new ScheduleDefinition("sales_daily", "0 0 * * *")
        {
            TimeZone = "Asia/Tokyo",
            Job = "sales_job",
            Description = "the sales job every day at midnight, Tokyo time",
        })
        .AddSensor(new SensorDefinition("sales_inbox", SalesInbox.EvaluateAsync)
        {
            Job = "sales_job",
            Interval = TimeSpan.FromSeconds(5),
            Description = "a new CSV in the inbox folder (Sales:InboxDir) starts one sales_job run on that file",
            DefaultStatus = DefaultStatus.Running,
        })
        .AddAssetSensor(new AssetSensorDefinition("sales_summary_changed", ["sales_summary"])
        {
            Job = "sales_report",
            Description = "each new sales_summary runs sales_report (stopped until started: oa sensor start sales_summary_changed)",
        })
        .AddRunStatusSensor(new RunStatusSensorDefinition("sales_job_failed", RunOutcome.Failure)
        {
            WatchJob = "sales_job",
            Job = "sales_alert",
            Description = "a failed sales_job run runs sales_alert",
            DefaultStatus = DefaultStatus.Running,
        });
}
