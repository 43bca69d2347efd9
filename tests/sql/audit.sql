-- tests/sql/audit.sql — the read-only functions of sql/005_audit.sql:
-- audit_differences finds each kind of difference, and nothing on a clean
-- wave; report_reasons, report_provinces and report_draw count what is
-- stored; history_runs computes RUNNING and DEAD without writing;
-- outbox_pending follows the export cursor.
--
-- Tampering needs the guard triggers off: this runs as the superuser,
-- inside the test's transaction, which is rolled back.
BEGIN;
select plan(47);

create function pg_temp.reg(p_nik text, p_birth date, p_sex text, p_joined timestamptz,
	p_kk text default null, p_region text default null, p_phone text default '081234567890')
returns void language sql as $$
	insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (1, p_nik, coalesce(p_kk, p_nik), 'Peserta ' || p_nik, p_birth, p_sex, 'BURUH',
		false, false, coalesce(p_region, left(p_nik, 4)), p_phone, p_joined)
$$;

create function pg_temp.diffs() returns text
language sql as $$
	select coalesce(string_agg(nik || ' ' || item || ': ' || coalesce(stored, '-') || ' / '
		|| coalesce(recomputed, '-'), e'\n' order by nik, item), '')
	from gelombang.audit_differences(1)
$$;

-- a wave of six: 3171 and 3273 entries, two of one family, one too young,
-- quota 2 for province 31 only (32 has no row: quota 0)
select gelombang.create_wave(1, '2022-02-10 12:00+07', '2022-02-13 23:59+07',
	'2022-02-16 23:59+07', 100, repeat('c3', 32));
insert into gelombang.wave_quota values (1, '31', 2);
select pg_temp.reg('3171011201900001', '1990-01-12', 'L', '2022-02-11 08:00+07', '3171000000000009');
select pg_temp.reg('3171011201900002', '1990-01-12', 'L', '2022-02-11 09:00+07', '3171000000000009');
select pg_temp.reg('3171011201900003', '1990-01-12', 'L', '2022-02-12 10:00+07', '3171000000000009');
select pg_temp.reg('3171015201900004', '1990-01-12', 'P', '2022-02-12 11:00+07');
select pg_temp.reg('3171011201100005', '2010-01-12', 'L', '2022-02-13 12:00+07');
select pg_temp.reg('3273011201900006', '1990-01-12', 'L', '2022-02-13 13:00+07', p_phone => null);
select gelombang.close_wave(1, '2022-02-13 23:59+07');
select gelombang.freeze_inputs(1, '{"timezone": "Asia/Jakarta", "min_age": 18, "max_age": 64,
	"household_cap": 2, "exclude_aid_recipients": true, "excluded_occupations": [],
	"priority_regions": [], "provinces": ["31", "32"], "saldo": 3550000}', 'digest', now());
update gelombang.wave set selection_started_at = now() where wave = 1;
-- card numbers: drawn at random, 16 digits, Luhn-valid
select is((select count(distinct c)::int || ' ' || bool_and(c ~ '^8[0-9]{15}$' and gelombang.luhn_valid(c))
	   from (select gelombang.card_of_digits(gelombang.random_card_digits()) as c
		 from generate_series(1, 1000)) x),
	'1000 true', 'random card numbers: 1000 draws, 1000 numbers, each of 16 digits and Luhn-valid');
-- a number drawn twice (here: the first two draws) is drawn again
create sequence pg_temp.draws;
create or replace function gelombang.random_card_digits() returns bigint language sql volatile as $$
	select case when nextval('pg_temp.draws') <= 2 then 7 else 3 end
$$;
select gelombang.store_selection(1);
select is((select string_agg(card_number, ' ' order by card_number) from gelombang.participant
	   where wave = 1), gelombang.card_of_digits(3) || ' ' || gelombang.card_of_digits(7),
	'a card number drawn twice is drawn again for one of its holders');
update gelombang.wave set state = 'DISELEKSI', selected_at = now() where wave = 1;

-- a clean wave ---------------------------------------------------------------------
select is(pg_temp.diffs(), '', 'a clean wave has no differences');
select is((select count(*) from gelombang.audit_outcomes(1)), 6::bigint,
	'audit_outcomes: one row per outcome');
select is((select count(*) from gelombang.audit_outcomes(1) where card_number is not null), 2::bigint,
	'two participants (quota 2 in 31; 32 has quota 0)');

-- reports --------------------------------------------------------------------------
select is((select string_agg(status || coalesce('/' || reason, '') || '=' || entries, ' ')
	   from gelombang.report_reasons(1)),
	'LOLOS=2 TIDAK_LOLOS/DI_LUAR_JADWAL=0 TIDAK_LOLOS/DATA_TIDAK_VALID=0 TIDAK_LOLOS/PESERTA_SEBELUMNYA=0 '
	'TIDAK_LOLOS/PEKERJAAN_DIKECUALIKAN=0 TIDAK_LOLOS/USIA=1 TIDAK_LOLOS/SEDANG_SEKOLAH=0 '
	'TIDAK_LOLOS/PENERIMA_BANSOS=0 TIDAK_LOLOS/KUOTA_KELUARGA=1 TIDAK_LOLOS/KUOTA_PENUH=2',
	'report_reasons: LOLOS, then every reason in the order of SPEC §1, zeros too');
select is((select string_agg(format('%s:%s/%s/%s/%s', province, entries, eligible, selected, quota), ' ')
	   from gelombang.report_provinces(1)),
	'31:5/4/2/2 32:1/1/0/0',
	'report_provinces: entries, eligible, selected, quota (0 for a province without a row)');
select is((select sum(eligible) from gelombang.report_draw(1) where dimension = 'day' and tier is not null),
	5::numeric, 'report_draw: the eligible entries (past the exclusions, before the cap)');
select is((select string_agg(category || '=' || eligible || '/' || selected, ' ' order by category)
	   from gelombang.report_draw(1) where dimension = 'day' and tier is null),
	(select string_agg(d || '=' || n || '/' || s, ' ' order by d) from (
		select to_char(r.joined_at at time zone interval '+07:00', 'YYYY-MM-DD') as d, count(*) as n,
			count(*) filter (where o.reason is null) as s
		from gelombang.registration r join gelombang.outcome o using (wave, nik)
		where r.wave = 1 and (o.reason is null or o.reason >= 'KUOTA_KELUARGA') group by 1) x),
	'report_draw: per registration day (WIB)');
select is((select string_agg(category || '=' || eligible, ' ' order by category)
	   from gelombang.report_draw(1) where dimension = 'nik_digit' and tier is null),
	'1=1 2=1 3=1 4=1 6=1', 'report_draw: per last digit of the NIK');
select is((select round(sum(expected)::numeric, 6) from gelombang.report_draw(1)
	   where dimension = 'hour' and tier is not null), 2.000000,
	'report_draw: the expected winners add up to the winners');
select is((select count(distinct unit) from gelombang.report_draw(1) where tier is not null),
	2::bigint, 'report_draw: strata by province when the wave has per-province quotas');

-- each kind of difference --------------------------------------------------------------
alter table gelombang.outcome disable trigger user;
alter table gelombang.participant disable trigger user;
alter table gelombang.frozen_prior disable trigger user;
alter table gelombang.frozen_kk_prior disable trigger user;

create temporary table lolos as
	select o.nik, o.lottery_key, p.card_number from gelombang.outcome o
	join gelombang.participant p using (nik) where o.wave = 1 order by o.nik limit 1;

update gelombang.outcome set reason = 'KUOTA_PENUH' where wave = 1 and nik = (select nik from lolos);
select is(pg_temp.diffs(), (select nik || ' reason: KUOTA_PENUH / LOLOS' from lolos), 'a changed reason');
update gelombang.outcome set reason = null where wave = 1 and nik = (select nik from lolos);

update gelombang.outcome set lottery_key = sha256('x') where wave = 1 and nik = (select nik from lolos);
select is(pg_temp.diffs(), (select nik || ' lottery_key: ' || encode(sha256('x'), 'hex') || ' / '
	|| encode(lottery_key, 'hex') from lolos), 'a changed lottery key');
update gelombang.outcome set lottery_key = (select lottery_key from lolos) where wave = 1
	and nik = (select nik from lolos);

delete from gelombang.participant where nik = (select nik from lolos);
select is(pg_temp.diffs(), (select nik || ' participant missing: - / LOLOS' from lolos),
	'a deleted participant');
insert into gelombang.participant
	select nik, 1, '3171000000000009', card_number, 3550000 from lolos;
select is(pg_temp.diffs(), '', 'put back: clean');

update gelombang.participant set saldo = 1 where nik = (select nik from lolos);
select is(pg_temp.diffs(), (select nik || ' saldo: 1 / 3550000' from lolos), 'a changed saldo');
update gelombang.participant set saldo = 3550000 where nik = (select nik from lolos);

update gelombang.participant set kk = '3171000000000000' where nik = (select nik from lolos);
select is(pg_temp.diffs(), (select nik || ' participant kk: 3171000000000000 / 3171000000000009' from lolos),
	'a changed family card');
update gelombang.participant set kk = '3171000000000009' where nik = (select nik from lolos);

-- card numbers are drawn at random: not recomputed, but checked
select ok((select bool_and(card_number ~ '^8[0-9]{15}$' and gelombang.luhn_valid(card_number))
	from gelombang.participant where wave = 1), 'select draws 16-digit Luhn-valid card numbers');
update gelombang.participant set card_number = gelombang.card_number(1, 77)
	where nik = (select nik from lolos);
select is(pg_temp.diffs(), '', 'another valid, unique card number is what select could have drawn');
alter table gelombang.participant drop constraint participant_card_number_key;
update gelombang.participant set card_number = (select p.card_number from gelombang.participant p
	where p.wave = 1 and p.nik <> (select nik from lolos) limit 1)
	where nik = (select nik from lolos);
select ok(pg_temp.diffs() like '%card_number not unique%', 'a card number held twice is found');
update gelombang.participant set card_number = (select card_number from lolos)
	where nik = (select nik from lolos);
alter table gelombang.participant drop constraint participant_card_luhn;
update gelombang.participant set card_number = left(card_number, 15)
	|| ((right(card_number, 1)::int + 1) % 10)::text where nik = (select nik from lolos);
select is(pg_temp.diffs(), (select nik || ' card_number invalid: ' || left(card_number, 15)
	|| ((right(card_number, 1)::int + 1) % 10)::text || ' / 16 digits, Luhn-valid' from lolos),
	'a card number with a wrong check digit is found');
update gelombang.participant set card_number = (select card_number from lolos)
	where nik = (select nik from lolos);

alter table gelombang.participant drop constraint participant_card_number_check;
update gelombang.participant set card_number = '12345' where nik = (select nik from lolos);
select ok(pg_temp.diffs() like '%card_number invalid: 12345 / 16 digits%', 'a card number not of 16 digits');
update gelombang.participant set card_number = (select card_number from lolos)
	where nik = (select nik from lolos);

insert into gelombang.participant values ('3273011201900006', 1, '3273011201900006',
	gelombang.card_number(1, 99), 3550000);
select is(pg_temp.diffs(), '3273011201900006 participant without LOLOS: ' || gelombang.card_number(1, 99)
	|| ' / KUOTA_PENUH', 'a participant that is not LOLOS');
delete from gelombang.participant where nik = '3273011201900006';

delete from gelombang.outcome where wave = 1 and nik = '3273011201900006';
select is(pg_temp.diffs(), '3273011201900006 outcome missing: - / KUOTA_PENUH', 'a deleted outcome');
insert into gelombang.outcome values (1, '3273011201900006', 'KUOTA_PENUH',
	sha256(convert_to(repeat('c3', 32) || ':3273011201900006', 'UTF8')));
select is(pg_temp.diffs(), '', 'put back: clean');

insert into gelombang.outcome values (1, '3171011201909999', 'USIA', null);
select is(pg_temp.diffs(), '3171011201909999 outcome without registration: USIA / -',
	'an outcome without a registration');
delete from gelombang.outcome where wave = 1 and nik = '3171011201909999';

insert into gelombang.frozen_prior values (1, '3171011201100005');
select ok(pg_temp.diffs() like '3171011201100005 frozen earlier participant: earlier participant / not an earlier participant%',
	'a frozen earlier participation that the participants table does not have');
select ok(pg_temp.diffs() like '%3171011201100005 reason: USIA / PESERTA_SEBELUMNYA%',
	'... recomputed from the frozen input, which the stored result did not use');
delete from gelombang.frozen_prior where wave = 1;

insert into gelombang.frozen_kk_prior values (1, '3171000000000009', 1);
select ok(pg_temp.diffs() like '%KK 3171000000000009 frozen household prior: 1 / 0%',
	'a frozen family-card count that the participants table does not have');
delete from gelombang.frozen_kk_prior where wave = 1;
select is(pg_temp.diffs(), '', 'all put back: clean');

-- history_runs ----------------------------------------------------------------------
insert into gelombang.job_run (id, job, wave, operator, backend_pid, backend_start)
	overriding system value
values (9001, 'select', 1, 'me', pg_backend_pid(),
	(select backend_start from pg_stat_activity where pid = pg_backend_pid())),
       (9002, 'select', 1, 'ghost', 0, now()),
       (9003, 'close', 1, 'x', 0, now()),
       (9004, 'audit', null, 'x', 0, now());
insert into gelombang.job_run_end (run_id, job, wave, outcome, rows, message)
values (9003, 'close', 1, 'SUCCEEDED', 6, 'closed'),
       (9004, 'audit', null, 'REFUSED', 0, 'not identical');
select is((select outcome from gelombang.history_runs(null, false) where id = 9001), 'RUNNING',
	'a run whose session lives is RUNNING');
select is((select outcome from gelombang.history_runs(null, false) where id = 9002), 'DEAD',
	'a run whose session is gone is DEAD');
select ok((select message from gelombang.history_runs(null, false) where id = 9002) like '%session ended%',
	'... and says why');
select is((select count(*) from gelombang.job_run_end where run_id in (9001, 9002)), 0::bigint,
	'history_runs writes nothing');
select is((select array_agg(id order by id) from gelombang.history_runs(null, true)),
	array[9002, 9004]::bigint[], '--failed: DEAD and REFUSED, not SUCCEEDED nor RUNNING');
select is((select array_agg(id order by id) from gelombang.history_runs(1, false)),
	array[9001, 9002, 9003]::bigint[], '--wave: only that wave');
select is((select array_agg(id) from gelombang.history_runs(null, false)),
	(select array_agg(id order by id) from gelombang.job_run), 'oldest first');

-- outbox_pending ----------------------------------------------------------------------
select is((select count(*) from gelombang.outbox_pending(null, null)), 0::bigint,
	'no messages before the announcement');
update gelombang.wave set state = 'DIUMUMKAN', announced_at = now(),
	sms = '{"sms_lolos": "Selamat {nama}: {kartu}, Rp{saldo}, {hari} hari",
		"sms_tidak_lolos": "Maaf {nama}", "sms_window_days": 30}' where wave = 1;
select is((select count(*) from gelombang.outbox_pending(null, null)), 5::bigint,
	'one message per registration with a phone number');
select is((select array_agg(nik) from gelombang.outbox_pending(1, null)),
	(select array_agg(nik order by nik) from gelombang.registration where phone is not null),
	'ordered by NIK');
select is((select message from gelombang.outbox_pending(null, null) where nik = (select nik from lolos)),
	(select 'Selamat Peserta ' || nik || ': ' || card_number || ', Rp3.550.000, 30 hari' from lolos),
	'rendered from the frozen templates');
select is((select count(*) from gelombang.outbox_pending(null, 2)), 2::bigint, '--limit');
select is((select array_agg(nik) from gelombang.outbox_pending(null, null)),
	(select array_agg(nik order by nik) from gelombang.outbox where pending), 'the same messages as the view');
insert into gelombang.outbox_export (wave, first_nik, last_nik, messages)
	select 1, min(nik), max(nik), 2 from (select nik from gelombang.outbox_pending(1, 2)) x;
select is((select min(nik) from gelombang.outbox_pending(null, null)),
	(select nik from gelombang.registration where phone is not null order by nik offset 2 limit 1),
	'past the cursor');
select is((select count(*) from gelombang.outbox_pending(null, null)), 3::bigint, 'the rest');
select is((select count(*) from gelombang.outbox_pending(2, null)), 0::bigint, 'no wave 2');

select * from finish();
ROLLBACK;
