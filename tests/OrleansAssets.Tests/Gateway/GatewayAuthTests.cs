using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace OrleansAssets.Tests.Gateway;

/// <summary>With a token configured, everything but health and the login page requires it; the token never shows.</summary>
public sealed class GatewayAuthTests(TokenGatewayFixture gateway) : IClassFixture<TokenGatewayFixture>
{
    [Fact]
    public async Task A_mutating_call_without_the_token_is_refused_with_a_problem_detail_and_with_it_succeeds()
    {
        using var anonymous = await gateway.Http.PostAsJsonAsync("/api/v1/runs", new { selection = "raw_sales_data" });
        using var wrong = await Send(HttpMethod.Post, "/api/v1/runs", "not-the-token", JsonContent.Create(new { selection = "raw_sales_data" }));
        using var right = await Send(HttpMethod.Post, "/api/v1/runs", TokenGatewayFixture.Token, JsonContent.Create(new { selection = "raw_sales_data" }));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Contains("requires its token", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, right.StatusCode);
        var everything = string.Join('\n', gateway.Log.Lines) + await right.Content.ReadAsStringAsync() + await wrong.Content.ReadAsStringAsync();
        Assert.DoesNotContain(TokenGatewayFixture.Token, everything, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/jobs/sales_report/runs")]
    [InlineData("/api/v1/schedules/sales_daily/start")]
    [InlineData("/api/v1/sensors/sales_inbox/stop")]
    [InlineData("/api/v1/runs/7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11/cancel")]
    public async Task The_daemon_s_writes_need_the_token_as_starting_a_run_does(string path)
    {
        using var anonymous = await gateway.Http.PostAsync(path, null);
        using var wrong = await Send(HttpMethod.Post, path, "not-the-token");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("requires its token", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_need_the_token_too_but_health_does_not()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Http.GetAsync("/api/v1/assets")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Http.GetAsync("/api/v1/stream")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Http.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/v1/assets", TokenGatewayFixture.Token)).StatusCode);
    }

    [Fact]
    public async Task A_browser_is_sent_to_the_login_page_whose_cookie_then_lets_it_in()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = gateway.BaseAddress };
        using var page = new HttpRequestMessage(HttpMethod.Get, "/api");
        page.Headers.Accept.ParseAdd("text/html");

        using var redirected = await browser.SendAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.StartsWith("/login?returnUrl=", redirected.Headers.Location!.OriginalString, StringComparison.Ordinal);

        using var failed = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "guess", ["returnUrl"] = "/runs" }));
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        using var signedIn = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = TokenGatewayFixture.Token, ["returnUrl"] = "/runs" }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/runs", signedIn.Headers.Location!.OriginalString);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("oa_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TokenGatewayFixture.Token, cookie, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/assets")).StatusCode);
        using var offsite = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = TokenGatewayFixture.Token, ["returnUrl"] = "https://evil.example/" }));
        Assert.Equal("/", offsite.Headers.Location!.OriginalString);
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return gateway.Http.SendAsync(request);
    }
}
