using System.CommandLine.Parsing;
using System.Globalization;
using OrleansAssets.Runs;

namespace OrleansAssets.Cli;

/// <summary>Input <c>oa</c> refuses before it connects; the message says what was wrong in the user's words.</summary>
internal sealed class BadInputException(string message) : Exception(message);

/// <summary>
/// Reads what the user typed, from strings, with messages in our words: System.CommandLine's own parsing would
/// name .NET types (<c>expected type 'System.Guid'</c>).
/// </summary>
internal static class Inputs
{
    public const int MaxLimit = 1000;

    private const string ExampleRunId = "7c0f1e2a-5b1d-4c3e-9f00-2a6b8c4d1e3f";

    public delegate bool TryParse<T>(string text, out T value, out string error);

    /// <summary>A System.CommandLine parser over <paramref name="parse"/> for an argument or option of one token.</summary>
    public static Func<ArgumentResult, T?> One<T>(TryParse<T> parse) => result =>
    {
        if (result.Tokens.Count == 0)
        {
            return default;
        }

        if (parse(result.Tokens[0].Value, out var value, out var error))
        {
            return value;
        }

        result.AddError(error);
        return default;
    };

    public delegate bool TryParseAll<T>(IReadOnlyList<string> tokens, out T value, out string error);

    /// <summary>A System.CommandLine parser over <paramref name="parse"/> for every token an option got.</summary>
    public static Func<ArgumentResult, T?> All<T>(TryParseAll<T> parse) => result =>
    {
        if (parse([.. result.Tokens.Select(t => t.Value)], out var value, out var error))
        {
            return value;
        }

        result.AddError(error);
        return default;
    };

    public static bool TryRunId(string text, out Guid id, out string error)
    {
        error = "";
        if (Guid.TryParse(text.Trim(), out id))
        {
            return true;
        }

        error = $"{UserText.Quote(text)} is not a run id (a run id looks like {ExampleRunId}; oa runs lists them)";
        return false;
    }

    public static bool TryReportId(string text, out Guid id, out string error)
    {
        error = "";
        if (Guid.TryParse(text.Trim(), out id))
        {
            return true;
        }

        error = $"--report-id {UserText.Quote(text)} is not a uuid (for example {ExampleRunId}); leave it out for a fresh one";
        return false;
    }

    /// <summary>Statuses from one or more tokens, each of which may be a comma-separated list.</summary>
    public static bool TryStatuses(IReadOnlyList<string> tokens, out RunStatus[] statuses, out string error)
    {
        var parsed = new List<RunStatus>();
        foreach (var word in Words(tokens))
        {
            if (!Enum.TryParse<RunStatus>(word, ignoreCase: true, out var status) || !Enum.IsDefined(status) || word.Any(char.IsDigit))
            {
                var names = Enum.GetValues<RunStatus>().Select(Output.Word).ToList();
                var near = word.Length > 20 ? null : names.MinBy(n => EditDistance.Between(n, word.ToLowerInvariant()));
                var hint = near is not null && EditDistance.Between(near, word.ToLowerInvariant()) <= 2 ? $" (did you mean '{near}'?)" : "";
                error = $"{UserText.Quote(word)} is not a run status; use {string.Join(", ", names[..^1])} or {names[^1]}{hint}";
                statuses = [];
                return false;
            }

            if (!parsed.Contains(status))
            {
                parsed.Add(status);
            }
        }

        statuses = [.. parsed];
        error = "";
        return true;
    }

    public static bool TryLimit(string text, out int limit, out string error)
    {
        error = "";
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit)
        {
            return true;
        }

        error = long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) || decimal.TryParse(text.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out _)
            ? $"--limit must be a whole number from 1 to {MaxLimit}; {UserText.Quote(text)} is not"
            : $"--limit takes a number of runs from 1 to {MaxLimit}; {UserText.Quote(text)} is not a number";
        return false;
    }

    /// <summary>How many ticks a preview prints.</summary>
    public static bool TryCount(string text, out int count, out string error)
    {
        error = "";
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= MaxLimit)
        {
            return true;
        }

        error = $"--count must be a whole number of ticks from 1 to {MaxLimit}; {UserText.Quote(text)} is not";
        return false;
    }

    /// <summary>
    /// A run config: its JSON as given, or <c>@FILE</c>'s content. Whether it fits the job is the cluster's to say
    /// (it names the step and the field), so it is not parsed here.
    /// </summary>
    public static bool TryConfig(string text, out string config, out string error)
    {
        error = "";
        config = text;
        if (!text.StartsWith('@'))
        {
            return true;
        }

        var path = text[1..];
        try
        {
            config = File.ReadAllText(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"--config {UserText.Quote(text)}: the file cannot be read ({UserText.Shorten(e.Message.TrimEnd('.'), 200)})";
            return false;
        }
    }

    /// <summary>Tags as <c>key=value</c>, each key once: a repeated key would silently keep only its last value.</summary>
    public static bool TryTags(IReadOnlyList<string> tokens, out Dictionary<string, string> tags, out string error)
    {
        tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tokens)
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || string.IsNullOrWhiteSpace(tag[..equals]))
            {
                error = $"--tag {UserText.Quote(tag)} is not key=value (for example --tag owner=data-team)";
                return false;
            }

            var key = tag[..equals].Trim();
            var value = tag[(equals + 1)..];
            if (tags.TryGetValue(key, out var earlier))
            {
                error = $"--tag gives the key {UserText.Quote(key)} twice ({UserText.Quote(earlier)} and {UserText.Quote(value)}); give each key once";
                return false;
            }

            tags[key] = value;
        }

        error = "";
        return true;
    }

    /// <summary>What <c>oa report --metadata</c> says of how it reads a value (its --help).</summary>
    public const string MetadataRule = "A value reads as an integer (42, -7), a float (3.5, 1e6), a boolean (true, false) or else text; "
        + "name the type to choose it: name:text=42, name:int=, name:float=, name:bool=, name:url=https://..., name:path=/data/x.csv, name:json={\"a\":1}, name:md=# Title.";

    /// <summary>Metadata as name=value (or name:type=value), each name once; see <see cref="MetadataRule"/>.</summary>
    public static bool TryMetadata(IReadOnlyList<string> tokens, out Dictionary<string, MetadataValue> metadata, out string error)
    {
        metadata = new Dictionary<string, MetadataValue>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || string.IsNullOrWhiteSpace(token[..equals]))
            {
                error = $"--metadata {UserText.Quote(token)} is not name=value (for example --metadata rows=120 or --metadata source:text=007)";
                return false;
            }

            var name = token[..equals].Trim();
            string? type = null;
            if (name.LastIndexOf(':') is var colon and > 0)
            {
                (name, type) = (name[..colon].Trim(), name[(colon + 1)..].Trim().ToLowerInvariant());
            }

            var text = token[(equals + 1)..];
            if (!TryMetadataValue(text, type, out var value, out var problem))
            {
                error = $"--metadata {UserText.Quote(token)}: {problem}";
                return false;
            }

            if (!metadata.TryAdd(name, value))
            {
                error = $"--metadata gives {UserText.Quote(name)} twice; give each name once";
                return false;
            }
        }

        error = "";
        return true;
    }

    private static bool TryMetadataValue(string text, string? type, out MetadataValue value, out string error)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        error = "";
        value = null!;
        switch (type)
        {
            // No type named: the most specific reading, and text when nothing else fits (a version '1.2.3', a date).
            case null when long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, invariant, out var integer):
                value = MetadataValue.Int(integer);
                return true;
            case null when double.TryParse(text, System.Globalization.NumberStyles.Float, invariant, out var number) && double.IsFinite(number):
                value = MetadataValue.Float(number);
                return true;
            case null when text is "true" or "false":
                value = MetadataValue.Bool(text == "true");
                return true;
            case null or "text" when text.Length > 0:
                value = MetadataValue.FromText(text);
                return true;
            case null or "text":
                error = "the value is empty; give one, or leave the name out";
                return false;
            case "int" when long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, invariant, out var i):
                value = MetadataValue.Int(i);
                return true;
            case "float" when double.TryParse(text, System.Globalization.NumberStyles.Float, invariant, out var f):
                value = MetadataValue.Float(f);
                return true;
            case "bool" when bool.TryParse(text, out var b):
                value = MetadataValue.Bool(b);
                return true;
            case "url" when Uri.TryCreate(text, UriKind.Absolute, out _):
                value = MetadataValue.Url(text);
                return true;
            case "path" when text.Length > 0:
                value = MetadataValue.Path(text);
                return true;
            case "md" or "markdown" when text.Length > 0:
                value = MetadataValue.Markdown(text);
                return true;
            case "json":
                try
                {
                    value = MetadataValue.JsonText(text);
                    return true;
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
                {
                    error = $"the value is not JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')})";
                    return false;
                }

            case "int" or "float" or "bool" or "url" or "path" or "md" or "markdown":
                error = $"{UserText.Quote(text)} is not a{(type is "int" or "url" ? "n" : "")} {type} value";
                return false;
            default:
                error = $"{UserText.Quote(type)} is not a metadata type; use text, int, float, bool, url, path, json or md";
                return false;
        }
    }

    /// <summary>Gateways as <c>host:port</c> (IPv6 as <c>[::1]:30000</c>), from tokens that may each list several, comma-separated.</summary>
    public static bool TryGateways(IReadOnlyList<string> tokens, out string[] gateways, out string error)
    {
        var parsed = new List<string>();
        foreach (var gateway in Words(tokens))
        {
            if (!TrySplitGateway(gateway, out var host, out var port))
            {
                error = $"gateway {UserText.Quote(gateway)} is not host:port (for example 127.0.0.1:30000 or silo-1:30000)";
                gateways = [];
                return false;
            }

            parsed.Add(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}");
        }

        gateways = [.. parsed];
        error = "";
        return true;
    }

    /// <summary>Splits <c>host:port</c>; the host may be a name, an IPv4 address or a bracketed IPv6 address.</summary>
    public static bool TrySplitGateway(string gateway, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = gateway[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            return System.Net.IPAddress.TryParse(host, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        // An unbracketed IPv6 address is ambiguous (which colon starts the port?); a host name has no colons.
        return !host.Contains(':', StringComparison.Ordinal)
            && (System.Net.IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) == UriHostNameType.Dns);
    }

    /// <summary>
    /// A gateway's URL: absolute http:// or https://, with a host; a path base is kept (a proxy's <c>/oa</c>), a
    /// query, fragment or user name is refused (the token goes in <c>--token</c>, never in the URL).
    /// </summary>
    public static bool TryUrl(string text, out Uri url, out string error)
    {
        var trimmed = text.Trim();
        error = "";
        if (Uri.TryCreate(trimmed, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps)
            && parsed.Host.Length > 0 && !trimmed.Any(char.IsControl) && !trimmed.Contains(' ', StringComparison.Ordinal))
        {
            if (parsed.UserInfo.Length > 0)
            {
                url = parsed;
                error = "a gateway URL takes no user name or password: give the gateway's token with --token or OA_TOKEN";
                return false;
            }

            if (parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
            {
                url = parsed;
                error = $"{UserText.Quote(text)} is not a gateway URL: it takes no query or fragment (for example http://localhost:3000)";
                return false;
            }

            url = parsed;
            return true;
        }

        url = null!;
        // "localhost:3000" parses as a URL of the scheme "localhost".
        var hint = !trimmed.Contains("://", StringComparison.Ordinal) && TrySplitGateway(trimmed, out _, out _) ? $" (did you mean http://{trimmed}?)" : "";
        error = $"{UserText.Quote(text)} is not a gateway URL: give http://HOST:PORT or https://HOST:PORT (for example http://localhost:3000){hint}";
        return false;
    }

    public static bool TryClusterId(string text, out string clusterId, out string error)
    {
        clusterId = text.Trim();
        error = "";
        if (clusterId.Length is > 0 and <= 200 && !clusterId.Any(char.IsControl))
        {
            return true;
        }

        error = $"{UserText.Quote(text)} is not a cluster id (for example orleansassets-local)";
        return false;
    }

    /// <summary>Every comma-separated word of every token: <c>--status success,failure</c> as <c>--status success failure</c>.</summary>
    private static IEnumerable<string> Words(IReadOnlyList<string> tokens) =>
        tokens.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
