using Microsoft.Extensions.DependencyInjection;

namespace OrleansAssets.Client.Http;

public static class OrleansAssetsHttpClientHostingExtensions
{
    /// <summary>
    /// Adds <see cref="OrleansAssetsHttpClient"/>, and <see cref="IOrleansAssetsClient"/> as it, as typed clients of
    /// <c>IHttpClientFactory</c> for the gateway the options name. Returns the HTTP client's builder, for handlers
    /// and resilience of the caller's own.
    /// </summary>
    /// <exception cref="ArgumentException">The options name no gateway, or a token no HTTP header can carry.</exception>
    public static IHttpClientBuilder AddOrleansAssetsHttpClient(this IServiceCollection services, Action<OrleansAssetsHttpClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new OrleansAssetsHttpClientOptions();
        configure(options);

        // Fail here, at start-up, rather than at the first call.
        using (new OrleansAssetsHttpClient(new HttpClient(), options))
        {
        }

        return services
            .AddHttpClient(nameof(OrleansAssetsHttpClient), http => http.Timeout = options.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout })
            .AddTypedClient<IOrleansAssetsClient>((http, _) => new OrleansAssetsHttpClient(http, options))
            .AddTypedClient((http, _) => new OrleansAssetsHttpClient(http, options));
    }
}
