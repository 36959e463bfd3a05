using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Gateway.Hosting;

namespace OrleansAssets.Gateway.Security;

/// <summary>
/// The shared token of <c>OrleansAssets:Auth:Token</c> as an ASP.NET Core authentication scheme:
/// <c>Authorization: Bearer TOKEN</c> for the API and the stream, the login page's cookie for the dashboards.
/// The token is compared in constant time and never written anywhere.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes,
    IOptions<GatewayAuthOptions> auth,
    ILoggerFactory loggers,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, loggers, encoder)
{
    public const string SchemeName = "OrleansAssetsToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Matches(auth.Value.Token, header["Bearer ".Length..].Trim())
                ? AuthenticateResult.Success(new AuthenticationTicket(Principal("bearer"), SchemeName))
                : AuthenticateResult.Fail("The bearer token is not the gateway's token.");
        }

        // The login page's cookie.
        var cookie = await Context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return cookie.Succeeded ? AuthenticateResult.Success(new AuthenticationTicket(cookie.Principal!, SchemeName)) : AuthenticateResult.NoResult();
    }

    public static bool Matches(string? expected, string? given) =>
        expected is { Length: > 0 } && given is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));

    public static ClaimsPrincipal Principal(string how) => new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "token holder"), new Claim("oa:auth", how)], SchemeName));
}
