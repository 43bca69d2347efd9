-- bench-baseline.sql — the wave lifecycle as a competent DBA would write it
-- without gelombang: the contender "baseline" of scripts/bench.
--
-- One typed registrations table with a primary key; each job a few
-- set-based statements in one transaction: status UPDATEs at close and
-- process, the selection of SPEC §4 as window functions over sha256(), the
-- results written back into the same table with UPDATE ... FROM, the
-- participants inserted.  No per-row functions, no PL/pgSQL.
--
--   psql -X -v ON_ERROR_STOP=1 -v step=STEP [variables] -f scripts/bench-baseline.sql
--
-- STEP is one of import, close, process, select, announce, results; each
-- psql run does one step, so scripts/bench times each step on its own.
-- import reads the registrations CSV from psql's standard input (\copy
-- ... from pstdin, as gelombang import streams it from the client).
-- Variables (scripts/bench passes them all): seed (64 lowercase hex),
-- opens, closes (ISO 8601), timezone, min_age, max_age, cap (household
-- cap), exclude_aid (true or false), saldo, quota (the national quota),
-- quotas (empty, or the lines of a province,quota file: per-province
-- quotas), excluded, priority and provinces (text[] literals, e.g.
-- {ASN,TNI}).
--
-- results prints nik,result,card (result: LOLOS or the reason; card: "card"
-- where a card number was given: gelombang draws its numbers at random),
-- ordered by nik, for the comparison with gelombang's outcomes.
\set QUIET on
select :'step' = 'import' as s_import, :'step' = 'close' as s_close,
	:'step' = 'process' as s_process, :'step' = 'select' as s_select,
	:'step' = 'announce' as s_announce, :'step' = 'results' as s_results \gset

\if :s_import
create table wave (
	wave		integer primary key,
	state		text not null,
	opens_at	timestamptz not null,
	closes_at	timestamptz not null,
	quota		bigint not null,
	seed		text not null,
	close_date	date
);
create table wave_quota (province text collate "C" primary key, quota bigint not null);
create table registrations (
	nik		text collate "C" primary key,
	kk		text collate "C" not null,
	name		text not null,
	birth_date	date not null,
	sex		text not null,
	occupation	text not null,
	in_school	boolean not null,
	receives_aid	boolean not null,
	region_code	text collate "C",	-- null: the NIK's first 4 digits
	phone		text,
	joined_at	timestamptz not null,
	status		text not null default 'MENUNGGU_GELOMBANG_DITUTUP',
	reason		text,
	lottery_key	bytea,
	card_number	text
);
create table participants (
	nik		text collate "C" primary key,
	wave		integer not null,
	kk		text collate "C" not null,
	card_number	text not null unique,
	saldo		bigint not null
);
create index participants_kk on participants (kk);
insert into wave values (1, 'DIBUKA', :'opens', :'closes', :quota, :'seed', null);
insert into wave_quota
	select split_part(l, ',', 1), split_part(l, ',', 2)::bigint
	from unnest(string_to_array(:'quotas', E'\n')) as l where l ~ '^[0-9]{2},';
\copy registrations (nik, kk, name, birth_date, sex, occupation, in_school, receives_aid, region_code, phone, joined_at) from pstdin with (format csv, header)
analyze registrations;
\endif

\if :s_close
begin;
update wave set state = 'DITUTUP' where wave = 1;
update registrations set status = 'SEDANG_DIPROSES';
commit;
\endif

\if :s_process
begin;
update wave set state = 'DIPROSES',
	close_date = (closes_at at time zone :'timezone')::date where wave = 1;
-- what selection reads about earlier waves, frozen
create table frozen_prior as
	select r.nik from registrations r join participants p using (nik);
create table frozen_kk_prior as
	select p.kk, count(*) as prior from participants p
	where p.kk in (select kk from registrations) group by p.kk;
update registrations set status = 'DALAM_PROSES_SELEKSI';
commit;
\endif

\if :s_select
begin;
create temporary table selection on commit drop as
with w as (
	select opens_at, closes_at, seed, quota, close_date,
		exists (select from wave_quota) as by_province
	from wave where wave = 1
),
excluded as (
	select r.nik, r.kk, coalesce(r.region_code, left(r.nik, 4)) as region_code,
		case
		when r.joined_at < w.opens_at or r.joined_at >= w.closes_at then 'DI_LUAR_JADWAL'
		when left(r.nik, 2) <> all (:'provinces'::text[])
		  or substr(r.nik, 7, 2)::int - case when r.sex = 'P' then 40 else 0 end
			<> extract(day from r.birth_date)
		  or substr(r.nik, 9, 2)::int <> extract(month from r.birth_date)
		  or substr(r.nik, 11, 2)::int <> extract(year from r.birth_date)::int % 100
			then 'DATA_TIDAK_VALID'
		when r.nik in (select nik from frozen_prior) then 'PESERTA_SEBELUMNYA'
		when r.occupation = any (:'excluded'::text[]) then 'PEKERJAAN_DIKECUALIKAN'
		when r.birth_date + make_interval(years => :min_age) > w.close_date
		  or (:max_age <> 0
		      and w.close_date >= r.birth_date + make_interval(years => :max_age + 1))
			then 'USIA'
		when r.in_school then 'SEDANG_SEKOLAH'
		when r.receives_aid and :exclude_aid then 'PENERIMA_BANSOS'
		end as reason
	from registrations r, w
),
drawn as (
	select e.nik, e.kk,
		sha256(convert_to(w.seed || ':' || e.nik, 'UTF8')) as lottery_key,
		case when e.region_code = any (:'priority'::text[]) then 0 else 1 end as tier,
		case when w.by_province then left(e.region_code, 2) end as unit
	from excluded e, w
	where e.reason is null
),
household as (
	select d.*,
		row_number() over (partition by d.kk order by d.tier, d.lottery_key)
		  > greatest(0, :cap - coalesce(f.prior, 0)) as over_cap
	from drawn d left join frozen_kk_prior f using (kk)
),
quota as (
	select h.nik,
		row_number() over (partition by h.unit order by h.tier, h.lottery_key)
		  > case when w.by_province then coalesce(u.quota, 0) else w.quota end as over_quota
	from household h cross join w
	left join wave_quota u on u.province = h.unit
	where not h.over_cap
)
select e.nik, e.kk, d.lottery_key,
	coalesce(e.reason, case when h.over_cap then 'KUOTA_KELUARGA'
				when q.over_quota then 'KUOTA_PENUH' end) as reason
from excluded e
left join drawn d using (nik)
left join household h using (nik)
left join quota q using (nik);

-- card numbers: '8', the wave in 4 digits, the serial in 10, a Luhn digit
create temporary table winners on commit drop as
select nik, kk, p || ((10 - (
	(substr(p, 1, 1)::int * 2) / 10 + (substr(p, 1, 1)::int * 2) % 10 + substr(p, 2, 1)::int
	+ (substr(p, 3, 1)::int * 2) / 10 + (substr(p, 3, 1)::int * 2) % 10 + substr(p, 4, 1)::int
	+ (substr(p, 5, 1)::int * 2) / 10 + (substr(p, 5, 1)::int * 2) % 10 + substr(p, 6, 1)::int
	+ (substr(p, 7, 1)::int * 2) / 10 + (substr(p, 7, 1)::int * 2) % 10 + substr(p, 8, 1)::int
	+ (substr(p, 9, 1)::int * 2) / 10 + (substr(p, 9, 1)::int * 2) % 10 + substr(p, 10, 1)::int
	+ (substr(p, 11, 1)::int * 2) / 10 + (substr(p, 11, 1)::int * 2) % 10 + substr(p, 12, 1)::int
	+ (substr(p, 13, 1)::int * 2) / 10 + (substr(p, 13, 1)::int * 2) % 10 + substr(p, 14, 1)::int
	+ (substr(p, 15, 1)::int * 2) / 10 + (substr(p, 15, 1)::int * 2) % 10) % 10) % 10) as card_number
from (select nik, kk, '8' || lpad('1', 4, '0')
		|| lpad((row_number() over (order by lottery_key))::text, 10, '0') as p
      from selection where reason is null) s;

update registrations r
set status = case when s.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end,
    reason = s.reason, lottery_key = s.lottery_key, card_number = x.card_number
from selection s left join winners x using (nik)
where r.nik = s.nik;
insert into participants (nik, wave, kk, card_number, saldo)
	select nik, 1, kk, card_number, :saldo from winners;
update wave set state = 'DISELEKSI' where wave = 1;
commit;
\endif

\if :s_announce
begin;
update wave set state = 'DIUMUMKAN' where wave = 1;
commit;
\endif

\if :s_results
copy (select nik, coalesce(reason, 'LOLOS'), case when card_number is not null then 'card' end
	from registrations order by nik)
	to stdout with (format csv);
\endif
