-- Tables and query texts for Orleans' ADO.NET providers (clustering, grain storage, reminders), written for
-- OrleansAssets from the providers' contract. The providers read their SQL from the orleansquery table by key.

create table orleansquery (
    querykey  varchar(64) primary key,
    querytext text not null
);

-- Membership: one version row per cluster (ClusterId), one row per silo generation.
create table oa_membership_version (
    deployment_id text primary key,
    version       integer not null default 0 check (version >= 0),
    changed_at    timestamptz not null default now()
);

create table oa_membership (
    deployment_id   text not null references oa_membership_version (deployment_id) on delete cascade,
    address         varchar(45) not null,
    port            integer not null,
    generation      integer not null,
    silo_name       text not null,
    host_name       text not null,
    status          integer not null,
    proxy_port      integer not null,
    suspect_times   text,
    start_time      timestamptz not null,
    i_am_alive_time timestamptz not null,
    primary key (deployment_id, address, port, generation)
);

-- Grain state: identity is service, state name and grain id; the hashes only narrow the search.
create table oa_grain_state (
    service_id         text not null,
    grain_type         text not null,
    grain_type_hash    integer not null,
    grain_id_n0        bigint not null,
    grain_id_n1        bigint not null,
    grain_id_extension text,
    grain_id_hash      integer not null,
    payload            bytea,
    version            integer,
    modified_on        timestamptz not null default now()
);
create unique index oa_grain_state_identity on oa_grain_state
    (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension) nulls not distinct;
create index oa_grain_state_lookup on oa_grain_state (grain_id_hash, grain_type_hash);

-- Reminders: hashes are signed 32-bit, compared as given across the ring's wrap point.
create table oa_reminders (
    service_id    text not null,
    grain_id      text not null,
    reminder_name text not null,
    start_time    timestamptz not null,
    period        bigint not null,
    grain_hash    integer not null,
    version       integer not null,
    primary key (service_id, grain_id, reminder_name)
);
create index oa_reminders_ring on oa_reminders (service_id, grain_hash);

insert into orleansquery (querykey, querytext) values

-- Clustering ------------------------------------------------------------------------------------------------
('InsertMembershipVersionKey', $q$
    with created as (
        insert into oa_membership_version (deployment_id, version) values (@DeploymentId, 0)
        on conflict (deployment_id) do nothing
        returning 1)
    select count(*) > 0 from created
$q$),

('MembershipReadAllKey', $q$
    select m.address, m.port, m.generation, m.silo_name as siloname, m.host_name as hostname, m.status,
           m.proxy_port as proxyport, m.suspect_times as suspecttimes, m.start_time as starttime,
           m.i_am_alive_time as iamalivetime, v.version
    from oa_membership_version v
    left join oa_membership m on m.deployment_id = v.deployment_id
    where v.deployment_id = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
    select m.address, m.port, m.generation, m.silo_name as siloname, m.host_name as hostname, m.status,
           m.proxy_port as proxyport, m.suspect_times as suspecttimes, m.start_time as starttime,
           m.i_am_alive_time as iamalivetime, v.version
    from oa_membership_version v
    left join oa_membership m on m.deployment_id = v.deployment_id
        and m.address = @Address and m.port = @Port and m.generation = @Generation
    where v.deployment_id = @DeploymentId
$q$),

-- Insert the silo and move the version on only if the version is still the one read and the silo is new.
('InsertMembershipKey', $q$
    with bumped as (
        update oa_membership_version set version = version + 1, changed_at = now()
        where deployment_id = @DeploymentId and version = @Version
          and not exists (select 1 from oa_membership
                          where deployment_id = @DeploymentId and address = @Address
                            and port = @Port and generation = @Generation)
        returning deployment_id),
    inserted as (
        insert into oa_membership (deployment_id, address, port, generation, silo_name, host_name, status,
                                   proxy_port, start_time, i_am_alive_time)
        select deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
               @ProxyPort, @StartTime, @IAmAliveTime
        from bumped
        returning 1)
    select count(*) > 0 from inserted
$q$),

-- Update the silo and move the version on only if the version is still the one read and the silo exists.
('UpdateMembershipKey', $q$
    with bumped as (
        update oa_membership_version set version = version + 1, changed_at = now()
        where deployment_id = @DeploymentId and version = @Version
          and exists (select 1 from oa_membership
                      where deployment_id = @DeploymentId and address = @Address
                        and port = @Port and generation = @Generation)
        returning deployment_id),
    updated as (
        update oa_membership m
        set status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
        from bumped b
        where m.deployment_id = b.deployment_id and m.address = @Address
          and m.port = @Port and m.generation = @Generation
        returning 1)
    select count(*) > 0 from updated
$q$),

('UpdateIAmAlivetimeKey', $q$
    update oa_membership set i_am_alive_time = @IAmAliveTime
    where deployment_id = @DeploymentId and address = @Address and port = @Port and generation = @Generation
$q$),

('GatewaysQueryKey', $q$
    select address, proxy_port as proxyport, generation
    from oa_membership
    where deployment_id = @DeploymentId and status = @Status and proxy_port > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
    delete from oa_membership_version where deployment_id = @DeploymentId
$q$),

('CleanupDefunctSiloEntriesKey', $q$
    delete from oa_membership
    where deployment_id = @DeploymentId and i_am_alive_time < @IAmAliveTime and status <> 3
$q$),

('CleanupDefunctSiloEntryKey', $q$
    delete from oa_membership
    where deployment_id = @DeploymentId and address = @Address and port = @Port and generation = @Generation
      and status = 6 and start_time = @StartTime and i_am_alive_time = @IAmAliveTime
      and suspect_times is not distinct from @SuspectTimes
$q$),

-- Grain storage ---------------------------------------------------------------------------------------------
('ReadFromStorageKey', $q$
    select payload as payloadbinary, version
    from oa_grain_state
    where grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash
      and service_id = @ServiceId and grain_type = @GrainTypeString
      and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
      and grain_id_extension is not distinct from @GrainIdExtensionString
$q$),

-- A null version inserts (only if no row exists); otherwise update only the version the grain read.
('WriteToStorageKey', $q$
    with updated as (
        update oa_grain_state
        set payload = @PayloadBinary, version = version + 1, modified_on = now()
        where @GrainStateVersion is not null and version = @GrainStateVersion
          and grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash
          and service_id = @ServiceId and grain_type = @GrainTypeString
          and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
          and grain_id_extension is not distinct from @GrainIdExtensionString
        returning version),
    inserted as (
        insert into oa_grain_state (service_id, grain_type, grain_type_hash, grain_id_n0, grain_id_n1,
                                    grain_id_extension, grain_id_hash, payload, version)
        select @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdN0, @GrainIdN1,
               @GrainIdExtensionString, @GrainIdHash, @PayloadBinary, 1
        where @GrainStateVersion is null
        on conflict do nothing
        returning version)
    select version as newgrainstateversion from updated
    union all
    select version from inserted
$q$),

('ClearStorageKey', $q$
    update oa_grain_state
    set payload = null, version = version + 1, modified_on = now()
    where version = @GrainStateVersion
      and grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash
      and service_id = @ServiceId and grain_type = @GrainTypeString
      and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
      and grain_id_extension is not distinct from @GrainIdExtensionString
    returning version
$q$),

('DeleteStorageKey', $q$
    delete from oa_grain_state
    where version = @GrainStateVersion
      and grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash
      and service_id = @ServiceId and grain_type = @GrainTypeString
      and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
      and grain_id_extension is not distinct from @GrainIdExtensionString
    returning version + 1
$q$),

-- Reminders -------------------------------------------------------------------------------------------------
('UpsertReminderRowKey', $q$
    insert into oa_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
    values (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    on conflict (service_id, grain_id, reminder_name) do update
    set start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash,
        version = oa_reminders.version + 1
    returning version
$q$),

('ReadReminderRowKey', $q$
    select grain_id as grainid, reminder_name as remindername, start_time as starttime, period, version
    from oa_reminders
    where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName
$q$),

('ReadReminderRowsKey', $q$
    select grain_id as grainid, reminder_name as remindername, start_time as starttime, period, version
    from oa_reminders
    where service_id = @ServiceId and grain_id = @GrainId
$q$),

('ReadRangeRows1Key', $q$
    select grain_id as grainid, reminder_name as remindername, start_time as starttime, period, version
    from oa_reminders
    where service_id = @ServiceId and grain_hash > @BeginHash and grain_hash <= @EndHash
$q$),

('ReadRangeRows2Key', $q$
    select grain_id as grainid, reminder_name as remindername, start_time as starttime, period, version
    from oa_reminders
    where service_id = @ServiceId and (grain_hash > @BeginHash or grain_hash <= @EndHash)
$q$),

('DeleteReminderRowKey', $q$
    with deleted as (
        delete from oa_reminders
        where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName
          and version = @Version
        returning 1)
    select count(*) > 0 from deleted
$q$),

('DeleteReminderRowsKey', $q$
    delete from oa_reminders where service_id = @ServiceId
$q$);
