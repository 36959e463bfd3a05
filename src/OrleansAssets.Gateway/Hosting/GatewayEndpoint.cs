using System.Net;
using Microsoft.Extensions.Configuration;

namespace OrleansAssets.Gateway.Hosting;

/// <summary>
/// Where the gateway listens and what to tell the operator about it: without a token it binds loopback only,
/// unless <c>OrleansAssets:Auth:AllowAnonymous</c> says, on purpose, to let anyone in.
/// </summary>
/// <param name="Url">What Kestrel binds, for example <c>http://127.0.0.1:3000</c>.</param>
/// <param name="BrowseUrl">What a person opens, for example <c>http://localhost:3000</c>.</param>
/// <param name="Access">One line on who may use it.</param>
public sealed record GatewayEndpoint(string Url, string BrowseUrl, string Access)
{
    /// <exception cref="OrleansAssetsException">The settings would open the gateway to the network without a token.</exception>
    public static GatewayEndpoint From(IConfiguration configuration)
    {
        var gateway = configuration.GetSection(OrleansAssetsGatewayOptions.SectionName).Get<OrleansAssetsGatewayOptions>() ?? new OrleansAssetsGatewayOptions();
        var auth = configuration.GetSection(GatewayAuthOptions.SectionName).Get<GatewayAuthOptions>() ?? new GatewayAuthOptions();
        if (gateway.Port is < 1 or > 65535)
        {
            throw new OrleansAssetsException($"{OrleansAssetsGatewayOptions.SectionName}:Port must be a port from 1 to 65535 (is {gateway.Port}).");
        }

        var open = auth.Required || auth.AllowAnonymous;
        var host = string.IsNullOrWhiteSpace(gateway.Host) ? (open ? "0.0.0.0" : "127.0.0.1") : gateway.Host.Trim();
        var loopback = host is "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        if (!open && !loopback)
        {
            throw new OrleansAssetsException(
                $"The gateway would listen on {host} without a token: set {GatewayAuthOptions.SectionName}:Token (OrleansAssets__Auth__Token) to require one, " +
                $"or {GatewayAuthOptions.SectionName}:AllowAnonymous=true to let anyone who reaches the port in, on purpose.");
        }

        var access = auth.Required
            ? auth.PublicReads ? "requires its token for changes; reads are public (PublicReads)" : "requires its token (Authorization: Bearer, or sign in at /login)"
            : loopback ? "runs without authentication, on loopback only" : "runs WITHOUT authentication on every address (AllowAnonymous)";
        var browse = host is "0.0.0.0" or "::" or "*" or "+" ? "localhost" : host;
        return new GatewayEndpoint($"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{gateway.Port}", $"http://{browse}:{gateway.Port}", access);
    }
}
