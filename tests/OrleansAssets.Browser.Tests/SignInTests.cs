using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>A gateway with a token: the dashboard answers a 401 from the API by sending the user to sign in, and back.</summary>
public sealed class SignInTests(TokenDashboardFixture fixture) : IClassFixture<TokenDashboardFixture>
{
    [Fact]
    public async Task A_change_refused_for_want_of_the_token_sends_the_user_to_sign_in_and_back_to_the_page()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/assets/sales_summary");
        await Expect(page.Locator("h1.asset-title")).ToHaveTextAsync("sales_summary");

        await page.GetByRole(AriaRole.Button, new() { Name = "Materialize", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/login?returnUrl=%2Fassets%2Fsales_summary", StringComparison.Ordinal));
        await page.GetByLabel("This gateway's token").FillAsync(TokenDashboardFixture.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/assets/sales_summary");

        await page.GetByRole(AriaRole.Button, new() { Name = "Materialize with upstream" }).ClickAsync();
        await Expect(page.Locator(".toast").First).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 30_000 });
        await Expect(page.Locator("tr[data-metadata=top_product] > td")).ToHaveTextAsync("B");
        await Chromium.ScreenshotAsync(page, "token-after-sign-in");
    }
}
