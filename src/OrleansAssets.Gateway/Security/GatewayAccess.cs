using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansAssets.Gateway.Hosting;

namespace OrleansAssets.Gateway.Security;

/// <summary>
/// Who gets in, in one place for everything the gateway serves (API, stream, dashboards): with a token configured,
/// everything but <c>/health/*</c> and the login page requires it (reads too, unless <c>PublicReads</c>); a browser
/// asking for a page is sent to the login page, anything else gets a 401 problem detail.
/// </summary>
internal sealed class GatewayAccess(RequestDelegate next, IOptions<GatewayAuthOptions> options, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var auth = options.Value;
        var path = context.Request.Path;
        if (!auth.Required || path.StartsWithSegments("/health") || path.StartsWithSegments(LoginPage.Path)
            || (auth.PublicReads && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))))
        {
            await next(context);
            return;
        }

        var result = await context.AuthenticateAsync(TokenAuthenticationHandler.SchemeName);
        if (result.Succeeded)
        {
            context.User = result.Principal;
            await next(context);
            return;
        }

        var wantsPage = HttpMethods.IsGet(context.Request.Method) && !path.StartsWithSegments("/api/v1") && !path.StartsWithSegments("/openapi")
            && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (wantsPage)
        {
            context.Response.Redirect($"{LoginPage.Path}?returnUrl={WebUtility.UrlEncode(context.Request.PathBase + path + context.Request.QueryString)}");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = result.Failure is not null
                    ? "The bearer token is not this gateway's token."
                    : "This gateway requires its token: send Authorization: Bearer TOKEN (oa --token, OA_TOKEN), or sign in at /login.",
            },
        });
    }
}

/// <summary>The dashboards' way in with the token: a form that sets an HttpOnly, SameSite cookie.</summary>
internal static class LoginPage
{
    public const string Path = "/login";

    public static IEndpointRouteBuilder MapLoginPage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (string? returnUrl) => Results.Content(Html(returnUrl, failed: false), "text/html; charset=utf-8")).ExcludeFromDescription();
        endpoints.MapPost(Path, async (HttpContext context, IOptions<GatewayAuthOptions> options) =>
        {
            var form = await context.Request.ReadFormAsync();
            var returnUrl = form["returnUrl"].ToString();
            if (!TokenAuthenticationHandler.Matches(options.Value.Token, form["token"].ToString()))
            {
                return Results.Content(Html(returnUrl, failed: true), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            }

            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, TokenAuthenticationHandler.Principal("cookie"));
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl : "/");
        }).ExcludeFromDescription().DisableAntiforgery();
        endpoints.MapPost($"{Path}/out", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(Path);
        }).ExcludeFromDescription().DisableAntiforgery();
        return endpoints;
    }

    private static bool IsLocal(string url) => url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    private static string Html(string? returnUrl, bool failed) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>OrleansAssets: sign in</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;background:#f6f7f9}
        form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;min-width:20rem}
        input{width:100%;padding:.5rem;margin:.5rem 0 1rem;box-sizing:border-box}button{padding:.5rem 1rem}.error{color:#b00020}</style></head>
        <body><form method="post" action="{{Path}}">
        <h1>OrleansAssets</h1>
        <label for="token">This gateway's token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
        <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl ?? "/")}}">
        {{(failed ? "<p class=\"error\" role=\"alert\">That is not this gateway's token.</p>" : "")}}
        <button type="submit">Sign in</button>
        </form></body></html>
        """;
}
