-- audit.sql — the set-based half of audit, report, history and
-- outbox export: what these commands read, as functions of the stored
-- data, so that the C side only streams, compares and prints.
--
-- Every function here reads; none writes.  audit and report call them
-- inside one READ ONLY REPEATABLE READ transaction, so all their numbers
-- come from the same snapshot.

-- audit ----------------------------------------------------------------------

-- Every way the stored outcome of a wave differs from the selection rule
-- recomputed from the frozen inputs (gelombang.selection), one row per
-- difference, ordered by NIK.  No row: the wave is identical.
--
--   item                          stored / recomputed
--   outcome missing               -        / the recomputed result
--   outcome without registration  reason   / -
--   reason                        reason   / reason        ('LOLOS' = none)
--   lottery_key                   hex      / hex
--   participant missing           -        / LOLOS
--   participant without LOLOS     card     / the recomputed result
--   card_number invalid           card     / 16 digits, Luhn-valid
--   card_number not unique        card     / the other NIK holding it
--   saldo                         saldo    / saldo
--   participant kk                kk       / kk of the registration
--   frozen earlier participant    in frozen_prior or not / participants now
--   frozen household prior        prior    / participants now
--   revoked                       DICABUT or not / the same from the
--                                 first trainings (SELESAI waves)
--
-- The last two compare what process froze with what the participants
-- table says today.  Participants of earlier waves are final before a
-- later wave is processed and never change, so a difference means the
-- frozen inputs (or the participants) were altered.
--
-- Card numbers are drawn at random by select (store_selection), so they
-- cannot be recomputed: what SPEC §4 step 6 asks of them is checked
-- instead — one card per participant (the participant's key), the
-- participants exactly the recomputed LOLOS entries, 16 digits with a
-- valid Luhn digit, no number held twice across all waves.
create or replace function gelombang.audit_differences(p_wave integer)
returns table (nik text, item text, stored text, recomputed text)
language sql stable set jit = off as $$
-- one pass: the recomputed selection, the stored outcomes and the stored
-- participants side by side, by NIK.  An entry whose stored and
-- recomputed values all agree (every entry of an intact wave) is dropped
-- right there, by one test that holds whenever no item below could; only
-- the rest is taken apart into the items (ten per entry: at a million
-- entries, taking every entry apart cost as much as the recomputation).
-- Card numbers are drawn at random, so the test holds a card to its form
-- (16 digits, Luhn) rather than to a recomputed number; audit checks every
-- card in C besides, and their uniqueness below.  The
-- joins are the planner's: a merge join of the selection and the
-- outcomes in NIK order, the participants hashed (forcing merge joins
-- throughout measured the same: the recomputation is the cost).
-- Without JIT: compiling the recomputation cost a third of the audit.
with j as (
	select coalesce(s.nik, o.nik, p.nik) as nik,
		s.nik is not null as has_s, o.nik is not null as has_o, p.nik is not null as has_p,
		coalesce(s.reason::text, 'LOLOS') as s_result,
		coalesce(o.reason::text, 'LOLOS') as o_result,
		s.lottery_key as s_key, o.lottery_key as o_key,
		s.kk as s_kk, p.kk as p_kk, p.card_number as p_card,
		s.saldo as s_saldo, p.saldo as p_saldo
	from gelombang.selection(p_wave) s
	full join (select o.nik, o.reason, o.lottery_key from gelombang.outcome o
		   where o.wave = p_wave) o on o.nik = s.nik
	full join (select p.nik, p.kk, p.card_number, p.saldo from gelombang.participant p
		   where p.wave = p_wave) p on p.nik = coalesce(s.nik, o.nik)
	where not coalesce(s.nik is not null and o.nik is not null
		and s.reason is not distinct from o.reason
		and s.lottery_key is not distinct from o.lottery_key
		and (p.nik is not null) = (s.reason is null)
		and (p.nik is null
		     or (p.card_number ~ '^[0-9]{16}$' and gelombang.luhn_valid(p.card_number)
			 and p.saldo = s.saldo and p.kk = s.kk)), false)
),
per_entry as (
	select j.nik, d.item, d.stored, d.recomputed
	from j
	cross join lateral (values
		(case when j.has_s and not j.has_o then 'outcome missing' end,
		 null, j.s_result),
		(case when j.has_o and not j.has_s then 'outcome without registration' end,
		 j.o_result, null),
		(case when j.has_s and j.has_o and j.o_result <> j.s_result then 'reason' end,
		 j.o_result, j.s_result),
		(case when j.has_s and j.has_o and j.o_key is distinct from j.s_key then 'lottery_key' end,
		 encode(j.o_key, 'hex'), encode(j.s_key, 'hex')),
		(case when j.has_s and j.s_result = 'LOLOS' and not j.has_p then 'participant missing' end,
		 null, 'LOLOS'),
		(case when j.has_p and not (j.has_s and j.s_result = 'LOLOS')
			then 'participant without LOLOS' end,
		 j.p_card, case when j.has_s then j.s_result else 'no registration' end),
		(case when j.has_p and j.has_s and j.s_result = 'LOLOS'
			and j.p_saldo is distinct from j.s_saldo then 'saldo' end,
		 j.p_saldo::text, j.s_saldo::text),
		(case when j.has_p and j.has_s and j.s_result = 'LOLOS'
			and j.p_kk is distinct from j.s_kk then 'participant kk' end,
		 j.p_kk, j.s_kk),
		-- audit checks the Luhn digit in C too (nik.c), as the outcomes stream
		(case when j.has_p and not (j.p_card ~ '^[0-9]{16}$'
					   and coalesce(gelombang.luhn_valid(j.p_card), false))
			then 'card_number invalid' end,
		 j.p_card, '16 digits, Luhn-valid')
	) as d(item, stored, recomputed)
	where d.item is not null
),
frozen as (
	select coalesce(f.nik, n.nik) as nik, f.nik is not null as frozen
	from (select f.nik from gelombang.frozen_prior f where f.wave = p_wave) f
	full join (
		select r.nik from gelombang.registration r
		where r.wave = p_wave
		  and exists (select 1 from gelombang.participant x
			      where x.nik = r.nik and x.wave < p_wave)
	) n on n.nik = f.nik
	where f.nik is null or n.nik is null
),
kk_prior as (
	select coalesce(f.kk, n.kk) as kk, f.prior as frozen, n.prior as now
	from (select f.kk, f.prior from gelombang.frozen_kk_prior f where f.wave = p_wave) f
	full join (
		select x.kk, count(*)::int as prior
		from gelombang.participant x
		where x.wave < p_wave
		  and x.kk in (select r.kk from gelombang.registration r where r.wave = p_wave)
		group by x.kk
	) n on n.kk = f.kk
	where f.prior is distinct from n.prior
),
-- SPEC §10: in a SELESAI wave, every participant without a first training
-- at or before revoke_at, and no other, is revoked.  The first trainings of
-- the wave cannot change from revoke on (guards.sql), so they are the
-- data revoke decided on.
revocation as (
	select coalesce(v.nik, c.nik) as nik, v.nik is not null as stored
	from (select v.nik from gelombang.revoked v where v.wave = p_wave) v
	full join (select c.nik from gelombang.revocation(p_wave) c
		   where (select w.state from gelombang.wave w where w.wave = p_wave) = 'SELESAI') c
		on c.nik = v.nik
	where v.nik is null or c.nik is null
)
select d.nik, d.item, d.stored, d.recomputed
from (
	select * from per_entry
	union all
	select p.nik, 'card_number not unique', p.card_number, x.nik
	from gelombang.participant p
	join gelombang.participant x on x.card_number = p.card_number and x.nik <> p.nik
	where p.wave = p_wave
	union all
	select nik, 'frozen earlier participant',
		case when frozen then 'earlier participant' else 'not an earlier participant' end,
		case when frozen then 'not an earlier participant' else 'earlier participant' end
	from frozen
	union all
	select 'KK ' || kk, 'frozen household prior', coalesce(frozen::text, '0'),
		coalesce(now::text, '0')
	from kk_prior
	union all
	select nik, 'revoked',
		case when stored then 'DICABUT' else 'not revoked' end,
		case when stored then 'not revoked' else 'DICABUT' end
	from revocation
) d
order by d.nik, d.item
$$;

-- What audit streams to recompute every lottery key in C (OpenSSL), not
-- only in SQL: each stored outcome with its participant.
create or replace function gelombang.audit_outcomes(p_wave integer)
returns table (nik text, reason text, lottery_key text, card_number text, saldo bigint)
language sql stable as $$
	select o.nik, o.reason::text, encode(o.lottery_key, 'hex'), p.card_number, p.saldo
	from gelombang.outcome o
	left join gelombang.participant p on p.nik = o.nik and p.wave = o.wave
	where o.wave = p_wave
	order by o.nik
$$;

-- A time as the program prints it (SPEC §2: output in WIB), to the second.
-- Stable, not immutable, as to_char is: so the planner inlines it.
create or replace function gelombang.wib(t timestamptz)
returns text language sql stable strict parallel safe as $$
	select to_char(t at time zone interval '+07:00', 'YYYY-MM-DD HH24:MI:SS') || ' WIB'
$$;

-- The independent bundle (audit --independent): the frozen inputs as an
-- outside auditor needs them.  Times in WIB with their offset; fractions
-- of a second only where there are some.
create or replace function gelombang.iso_wib(t timestamptz)
returns text language sql immutable strict parallel safe as $$
	select to_char(t at time zone interval '+07:00', 'YYYY-MM-DD"T"HH24:MI:SS')
		|| case when extract(microseconds from t)::bigint % 1000000 <> 0
			then to_char(t at time zone interval '+07:00', '.US')
			else '' end
		|| '+07:00'
$$;

create or replace function gelombang.audit_registrations(p_wave integer)
returns table (nik text, kk text, name text, birth_date text, sex text,
	occupation text, in_school text, receives_aid text,
	region_code text, phone text, joined_at text)
language sql stable as $$
	select r.nik, r.kk, r.name, to_char(r.birth_date, 'YYYY-MM-DD'), r.sex,
		r.occupation, r.in_school::text, r.receives_aid::text, r.region_code, r.phone,
		gelombang.iso_wib(r.joined_at)
	from gelombang.registration r
	where r.wave = p_wave
	order by r.nik
$$;

-- The wave's own inputs as one JSON object (wave.json of the bundle).
create or replace function gelombang.audit_wave_json(p_wave integer)
returns text language sql stable as $$
	select jsonb_pretty(jsonb_build_object(
		'wave', w.wave,
		'opens_at', gelombang.iso_wib(w.opens_at),
		'closes_at', gelombang.iso_wib(w.closes_at),
		'close_date', to_char(w.close_date, 'YYYY-MM-DD'),
		'quota', w.quota,
		'per_province_quotas', exists (select 1 from gelombang.wave_quota q where q.wave = w.wave)))
	from gelombang.wave w where w.wave = p_wave
$$;

-- report ---------------------------------------------------------------------

-- Entries per result and reason: every reason code, in the order of
-- SPEC §1, with zero where none.
create or replace function gelombang.report_reasons(p_wave integer)
returns table (status text, reason text, entries bigint)
language sql stable as $$
	select x.status, x.reason::text, x.entries
	from (
		select 'LOLOS' as status, null::gelombang.reason as reason,
			(select count(*) from gelombang.outcome o
			 where o.wave = p_wave and o.reason is null) as entries
		union all
		select 'TIDAK_LOLOS', e.r, coalesce(c.n, 0)
		from unnest(enum_range(null::gelombang.reason)) as e(r)
		left join (select o.reason, count(*) as n from gelombang.outcome o
			   where o.wave = p_wave and o.reason is not null group by o.reason) c
			on c.reason = e.r
	) x
	order by x.reason nulls first
$$;

-- Per province of domicile (the quota unit of SPEC §4 step 5): entries,
-- eligible (passed the exclusions of step 1), selected, and the quota
-- (null when the wave has only a national quota; 0 for a province without
-- a row when it has per-province quotas).  Provinces with a quota
-- row but no entries are listed too.
create or replace function gelombang.report_provinces(p_wave integer)
returns table (province text, entries bigint, eligible bigint, selected bigint, quota bigint)
language sql stable as $$
	with c as (
		select left(r.region_code, 2) as province, count(*) as entries,
			count(*) filter (where o.reason is null or o.reason >= 'KUOTA_KELUARGA') as eligible,
			count(*) filter (where o.nik is not null and o.reason is null) as selected
		from gelombang.registration r
		left join gelombang.outcome o on o.wave = r.wave and o.nik = r.nik
		where r.wave = p_wave
		group by 1
	)
	select coalesce(c.province, q.province)::text, coalesce(c.entries, 0),
		coalesce(c.eligible, 0), coalesce(c.selected, 0),
		-- SPEC §4 step 5: with per-province quotas, no row is quota 0
		coalesce(q.quota, case when exists (select 1 from gelombang.wave_quota x
						    where x.wave = p_wave) then 0 end)
	from c full join (select * from gelombang.wave_quota where wave = p_wave) q
		on q.province = c.province
	order by 1
$$;

-- The fairness check's counts.  Among the eligible entries (past the
-- exclusions, before the household cap: the entries that took part in the
-- draw), per stratum (priority tier, quota unit) and per category of
-- three dimensions — registration day (WIB), hour of day (WIB), and the
-- last digit of the NIK — how many were eligible and how many selected,
-- with the number expected selected under a uniform draw within the
-- stratum (eligible × the stratum's selection rate).
-- Rows with tier null sum the strata per category, for the tables and
-- charts.  Ordered by dimension, tier, unit, category.
create or replace function gelombang.report_draw(p_wave integer)
returns table (dimension text, tier integer, unit text, category text,
	eligible bigint, selected bigint, expected double precision)
language sql stable as $$
with w as (
	select gelombang.jsonb_texts(rules->'priority_regions') as priority,
		exists (select 1 from gelombang.wave_quota q where q.wave = p_wave) as by_province
	from gelombang.wave where wave = p_wave
),
e as (
	select gelombang.tier(r.region_code, w.priority) as tier,
		case when w.by_province then left(r.region_code, 2) else '' end as unit,
		to_char(r.joined_at at time zone interval '+07:00', 'YYYY-MM-DD') as day,
		to_char(r.joined_at at time zone interval '+07:00', 'HH24') as hour,
		right(r.nik, 1) as digit,
		o.reason is null as selected
	from gelombang.registration r
	join gelombang.outcome o on o.wave = r.wave and o.nik = r.nik
	cross join w
	where r.wave = p_wave and (o.reason is null or o.reason >= 'KUOTA_KELUARGA')
),
cells as (
	select case when grouping(day) = 0 then 'day'
		    when grouping(hour) = 0 then 'hour'
		    else 'nik_digit' end as dimension,
		tier, unit, coalesce(day, hour, digit) as category,
		count(*) as eligible, count(*) filter (where selected) as selected
	from e
	group by grouping sets ((tier, unit, day), (tier, unit, hour), (tier, unit, digit))
),
strata as (
	select c.*, sum(c.selected) over s / sum(c.eligible) over s as rate
	from cells c
	window s as (partition by c.dimension, c.tier, c.unit)
)
select dimension, tier, unit, category, eligible, selected,
	(eligible * rate)::double precision
from strata
union all
select dimension, null, null, category, sum(eligible)::bigint, sum(selected)::bigint,
	sum(eligible * rate)::double precision
from strata
group by dimension, category
order by 1, 2 nulls last, 3, 4
$$;

-- History: start and end rows joined; an unfinished run shows RUNNING.
create or replace view gelombang.history as
select j.id, j.job, j.wave, j.started_at, e.finished_at, j.operator, j.host,
	coalesce(e.outcome, 'RUNNING') as outcome, e.rows, e.message,
	j.command_line, j.config_digest, j.version, j.now_override, j.dry_run,
	j.client_pid, j.backend_pid, j.db_role
from gelombang.job_run j
left join gelombang.job_run_end e on e.run_id = j.id;

-- history --------------------------------------------------------------------

-- Every run, oldest first, with its outcome; a run without an end row is
-- RUNNING while its session lives and DEAD once it is gone — computed
-- here, not written: history only reads.  A session of another role shows
-- its pid but not its backend_start (pg_stat_activity hides it), so a
-- matching pid with a hidden start counts as alive: a run is never shown
-- DEAD while it may still be running.
create or replace function gelombang.history_runs(p_wave integer, p_failed boolean)
returns table (id bigint, job text, wave integer, started_at timestamptz,
	finished_at timestamptz, operator text, outcome text, rows bigint, message text,
	db_role text, clock timestamptz)
language sql stable as $$
	select * from (
		select j.id, j.job, j.wave, j.started_at, e.finished_at, j.operator,
			case when e.run_id is not null then e.outcome
			     when exists (select 1 from pg_stat_activity a
					  where a.pid = j.backend_pid
					    and (a.backend_start is null
						 or a.backend_start is not distinct from j.backend_start))
				then 'RUNNING'
			     else 'DEAD' end as outcome,
			e.rows,
			case when e.run_id is null and not exists (
				select 1 from pg_stat_activity a where a.pid = j.backend_pid
				  and (a.backend_start is null
				       or a.backend_start is not distinct from j.backend_start))
			     then 'its session ended without finishing (not yet marked by a later run)'
			     else e.message end as message,
			j.db_role, j.now_override as clock
		from gelombang.job_run j
		left join gelombang.job_run_end e on e.run_id = j.id
		where p_wave is null or j.wave = p_wave
	) h
	where not coalesce(p_failed, false)
	   or h.outcome in ('FAILED', 'INTERRUPTED', 'DEAD', 'REFUSED', 'BUSY')
	order by h.id
$$;

-- report: the approvals and the revocation (SPEC §9, §10) as
-- section,key,measure,value rows: each approval (role, time, digest), the
-- revocation time, and once revoked the number revoked in all and per
-- province of domicile (the provinces of report_provinces).
create or replace function gelombang.report_lifecycle(p_wave integer)
returns table (section text, key text, measure text, value text)
language sql stable as $$
	select x.section, x.key, x.measure, x.value
	from (
		select 1 as o, a.id as n, m.k, 'approval' as section, a.id::text as key,
			m.measure, m.value
		from gelombang.approval a
		cross join lateral (values
			(1, 'approved_by', a.approved_by),
			(2, 'approved_at', to_char(a.approved_at at time zone interval '+07:00',
				'YYYY-MM-DD HH24:MI:SS') || ' WIB'),
			(3, 'results_digest', a.results_digest)) as m(k, measure, value)
		where a.wave = p_wave
		union all
		select 2, 0, 0, 'revocation', 'wave', 'revoke_at',
			to_char(w.revoke_at at time zone interval '+07:00', 'YYYY-MM-DD HH24:MI:SS') || ' WIB'
		from gelombang.wave w where w.wave = p_wave
		union all
		select 3, 0, 0, 'revocation', 'wave', 'revoked', w.revoked::text
		from gelombang.wave w where w.wave = p_wave and w.state = 'SELESAI'
		union all
		select 4, 0, 0, 'revocation', c.province, 'revoked', c.n::text
		from (select left(r.region_code, 2) as province, count(*) as n
		      from gelombang.revoked v
		      join gelombang.registration r on r.wave = v.wave and r.nik = v.nik
		      where v.wave = p_wave
		      group by 1) c
	) x
	order by x.o, x.n, x.k, x.key
$$;
