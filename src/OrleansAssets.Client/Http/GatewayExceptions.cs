namespace OrleansAssets.Client.Http;

/// <summary>
/// No OrleansAssets gateway answers at the URL: nothing listens there, the host is unknown, it did not answer in
/// time, a proxy in front of it says it is away (502, 504), or what answers is not a gateway. Passes when the
/// gateway is back (a restart is an outage too): <see cref="ClusterErrors.Classify"/> calls it transient.
/// </summary>
public sealed class GatewayUnreachableException : OrleansAssetsException
{
    public GatewayUnreachableException(Uri url, string reason, bool mayHaveArrived, Exception? innerException = null)
        : base($"No gateway answers at {Describe(url)}: {reason}{(reason.EndsWith('?') ? "" : ".")}", innerException!)
    {
        Url = url;
        Reason = reason;
        MayHaveArrived = mayHaveArrived;
    }

    /// <summary>The gateway's base URL.</summary>
    public Uri Url { get; }

    /// <summary>Why, in a few words: <c>connection refused (nothing listens there)</c>.</summary>
    public string Reason { get; }

    /// <summary>
    /// False when the request cannot have reached a gateway (the connection was refused, the name did not resolve):
    /// a run that was being started was not. True when it may have (it timed out, the connection broke).
    /// </summary>
    public bool MayHaveArrived { get; }

    /// <summary>The URL as people wrote it: no trailing slash, never a password.</summary>
    internal static string Describe(Uri url) => new UriBuilder(url) { UserName = "", Password = "" }.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
}

/// <summary>The gateway answered, but the cluster behind it did not (a 503 that is not the storage's): it passes.</summary>
public sealed class ClusterUnavailableException : OrleansAssetsException
{
    public ClusterUnavailableException(string message) : base(message)
    {
    }

    public ClusterUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The gateway requires its token (a 401): none was sent, or not the gateway's.</summary>
public sealed class GatewayAuthenticationException : OrleansAssetsException
{
    public GatewayAuthenticationException(Uri url, bool tokenSent)
        : base(tokenSent
            ? $"The gateway at {GatewayUnreachableException.Describe(url)} refused the token sent: it is not this gateway's token."
            : $"The gateway at {GatewayUnreachableException.Describe(url)} requires its token (Authorization: Bearer); none was sent.")
    {
        Url = url;
        TokenSent = tokenSent;
    }

    public Uri Url { get; }

    /// <summary>A token was sent and refused (wrong), rather than none sent (missing).</summary>
    public bool TokenSent { get; }
}

/// <summary>The gateway refused the request as malformed (a 4xx other than a bad selection, an unknown key or a missing token).</summary>
public sealed class GatewayRequestException : OrleansAssetsException
{
    public GatewayRequestException(int status, string message) : base(message)
    {
        Status = status;
    }

    /// <summary>The HTTP status it answered.</summary>
    public int Status { get; }
}

/// <summary>The gateway failed in a way it did not foresee (a 500); its log says why. Not the caller's fault, and not an outage.</summary>
public sealed class GatewayFailedException : Exception
{
    public GatewayFailedException(int status, string message) : base(message)
    {
        Status = status;
    }

    public int Status { get; }
}
