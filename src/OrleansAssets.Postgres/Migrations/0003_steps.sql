-- Each step of a run gets a record of its own: where it stands, its current attempt and the silo running it.
-- It is the attempt's own record that decides, with the cluster's membership, whether an attempt is alive, and
-- its transitions make every write of a step land once: a handed-over outcome, a late write of a grain that
-- stopped, or a retried commit is refused whole instead of adding a second stepSucceeded or a stale "lost".
-- Room for partitions: a partition key joins the primary key when partitions arrive.

alter table oa_events add column silo text;

create table oa_steps (
    run_id      uuid not null,
    asset_key   text not null,
    -- pending (waiting for an attempt), running, success, failure, skipped
    status      text not null,
    attempt     integer not null default 0,
    silo        text,
    started_at  timestamptz,
    ended_at    timestamptz,
    duration_ms double precision,
    error       json,
    primary key (run_id, asset_key)
);

-- Steps of the runs recorded before this migration, from their events: the last step event of each decides.
insert into oa_steps (run_id, asset_key, status, attempt, started_at, ended_at, duration_ms, error)
select run_id, asset_key,
       case when type in ('stepSucceeded', 'materialization') then 'success'
            when type = 'stepFailed' and will_retry then 'pending'
            when type = 'stepFailed' then 'failure'
            when type = 'stepSkipped' then 'skipped'
            else 'running' end,
       coalesce(max_attempt, 0), first_start,
       case when type in ('stepSucceeded', 'materialization', 'stepSkipped') or (type = 'stepFailed' and not will_retry) then ts end,
       duration_ms, error
from (
    select distinct on (e.run_id, e.asset_key) e.run_id, e.asset_key, e.type, e.will_retry, e.ts, e.duration_ms, e.error,
           max(e.attempt) over (partition by e.run_id, e.asset_key) as max_attempt,
           min(e.ts) filter (where e.type = 'stepStarted') over (partition by e.run_id, e.asset_key) as first_start
    from oa_events e
    where e.asset_key is not null and e.type in ('stepStarted', 'stepSucceeded', 'stepFailed', 'stepSkipped', 'materialization')
    order by e.run_id, e.asset_key, e.seq desc
) last_step;

drop function oa_append(json);

-- Appends a batch of writes in one transaction (one commit for every write of the batch). Each write is
-- {runId, run?, step?, materialization?, failure?, assetState?, events[]}; it is applied whole or refused whole:
-- refused when its run is finished already, when its step transition is not allowed from the step's record (the
-- rules of StepTransitionRules in the runtime), or when its materialization was recorded before. Returns, per
-- write, whether it was applied and the asset state's new version. An asset state whose expected version is not
-- the stored one raises SQLSTATE OAS01 and the batch rolls back.
create function oa_append(batch json) returns table (write_index integer, applied boolean, state_version integer)
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
                when tr in ('succeeded', 'failed') then not found_step or cur_status in ('pending', 'running')
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

        if ok then
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

            if s is not null then
                new_status := case tr when 'started' then 'running' when 'attemptLost' then 'pending'
                                      when 'succeeded' then 'success' when 'failed' then 'failure' else 'skipped' end;
                insert into oa_steps as t (run_id, asset_key, status, attempt, silo, started_at, ended_at, duration_ms, error)
                values (run, s->>'assetKey', new_status, att, s->>'silo',
                        case when tr = 'started' then (s->>'timestamp')::timestamptz else (s->>'startedAt')::timestamptz end,
                        case when new_status in ('success', 'failure', 'skipped') then (s->>'timestamp')::timestamptz end,
                        (s->>'durationMs')::double precision, s->'error')
                on conflict (run_id, asset_key) do update
                set status = excluded.status, attempt = greatest(t.attempt, excluded.attempt),
                    silo = case when tr = 'attemptLost' then null else coalesce(excluded.silo, t.silo) end,
                    started_at = coalesce(t.started_at, excluded.started_at), ended_at = excluded.ended_at,
                    duration_ms = coalesce(excluded.duration_ms, t.duration_ms), error = excluded.error;

                if tr = 'started' then
                    insert into oa_asset_activity as a (asset_key, running_in) values (s->>'assetKey', run)
                    on conflict (asset_key) do update set running_in = run;
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
        return next;
    end loop;
end
$fn$;
