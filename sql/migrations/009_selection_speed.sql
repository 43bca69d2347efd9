-- 009_selection_speed.sql — the same rule as 002, computed with less work.
--
-- Measured on a wave of 200,000 entries (EXPLAIN ANALYZE, scripts/bench):
-- the sorts of steps 4 to 6 compared lottery keys as bytea, a function call
-- per comparison, and carried the wide rows of every eligible entry; and
-- nik_matches computed its three date parts as numeric.  Now each eligible
-- entry also carries the first 63 bits of its lottery key as a bigint, the
-- sorts compare that (the whole key only breaks its ties, so the order is
-- exactly SPEC §4's), the quota unit is the province as an integer, and the
-- date parts are float8; family cards are grouped as numbers.

-- SPEC §5, as in 002: date_part returns float8, whose integer parts are
-- exact; extract returns numeric, several times slower per row.
create or replace function gelombang.nik_matches(nik text, birth_date date, sex text)
returns boolean language sql immutable strict parallel safe as $$
	select substr(nik, 7, 6)::int - 400000 * (sex = 'P')::int
		= date_part('day', birth_date)::int * 10000
		  + date_part('month', birth_date)::int * 100
		  + date_part('year', birth_date)::int % 100
$$;

-- The first 63 bits of a lottery key, as a non-negative bigint: the order
-- of these numbers is the order of the keys, except that keys equal in
-- their first 63 bits come out equal (the key itself then decides).
-- Called with a column, it is inlined (the argument is used eight times).
create function gelombang.key_prefix(k bytea)
returns bigint language sql immutable strict parallel safe as $$
	select (get_byte(k, 0)::bigint << 55) | (get_byte(k, 1)::bigint << 47)
	     | (get_byte(k, 2)::bigint << 39) | (get_byte(k, 3)::bigint << 31)
	     | (get_byte(k, 4)::bigint << 23) | (get_byte(k, 5)::bigint << 15)
	     | (get_byte(k, 6)::bigint << 7) | (get_byte(k, 7)::bigint >> 1)
$$;

-- The selection rule of SPEC §4, from the frozen inputs only; the same
-- shape as in 002: one pass computes every entry's exclusion reason and,
-- for the eligible, the lottery key; step 4 ranks only the entries of
-- family cards with more eligible entries than places; step 5 is one sort
-- of the surviving entries per quota unit; the serials one sort of the
-- winners.  Every entry comes out exactly once, from one of the four
-- branches of the final UNION ALL.
create or replace function gelombang.selection(p_wave integer)
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
	select k.nik, k.kk, k.reason, k.lottery_key,
		gelombang.key_prefix(k.lottery_key) as key_prefix, k.tier, k.unit
	from (
		select e.nik, e.kk, e.reason,
			case when e.reason is null
				then sha256(convert_to(w.seed || ':' || e.nik, 'UTF8')) end as lottery_key,
			case when e.region_code = any (w.priority) then 0 else 1 end as tier,
			-- region_code is four digits (a CHECK of registration)
			case when w.by_province then left(e.region_code, 2)::int end as unit
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
		offset 0			-- the key computed once, then taken apart
	) k
),
crowded as materialized (	-- step 4: family cards with too few places
	-- grouped by the KK as a number (sixteen digits, a CHECK of
	-- registration): a bigint hashes and compares faster than text
	select g.kk, g.places
	from (
		select g.kk, g.n, greatest(0, w.cap - coalesce(f.prior, 0)) as places
		from (
			select e.kk::bigint as kk, count(*) as n
			from entry e where e.reason is null
			group by e.kk::bigint
		) g
		cross join w
		left join gelombang.frozen_kk_prior f on f.wave = p_wave and f.kk::bigint = g.kk
	) g
	where g.n > g.places
),
over_cap as materialized (
	select x.nik, x.kk, x.lottery_key
	from (
		select e.nik, e.kk, e.lottery_key, c.places,
			row_number() over (partition by c.kk
				order by e.tier, e.key_prefix, e.lottery_key) as n
		from entry e join crowded c on c.kk = e.kk::bigint
		where e.reason is null
	) x
	where x.n > x.places
),
ranked as (			-- step 5
	select e.nik, e.kk, e.lottery_key, e.key_prefix, e.unit,
		row_number() over (partition by e.unit
			order by e.tier, e.key_prefix, e.lottery_key) as n
	from entry e
	where e.reason is null
	  and not exists (select 1 from over_cap o where o.nik = e.nik)
),
placed as materialized (
	select r.nik, r.kk, r.lottery_key, r.key_prefix,
		r.n > case when w.by_province then coalesce(u.quota, 0) else w.quota end as over_quota
	from ranked r
	cross join w
	left join (select q.province::int as unit, q.quota from gelombang.wave_quota q
		   where q.wave = p_wave) u on u.unit = r.unit
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
	select p.nik, p.kk, p.lottery_key,
		row_number() over (order by p.key_prefix, p.lottery_key) as serial
	from placed p where not p.over_quota
) x cross join w
$$;

-- As 007 and 005 grant the rule's helpers: the batch role runs select, the
-- auditor recomputes it.
revoke execute on function gelombang.key_prefix(bytea) from public;
grant execute on function gelombang.key_prefix(bytea) to gelombang_batch, gelombang_auditor;

-- The counts a closed wave keeps.  Every job after close reported its
-- number of entries by counting the wave's partition again, and announce
-- counted the entries with a phone: half a second each at a million
-- entries, ten times that at ten million.  A closed wave's registrations
-- cannot change (wave_closed, registration_no_update,
-- registration_delete_guard), so close counts them once, in the same pass
-- that counts the entries outside the wave's hours.  Null for a wave
-- closed before this migration: the jobs then count as before.
alter table gelombang.wave
	add column entries bigint check (entries >= 0),
	add column sms_recipients bigint check (sms_recipients >= 0),
	add check (entries is null or state >= 'DITUTUP'),
	add check ((entries is null) = (sms_recipients is null));

create function gelombang.wave_count_guard() returns trigger
language plpgsql as $$
begin
	if (old.entries is not null and new.entries is distinct from old.entries)
	   or (old.sms_recipients is not null
	       and new.sms_recipients is distinct from old.sms_recipients) then
		raise exception 'wave %: the counts taken at close cannot change', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return new;
end $$;

create trigger wave_count_guard before update on gelombang.wave
	for each row execute function gelombang.wave_count_guard();

-- close: as in 002, and it counts: every entry, those outside the wave's
-- hours (for close's report), those with a phone (the SMS of announce).
drop function gelombang.close_wave(integer, timestamptz);
create function gelombang.close_wave(p_wave integer, p_now timestamptz,
	out entries bigint, out outside bigint, out seed text)
language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	phones bigint;
begin
	execute format('alter table gelombang.%I add constraint wave_closed check (false) not valid',
		'registration_' || p_wave);
	select count(*),
		count(*) filter (where r.joined_at < w.opens_at or r.joined_at >= w.closes_at),
		count(*) filter (where r.phone is not null)
	into entries, outside, phones
	from gelombang.registration r
	join gelombang.wave w on w.wave = r.wave
	where r.wave = p_wave;
	update gelombang.wave w
	set state = 'DITUTUP', closed_at = p_now, entries = close_wave.entries,
	    sms_recipients = phones
	where w.wave = p_wave
	returning w.seed into seed;
end $$;
revoke execute on function gelombang.close_wave(integer, timestamptz) from public;
grant execute on function gelombang.close_wave(integer, timestamptz) to gelombang_batch;

-- process: as in 002, but the number of entries is the one close took.
create or replace function gelombang.freeze_inputs(p_wave integer, p_rules jsonb, p_digest text, p_now timestamptz)
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
	where wave = p_wave
	returning entries into n;

	if n is null then
		select count(*) into n from gelombang.registration where wave = p_wave;
	end if;
	return n;
end $$;

-- The participant's wave must exist: checked once per statement rather
-- than by a foreign key's query per row, which cost select a tenth of its
-- time (a participant row each, with a lock on the wave row each).  The
-- other half of the foreign key, that a wave with participants is never
-- deleted, wave_guard and refuse_truncate hold for every wave.
alter table gelombang.participant drop constraint participant_wave_fkey;

create function gelombang.participant_wave_exists() returns trigger
language plpgsql as $$
declare
	missing integer;
begin
	select n.wave into missing from new_rows n
	where not exists (select 1 from gelombang.wave w where w.wave = n.wave)
	limit 1;
	if found then
		raise exception 'participant: wave % does not exist', missing
			using errcode = 'foreign_key_violation';
	end if;
	return null;
end $$;

create trigger participant_wave_exists after insert on gelombang.participant
	referencing new table as new_rows
	for each statement execute function gelombang.participant_wave_exists();

-- Statistics before select: what process froze.  The wave's partition
-- cannot have changed since process analysed it.
create function gelombang.analyze_frozen()
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
begin
	analyze gelombang.frozen_prior;
	analyze gelombang.frozen_kk_prior;
	analyze gelombang.wave_quota;
end $$;
revoke all on function gelombang.analyze_frozen() from public;
grant execute on function gelombang.analyze_frozen() to gelombang_batch;
