using System.Text;
using Npgsql;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// What must hold in the run storage after any scenario, however silos stopped, died or lost the database, read
/// from Postgres itself: the promise each later feature builds on ("each step's code runs once per attempt and
/// each materialization is recorded once").
/// </summary>
public static class ClusterInvariants
{
    /// <summary>One broken promise, named so a failing test says which and where.</summary>
    public sealed record Violation(string Rule, string Where);

    /// <summary>
    /// What was checked: the runs, their events and steps; how many attempts were lost with a dead silo and run
    /// again, and how many never ran (their silo began to stop first) and were started elsewhere.
    /// </summary>
    public sealed record Report(int Runs, long Events, int Steps, int LostAttempts, int AttemptsMovedBeforeStarting, IReadOnlyList<Violation> Violations)
    {
        public override string ToString()
        {
            var text = new StringBuilder($"{Runs} run(s), {Events} event(s), {Steps} step(s), {LostAttempts} lost attempt(s) run again, {AttemptsMovedBeforeStarting} moved before starting; ");
            text.Append(Violations.Count == 0 ? "every invariant holds" : $"{Violations.Count} violation(s):");
            foreach (var violation in Violations.Take(50))
            {
                text.Append($"\n  {violation.Rule}: {violation.Where}");
            }

            return text.ToString();
        }
    }

    private static readonly (string Rule, string Sql)[] Rules =
    [
        ("each run's events are numbered 1..n without gaps",
            "select run_id::text from oa_events where run_id = any($1) group by run_id having min(seq) <> 1 or max(seq) <> count(*)"),
        ("a successful run has exactly one materialization event per asset",
            """
            select r.run_id || ' ' || k || ' has ' || (select count(*) from oa_events e where e.run_id = r.run_id and e.asset_key = k and e.type = 'materialization')
            from oa_runs r, unnest(r.asset_keys) k
            where r.run_id = any($1) and r.status = 'success'
              and (select count(*) from oa_events e where e.run_id = r.run_id and e.asset_key = k and e.type = 'materialization') <> 1
            """),
        ("a successful run has one materialization row per asset",
            """
            select r.run_id || ' ' || k from oa_runs r, unnest(r.asset_keys) k
            where r.run_id = any($1) and r.status = 'success'
              and not exists (select 1 from oa_materializations m where m.run_id = r.run_id and m.asset_key = k)
            """),
        ("a step succeeds at most once",
            "select run_id || ' ' || asset_key || ' x' || count(*) from oa_events where run_id = any($1) and type = 'stepSucceeded' group by run_id, asset_key having count(*) > 1"),
        ("an attempt starts at most once",
            "select run_id || ' ' || asset_key || ' attempt ' || attempt || ' x' || count(*) from oa_events where run_id = any($1) and type = 'stepStarted' group by run_id, asset_key, attempt having count(*) > 1"),
        ("a later attempt starts only after the one before it was recorded lost",
            """
            select e.run_id || ' ' || e.asset_key || ' attempt ' || e.attempt from oa_events e
            where e.run_id = any($1) and e.type = 'stepStarted' and e.attempt > 1
              and not exists (select 1 from oa_events l where l.run_id = e.run_id and l.asset_key = e.asset_key and l.type = 'stepFailed'
                              and l.will_retry and l.attempt < e.attempt and l.seq < e.seq)
            """),
        ("no step of a finished run is left running",
            """
            select s.run_id || ' ' || s.asset_key || ' ' || s.status from oa_steps s join oa_runs r using (run_id)
            where r.run_id = any($1) and r.status in ('success', 'failure', 'canceled') and s.status in ('running', 'pending')
            """),
        ("every selected step of a finished run has a record",
            """
            select r.run_id || ' ' || k from oa_runs r, unnest(r.asset_keys) k
            where r.run_id = any($1) and r.status in ('success', 'failure')
              and not exists (select 1 from oa_steps s where s.run_id = r.run_id and s.asset_key = k)
            """),
        ("a step's record agrees with its events",
            """
            select s.run_id || ' ' || s.asset_key || ' is ' || s.status from oa_steps s
            where s.run_id = any($1) and s.status = 'success'
              and not exists (select 1 from oa_events e where e.run_id = s.run_id and e.asset_key = s.asset_key and e.type = 'stepSucceeded')
            """),
        ("each asset's stored state is its latest materialization",
            """
            select a.asset_key || ': state says ' || coalesce(a.state->'latest'->>'runId', 'none') || ', latest is ' || m.run_id
            from oa_asset_activity a
            join lateral (select run_id from oa_materializations x where x.asset_key = a.asset_key order by ts desc limit 1) m on true
            where a.state is not null and (a.state->'latest'->>'runId') is distinct from m.run_id::text
            """),
    ];

    public static async Task<Report> CheckAsync(string connectionString, IReadOnlyCollection<Guid> runs)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var ids = runs.ToArray();
        var violations = new List<Violation>();
        foreach (var (rule, sql) in Rules)
        {
            await using var command = source.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = ids });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                violations.Add(new Violation(rule, reader.GetString(0)));
            }
        }

        return new Report(
            ids.Length,
            await ScalarAsync(source, "select count(*) from oa_events where run_id = any($1)", ids),
            (int)await ScalarAsync(source, "select count(*) from oa_steps where run_id = any($1)", ids),
            (int)await ScalarAsync(source, "select count(*) from oa_events where run_id = any($1) and type = 'stepFailed' and will_retry and error->>'type' = 'OrleansAssets.AttemptLost'", ids),
            (int)await ScalarAsync(source, "select count(*) from oa_events where run_id = any($1) and type = 'stepFailed' and will_retry and error->>'type' = 'OrleansAssets.AttemptNotStarted'", ids),
            violations);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql, Guid[] ids)
    {
        await using var command = source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
