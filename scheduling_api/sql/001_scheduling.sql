-- Camille scheduling functions, Supabase-ready: the five webhook operations as PostgreSQL functions called through
-- PostgREST RPC (POST /rest/v1/rpc/<function>, named arguments p_<field>, apikey + Authorization: Bearer).
-- find_appointments returns a phone number's appointments of a day with the patient's name: the tool runner, not
-- this database, decides whether the caller may cancel one, and then cancels it by id.
--
-- Errors are raised with PostgREST's PTxxx SQLSTATEs so that the HTTP status says what happened:
--   PT409 slot taken, PT404 no such appointment, PT422 refused argument (the hint names it: p_date, p_time...).
-- Idempotency: the Idempotency-Key request header (PostgREST exposes headers in `request.headers`) replays the
-- first answer of book_appointment, cancel_appointment and send_sms.
-- Tables have row-level security on and no policies, and anon and authenticated hold no privilege on them: only
-- these functions (security definer) touch them, and only the service role (the tool runner's key) may execute them.
-- Supabase grants EXECUTE on every new function in `public` to anon and authenticated by default: the end of this
-- file revokes it from them and from PUBLIC. The helpers live in the schema `camille_private`, which PostgREST does
-- not expose (only schemas listed in its db-schemas are) and on which nobody but the owner has USAGE.

-- gen_random_uuid() is in core PostgreSQL since 13: no pgcrypto, whose functions in public PostgREST would expose.
create schema if not exists camille_private;
revoke all on schema camille_private from public;

create table if not exists camille_settings (
  id boolean primary key default true check (id),
  timezone text not null default 'Europe/Paris',
  slot_minutes integer not null default 20 check (slot_minutes between 5 and 240),
  horizon_days integer not null default 60 check (horizon_days between 1 and 366),
  practitioner text not null default 'Dr Fillion',
  location text default 'Cabinet du Dr Fillion'
);
insert into camille_settings (id) values (true) on conflict (id) do nothing;

create table if not exists camille_opening_hours (
  isodow integer not null check (isodow between 1 and 7),
  opens time not null,
  closes time not null check (closes > opens),
  primary key (isodow, opens)
);
insert into camille_opening_hours (isodow, opens, closes) values
  (1, '08:00', '12:00'), (1, '14:00', '18:00'),
  (2, '08:00', '12:00'), (2, '14:00', '18:00'),
  (3, '08:00', '12:00'),
  (4, '08:00', '12:00'), (4, '14:00', '18:00'),
  (5, '08:00', '12:00'), (5, '14:00', '17:00')
on conflict do nothing;

create table if not exists camille_closed_days (day date primary key);

create table if not exists camille_appointments (
  id text primary key default replace(gen_random_uuid()::text, '-', ''),
  start_at timestamptz not null,
  duration_minutes integer not null,
  practitioner text,
  location text,
  patient_name text not null,
  phone text not null,
  reason text not null,
  status text not null default 'booked' check (status in ('booked', 'cancelled')),
  created_at timestamptz not null default now(),
  cancelled_at timestamptz
);
create unique index if not exists camille_appointments_one_per_slot on camille_appointments (start_at)
  where status = 'booked';
create index if not exists camille_appointments_by_phone on camille_appointments (phone, start_at);

create table if not exists camille_sms_outbox (
  id text primary key default replace(gen_random_uuid()::text, '-', ''),
  phone text not null,
  body text not null,
  status text not null default 'queued',
  created_at timestamptz not null default now()
);

create table if not exists camille_idempotency (
  key text primary key,
  operation text not null,
  result jsonb not null,
  created_at timestamptz not null default now()
);

alter table camille_settings enable row level security;
alter table camille_opening_hours enable row level security;
alter table camille_closed_days enable row level security;
alter table camille_appointments enable row level security;
alter table camille_sms_outbox enable row level security;
alter table camille_idempotency enable row level security;

-- Helpers: in the private schema, security invoker (they run with the rights of the operation that calls them).
-- Earlier versions of this file created them in public, where PostgREST could call them: drop those.
drop function if exists public.camille_request_key();
drop function if exists public.camille_replayed(text);
drop function if exists public.camille_remember(text, jsonb);
drop function if exists public.camille_free_slots(date);
drop function if exists public.camille_check_day(date);

-- The Idempotency-Key header of the current PostgREST request, if any.
create or replace function camille_private.request_key() returns text
language sql stable set search_path = pg_catalog, pg_temp as $$
  select nullif(coalesce(current_setting('request.headers', true), '{}')::json ->> 'idempotency-key', '')
$$;

create or replace function camille_private.replayed(p_operation text) returns jsonb
language sql stable set search_path = public, pg_temp as $$
  select result from camille_idempotency where key = camille_private.request_key() and operation = p_operation
$$;

create or replace function camille_private.remember(p_operation text, p_result jsonb) returns jsonb
language plpgsql set search_path = public, pg_temp as $$
begin
  if camille_private.request_key() is not null then
    insert into camille_idempotency (key, operation, result)
    values (camille_private.request_key(), p_operation, p_result)
    on conflict (key) do nothing;
  end if;
  return p_result;
end $$;

-- Free slot starts of a day (clinic time zone), excluding the past, booked slots, closed days, beyond the horizon.
create or replace function camille_private.free_slots(p_date date) returns setof timestamptz
language sql stable set search_path = public, pg_temp as $$
  with cfg as (select * from camille_settings where id)
  select s.start_at
  from cfg, camille_opening_hours h,
       lateral (
         select g at time zone cfg.timezone as start_at
         from generate_series(p_date + h.opens, p_date + h.closes - make_interval(mins => cfg.slot_minutes),
                              make_interval(mins => cfg.slot_minutes)) as g
       ) s
  where h.isodow = extract(isodow from p_date)
    and s.start_at > now()
    and p_date <= (now() at time zone cfg.timezone)::date + cfg.horizon_days
    and not exists (select 1 from camille_closed_days c where c.day = p_date)
    and not exists (select 1 from camille_appointments a where a.start_at = s.start_at and a.status = 'booked')
$$;

create or replace function camille_private.check_day(p_date date) returns void
language plpgsql stable set search_path = public, pg_temp as $$
declare zone text := (select timezone from camille_settings where id);
begin
  if p_date < (now() at time zone zone)::date then
    raise sqlstate 'PT422' using message = 'the date is in the past', hint = 'p_date';
  end if;
end $$;

create or replace function check_availability(p_date date, p_time time default null, p_location text default null)
returns jsonb
language plpgsql stable security definer set search_path = public, pg_temp as $$
declare
  cfg camille_settings := (select c from camille_settings c where id);
  wanted timestamptz := case when p_time is null then null else (p_date + p_time) at time zone cfg.timezone end;
begin
  perform camille_private.check_day(p_date);
  return jsonb_build_object('slots', coalesce((
    select jsonb_agg(jsonb_build_object(
             'start', start_at, 'duration_minutes', cfg.slot_minutes,
             'practitioner', cfg.practitioner, 'location', coalesce(p_location, cfg.location))
           order by start_at)
    from (
      select start_at from camille_private.free_slots(p_date) as f(start_at)
      order by case when wanted is null then 0 else abs(extract(epoch from start_at - wanted)) end, start_at
      limit 6
    ) nearest
  ), '[]'::jsonb));
end $$;

create or replace function book_appointment(
  p_date date, p_time time, p_patient_name text, p_phone text, p_reason text, p_location text default null
) returns jsonb
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  cfg camille_settings := (select c from camille_settings c where id);
  slot timestamptz := (p_date + p_time) at time zone cfg.timezone;
  booked camille_appointments;
  replay jsonb := camille_private.replayed('book_appointment');
begin
  if replay is not null then
    return replay;
  end if;
  perform camille_private.check_day(p_date);
  if exists (select 1 from camille_closed_days where day = p_date) then
    raise sqlstate 'PT409' using message = 'the day is fully booked';
  end if;
  if slot not in (select f from camille_private.free_slots(p_date) f)
     and not exists (select 1 from camille_appointments where start_at = slot and status = 'booked') then
    raise sqlstate 'PT422' using message = 'not a bookable slot start', hint = 'p_time';
  end if;
  begin
    insert into camille_appointments (start_at, duration_minutes, practitioner, location, patient_name, phone, reason)
    values (slot, cfg.slot_minutes, cfg.practitioner, coalesce(p_location, cfg.location), p_patient_name, p_phone,
            p_reason)
    returning * into booked;
  exception when unique_violation then
    raise sqlstate 'PT409' using message = 'the slot is already booked';
  end;
  return camille_private.remember('book_appointment', jsonb_build_object(
    'appointment_id', booked.id, 'start', booked.start_at, 'duration_minutes', booked.duration_minutes,
    'practitioner', booked.practitioner, 'location', booked.location));
end $$;

create or replace function find_appointments(p_date date, p_phone text) returns jsonb
language plpgsql stable security definer set search_path = public, pg_temp as $$
declare zone text := (select timezone from camille_settings where id);
begin
  return jsonb_build_object('appointments', coalesce((
    select jsonb_agg(jsonb_build_object(
             'appointment_id', id, 'start', start_at, 'patient_name', patient_name,
             'practitioner', practitioner, 'location', location)
           order by start_at)
    from (
      select * from camille_appointments
      where phone = p_phone and status = 'booked' and (start_at at time zone zone)::date = p_date
      order by start_at limit 20
    ) found
  ), '[]'::jsonb));
end $$;

-- Until this version, cancel_appointment found the appointment by phone and day itself: that signature is gone.
drop function if exists cancel_appointment(date, text, time, text);

create or replace function cancel_appointment(p_appointment_id text, p_date date, p_phone text) returns jsonb
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  zone text := (select timezone from camille_settings where id);
  cancelled camille_appointments;
  replay jsonb := camille_private.replayed('cancel_appointment');
begin
  if replay is not null then
    return replay;
  end if;
  update camille_appointments set status = 'cancelled', cancelled_at = now()
  where id = p_appointment_id and phone = p_phone and status = 'booked'
    and (start_at at time zone zone)::date = p_date
  returning * into cancelled;
  if cancelled.id is null then
    raise sqlstate 'PT404' using message = 'no such appointment booked for this phone number on that day';
  end if;
  return camille_private.remember('cancel_appointment',
                          jsonb_build_object('appointment_id', cancelled.id, 'start', cancelled.start_at));
end $$;

create or replace function send_sms(p_to text, p_text text) returns jsonb
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  sms_id text;
  replay jsonb := camille_private.replayed('send_sms');
begin
  if replay is not null then
    return replay;
  end if;
  insert into camille_sms_outbox (phone, body) values (p_to, p_text) returning id into sms_id;
  return camille_private.remember('send_sms', jsonb_build_object('sms_id', sms_id, 'status', 'queued'));
end $$;

-- Only the service role (the tool runner's key) may call the operations: nobody else, not PUBLIC, and not Supabase's
-- anon and authenticated roles, which hold EXECUTE on new functions in public through default privileges. The tables
-- and the helpers are closed to them too. Grants to roles that do not exist (plain PostgreSQL) are skipped.
do $$
declare
  fn text;
  tbl text;
  role_name text;
begin
  foreach fn in array array[
    'public.check_availability(date, time, text)',
    'public.book_appointment(date, time, text, text, text, text)',
    'public.find_appointments(date, text)',
    'public.cancel_appointment(text, date, text)',
    'public.send_sms(text, text)',
    'camille_private.request_key()',
    'camille_private.replayed(text)',
    'camille_private.remember(text, jsonb)',
    'camille_private.free_slots(date)',
    'camille_private.check_day(date)'
  ] loop
    execute format('revoke all on function %s from public', fn);
    foreach role_name in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = role_name) then
        execute format('revoke all on function %s from %I', fn, role_name);
      end if;
    end loop;
    if fn like 'public.%' and exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant execute on function %s to service_role', fn);
    end if;
  end loop;
  foreach tbl in array array[
    'camille_settings', 'camille_opening_hours', 'camille_closed_days', 'camille_appointments', 'camille_sms_outbox',
    'camille_idempotency'
  ] loop
    execute format('revoke all on table public.%I from public', tbl);
    foreach role_name in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = role_name) then
        execute format('revoke all on table public.%I from %I', tbl, role_name);
      end if;
    end loop;
  end loop;
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_roles where rolname = role_name) then
      execute format('revoke all on schema camille_private from %I', role_name);
    end if;
  end loop;
end $$;
