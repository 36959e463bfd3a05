using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace OrleansAssets.Silo;

/// <summary>
/// Where this silo sits in a Postgres-backed cluster, from <c>OrleansAssets:Cluster</c>
/// (<c>OrleansAssets__Cluster__SiloPort=11112</c> and so on).
/// </summary>
internal sealed class ClusterSettings
{
    public string ClusterId { get; set; } = OrleansAssets.Cluster.ClusterIdentity.ClusterId;

    public string ServiceId { get; set; } = OrleansAssets.Cluster.ClusterIdentity.ServiceId;

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this one at; the host's first IPv4 address when not set.</summary>
    public string? AdvertisedAddress { get; set; }

    public string? SiloName { get; set; }

    /// <summary>How often silos probe each other; with <see cref="MissedProbesLimit"/> it sets how soon a dead silo is declared dead.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>Suspicions from this many silos declare one dead (fewer when fewer silos are up).</summary>
    public int VotesForDeathDeclaration { get; set; } = 1;

    /// <summary>How long a grain call may wait for its answer; long-running step calls set their own.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public static ClusterSettings From(IConfiguration configuration) =>
        configuration.GetSection("OrleansAssets:Cluster").Get<ClusterSettings>() ?? new ClusterSettings();

    public IPAddress ResolveAdvertisedAddress()
    {
        if (string.IsNullOrWhiteSpace(AdvertisedAddress))
        {
            return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?? IPAddress.Loopback;
        }

        return IPAddress.TryParse(AdvertisedAddress, out var address)
            ? address
            : Dns.GetHostAddresses(AdvertisedAddress).First(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
}
