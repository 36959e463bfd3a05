namespace OrleansAssets.Cluster;

/// <summary>
/// The cluster identity every part assumes unless told otherwise, in one place: the silo, the gateway, the SDK and
/// <c>oa</c> must agree on it, or a client finds silos it cannot join.
/// </summary>
public static class ClusterIdentity
{
    /// <summary>The cluster id and service id of a cluster on Postgres, unless configured.</summary>
    public const string ClusterId = "orleansassets";

    public const string ServiceId = "orleansassets";

    /// <summary>The dev-mode silo's cluster id: Orleans' localhost clustering keeps its own default.</summary>
    public const string DevClusterId = "default";

    /// <summary>The cluster id <c>scripts/cluster</c> gives the cluster it starts on this machine.</summary>
    public const string LocalScriptClusterId = "orleansassets-local";
}
