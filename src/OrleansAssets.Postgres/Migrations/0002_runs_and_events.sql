-- OrleansAssets' run storage: runs, their ordered event logs, every materialization, and each asset's latest
-- activity (what listings read instead of waking every asset grain). Metadata and records are json, not jsonb:
-- users list metadata in an order that means something, and jsonb would sort the keys.

create table oa_runs (
    run_id     uuid primary key,
    status     text not null,
    selection  text not null,
    asset_keys text[] not null,
    tags       jsonb not null default '{}',
    created_at timestamptz not null,
    started_at timestamptz,
    ended_at   timestamptz,
    error      text,
    -- The last event sequence number handed out for this run; taking it locks the run's row, so a run's events
    -- are numbered in commit order and a reader paging by sequence never skips one committed late.
    last_seq   bigint not null default 0
);
create index oa_runs_by_created on oa_runs (created_at desc);
create index oa_runs_by_status on oa_runs (status, created_at desc);

create table oa_events (
    run_id       uuid not null,
    seq          bigint not null,
    ts           timestamptz not null,
    type         text not null,
    asset_key    text,
    message      text,
    level        text,
    attempt      integer,
    duration_ms  double precision,
    data_version text,
    will_retry   boolean not null default false,
    metadata     json,
    error        json,
    primary key (run_id, seq)
);
create index oa_events_by_asset on oa_events (asset_key, ts) where asset_key is not null;
create index oa_events_by_type on oa_events (type, ts);
create index oa_events_by_time on oa_events (ts);

-- At most one materialization per run and asset: a retried step is recorded once.
create table oa_materializations (
    run_id    uuid not null,
    asset_key text not null,
    ts        timestamptz not null,
    record    json not null,
    primary key (run_id, asset_key)
);
create index oa_materializations_by_asset on oa_materializations (asset_key, ts desc);

create table oa_asset_activity (
    asset_key     text primary key,
    latest        json,
    latest_ts     timestamptz,
    failure       json,
    failure_ts    timestamptz,
    running_in    uuid,
    -- The asset grain's own state, written in the transaction of the step outcome that changed it, guarded by
    -- its version as an ETag.
    state         json,
    state_version integer
);

-- Appends a batch of writes in one transaction (one commit for every write of the batch). Each write is
-- {runId, run?, events[], materialization?, stepStarted?, failure?, assetState?}; returns, per write, whether its
-- materialization was recorded (false when the run had recorded one for the asset already, in which case the
-- write's materialization event and asset state are dropped too) and the asset state's new version. An asset state
-- whose expected version is not the stored one raises SQLSTATE OAS01 and the batch rolls back.
create function oa_append(batch json) returns table (write_index integer, recorded boolean, state_version integer)
language plpgsql as $fn$
#variable_conflict use_column
declare
    w        json;
    i        bigint;
    run      uuid;
    m        json;
    f        json;
    st       json;
    n        integer;
    base     bigint;
    was_new  boolean;
    version  integer;
begin
    -- Lock every run this batch touches, in one order, so concurrent batches from several silos cannot deadlock.
    perform 1 from oa_runs
    where run_id in (select (x->>'runId')::uuid from json_array_elements(batch) x)
    order by run_id
    for update;

    for w, i in select x, o from json_array_elements(batch) with ordinality as t(x, o) loop
        run := (w->>'runId')::uuid;

        if w->'run' is not null then
            insert into oa_runs (run_id, status, selection, asset_keys, tags, created_at, started_at, ended_at, error)
            values (run, w->'run'->>'status', w->'run'->>'selection',
                    array(select json_array_elements_text(coalesce(w->'run'->'assetKeys', '[]'))),
                    coalesce(w->'run'->'tags', '{}')::jsonb, (w->'run'->>'createdAt')::timestamptz,
                    (w->'run'->>'startedAt')::timestamptz, (w->'run'->>'endedAt')::timestamptz, w->'run'->>'error')
            on conflict (run_id) do update
            set status = excluded.status, asset_keys = excluded.asset_keys, tags = excluded.tags,
                started_at = excluded.started_at, ended_at = excluded.ended_at, error = excluded.error;
            if w->'run'->>'status' in ('success', 'failure', 'canceled') then
                update oa_asset_activity set running_in = null where running_in = run;
            end if;
        end if;

        was_new := false;
        m := w->'materialization';
        if m is not null then
            insert into oa_materializations (run_id, asset_key, ts, record)
            values (run, m->>'assetKey', (m->>'ts')::timestamptz, m->'record')
            on conflict do nothing;
            get diagnostics n = row_count;
            was_new := n > 0;
            if was_new then
                insert into oa_asset_activity as a (asset_key, latest, latest_ts)
                values (m->>'assetKey', m->'record', (m->>'ts')::timestamptz)
                on conflict (asset_key) do update
                set latest = case when a.latest_ts is null or excluded.latest_ts >= a.latest_ts then excluded.latest else a.latest end,
                    latest_ts = greatest(a.latest_ts, excluded.latest_ts),
                    running_in = case when a.running_in = run then null else a.running_in end;
            end if;
        end if;

        if w->>'stepStarted' is not null then
            insert into oa_asset_activity as a (asset_key, running_in) values (w->>'stepStarted', run)
            on conflict (asset_key) do update set running_in = run;
        end if;

        f := w->'failure';
        if f is not null then
            insert into oa_asset_activity as a (asset_key, failure, failure_ts)
            values (f->>'assetKey', f->'record', (f->>'ts')::timestamptz)
            on conflict (asset_key) do update
            set failure = excluded.failure, failure_ts = excluded.failure_ts,
                running_in = case when a.running_in = run then null else a.running_in end;
        end if;

        version := null;
        st := w->'assetState';
        if st is not null and (m is null or was_new) then
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
                                   data_version, will_retry, metadata, error)
            select run, base + e.o, (e.x->>'ts')::timestamptz, e.x->>'type', e.x->>'assetKey', e.x->>'message',
                   e.x->>'level', (e.x->>'attempt')::integer, (e.x->>'durationMs')::double precision,
                   e.x->>'dataVersion', coalesce((e.x->>'willRetry')::boolean, false), e.x->'metadata', e.x->'error'
            from json_array_elements(w->'events') with ordinality as e(x, o)
            where not (e.x->>'type' = 'materialization' and m is not null and not was_new);
        end if;

        write_index := i - 1;
        recorded := was_new;
        state_version := version;
        return next;
    end loop;
end
$fn$;
