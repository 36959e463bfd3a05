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

    /// <summary>How long a write keeps being retried while Postgres is unreachable before its caller sees the error.</summary>
    public TimeSpan WriteRetryTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
