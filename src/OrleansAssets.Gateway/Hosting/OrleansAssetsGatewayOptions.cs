namespace OrleansAssets.Gateway.Hosting;

/// <summary>Where the gateway listens, from <c>OrleansAssets:Gateway</c> (<c>OrleansAssets__Gateway__Port=3000</c>).</summary>
public sealed class OrleansAssetsGatewayOptions
{
    public const string SectionName = "OrleansAssets:Gateway";

    /// <summary>The port of the dashboard and the API; 3000, the port Dagster users know.</summary>
    public int Port { get; set; } = 3000;

    /// <summary>
    /// The address to bind. Unset: every address when a token guards the gateway (or anonymous access is allowed on
    /// purpose), loopback only otherwise.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>Origins allowed to call the API from a browser page they serve; none unless configured.</summary>
    public List<string> CorsOrigins { get; set; } = [];
}

/// <summary>Who may use the gateway, from <c>OrleansAssets:Auth</c>.</summary>
public sealed class GatewayAuthOptions
{
    public const string SectionName = "OrleansAssets:Auth";

    /// <summary>
    /// A shared secret: when set, everything but <c>/health/*</c> requires it, as <c>Authorization: Bearer TOKEN</c>
    /// or through the login page's cookie.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>With a token: GET requests (reads) need none.</summary>
    public bool PublicReads { get; set; }

    /// <summary>Without a token, bind every address anyway (on purpose: anyone who reaches the port can run anything).</summary>
    public bool AllowAnonymous { get; set; }

    public bool Required => !string.IsNullOrEmpty(Token);
}
