-- The daemon: the run queue (priority, cancel requests), jobs (job, ops, run config), schedules and sensors (run
-- keys run once, tick history, status and cursor), and oa_append in its new shape (the first event's sequence,
-- run keys, ticks and automation state in the same transaction as the run they belong to).

-- The run queue orders queued runs by priority, then age; a cancel request is kept so a resumed run goes on canceling.
alter table oa_runs add column priority integer not null default 0;
alter table oa_runs add column cancel_requested_by text;
-- A job's runs: the job, the ops it runs besides assets, and the run config (an object by step key).
alter table oa_runs add column job text;
alter table oa_runs add column ops text[] not null default '{}';
alter table oa_runs add column config json;
create index oa_runs_unfinished on oa_runs (status, priority desc, created_at) where status in ('queued', 'started');

-- Schedules and sensors: each run key is run once (a schedule's tick, a sensor's request), each tick is recorded
-- with what it made, and each schedule's and sensor's status (started or stopped) and cursor are kept.
alter table oa_runs add column run_key text;
create table oa_run_keys (
    run_key text primary key,
    run_id  uuid not null
);
create table oa_ticks (
    kind        text not null,
    name        text not null,
    at          timestamptz not null,
    status      text not null,
    run_ids     uuid[] not null default '{}',
    message     text,
    cursor      text,
    recorded_at timestamptz not null default clock_timestamp(),
    primary key (kind, name, at)
);
create table oa_automation_state (
    kind       text not null,
    name       text not null,
    status     text,
    cursor     text,
    started_at timestamptz,
    primary key (kind, name)
);

-- A new return shape cannot replace the old function in place.
drop function oa_append(json);

-- Appends a batch of writes in one transaction (one commit for every write of the batch). Each write is
-- {runId, run?, step?, materialization?, failure?, assetState?, events[]}; it is applied whole or refused whole:
-- refused when its run is finished already, when its step transition is not allowed from the step's record (the
-- rules of StepTransitionRules in the runtime), or when its materialization was recorded before. Returns, per
-- write, whether it was applied, the asset state's new version and the sequence number of its first event. An asset state whose expected version is not
-- the stored one raises SQLSTATE OAS01 and the batch rolls back.
create function oa_append(batch json) returns table (write_index integer, applied boolean, state_version integer, first_seq bigint)
language plpgsql as $fn$
#variable_conflict use_column
declare
    w        json;
    i        bigint;
    run      uuid;
    s        json;
    m        json;
    f        json;
    st       json;
    n        integer;
    base     bigint;
    ok       boolean;
    found_step boolean;
    cur_status text;
    cur_attempt integer;
    tr       text;
    att      integer;
    new_status text;
    version  integer;
    t        json;
    a        json;
begin
    -- Lock every run this batch touches, in one order, so concurrent batches from several silos cannot deadlock.
    perform 1 from oa_runs
    where run_id in (select (x->>'runId')::uuid from json_array_elements(batch) x)
    order by run_id
    for update;

    for w, i in select x, o from json_array_elements(batch) with ordinality as t(x, o) loop
        run := (w->>'runId')::uuid;
        s := w->'step';
        m := w->'materialization';
        ok := true;
        version := null;
        base := null;

        -- A finished run stays finished.
        if w->'run' is not null and exists (select 1 from oa_runs where run_id = run and status in ('success', 'failure', 'canceled')) then
            ok := false;
        end if;

        if ok and s is not null then
            tr := s->>'transition';
            att := (s->>'attempt')::integer;
            select status, attempt into cur_status, cur_attempt from oa_steps
            where run_id = run and asset_key = s->>'assetKey' for update;
            found_step := found;
            ok := case
                when tr = 'started' then not found_step or (cur_status in ('pending', 'running') and cur_attempt <= att)
                when tr = 'attemptLost' then not found_step or (cur_status = 'running' and cur_attempt = att) or (cur_status = 'pending' and cur_attempt < att)
                when tr in ('succeeded', 'failed', 'canceled') then not found_step or cur_status in ('pending', 'running')
                when tr = 'skipped' then not found_step or cur_status = 'pending'
                else false end;
        end if;

        if ok and m is not null then
            insert into oa_materializations (run_id, asset_key, ts, record)
            values (run, m->>'assetKey', (m->>'ts')::timestamptz, m->'record')
            on conflict do nothing;
            get diagnostics n = row_count;
            ok := n > 0;
        end if;

        -- A run key makes its run once: a second run for it is refused whole.
        if ok and w->>'runKey' is not null then
            insert into oa_run_keys (run_key, run_id) values (w->>'runKey', run) on conflict do nothing;
            get diagnostics n = row_count;
            ok := n > 0;
        end if;

        if ok then
            if w->'run' is not null then
                insert into oa_runs (run_id, status, selection, asset_keys, tags, created_at, started_at, ended_at, error,
                                     priority, cancel_requested_by, job, ops, config, run_key)
                values (run, w->'run'->>'status', w->'run'->>'selection',
                        array(select json_array_elements_text(coalesce(w->'run'->'assetKeys', '[]'))),
                        coalesce(w->'run'->'tags', '{}')::jsonb, (w->'run'->>'createdAt')::timestamptz,
                        (w->'run'->>'startedAt')::timestamptz, (w->'run'->>'endedAt')::timestamptz, w->'run'->>'error',
                        coalesce((w->'run'->>'priority')::integer, 0), w->'run'->>'cancelRequestedBy', w->'run'->>'job',
                        array(select json_array_elements_text(coalesce(w->'run'->'ops', '[]'))), (w->'run'->>'config')::json,
                        w->'run'->>'runKey')
                on conflict (run_id) do update
                set status = excluded.status, asset_keys = excluded.asset_keys, tags = excluded.tags,
                    started_at = excluded.started_at, ended_at = excluded.ended_at, error = excluded.error,
                    priority = excluded.priority, cancel_requested_by = coalesce(oa_runs.cancel_requested_by, excluded.cancel_requested_by);
                if w->'run'->>'status' in ('success', 'failure', 'canceled') then
                    update oa_asset_activity set running_in = null where running_in = run;
                end if;
            end if;

            if s is not null then
                new_status := case tr when 'started' then 'running' when 'attemptLost' then 'pending'
                                      when 'succeeded' then 'success' when 'failed' then 'failure'
                                      when 'canceled' then 'canceled' else 'skipped' end;
                insert into oa_steps as t (run_id, asset_key, status, attempt, silo, started_at, ended_at, duration_ms, error)
                values (run, s->>'assetKey', new_status, att, s->>'silo',
                        case when tr = 'started' then (s->>'timestamp')::timestamptz else (s->>'startedAt')::timestamptz end,
                        case when new_status in ('success', 'failure', 'skipped', 'canceled') then (s->>'timestamp')::timestamptz end,
                        (s->>'durationMs')::double precision, s->'error')
                on conflict (run_id, asset_key) do update
                set status = excluded.status, attempt = greatest(t.attempt, excluded.attempt),
                    silo = case when tr = 'attemptLost' then null else coalesce(excluded.silo, t.silo) end,
                    started_at = coalesce(t.started_at, excluded.started_at), ended_at = excluded.ended_at,
                    duration_ms = coalesce(excluded.duration_ms, t.duration_ms), error = excluded.error;

                if tr = 'started' then
                    insert into oa_asset_activity as a (asset_key, running_in) values (s->>'assetKey', run)
                    on conflict (asset_key) do update set running_in = run;
                elsif tr = 'canceled' then
                    update oa_asset_activity set running_in = null where asset_key = s->>'assetKey' and running_in = run;
                end if;
            end if;

            if m is not null then
                insert into oa_asset_activity as a (asset_key, latest, latest_ts)
                values (m->>'assetKey', m->'record', (m->>'ts')::timestamptz)
                on conflict (asset_key) do update
                set latest = case when a.latest_ts is null or excluded.latest_ts >= a.latest_ts then excluded.latest else a.latest end,
                    latest_ts = greatest(a.latest_ts, excluded.latest_ts),
                    running_in = case when a.running_in = run then null else a.running_in end;
            end if;

            f := w->'failure';
            if f is not null then
                insert into oa_asset_activity as a (asset_key, failure, failure_ts)
                values (f->>'assetKey', f->'record', (f->>'ts')::timestamptz)
                on conflict (asset_key) do update
                set failure = excluded.failure, failure_ts = excluded.failure_ts,
                    running_in = case when a.running_in = run then null else a.running_in end;
            end if;

            t := w->'tick';
            if t is not null then
                insert into oa_ticks (kind, name, at, status, run_ids, message, cursor)
                values (t->>'kind', t->>'name', (t->>'at')::timestamptz, t->>'status',
                        array(select json_array_elements_text(coalesce(t->'runIds', '[]'))::uuid), t->>'message', t->>'cursor')
                on conflict (kind, name, at) do nothing;
            end if;

            a := w->'automation';
            if a is not null then
                insert into oa_automation_state as x (kind, name, status, cursor, started_at)
                values (a->>'kind', a->>'name', a->>'status', a->>'cursor', (a->>'startedAt')::timestamptz)
                on conflict (kind, name) do update
                set status = coalesce(excluded.status, x.status), cursor = coalesce(excluded.cursor, x.cursor),
                    started_at = coalesce(excluded.started_at, x.started_at);
            end if;

            st := w->'assetState';
            if st is not null then
                if st->>'expectedVersion' is null then
                    insert into oa_asset_activity as a (asset_key, state, state_version) values (st->>'assetKey', st->'state', 1)
                    on conflict (asset_key) do update set state = excluded.state, state_version = 1
                    where a.state_version is null
                    returning a.state_version into version;
                else
                    update oa_asset_activity set state = st->'state', state_version = state_version + 1
                    where asset_key = st->>'assetKey' and state_version = (st->>'expectedVersion')::integer
                    returning oa_asset_activity.state_version into version;
                end if;
                if version is null then
                    raise exception 'the stored state of asset ''%'' moved on since it was read (expected version %)',
                        st->>'assetKey', coalesce(st->>'expectedVersion', 'none') using errcode = 'OAS01';
                end if;
            end if;

            n := coalesce(json_array_length(w->'events'), 0);
            if n > 0 then
                update oa_runs set last_seq = last_seq + n where run_id = run returning last_seq - n into base;
                if not found then
                    raise exception 'events for unknown run %', run using errcode = 'foreign_key_violation';
                end if;
                insert into oa_events (run_id, seq, ts, type, asset_key, message, level, attempt, duration_ms,
                                       data_version, will_retry, metadata, error, silo)
                select run, base + e.o, (e.x->>'ts')::timestamptz, e.x->>'type', e.x->>'assetKey', e.x->>'message',
                       e.x->>'level', (e.x->>'attempt')::integer, (e.x->>'durationMs')::double precision,
                       e.x->>'dataVersion', coalesce((e.x->>'willRetry')::boolean, false), e.x->'metadata', e.x->'error',
                       e.x->>'silo'
                from json_array_elements(w->'events') with ordinality as e(x, o);
            end if;
        end if;

        write_index := i - 1;
        applied := ok;
        state_version := version;
        first_seq := base + 1;
        return next;
    end loop;
end
$fn$;
