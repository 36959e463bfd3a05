using System.Text.RegularExpressions;
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
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape("/login?returnUrl=%2Fassets%2Fsales_summary")));
        await page.GetByLabel("This gateway's token").FillAsync(TokenDashboardFixture.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/assets/sales_summary$"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Materialize with upstream" }).ClickAsync();
        await Expect(page.Locator(".toast").First).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 30_000 });
        await Expect(page.Locator("tr[data-metadata=top_product] > td")).ToHaveTextAsync("B");
        await Chromium.ScreenshotAsync(page, "token-after-sign-in");
    }

    [Fact]
    public async Task Starting_a_schedule_or_launching_a_job_signs_the_user_in_first_and_the_launchpad_keeps_the_draft()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/automation");
        var toggle = page.GetByRole(AriaRole.Switch, new() { Name = "sales_daily running" });
        await Expect(toggle).Not.ToBeCheckedAsync();
        await toggle.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape("/login?returnUrl=%2Fautomation")));
        await page.GetByLabel("This gateway's token").FillAsync(TokenDashboardFixture.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/automation$"));
        await page.GetByRole(AriaRole.Switch, new() { Name = "sales_daily running" }).ClickAsync();
        await Expect(page.Locator("tr[data-schedule=sales_daily]")).ToHaveAttributeAsync("data-status", "running");
        await page.GetByRole(AriaRole.Switch, new() { Name = "sales_daily running" }).ClickAsync();
        await Expect(page.Locator("tr[data-schedule=sales_daily]")).ToHaveAttributeAsync("data-status", "stopped");

        // A fresh tab without the cookie: the launch goes to sign in, and the launchpad comes back as it was typed.
        var fresh = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await fresh.GotoAsync("/jobs/sales_job");
        await fresh.GetByRole(AriaRole.Button, new() { Name = "Launch" }).ClickAsync();
        await fresh.GetByRole(AriaRole.Dialog).GetByLabel("Tags").FillAsync("owner=after-sign-in");
        await fresh.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Submit" }).ClickAsync();
        await Expect(fresh).ToHaveURLAsync(new Regex(Regex.Escape("/login?returnUrl=%2Fjobs%2Fsales_job")));
        await fresh.GetByLabel("This gateway's token").FillAsync(TokenDashboardFixture.Token);
        await fresh.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(fresh).ToHaveURLAsync(new Regex("/jobs/sales_job$"));
        await Expect(fresh.GetByRole(AriaRole.Dialog).GetByLabel("Tags")).ToHaveValueAsync("owner=after-sign-in");
        await fresh.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Submit" }).ClickAsync();
        await Expect(fresh).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
        await Expect(fresh.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 60_000 });
        await Expect(fresh.Locator(".fact-value .tag").GetByText("owner=after-sign-in")).ToBeVisibleAsync();
    }
}
