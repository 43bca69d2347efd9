-- tests/sql/dashboard.sql — what the applicant's dashboard shows (SPEC §1, §8).
--
-- One wave is taken through every state, and at each step the dashboard
-- rows of a future winner (…001), of an entry turned down (…002, at school)
-- are compared with SPEC §1: no result, no card number, no saldo before
-- DIUMUMKAN.  Then the dashboard role: only its bound NIK, nothing else.
BEGIN;
select plan(46);

create function pg_temp.reg(p_wave int, p_nik text, p_school boolean) returns void
language sql as $$
	insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (p_wave, p_nik, p_nik, 'Peserta', '1990-01-12', 'L', 'BURUH',
		p_school, false, left(p_nik, 4), '081234567890', '2022-02-12 10:00+07')
$$;

-- status, label, card_number, saldo of one NIK in one wave, as one text
create function pg_temp.dash(p_wave int, p_nik text) returns text
language sql as $$
	select concat_ws(' | ', status, label, coalesce(card_number, '-'), coalesce(saldo::text, '-'))
	from gelombang.dashboard where wave = p_wave and nik = p_nik
$$;

select columns_are('gelombang', 'dashboard',
	array['nik', 'wave', 'status', 'label', 'card_number', 'saldo'],
	'the dashboard has the columns of SPEC §8 and no reason');
select col_type_is('gelombang', 'dashboard', 'nik', 'text', 'dashboard.nik is text');
select col_type_is('gelombang', 'dashboard', 'wave', 'integer', 'dashboard.wave is integer');

select gelombang.create_wave(1, '2022-02-10 12:00+07', '2022-02-13 23:59+07',
	'2022-02-16 23:59+07', 10, repeat('a1', 32));
select pg_temp.reg(1, '3171011201900001', false);
select pg_temp.reg(1, '3171011201900002', true);

-- DIBUKA
select is(pg_temp.dash(1, '3171011201900001'), 'MENUNGGU_GELOMBANG_DITUTUP | Menunggu Gelombang Ditutup | - | -',
	'DIBUKA: Menunggu Gelombang Ditutup');
select is(pg_temp.dash(1, '3171011201900002'), 'MENUNGGU_GELOMBANG_DITUTUP | Menunggu Gelombang Ditutup | - | -',
	'DIBUKA: the same for an entry the rules will turn down');

-- DITUTUP
select gelombang.close_wave(1, '2022-02-13 23:59+07');
select is(pg_temp.dash(1, '3171011201900001'), 'SEDANG_DIPROSES | Sedang Diproses | - | -',
	'DITUTUP: Sedang Diproses');

-- DIPROSES, selection not started
select gelombang.freeze_inputs(1, '{"timezone": "Asia/Jakarta", "min_age": 18, "max_age": 64,
	"household_cap": 2, "exclude_aid_recipients": true, "excluded_occupations": ["ASN"],
	"priority_regions": [], "provinces": ["31"], "saldo": 3550000, "sms_lolos": "a",
	"sms_tidak_lolos": "b", "sms_window_days": 30}', 'digest', '2022-02-14 00:00+07');
select is(pg_temp.dash(1, '3171011201900001'), 'SEDANG_DIPROSES | Sedang Diproses | - | -',
	'DIPROSES before the selection starts: Sedang Diproses');

-- DIPROSES, selection running (started, and even its result already written)
update gelombang.wave set selection_started_at = '2022-02-14 00:05+07' where wave = 1;
select is(pg_temp.dash(1, '3171011201900001'), 'DALAM_PROSES_SELEKSI | Dalam Proses Seleksi | - | -',
	'DIPROSES with the selection started: Dalam Proses Seleksi');
select gelombang.store_selection(1);
select is((select count(*)::int from gelombang.participant where wave = 1), 1,
	'the selection stored one participant');
select is(pg_temp.dash(1, '3171011201900001'), 'DALAM_PROSES_SELEKSI | Dalam Proses Seleksi | - | -',
	'DIPROSES, results written: the winner sees no card number and no saldo');
select is(pg_temp.dash(1, '3171011201900002'), 'DALAM_PROSES_SELEKSI | Dalam Proses Seleksi | - | -',
	'DIPROSES, results written: the entry turned down sees no result');

-- DISELEKSI
update gelombang.wave set state = 'DISELEKSI', selected_at = '2022-02-14 00:06+07' where wave = 1;
select is(pg_temp.dash(1, '3171011201900001'), 'DALAM_PROSES_SELEKSI | Dalam Proses Seleksi | - | -',
	'DISELEKSI: the winner sees Dalam Proses Seleksi, no card number, no saldo');
select is(pg_temp.dash(1, '3171011201900002'), 'DALAM_PROSES_SELEKSI | Dalam Proses Seleksi | - | -',
	'DISELEKSI: the entry turned down sees Dalam Proses Seleksi');
select is((select count(*)::int from gelombang.dashboard
	   where status in ('LOLOS', 'TIDAK_LOLOS') or card_number is not null or saldo is not null), 0,
	'DISELEKSI: no row of the dashboard shows a result');

-- DIUMUMKAN
update gelombang.wave set state = 'DIUMUMKAN', announced_at = '2022-02-16 23:59+07',
	sms = '{"sms_lolos": "a", "sms_tidak_lolos": "b", "sms_window_days": 30}' where wave = 1;
select is(pg_temp.dash(1, '3171011201900001'),
	'LOLOS | Lolos | ' || (select card_number from gelombang.participant where nik = '3171011201900001') || ' | 3550000',
	'DIUMUMKAN: the winner sees Lolos, the card number and the saldo');
select is(pg_temp.dash(1, '3171011201900002'), 'TIDAK_LOLOS | Tidak Lolos | - | -',
	'DIUMUMKAN: the entry turned down sees Tidak Lolos, no card number');

-- a later wave: the NIK turned down joins again; one row per registration
select gelombang.create_wave(2, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', 10, repeat('b2', 32));
select pg_temp.reg(2, '3171011201900002', false);
select is(pg_temp.dash(2, '3171011201900002'), 'MENUNGGU_GELOMBANG_DITUTUP | Menunggu Gelombang Ditutup | - | -',
	'the same NIK in a new wave: Menunggu Gelombang Ditutup there');
select is(pg_temp.dash(1, '3171011201900002'), 'TIDAK_LOLOS | Tidak Lolos | - | -',
	'and still Tidak Lolos in the earlier wave');
select is((select count(*)::int from gelombang.dashboard), (select count(*)::int from gelombang.registration),
	'one dashboard row per registration');

-- the dashboard role ----------------------------------------------------------

-- A function that records every row it is shown: with a view that is not a
-- security barrier, the planner may evaluate it on rows the view's own
-- condition would have removed.  The dashboard role may not create
-- temporary objects itself (007), so the function is made for it here.
create temporary table seen (nik text, card_number text);
create function pg_temp.peek(p_nik text, p_card text) returns boolean
language plpgsql cost 0.0000001 as $$
begin
	insert into seen values (p_nik, p_card);
	return true;
end $$;
grant insert, select on seen to gelombang_dashboard;

select card_number as card1 from gelombang.participant where nik = '3171011201900001' \gset
set local role gelombang_dashboard;
select is((select count(*)::int from gelombang.dashboard), 0, 'dashboard role, no NIK bound: no row');
select gelombang.bind_nik('3171011201900001');
select is((select count(*)::int from gelombang.dashboard), 1, 'bound to …001: one row');
select is((select count(*)::int from gelombang.dashboard where nik <> '3171011201900001'), 0,
	'bound to …001: no other NIK''s row');
select is(pg_temp.dash(1, '3171011201900001'),
	'LOLOS | Lolos | ' || :'card1' || ' | 3550000', 'bound to …001: its own result');
select gelombang.bind_nik('3171011201900002');
select is((select string_agg(wave || ' ' || status, ', ' order by wave) from gelombang.dashboard),
	'1 TIDAK_LOLOS, 2 MENUNGGU_GELOMBANG_DITUTUP', 'bound to …002: its two registrations');
select is(pg_temp.dash(1, '3171011201900001'), null, 'bound to …002: the winner''s row is not visible');

select throws_ok($$create temporary table mine (x int)$$, '42501', null,
	'dashboard role: cannot create temporary objects');
select is((select count(*)::int from gelombang.dashboard where pg_temp.peek(nik, card_number)), 2,
	'bound to …002, a query with a function of its own: its two rows');
select is((select count(*)::int from seen where nik is distinct from '3171011201900002'), 0,
	'that function is never shown another NIK''s row');
select is((select count(*)::int from gelombang.dashboard where pg_temp.peek(nik, null) and wave = 1), 1,
	'bound to …002, filtering on wave: its one row in wave 1');
select is((select count(*)::int from seen where nik is distinct from '3171011201900002'), 0,
	'still no other NIK''s row reaches the function');

select throws_ok($$select * from gelombang.registration$$, '42501', null, 'dashboard role: registration is not readable');
select throws_ok($$select * from gelombang.registration_1$$, '42501', null,
	'dashboard role: a registration partition is not readable');
select throws_ok($$select * from gelombang.outcome$$, '42501', null, 'dashboard role: outcome is not readable');
select throws_ok($$select * from gelombang.participant$$, '42501', null, 'dashboard role: participant is not readable');
select throws_ok($$select seed from gelombang.wave$$, '42501', null, 'dashboard role: wave is not readable');
select throws_ok($$select * from gelombang.wave_quota$$, '42501', null, 'dashboard role: wave_quota is not readable');
select throws_ok($$select * from gelombang.outbox$$, '42501', null, 'dashboard role: the SMS outbox is not readable');
select throws_ok($$select * from gelombang.history$$, '42501', null, 'dashboard role: the history is not readable');
select throws_ok($$select * from gelombang.selection(1)$$, '42501', null, 'dashboard role: selection() cannot run');
select throws_ok($$select * from gelombang.status_counts(1)$$, '42501', null, 'dashboard role: status_counts() cannot run');
select throws_ok($$insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (2, '3171011201900003', '3171011201900003', 'X', '1990-01-12', 'L', 'BURUH',
		false, false, '3171', null, now())$$, '42501', null, 'dashboard role: cannot register');
select throws_ok($$update gelombang.dashboard set status = 'LOLOS'$$, null, null,
	'dashboard role: cannot write through the view');
reset role;

-- the auditor reads every row, writes nothing
set local role gelombang_auditor;
select is((select count(*)::int from gelombang.dashboard), 3, 'auditor role: every dashboard row');
select is((select count(*)::int from gelombang.outcome), 2, 'auditor role: reads the outcomes');
select throws_ok($$delete from gelombang.wave_quota$$, '42501', null, 'auditor role: cannot write');
reset role;

-- the batch role is no dashboard and sees every row too
set local role gelombang_batch;
select is((select count(*)::int from gelombang.dashboard), 3, 'batch role: every dashboard row');
reset role;

select * from finish();
ROLLBACK;
