using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansAssets.Gateway.Hosting;
using OrleansAssets.Tests.Cluster;

namespace OrleansAssets.Tests.Gateway;

/// <summary>
/// The gateway as a real ASP.NET Core app on a loopback port (Kestrel, the whole middleware pipeline) over the
/// in-process test cluster (in-memory storage, named as such), with the settings a test gives it.
/// </summary>
public class GatewayFixture : ClusterFixture
{
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The gateway app's services, to compare its routes with its OpenAPI document.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>Everything the gateway logged, to check that secrets never appear.</summary>
    public CapturedLog Log { get; } = new();

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Log);
        builder.Services.AddSingleton(Cluster.Client);
        builder.Services.AddSingleton<IGrainFactory>(Cluster.Client);
        builder.Services.AddOrleansAssetsGateway(builder.Configuration);
        _app = builder.Build();
        _app.MapOrleansAssets();
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Http = new HttpClient { BaseAddress = BaseAddress };
    }

    public override async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

/// <summary>A gateway that requires a token.</summary>
public sealed class TokenGatewayFixture : GatewayFixture
{
    public const string Token = "test-token-5c1e9b";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["OrleansAssets:Auth:Token"] = Token };
}

/// <summary>Log lines, kept in memory.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IEnumerable<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
