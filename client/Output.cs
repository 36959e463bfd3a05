using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansAssets.Client;
using OrleansAssets.Runs;
using Spectre.Console;

namespace OrleansAssets.Cli;

/// <summary>How <c>oa</c> prints: JSON for machines (camelCase, enums as words, nulls left out), tables for people.</summary>
internal static partial class Output
{
    /// <summary>The longest error line <c>oa</c> prints; a message longer than that is cut, saying how long it was.</summary>
    public const int MaxErrorLength = 2000;

    /// <summary>The API's JSON, indented: a resource prints as the gateway sends it.</summary>
    public static readonly JsonSerializerOptions Json = OrleansAssetsJson.Indented;

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

    /// <summary>
    /// One line on stderr: <c>error: message</c>. Control characters are escaped and long quoted input shortened
    /// here too, whatever produced the message (a cluster of another version may still echo input whole).
    /// </summary>
    public static void Error(string message) => Console.Error.WriteLine($"error: {Tidy(message)}");

    public static string Tidy(string message)
    {
        var tidy = UserText.Escape(QuotedInput().Replace(message, m => Shortened().IsMatch(m.Groups[1].Value) ? m.Value : UserText.Quote(m.Groups[1].Value)));
        return tidy.Length <= MaxErrorLength ? tidy : UserText.Shorten(tidy, MaxErrorLength);
    }

    /// <summary>
    /// Quoted text far longer than a message should echo (a cluster of another version may echo input whole):
    /// opened after a space, '(', ':' or '=' (or at the start), not starting with a space, closed before a space or
    /// punctuation, so the gap between two quoted words never matches. Our own quotes are shorter than this.
    /// </summary>
    [GeneratedRegex("(?<=^|[\\s(:=])'([^'\\s][^']{200,}?)'(?=$|[\\s).,;:?!])", RegexOptions.Singleline)]
    private static partial Regex QuotedInput();

    /// <summary>What <see cref="UserText.Shorten"/> already shortened.</summary>
    [GeneratedRegex("… \\(\\d+ characters\\)$")]
    private static partial Regex Shortened();

    /// <summary>
    /// System.CommandLine's messages in our words: unknown commands and options named as such (with the nearest
    /// command), and a .NET type name, should one slip through a parser, turned into words.
    /// </summary>
    public static IEnumerable<string> ParseErrors(IReadOnlyList<string> messages, IReadOnlyList<string> commands, bool atRoot)
    {
        var unknownCommand = false;
        var lines = new List<string>();
        foreach (var message in messages)
        {
            if (Unrecognized().Match(message) is { Success: true } unrecognized)
            {
                var token = unrecognized.Groups["token"].Value;
                if (token.StartsWith('-'))
                {
                    lines.Add($"unknown option {UserText.Quote(token)}");
                }
                else if (atRoot)
                {
                    unknownCommand = true;
                    var near = token.Length > 30 ? null : commands.MinBy(c => EditDistance.Between(c, token));
                    var hint = near is not null && EditDistance.Between(near, token) <= 2 ? $" (did you mean '{near}'?)" : "";
                    lines.Add($"unknown command {UserText.Quote(token)}{hint}; the commands are {string.Join(", ", commands)}");
                }
                else
                {
                    lines.Add($"unexpected argument {UserText.Quote(token)}");
                }
            }
            else if (CannotParse().Match(message) is { Success: true } typed)
            {
                lines.Add($"{UserText.Quote(typed.Groups["value"].Value)} is not a valid value for {typed.Groups["symbol"].Value}");
            }
            else if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            {
                lines.Add($"name a command: {string.Join(", ", commands)}");
            }
            else
            {
                lines.Add(message.TrimEnd('.'));
            }
        }

        // "oa frob" also says no command was given; the unknown command says it better.
        return unknownCommand ? lines.Where(l => !l.StartsWith("name a command", StringComparison.Ordinal)) : lines;
    }

    [GeneratedRegex("^Unrecognized command or argument '(?<token>.*)'\\.?$", RegexOptions.Singleline)]
    private static partial Regex Unrecognized();

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<symbol>[^']*)' as expected type '[^']*'", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    /// <summary>What a command's failure during an outage means, and what to check.</summary>
    public static string Outage(TransientError outage, ClusterTarget? target) => outage.Kind switch
    {
        OutageKind.Storage => $"{Capitalized(outage.Reason)}. The silos answered but their database did not: check " +
            (target?.Options.PostgresConnectionString is { } postgres ? $"Postgres {PostgresConnectionString.Describe(postgres)}" : "the cluster's Postgres") +
            " (bash scripts/postgres ensure starts a local one), then try again.",
        _ => $"Lost the cluster: {outage.Reason}. Try again; oa silos lists the silos that are up.",
    };

    /// <summary>The line <c>oa materialize --wait</c> prints on stderr for each retry of an outage, and when it ends.</summary>
    public static string Describe(RunWatchInterruption interruption) => interruption.Resumed
        ? $"waiting: reached the run again after {Seconds(interruption.Outage)}"
        : $"waiting: {interruption.Error.Reason}; retrying in {Seconds(interruption.RetryIn)} (attempt {interruption.Attempt}, {Seconds(interruption.Outage)} so far)";

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture)} s";

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
