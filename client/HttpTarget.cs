using Microsoft.Extensions.Configuration;
using OrleansAssets.Client.Http;

namespace OrleansAssets.Cli;

/// <summary>A gateway's REST API to run the command against instead of the Orleans client, and why there.</summary>
/// <param name="Url">The gateway's URL, for example <c>http://localhost:3000</c>.</param>
/// <param name="Source"><c>--url</c> or <c>OA_URL</c>.</param>
/// <param name="Token">The bearer token; never printed.</param>
/// <param name="TokenSource"><c>--token</c> or <c>OA_TOKEN</c>, when there is a token.</param>
internal sealed record HttpTarget(Uri Url, string Source, string? Token, string? TokenSource)
{
    /// <summary>
    /// The gateway to use, or null for the Orleans client. First match wins: <c>--url</c>, <c>--gateway</c> (the
    /// Orleans client), <c>OA_URL</c>, then the Orleans client's own ways of finding the cluster. The token:
    /// <c>--token</c>, else <c>OA_TOKEN</c>.
    /// </summary>
    /// <exception cref="BadInputException">A malformed OA_URL, options that do not go together.</exception>
    public static HttpTarget? Resolve(Uri? url, IReadOnlyList<string> gateways, bool clusterIdGiven, string? token)
    {
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        if (url is not null && gateways.Count > 0)
        {
            throw new BadInputException("give --url (a gateway's REST API) or --gateway (the cluster's Orleans gateways), not both");
        }

        string source;
        if (url is not null)
        {
            source = "--url";
        }
        else if (gateways.Count == 0 && environment["OA_URL"] is { Length: > 0 } fromEnvironment)
        {
            url = Inputs.TryUrl(fromEnvironment, out var parsed, out var error) ? parsed : throw new BadInputException($"OA_URL: {error}");
            source = "OA_URL";
        }
        else
        {
            if (token is not null)
            {
                throw new BadInputException("--token goes with --url (or OA_URL): it is the REST gateway's token; the Orleans client takes none");
            }

            return null;
        }

        if (clusterIdGiven)
        {
            throw new BadInputException($"--cluster-id is for the Orleans client; over {source} the gateway knows its cluster");
        }

        var (bearer, tokenSource) = token is not null ? (token, "--token")
            : environment["OA_TOKEN"] is { Length: > 0 } fromVariable ? (fromVariable, "OA_TOKEN")
            : ((string?)null, (string?)null);
        return new HttpTarget(url, source, bearer, tokenSource);
    }

    /// <summary>The client for this gateway, with an HTTP client of its own.</summary>
    /// <exception cref="BadInputException">The token cannot be sent in a header (the message does not show it).</exception>
    public OrleansAssetsHttpClient Connect()
    {
        try
        {
            return new OrleansAssetsHttpClient(new OrleansAssetsHttpClientOptions { BaseAddress = Url, Token = Token });
        }
        catch (ArgumentException e) when (e.ParamName == "token")
        {
            throw new BadInputException($"the token from {TokenSource} cannot be sent in an HTTP header: it is empty, or holds control characters, non-ASCII characters or spaces at its ends (it is not shown here)");
        }
    }

    /// <summary>The URL as people write it, without the trailing slash.</summary>
    public string Describe() => Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
}
