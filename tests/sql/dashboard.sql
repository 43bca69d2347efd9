-- tests/sql/dashboard.sql — what the applicant's dashboard shows (SPEC §1, §8).
--
-- One wave is taken through every state, and at each step the dashboard
-- rows of a future winner (…001), of an entry turned down (…002, at school)
-- are compared with SPEC §1: no result, no card number, no saldo before
-- DIUMUMKAN.  Then the look-up (SPEC §12): the view's rows of one NIK, no
-- row for anything that is not a NIK; and the dashboard role, which may
-- call the look-up and nothing else.
BEGIN;
select plan(62);

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

-- every row of dashboard_lookup(nik), as one text
create function pg_temp.lookup(p_nik text) returns text
language sql as $$
	select string_agg(concat_ws(' | ', nik, wave, status, label, coalesce(card_number, '-'),
		coalesce(saldo::text, '-')), E'\n' order by ordinality)
	from gelombang.dashboard_lookup(p_nik) with ordinality
$$;
-- the same rows from the view
create function pg_temp.view_rows(p_nik text) returns text
language sql as $$
	select string_agg(concat_ws(' | ', nik, wave, status, label, coalesce(card_number, '-'),
		coalesce(saldo::text, '-')), E'\n' order by wave)
	from gelombang.dashboard where nik = p_nik
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
select is(pg_temp.lookup('3171011201900001'),
	'3171011201900001 | 1 | MENUNGGU_GELOMBANG_DITUTUP | Menunggu Gelombang Ditutup | - | -',
	'DIBUKA: the look-up shows the same');

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
select is(pg_temp.lookup('3171011201900001'),
	'3171011201900001 | 1 | DALAM_PROSES_SELEKSI | Dalam Proses Seleksi | - | -',
	'DISELEKSI: the look-up of the winner shows no result, no card number, no saldo');

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

-- the look-up (SPEC §12) ----------------------------------------------------

select is(pg_temp.lookup('3171011201900002'), pg_temp.view_rows('3171011201900002'),
	'dashboard_lookup: the view''s rows of the NIK');
select is(pg_temp.lookup('3171011201900002'),
	E'3171011201900002 | 1 | TIDAK_LOLOS | Tidak Lolos | - | -\n'
	'3171011201900002 | 2 | MENUNGGU_GELOMBANG_DITUTUP | Menunggu Gelombang Ditutup | - | -',
	'dashboard_lookup: one row per wave the NIK joined, oldest first');
select function_returns('gelombang', 'dashboard_lookup', array['text'], 'setof gelombang.dashboard',
	'dashboard_lookup returns rows of the dashboard view');
select is((select (prosecdef, provolatile, proconfig)::text from pg_proc
	   where oid = 'gelombang.dashboard_lookup(text)'::regprocedure),
	'(t,s,"{""search_path=pg_catalog, pg_temp""}")',
	'dashboard_lookup: security definer, stable, with a fixed search_path');

-- the dashboard role ----------------------------------------------------------

select card_number as card1 from gelombang.participant where nik = '3171011201900001' \gset
select is(array(select p.oid::regprocedure::text from pg_proc p
		where p.pronamespace = 'gelombang'::regnamespace
		  and has_function_privilege('gelombang_dashboard', p.oid, 'execute')),
	array['gelombang.dashboard_lookup(text)'],
	'dashboard role: of the functions of gelombang, it may execute dashboard_lookup only');
select is(array(select c.relname::text from pg_class c
		where c.relnamespace = 'gelombang'::regnamespace
		  and (has_table_privilege('gelombang_dashboard', c.oid, 'select, insert, update, delete')
		       or has_any_column_privilege('gelombang_dashboard', c.oid, 'select'))),
	'{}'::text[], 'dashboard role: no table, view or sequence of gelombang is readable');

set local role gelombang_dashboard;
select is(pg_temp.lookup('3171011201900001'),
	'3171011201900001 | 1 | LOLOS | Lolos | ' || :'card1' || ' | 3550000',
	'dashboard role: the winner''s look-up shows Lolos, card number and saldo');
select is(pg_temp.lookup('3171011201900002'),
	E'3171011201900002 | 1 | TIDAK_LOLOS | Tidak Lolos | - | -\n'
	'3171011201900002 | 2 | MENUNGGU_GELOMBANG_DITUTUP | Menunggu Gelombang Ditutup | - | -',
	'dashboard role: a NIK with two registrations, both, oldest wave first');
select is(pg_temp.lookup('3171011201900009'), null, 'dashboard role: a NIK never registered: no row');
select is(current_setting('gelombang.nik', true), null, 'a look-up leaves no setting in the session');
select is(pg_temp.lookup(null), null, 'a null NIK: no row, no error');
select is(pg_temp.lookup(''), null, 'an empty NIK: no row, no error');
select is(pg_temp.lookup('317101120190000'), null, 'fifteen digits: no row');
select is(pg_temp.lookup('31710112019000011'), null, 'seventeen digits: no row');
select is(pg_temp.lookup('3171011201900001 '), null, 'a trailing space: no row');
select is(pg_temp.lookup(E'3171011201900001\n'), null, 'a trailing newline: no row');
select is(pg_temp.lookup('317101120190000x'), null, 'a letter: no row');
select is(pg_temp.lookup('３１７１０１１２０１９０００００１'), null, 'full-width digits: no row');
select is(pg_temp.lookup($$' or '1'='1$$), null, 'SQL in the NIK: no row, no error');
select is(pg_temp.lookup($$3171011201900001'; select * from gelombang.participant; --$$), null,
	'a NIK followed by SQL: no row, no error');
select is(pg_temp.lookup(repeat('9', 100000)), null, 'a hundred thousand digits: no row, no error');

select throws_ok($$select * from gelombang.dashboard$$, '42501', null,
	'dashboard role: the dashboard view is not readable');
select throws_ok($$select gelombang.status_label('LOLOS')$$, '42501', null,
	'dashboard role: status_label() cannot run');
select throws_ok($$select * from gelombang.announcement_visible_everywhere(1)$$, '42501', null,
	'dashboard role: announcement_visible_everywhere() cannot run');
select throws_ok($$create temporary table mine (x int)$$, '42501', null,
	'dashboard role: cannot create temporary objects');
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
