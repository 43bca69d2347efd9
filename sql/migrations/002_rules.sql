-- 002_rules.sql — what the database itself enforces, the pure functions of
-- the selection rule, and the set-based work the jobs call.

-- Guards ---------------------------------------------------------------------

create function gelombang.refuse_change() returns trigger
language plpgsql as $$
begin
	raise exception '% on %.% is not allowed', tg_op, tg_table_schema, tg_table_name
		using errcode = 'insufficient_privilege',
		      hint = 'This table is append-only; only the migration owner may disable the guard.';
end $$;

-- A wave moves forward one state at a time; what was fixed at creation and
-- what was frozen by a job never changes.
create function gelombang.wave_guard() returns trigger
language plpgsql as $$
begin
	if tg_op = 'DELETE' then
		raise exception 'wave % cannot be deleted', old.wave
			using errcode = 'insufficient_privilege';
	end if;
	if (new.wave, new.opens_at, new.closes_at, new.announce_at, new.quota,
	    new.seed, new.commitment, new.created_at)
	   is distinct from
	   (old.wave, old.opens_at, old.closes_at, old.announce_at, old.quota,
	    old.seed, old.commitment, old.created_at) then
		raise exception 'wave %: times, quota and seed are fixed at creation', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if new.state < old.state then
		raise exception 'wave % cannot go back from % to %', old.wave, old.state, new.state
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if new.state > old.state
	   and array_position(enum_range(null::gelombang.wave_state), new.state)
	     <> array_position(enum_range(null::gelombang.wave_state), old.state) + 1 then
		raise exception 'wave % cannot skip from % to %', old.wave, old.state, new.state
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if (old.rules is not null and new.rules is distinct from old.rules)
	   or (old.close_date is not null and new.close_date is distinct from old.close_date)
	   or (old.sms is not null and new.sms is distinct from old.sms) then
		raise exception 'wave %: frozen inputs cannot change', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return new;
end $$;

create trigger wave_guard before update or delete on gelombang.wave
	for each row execute function gelombang.wave_guard();

-- Quotas change only while the wave is open.
create function gelombang.wave_quota_guard() returns trigger
language plpgsql as $$
declare
	w integer := case when tg_op = 'DELETE' then old.wave else new.wave end;
	s gelombang.wave_state;
begin
	select state into s from gelombang.wave where wave = w;
	if s is distinct from 'DIBUKA' then
		raise exception 'wave % is %: its quotas can no longer change', w, s
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return case when tg_op = 'DELETE' then old else new end;
end $$;

create trigger wave_quota_guard before insert or update or delete on gelombang.wave_quota
	for each row execute function gelombang.wave_quota_guard();

-- Registrations keep the data of their own row; outcomes and participants
-- are written once by select; history and the outbox cursor only grow.
create trigger registration_no_update before update on gelombang.registration
	for each row execute function gelombang.refuse_change();
create trigger outcome_no_change before update or delete on gelombang.outcome
	for each row execute function gelombang.refuse_change();
create trigger participant_no_change before update or delete on gelombang.participant
	for each row execute function gelombang.refuse_change();
create trigger job_run_append_only before update or delete on gelombang.job_run
	for each row execute function gelombang.refuse_change();
create trigger job_run_end_append_only before update or delete on gelombang.job_run_end
	for each row execute function gelombang.refuse_change();
create trigger outbox_export_append_only before update or delete on gelombang.outbox_export
	for each row execute function gelombang.refuse_change();
create trigger frozen_prior_no_change before update or delete on gelombang.frozen_prior
	for each row execute function gelombang.refuse_change();
create trigger frozen_kk_prior_no_change before update or delete on gelombang.frozen_kk_prior
	for each row execute function gelombang.refuse_change();

create function gelombang.refuse_truncate() returns trigger
language plpgsql as $$
begin
	raise exception 'TRUNCATE on %.% is not allowed', tg_table_schema, tg_table_name
		using errcode = 'insufficient_privilege';
end $$;

do $$
declare t text;
begin
	foreach t in array array['wave', 'wave_quota', 'registration', 'outcome', 'participant',
		'job_run', 'job_run_end', 'outbox_export', 'frozen_prior', 'frozen_kk_prior']
	loop
		execute format('create trigger %I before truncate on gelombang.%I
			for each statement execute function gelombang.refuse_truncate()',
			t || '_no_truncate', t);
	end loop;
end $$;

-- Pure functions of the rule (SPEC §4–§6) ------------------------------------

-- SPEC §5: the NIK's DDMMYY (DD + 40 for women) equals birth date and sex.
-- Written as one comparison of DDMMYY numbers, without CASE, AND or OR, so
-- that the planner inlines this strict function into the calling query
-- instead of running it per row (the parts are two digits each, so the
-- numbers are equal exactly when day, month and year are).
create function gelombang.nik_matches(nik text, birth_date date, sex text)
returns boolean language sql immutable strict parallel safe as $$
	select substr(nik, 7, 6)::int - 400000 * (sex = 'P')::int
		= extract(day from birth_date)::int * 10000
		  + extract(month from birth_date)::int * 100
		  + extract(year from birth_date)::int % 100
$$;

-- SPEC §6: adding years to 29 February lands on 28 February in a common
-- year, which is what date + interval does.  AND and OR written as
-- arithmetic on 0/1 for the same reason as above.
create function gelombang.age_eligible(birth_date date, close_date date,
	min_age integer, max_age integer)
returns boolean language sql immutable strict parallel safe as $$
	select (birth_date + make_interval(years => min_age) <= close_date)::int
		* ((max_age = 0)::int
		   + (close_date < birth_date + make_interval(years => max_age + 1))::int) > 0
$$;

-- Each pair of digits' share of the Luhn sum, the pair's right digit
-- doubled (2d, less 9 when that is two digits).  Immutable without
-- arguments: the planner computes it once per query.
create function gelombang.luhn_pairs()
returns integer[] language sql immutable parallel safe as $$
	select array_agg((v % 10) * 2 - (v % 10) / 5 * 9 + v / 10 order by v)
	from generate_series(0, 99) as v
$$;

-- The Luhn sum of the digits of x (up to 18), rightmost digit doubled.
create function gelombang.luhn_sum18(x bigint, pairs integer[])
returns integer language sql immutable strict parallel safe as $$
	select pairs[(x % 100)::int + 1]
	     + pairs[(x / 100 % 100)::int + 1]
	     + pairs[(x / 10000 % 100)::int + 1]
	     + pairs[(x / 1000000 % 100)::int + 1]
	     + pairs[(x / 100000000 % 100)::int + 1]
	     + pairs[(x / 10000000000 % 100)::int + 1]
	     + pairs[(x / 1000000000000 % 100)::int + 1]
	     + pairs[(x / 100000000000000 % 100)::int + 1]
	     + pairs[(x / 10000000000000000 % 100)::int + 1]
$$;

-- The long way, for payloads longer than 18 digits.
create function gelombang.luhn_digit_any(payload text)
returns integer language sql immutable strict parallel safe as $$
	select (10 - sum(case when (length(payload) - i) % 2 = 0
			then (d * 2) / 10 + (d * 2) % 10 else d end)::int % 10) % 10
	from (select i, substr(payload, i, 1)::int as d
	      from generate_series(1, length(payload)) as i) as s
$$;

-- Luhn check digit of a string of digits.  One expression, so that the
-- planner inlines it instead of running a query per call; not strict for
-- that reason (CASE is not), but null still gives null.
create function gelombang.luhn_digit(payload text)
returns integer language sql immutable parallel safe as $$
	select case when length(payload) between 1 and 18
		then (10 - gelombang.luhn_sum18(payload::bigint, gelombang.luhn_pairs()) % 10) % 10
		else gelombang.luhn_digit_any(payload) end
$$;

-- A number with its check digit: the Luhn sum over all its digits, the
-- check digit not doubled, is a multiple of 10.
create function gelombang.luhn_valid(number text)
returns boolean language sql immutable parallel safe as $$
	select number ~ '^[0-9]{2,}$'
	   and case when length(number) <= 18
		then (gelombang.luhn_sum18(number::bigint / 10, gelombang.luhn_pairs())
		      + (number::bigint % 10)::int) % 10 = 0
		else gelombang.luhn_digit(left(number, -1)) = right(number, 1)::int end
$$;

-- The card number of a wave's n-th participant (in lottery-key order):
-- '8', the wave in four digits, the serial in ten, the Luhn digit.  The
-- wave in the number makes it unique across waves; a unique index holds it.
-- The Luhn digit from the numbers themselves (inlined, see luhn_digit).
create function gelombang.card_number(wave integer, serial bigint)
returns text language sql immutable parallel safe as $$
	select '8' || lpad(wave::text, 4, '0') || lpad(serial::text, 10, '0')
		|| (case when wave between 0 and 9999 and serial between 0 and 9999999999
			then (10 - gelombang.luhn_sum18(800000000000000 + wave * 10000000000::bigint + serial,
				gelombang.luhn_pairs()) % 10) % 10
			else gelombang.luhn_digit('8' || lpad(wave::text, 4, '0') || lpad(serial::text, 10, '0'))
		    end)::text
$$;

alter table gelombang.participant add constraint participant_card_luhn
	check (gelombang.luhn_valid(card_number));

create function gelombang.jsonb_texts(j jsonb)
returns text[] language sql immutable parallel safe as $$
	select coalesce(array(select jsonb_array_elements_text(j)), '{}')
$$;

create function gelombang.status_label(status text)
returns text language sql immutable strict parallel safe as $$
	select case status
		when 'MENUNGGU_GELOMBANG_DITUTUP' then 'Menunggu Gelombang Ditutup'
		when 'SEDANG_DIPROSES' then 'Sedang Diproses'
		when 'DALAM_PROSES_SELEKSI' then 'Dalam Proses Seleksi'
		when 'LOLOS' then 'Lolos'
		when 'TIDAK_LOLOS' then 'Tidak Lolos'
	end
$$;

-- The status every registration of a wave shows before the announcement.
create function gelombang.wave_status(w gelombang.wave)
returns text language sql stable parallel safe as $$
	select case
		when w.state = 'DIBUKA' then 'MENUNGGU_GELOMBANG_DITUTUP'
		when w.state = 'DITUTUP'
		  or (w.state = 'DIPROSES' and w.selection_started_at is null)
			then 'SEDANG_DIPROSES'
		when w.state in ('DIPROSES', 'DISELEKSI') then 'DALAM_PROSES_SELEKSI'
	end
$$;

-- Wave creation and closing (owner rights: they create partitions and
-- constraints, which the batch role may not) ----------------------------------

create function gelombang.create_wave(p_wave integer, p_opens timestamptz,
	p_closes timestamptz, p_announce timestamptz, p_quota bigint, p_seed text)
returns text language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	c text;
begin
	insert into gelombang.wave (wave, opens_at, closes_at, announce_at, quota, seed, commitment)
	values (p_wave, p_opens, p_closes, p_announce, p_quota, lower(p_seed),
		encode(sha256(convert_to(lower(p_seed), 'UTF8')), 'hex'))
	returning commitment into c;
	execute format('create table gelombang.%I partition of gelombang.registration for values in (%s)',
		'registration_' || p_wave, p_wave);
	execute format('create table gelombang.%I partition of gelombang.outcome for values in (%s)',
		'outcome_' || p_wave, p_wave);
	-- The parent's TRUNCATE trigger does not fire for TRUNCATE of a
	-- partition itself; each partition gets its own.
	execute format('create trigger %I before truncate on gelombang.%I
		for each statement execute function gelombang.refuse_truncate()',
		'registration_' || p_wave || '_no_truncate', 'registration_' || p_wave);
	execute format('create trigger %I before truncate on gelombang.%I
		for each statement execute function gelombang.refuse_truncate()',
		'outcome_' || p_wave || '_no_truncate', 'outcome_' || p_wave);
	return c;
end $$;

-- From close on, the wave's partition refuses every new row: a NOT VALID
-- check applies to new rows only and costs no scan of the existing ones.
create function gelombang.close_wave(p_wave integer, p_now timestamptz)
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
begin
	execute format('alter table gelombang.%I add constraint wave_closed check (false) not valid',
		'registration_' || p_wave);
	update gelombang.wave set state = 'DITUTUP', closed_at = p_now where wave = p_wave;
end $$;

-- process: freeze what selection reads about earlier waves, and the rules.
create function gelombang.freeze_inputs(p_wave integer, p_rules jsonb, p_digest text, p_now timestamptz)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	insert into gelombang.frozen_prior (wave, nik)
	select p_wave, r.nik
	from gelombang.registration r
	join gelombang.participant p on p.nik = r.nik and p.wave < p_wave
	where r.wave = p_wave;

	insert into gelombang.frozen_kk_prior (wave, kk, prior)
	select p_wave, p.kk, count(*)
	from gelombang.participant p
	where p.wave < p_wave
	  and p.kk in (select r.kk from gelombang.registration r where r.wave = p_wave)
	group by p.kk;

	update gelombang.wave
	set state = 'DIPROSES', processed_at = p_now, rules = p_rules, rules_digest = p_digest,
	    close_date = (closes_at at time zone (p_rules->>'timezone'))::date
	where wave = p_wave;

	select count(*) into n from gelombang.registration where wave = p_wave;
	return n;
end $$;

-- The selection rule of SPEC §4, from the frozen inputs only.  select
-- stores its result; audit computes it again and compares.
--
-- Shaped for waves of millions: one pass over the wave's registrations
-- computes every entry's exclusion reason and, for the eligible, the
-- lottery key; step 4 ranks only the entries of family cards with more
-- eligible entries than places (found with one hash aggregate); step 5 is
-- one sort of the surviving entries per quota unit; the card serials one
-- sort of the winners.  Every entry comes out exactly once, from one of
-- the four branches of the final UNION ALL, without joining back.
create function gelombang.selection(p_wave integer)
returns table (nik text, kk text, reason gelombang.reason, lottery_key bytea,
	card_number text, saldo bigint)
language sql stable as $$
with w as materialized (
	select wave, opens_at, closes_at, seed, quota, close_date,
		(rules->>'min_age')::int as min_age,
		(rules->>'max_age')::int as max_age,
		(rules->>'household_cap')::int as cap,
		(rules->>'exclude_aid_recipients')::boolean as exclude_aid,
		(rules->>'saldo')::bigint as saldo,
		gelombang.jsonb_texts(rules->'excluded_occupations') as excluded,
		gelombang.jsonb_texts(rules->'priority_regions') as priority,
		gelombang.jsonb_texts(rules->'provinces') as provinces,
		exists (select 1 from gelombang.wave_quota q where q.wave = p_wave) as by_province
	from gelombang.wave where wave = p_wave and rules is not null
),
entry as materialized (		-- steps 1 to 3
	select e.nik, e.kk, e.reason,
		case when e.reason is null
			then sha256(convert_to(w.seed || ':' || e.nik, 'UTF8')) end as lottery_key,
		case when e.region_code = any (w.priority) then 0 else 1 end as tier,
		case when w.by_province then left(e.region_code, 2) end as unit
	from (
		select r.nik, r.kk, r.region_code,
			case
			when r.joined_at < w.opens_at or r.joined_at >= w.closes_at
				then 'DI_LUAR_JADWAL'::gelombang.reason
			when not (left(r.nik, 2) = any (w.provinces))
			  or not gelombang.nik_matches(r.nik, r.birth_date, r.sex)
				then 'DATA_TIDAK_VALID'
			when r.nik in (select f.nik from gelombang.frozen_prior f
				       where f.wave = p_wave)	-- one hash, probed per row
				then 'PESERTA_SEBELUMNYA'
			when r.occupation = any (w.excluded) then 'PEKERJAAN_DIKECUALIKAN'
			when not gelombang.age_eligible(r.birth_date, w.close_date, w.min_age, w.max_age)
				then 'USIA'
			when r.in_school then 'SEDANG_SEKOLAH'
			when r.receives_aid and w.exclude_aid then 'PENERIMA_BANSOS'
			end as reason
		from gelombang.registration r, w
		where r.wave = p_wave
		offset 0		-- the reason computed once per row, not per use
	) e, w
),
crowded as materialized (	-- step 4: family cards with too few places
	select g.kk, g.places
	from (
		select g.kk, g.n,
			greatest(0, w.cap - coalesce((select f.prior from gelombang.frozen_kk_prior f
				where f.wave = p_wave and f.kk = g.kk), 0)) as places
		from (
			select e.kk, count(*) as n
			from entry e where e.reason is null
			group by e.kk
		) g, w
		-- more entries than the cap, or earlier participants
		where g.n > w.cap
		   or g.kk in (select f.kk from gelombang.frozen_kk_prior f where f.wave = p_wave)
	) g
	where g.n > g.places
),
over_cap as materialized (
	select x.nik, x.kk, x.lottery_key
	from (
		select e.nik, e.kk, e.lottery_key, c.places,
			row_number() over (partition by e.kk order by e.tier, e.lottery_key) as n
		from entry e join crowded c on c.kk = e.kk
		where e.reason is null
	) x
	where x.n > x.places
),
ranked as (			-- step 5
	select e.nik, e.kk, e.lottery_key, e.unit,
		row_number() over (partition by e.unit order by e.tier, e.lottery_key) as n
	from entry e
	where e.reason is null
	  and not exists (select 1 from over_cap o where o.nik = e.nik)
),
placed as materialized (
	select r.nik, r.kk, r.lottery_key,
		r.n > case when w.by_province then coalesce(u.quota, 0) else w.quota end as over_quota
	from ranked r
	cross join w
	left join gelombang.wave_quota u on u.wave = p_wave and u.province = r.unit
)
select e.nik, e.kk, e.reason, null::bytea, null::text, null::bigint
from entry e where e.reason is not null
union all
select o.nik, o.kk, 'KUOTA_KELUARGA', o.lottery_key, null, null
from over_cap o
union all
select p.nik, p.kk, 'KUOTA_PENUH', p.lottery_key, null, null
from placed p where p.over_quota
union all			-- step 6
select x.nik, x.kk, null, x.lottery_key, gelombang.card_number(p_wave, x.serial), w.saldo
from (
	select p.nik, p.kk, p.lottery_key, row_number() over (order by p.lottery_key) as serial
	from placed p where not p.over_quota
) x cross join w
$$;

-- select: store every outcome and create the participants, in one
-- statement: the selection is computed once, held in memory, and each
-- entry's outcome written once.  The sorts and hashes of a whole wave get
-- the memory they need, for this transaction only.
create function gelombang.store_selection(p_wave integer)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	if pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('256MB') then
		perform set_config('work_mem', '256MB', true);
	end if;
	with s as materialized (
		select * from gelombang.selection(p_wave)
	),
	participants as (
		insert into gelombang.participant (nik, wave, kk, card_number, saldo)
		select s.nik, p_wave, s.kk, s.card_number, s.saldo
		from s where s.reason is null
	)
	-- in key order the primary key grows at its right edge instead of
	-- splitting pages all over (measured: a quarter of the time)
	insert into gelombang.outcome (wave, nik, reason, lottery_key)
	select p_wave, s.nik, s.reason, s.lottery_key from s order by s.nik;
	get diagnostics n = row_count;
	return n;
end $$;

-- Views ----------------------------------------------------------------------

-- SPEC §8.  No result before the announcement.  A session of the dashboard
-- role sees only the NIK it bound with gelombang.bind_nik().  A security
-- barrier, so that a condition of the caller's (a function of its own that
-- records its arguments) never runs on rows this view's condition removes.
create view gelombang.dashboard with (security_barrier) as
select r.nik::text as nik, r.wave, st.status, gelombang.status_label(st.status) as label,
	case when st.status = 'LOLOS' then p.card_number::text end as card_number,
	case when st.status = 'LOLOS' then p.saldo end as saldo
from gelombang.registration r
join gelombang.wave w on w.wave = r.wave
left join gelombang.outcome o
	on w.state = 'DIUMUMKAN' and o.wave = r.wave and o.nik = r.nik
left join gelombang.participant p
	on w.state = 'DIUMUMKAN' and o.reason is null and p.nik = o.nik and p.wave = o.wave
cross join lateral (select case
	when w.state < 'DIUMUMKAN' then gelombang.wave_status(w)
	when o.nik is not null and o.reason is null then 'LOLOS'
	else 'TIDAK_LOLOS' end as status) st
where r.nik = current_setting('gelombang.nik', true)
   or not pg_has_role(current_user, 'gelombang_dashboard', 'MEMBER')
   or (select rolsuper from pg_roles where rolname = current_user);

-- Counts per wave and status without touching a row per entry before the
-- announcement.
create function gelombang.status_counts(p_wave integer)
returns table (wave integer, state gelombang.wave_state, status text, entries bigint)
language sql stable as $$
	select w.wave, w.state, gelombang.wave_status(w),
		(select count(*) from gelombang.registration r where r.wave = w.wave)
	from gelombang.wave w
	where w.state < 'DIUMUMKAN' and (p_wave is null or w.wave = p_wave)
	union all
	select w.wave, w.state,
		case when o.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end, count(*)
	from gelombang.wave w join gelombang.outcome o on o.wave = w.wave
	where w.state = 'DIUMUMKAN' and (p_wave is null or w.wave = p_wave)
	group by 1, 2, 3
	order by 1, 3
$$;

-- The SMS outbox: one message per registration with a phone number of an
-- announced wave, rendered from the templates frozen at announce.  {nama}
-- is replaced last, so a name that looks like a placeholder stays as written.
create function gelombang.render_sms(template text, wave integer, card text,
	saldo bigint, days integer, name text)
returns text language sql immutable parallel safe as $$
	select replace(replace(replace(replace(replace(template,
		'{gelombang}', wave::text),
		'{kartu}', coalesce(card, '')),
		'{saldo}', coalesce(replace(to_char(saldo, 'FM999,999,999,999,999'), ',', '.'), '')),
		'{hari}', days::text),
		'{nama}', name)
$$;

create view gelombang.outbox as
select r.wave, r.nik::text as nik, r.phone,
	case when o.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end as status,
	gelombang.render_sms(
		case when o.reason is null then w.sms->>'sms_lolos' else w.sms->>'sms_tidak_lolos' end,
		r.wave, p.card_number, p.saldo, (w.sms->>'sms_window_days')::int, r.name) as message,
	r.nik > coalesce((select max(e.last_nik) from gelombang.outbox_export e
			  where e.wave = r.wave), '') as pending
from gelombang.registration r
join gelombang.wave w on w.wave = r.wave and w.state = 'DIUMUMKAN'
join gelombang.outcome o on o.wave = r.wave and o.nik = r.nik
left join gelombang.participant p on o.reason is null and p.nik = r.nik and p.wave = r.wave
where r.phone is not null;

-- History: start and end rows joined; an unfinished run shows RUNNING.
create view gelombang.history as
select j.id, j.job, j.wave, j.started_at, e.finished_at, j.operator, j.host,
	coalesce(e.outcome, 'RUNNING') as outcome, e.rows, e.message,
	j.command_line, j.config_digest, j.version, j.now_override, j.dry_run,
	j.client_pid, j.backend_pid
from gelombang.job_run j
left join gelombang.job_run_end e on e.run_id = j.id;

-- A run is dead when it has no end row and its server session is gone
-- (the lock it held went with it).
create function gelombang.mark_dead_runs(p_wave integer)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	insert into gelombang.job_run_end (run_id, job, wave, outcome, message)
	select j.id, j.job, j.wave, 'DEAD',
		'found dead: its session ended without finishing'
	from gelombang.job_run j
	where (p_wave is null or j.wave is not distinct from p_wave)
	  and not exists (select 1 from gelombang.job_run_end e where e.run_id = j.id)
	  -- pg_stat_activity hides backend_start of other roles' sessions:
	  -- a session with the run's pid whose start is hidden counts as alive
	  and not exists (select 1 from pg_stat_activity a
			  where a.pid = j.backend_pid
			    and (a.backend_start is null or j.backend_start is null
				 or a.backend_start = j.backend_start));
	get diagnostics n = row_count;
	return n;
end $$;
