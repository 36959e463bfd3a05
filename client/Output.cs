using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansAssets.Runs;
using Spectre.Console;

namespace OrleansAssets.Cli;

/// <summary>How <c>oa</c> prints: JSON for machines (camelCase, enums as words, nulls left out), tables for people.</summary>
internal static class Output
{
    public static readonly JsonSerializerOptions Json = new(JsonDefaults.WebIndented)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    public static void WriteTable(IEnumerable<string> headers, IEnumerable<IEnumerable<string?>> rows)
    {
        if (Console.IsOutputRedirected)
        {
            // Piped into a file or another program: no terminal width to wrap at.
            AnsiConsole.Profile.Width = 240;
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => Markup.Escape(cell ?? "")).ToArray());
        }

        AnsiConsole.Write(table);
    }

    public static string Time(DateTimeOffset? time) => time?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    public static string Duration(double? milliseconds) => milliseconds switch
    {
        null => "",
        < 1000 => $"{milliseconds:F0} ms",
        < 60_000 => $"{milliseconds / 1000:F2} s",
        _ => TimeSpan.FromMilliseconds(milliseconds.Value).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
    };

    public static string Word<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    /// <summary>One line per event as a run progresses; null for events not worth a line.</summary>
    public static string? Describe(RunEvent e)
    {
        var at = e.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var asset = e.AssetKey ?? "";
        return e.Type switch
        {
            RunEventType.RunQueued => $"{at}  run queued: {e.Message}",
            RunEventType.RunStarted => $"{at}  run started",
            RunEventType.RunSuccess => $"{at}  run succeeded: {e.Message}",
            RunEventType.RunFailure => $"{at}  run failed: {e.Message}",
            RunEventType.RunCanceled => $"{at}  run canceled",
            RunEventType.StepStarted => $"{at}  > {asset} started ({e.Message})",
            RunEventType.StepSucceeded => $"{at}  ✓ {asset} succeeded in {Duration(e.DurationMs)}{(e.Message is null ? "" : $" {e.Message}")}",
            RunEventType.StepFailed => $"{at}  ✗ {asset} failed: {e.Message}",
            RunEventType.StepSkipped => $"{at}  - {asset} skipped: {e.Message}",
            RunEventType.StepWaiting => $"{at}  … {asset} waiting: {e.Message}",
            RunEventType.Materialization => $"{at}  ✓ {asset} materialized: {Summary(e)}",
            RunEventType.Log => $"{at}    {asset} [{Word(e.Level ?? Microsoft.Extensions.Logging.LogLevel.Information)}] {Indent(e.Message)}",
            _ => null,
        };
    }

    private static string Summary(RunEvent e) => e.Metadata is null
        ? $"data version {e.DataVersion}"
        : string.Join(", ", e.Metadata
            .Where(m => m.Value.Kind is not (MetadataKind.Markdown or MetadataKind.Table or MetadataKind.Json))
            .Select(m => $"{m.Key}={m.Value}"));

    private static string Indent(string? text) => (text ?? "").Replace("\n", "\n                  ", StringComparison.Ordinal);
}
