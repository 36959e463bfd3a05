using System.Security.Cryptography;
using System.Text;

namespace OrleansAssets.Automation;

/// <summary>
/// Run keys of schedules and sensors, and the run id each key gives. The id is derived from the key, so every silo
/// that handles the same tick or request submits to the same run grain, and a retry after a crash finds the run it
/// made instead of making a second one; storage refuses a second run for a key besides.
/// </summary>
public static class RunKeys
{
    public const string ScheduleKind = "schedule";
    public const string SensorKind = "sensor";

    public static string ForScheduleTick(string schedule, DateTimeOffset tick) =>
        $"schedule:{schedule}:{tick.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}";

    public static string ForSensorRequest(string sensor, string runKey) => $"sensor:{sensor}:{runKey}";

    public static Guid RunIdOf(string runKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"oa.runkey:{runKey}"), hash);

        // Marked as an RFC 9562 version 8 (custom) id, so it is never taken for a random one.
        hash[7] = (byte)((hash[7] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16]);
    }
}
