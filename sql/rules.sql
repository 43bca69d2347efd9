-- rules.sql — the selection rule of SPEC §4–§6: its pure parts, and
-- gelombang.selection(), which select stores and audit recomputes.
--
-- Every rule part is defined once here.  The functions are written to be
-- inlined by the planner into the one statement that runs a whole wave:
-- SQL functions of one expression, without CASE, AND or OR where a strict
-- function would otherwise be called per row.
--
-- Measured on a wave of 200,000 entries (EXPLAIN ANALYZE, scripts/bench):
-- each eligible entry carries the first 63 bits of its lottery key as a
-- bigint, and the sorts compare that (the whole key only breaks its ties,
-- so the order is exactly SPEC §4's); the quota unit is the province as an
-- integer; date parts are float8; family cards are grouped as numbers.

-- SPEC §5: the NIK's DDMMYY (DD + 40 for women) equals birth date and sex.
-- One comparison of DDMMYY numbers (the parts are two digits each, so the
-- numbers are equal exactly when day, month and year are), so that the
-- planner inlines this strict function; date_part returns float8, whose
-- integer parts are exact (extract's numeric is several times slower).
create or replace function gelombang.nik_matches(nik text, birth_date date, sex text)
returns boolean language sql immutable strict parallel safe as $$
	select substr(nik, 7, 6)::int - 400000 * (sex = 'P')::int
		= date_part('day', birth_date)::int * 10000
		  + date_part('month', birth_date)::int * 100
		  + date_part('year', birth_date)::int % 100
$$;

-- SPEC §6: adding years to 29 February lands on 28 February in a common
-- year, which is what date + interval does.  AND and OR written as
-- arithmetic on 0/1, so that the planner inlines it.
create or replace function gelombang.age_eligible(birth_date date, close_date date,
	min_age integer, max_age integer)
returns boolean language sql immutable strict parallel safe as $$
	select (birth_date + make_interval(years => min_age) <= close_date)::int
		* ((max_age = 0)::int
		   + (close_date < birth_date + make_interval(years => max_age + 1))::int) > 0
$$;

-- Each pair of digits' share of the Luhn sum, the pair's right digit
-- doubled (2d, less 9 when that is two digits).  Immutable without
-- arguments: the planner computes it once per query.
create or replace function gelombang.luhn_pairs()
returns integer[] language sql immutable parallel safe as $$
	select array_agg((v % 10) * 2 - (v % 10) / 5 * 9 + v / 10 order by v)
	from generate_series(0, 99) as v
$$;

-- The Luhn sum of the digits of x (up to 18), rightmost digit doubled.
create or replace function gelombang.luhn_sum18(x bigint, pairs integer[])
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
create or replace function gelombang.luhn_digit_any(payload text)
returns integer language sql immutable strict parallel safe as $$
	select (10 - sum(case when (length(payload) - i) % 2 = 0
			then (d * 2) / 10 + (d * 2) % 10 else d end)::int % 10) % 10
	from (select i, substr(payload, i, 1)::int as d
	      from generate_series(1, length(payload)) as i) as s
$$;

-- Luhn check digit of a string of digits.  One expression, so that the
-- planner inlines it instead of running a query per call; not strict for
-- that reason (CASE is not), but null still gives null.
create or replace function gelombang.luhn_digit(payload text)
returns integer language sql immutable parallel safe as $$
	select case when length(payload) between 1 and 18
		then (10 - gelombang.luhn_sum18(payload::bigint, gelombang.luhn_pairs()) % 10) % 10
		else gelombang.luhn_digit_any(payload) end
$$;

-- A number with its check digit: the Luhn sum over all its digits, the
-- check digit not doubled, is a multiple of 10.
create or replace function gelombang.luhn_valid(number text)
returns boolean language sql immutable parallel safe as $$
	select number ~ '^[0-9]{2,}$'
	   and case when length(number) <= 18
		then (gelombang.luhn_sum18(number::bigint / 10, gelombang.luhn_pairs())
		      + (number::bigint % 10)::int) % 10 = 0
		else gelombang.luhn_digit(left(number, -1)) = right(number, 1)::int end
$$;

-- The card number of a wave's n-th participant as select numbered them
-- before 016: '8', the wave in four digits, the serial in ten, the Luhn
-- digit.  Kept for the tests and for reading old waves; new cards are drawn
-- at random (card_of_digits), since a serial in draw order let anyone
-- holding one card list every card of the wave.
create or replace function gelombang.card_number(wave integer, serial bigint)
returns text language sql immutable parallel safe as $$
	select '8' || lpad(wave::text, 4, '0') || lpad(serial::text, 10, '0')
		|| (case when wave between 0 and 9999 and serial between 0 and 9999999999
			then (10 - gelombang.luhn_sum18(800000000000000 + wave * 10000000000::bigint + serial,
				gelombang.luhn_pairs()) % 10) % 10
			else gelombang.luhn_digit('8' || lpad(wave::text, 4, '0') || lpad(serial::text, 10, '0'))
		    end)::text
$$;

-- SPEC §4 step 6: a card number, 16 digits, Luhn-valid: '8', fourteen
-- random digits, the check digit.  The digits come from gen_random_uuid(),
-- which PostgreSQL (13 and later, no extension) draws from its strong
-- random source: 60 of a version-4 UUID's random bits (its first sixteen
-- hex digits without the 13th, the version), taken modulo 10^14 (a bias
-- below one in ten thousand).  Two functions, each one expression, so that
-- the planner inlines both (a function called per participant costs a
-- query each: 0.4 ms): store_selection draws the digits in a subquery and
-- makes the number of them.  Unique across waves by the table's unique
-- index; store_selection draws again for the few that collide.
create or replace function gelombang.random_card_digits()
returns bigint language sql volatile parallel safe as $$
	select ('x' || overlay(left(replace(gen_random_uuid()::text, '-', ''), 16)
		placing '' from 13 for 1))::bit(60)::bigint % 100000000000000
$$;

create or replace function gelombang.card_of_digits(digits bigint)
returns text language sql immutable parallel safe as $$
	select '8' || lpad(digits::text, 14, '0')
		|| ((10 - gelombang.luhn_sum18(800000000000000 + digits, gelombang.luhn_pairs()) % 10)
		    % 10)::text
$$;

create or replace function gelombang.jsonb_texts(j jsonb)
returns text[] language sql immutable parallel safe as $$
	select coalesce(array(select jsonb_array_elements_text(j)), '{}')
$$;

-- The first 63 bits of a lottery key, as a non-negative bigint: the order
-- of these numbers is the order of the keys, except that keys equal in
-- their first 63 bits come out equal (the key itself then decides).
-- Called with a column, it is inlined (the argument is used eight times).
create or replace function gelombang.key_prefix(k bytea)
returns bigint language sql immutable strict parallel safe as $$
	select (get_byte(k, 0)::bigint << 55) | (get_byte(k, 1)::bigint << 47)
	     | (get_byte(k, 2)::bigint << 39) | (get_byte(k, 3)::bigint << 31)
	     | (get_byte(k, 4)::bigint << 23) | (get_byte(k, 5)::bigint << 15)
	     | (get_byte(k, 6)::bigint << 7) | (get_byte(k, 7)::bigint >> 1)
$$;

-- SPEC §4 step 3: tier 0 for an entry whose regency/city is a priority
-- region, else 1.  The selection orders by it; the report's fairness check
-- draws its strata from it.
create or replace function gelombang.tier(region_code text, priority_regions text[])
returns integer language sql immutable parallel safe as $$
	select case when region_code = any (priority_regions) then 0 else 1 end
$$;

-- The selection rule of SPEC §4, from the frozen inputs only.  One pass
-- computes every entry's exclusion reason and,
-- for the eligible, the lottery key; step 4 ranks only the entries of
-- family cards with more eligible entries than places; step 5 is one sort
-- of the surviving entries per quota unit.  Every entry comes out exactly
-- once, from one of the four branches of the final UNION ALL.  The
-- winners' card numbers are not part of the rule: select draws them at
-- random (store_selection), and audit checks their form and uniqueness.
create or replace function gelombang.selection(p_wave integer)
returns table (nik text, kk text, reason gelombang.reason, lottery_key bytea,
	saldo bigint)
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
			gelombang.tier(e.region_code, w.priority) as tier,
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
select e.nik, e.kk, e.reason, null::bytea, null::bigint
from entry e where e.reason is not null
union all
select o.nik, o.kk, 'KUOTA_KELUARGA', o.lottery_key, null
from over_cap o
union all
select p.nik, p.kk, 'KUOTA_PENUH', p.lottery_key, null
from placed p where p.over_quota
union all			-- step 6
select p.nik, p.kk, null, p.lottery_key, w.saldo
from placed p cross join w
where not p.over_quota
$$;
