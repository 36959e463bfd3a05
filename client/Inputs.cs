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
