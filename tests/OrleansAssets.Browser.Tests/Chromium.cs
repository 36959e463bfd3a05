using Microsoft.Playwright;

namespace OrleansAssets.Browser.Tests;

/// <summary>Debian's headless Chromium, driven by Playwright (which never downloads a browser of its own here).</summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>Where screenshots go: test-results/ beside the test assembly (not committed).</summary>
    public static string ResultsDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "test-results")).FullName;

    public static async Task<Chromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Debian's chromium at {ExecutablePath}: apt-get install -y --no-install-recommends chromium (README's test command, scripts/test, installs it).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
        return new Chromium(playwright, browser);
    }

    /// <summary>A fresh page (its own cookies and storage) on the dashboard at <paramref name="baseUrl"/>.</summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseUrl.ToString(), ViewportSize = new() { Width = 1440, Height = 900 }, Locale = "en-US", TimezoneId = "UTC" });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ResultsDirectory, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}

/// <summary>One silo and one browser for a test class.</summary>
public abstract class DashboardFixture(IReadOnlyDictionary<string, string>? settings) : IAsyncLifetime
{
    public DevSilo Silo { get; private set; } = null!;

    public Chromium Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var silo = DevSilo.StartAsync(settings);
        var chromium = Chromium.LaunchAsync();
        Silo = await silo;
        Chromium = await chromium;
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null)
        {
            await Chromium.DisposeAsync();
        }

        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }
}

/// <summary>The seed's pipeline, as <c>dotnet run --project silo</c> serves it.</summary>
public sealed class SeedDashboardFixture() : DashboardFixture(null);

/// <summary>The test-only code location of 10,000 assets in 100 groups.</summary>
public sealed class LargeCatalogFixture() : DashboardFixture(new Dictionary<string, string>
{
    ["OrleansAssets__CodeLocations__0__Assembly"] = Path.Combine(AppContext.BaseDirectory, "codelocations", "LargeCatalog", "LargeCatalog.dll"),
});

/// <summary>The seed's pipeline behind a token, with reads public: a change needs the user to sign in.</summary>
public sealed class TokenDashboardFixture() : DashboardFixture(new Dictionary<string, string>
{
    ["OrleansAssets__Auth__Token"] = TokenDashboardFixture.Token,
    ["OrleansAssets__Auth__PublicReads"] = "true",
    ["OrleansAssets__Gateway__Host"] = "127.0.0.1",
})
{
    public const string Token = "browser-test-token";
}

/// <summary>The test-only code location whose metadata has every kind, under two-part keys.</summary>
public sealed class MetadataKindsFixture() : DashboardFixture(new Dictionary<string, string>
{
    ["OrleansAssets__CodeLocations__0__Assembly"] = Path.Combine(AppContext.BaseDirectory, "codelocations", "MetadataKinds", "MetadataKinds.dll"),
});

/// <summary>
/// The seed's pipeline with its daemon at work: an inbox folder of the test's own for the sales_inbox sensor, and a
/// queue that runs one run at a time, so a second run waits where the queue page shows it.
/// </summary>
public sealed class DaemonDashboardFixture() : DashboardFixture(new Dictionary<string, string>
{
    ["Sales__InboxDir"] = DaemonDashboardFixture.Inbox,
    ["OrleansAssets__RunQueue__MaxConcurrentRuns"] = "1",
})
{
    public static string Inbox { get; } = Directory.CreateTempSubdirectory("oa-browser-inbox-").FullName;
}
