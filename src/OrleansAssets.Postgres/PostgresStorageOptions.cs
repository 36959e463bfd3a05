namespace OrleansAssets.Postgres;

/// <summary>Settings of the Postgres storage, bound from <c>OrleansAssets:Postgres</c>.</summary>
public sealed class PostgresStorageOptions
{
    public const string SectionName = "OrleansAssets:Postgres";

    /// <summary>The Npgsql connection string; <c>ConnectionStrings:Postgres</c> or the <c>OA_POSTGRES_*</c> variables by default.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Events of runs that ended longer ago than this are deleted (materializations and run records stay). Null keeps every event.</summary>
    public TimeSpan? EventRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How many concurrent writes one commit may carry.</summary>
    public int MaxWritesPerCommit { get; set; } = 512;

    /// <summary>
    /// Connections a silo keeps at most in each of its two pools (ours, and the one Orleans' ADO.NET providers share),
    /// unless the connection string sets <c>Maximum Pool Size</c>. Npgsql's default of 100 per pool lets three silos
    /// and a gateway take Postgres's default 100 connections under load; writes are batched, so few are needed.
    /// </summary>
    public int MaxPoolSize { get; set; } = 10;

    /// <summary>How long a write keeps being retried while Postgres is unreachable before its caller sees the error.</summary>
    public TimeSpan WriteRetryTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
