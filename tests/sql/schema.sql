-- tests/sql/schema.sql — the database itself makes bad states impossible.
--
-- Every check here is done as the owner (the test runs as a superuser),
-- so what is tested is the constraint or trigger, not a missing grant;
-- the last section checks the grants of the batch and auditor roles.
BEGIN;
select plan(106);

create function pg_temp.reg(p_wave int, p_nik text) returns void
language sql as $$
	insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (p_wave, p_nik, '3171000000000001', 'Peserta', '1990-01-12', 'L',
		'BURUH', false, false, left(p_nik, 4), null, '2022-02-12 10:00+07')
$$;

-- waves: seed and commitment ------------------------------------------------

select is(gelombang.create_wave(1, '2022-02-10 12:00+07', '2022-02-13 23:59+07',
	'2022-02-16 23:59+07', 10, upper(repeat('a1', 32))),
	'3490f80401886d12f3861ec190f5c16419b26345497a92bc4530e22f5d8b4295',
	'create_wave returns sha256 of the lowercase seed (computed with sha256sum)');
select is((select seed from gelombang.wave where wave = 1), repeat('a1', 32),
	'create_wave stores the seed in lowercase');
select throws_ok($$insert into gelombang.wave (wave, opens_at, closes_at, announce_at, quota, seed, commitment)
	values (9, now(), now() + interval '1 day', now() + interval '2 days', 1, upper(repeat('5e', 32)),
		'8414cd6b08e92be7f34132d9f8fabaa0cf0f072bab807b434e7ff02efc918a1e')$$,
	'23514', null, 'an uppercase seed is refused');
select throws_ok($$insert into gelombang.wave (wave, opens_at, closes_at, announce_at, quota, seed, commitment)
	values (9, now(), now() + interval '1 day', now() + interval '2 days', 1, repeat('5e', 31),
		encode(sha256(convert_to(repeat('5e', 31), 'UTF8')), 'hex'))$$,
	'23514', null, 'a seed of 62 hex digits is refused');
select throws_ok($$insert into gelombang.wave (wave, opens_at, closes_at, announce_at, quota, seed, commitment)
	values (9, now(), now() + interval '1 day', now() + interval '2 days', 1, repeat('5g', 32),
		encode(sha256(convert_to(repeat('5g', 32), 'UTF8')), 'hex'))$$,
	'23514', null, 'a seed with a non-hex digit is refused');
select throws_ok($$insert into gelombang.wave (wave, opens_at, closes_at, announce_at, quota, seed, commitment)
	values (9, now(), now() + interval '1 day', now() + interval '2 days', 1, repeat('5e', 32),
		'3490f80401886d12f3861ec190f5c16419b26345497a92bc4530e22f5d8b4295')$$,
	'23514', null, 'a commitment that is not sha256(seed) is refused');
select lives_ok($$insert into gelombang.wave (wave, opens_at, closes_at, announce_at, quota, seed, commitment)
	values (9, now(), now() + interval '1 day', now() + interval '2 days', 1, repeat('5e', 32),
		'8414cd6b08e92be7f34132d9f8fabaa0cf0f072bab807b434e7ff02efc918a1e')$$,
	'a lowercase seed with its sha256 as commitment is accepted');
select throws_ok($$select gelombang.create_wave(2, '2022-02-17 12:00+07', '2022-02-17 12:00+07',
	'2022-02-23 23:59+07', 10, repeat('b2', 32))$$, '23514', null, 'closes_at must be after opens_at');
select throws_ok($$select gelombang.create_wave(2, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-20 23:58+07', 10, repeat('b2', 32))$$, '23514', null, 'announce_at may not be before closes_at');
select throws_ok($$select gelombang.create_wave(2, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', -1, repeat('b2', 32))$$, '23514', null, 'a negative quota is refused');
select throws_ok($$select gelombang.create_wave(1, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', 10, repeat('b2', 32))$$, '23505', null, 'a wave number is used once');
select lives_ok($$select gelombang.create_wave(2, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', 10, repeat('b2', 32))$$, 'wave 2 is created');

-- times, quota and seed never change ----------------------------------------

select throws_ok($$update gelombang.wave set opens_at = opens_at - interval '1 hour' where wave = 1$$,
	'55000', null, 'opens_at cannot change');
select throws_ok($$update gelombang.wave set closes_at = closes_at + interval '1 hour' where wave = 1$$,
	'55000', null, 'closes_at cannot change');
select throws_ok($$update gelombang.wave set announce_at = announce_at + interval '1 hour' where wave = 1$$,
	'55000', null, 'announce_at cannot change');
select throws_ok($$update gelombang.wave set quota = 11 where wave = 1$$,
	'55000', null, 'the national quota cannot change');
select throws_ok($$update gelombang.wave set seed = repeat('5e', 32),
	commitment = '8414cd6b08e92be7f34132d9f8fabaa0cf0f072bab807b434e7ff02efc918a1e' where wave = 1$$,
	'55000', null, 'the seed cannot change, even with a matching commitment');
select throws_ok($$delete from gelombang.wave where wave = 9$$, '42501', null, 'a wave cannot be deleted');
select throws_ok($$truncate gelombang.wave cascade$$, '42501', null, 'the waves cannot be truncated');

-- registrations ---------------------------------------------------------------

select lives_ok($$select pg_temp.reg(1, '3171011201900001')$$, 'a registration is stored');
select throws_ok($$select pg_temp.reg(1, '3171011201900001')$$, '23505', null,
	'the same NIK twice in one wave is refused');
select lives_ok($$select pg_temp.reg(2, '3171011201900001')$$, 'the same NIK may register in another wave');
select throws_ok($$select pg_temp.reg(7, '3171011201900001')$$, '23514', null,
	'a registration for a wave that does not exist has no partition to go to');
select throws_ok($$select pg_temp.reg(1, '317101120190001')$$, '23514', null, 'a NIK of 15 digits is refused');
select throws_ok($$insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (1, '3171011201900002', '3171000000000001', 'X', '1990-01-12', 'M', 'BURUH',
		false, false, '3171', null, now())$$, '23514', null, 'sex M is refused');
select throws_ok($$insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (1, '3171011201900002', '3171000000000001', ' ', '1990-01-12', 'L', 'BURUH',
		false, false, '3171', null, now())$$, '23514', null, 'a blank name is refused');
select throws_ok($$insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (1, '3171011201900002', '3171000000000001', 'X', '1990-01-12', 'L', 'BURUH',
		false, false, '317', null, now())$$, '23514', null, 'a region code of 3 digits is refused');
select throws_ok($$insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (1, '3171011201900002', '3171000000000001', 'X', '1990-01-12', 'L', 'BURUH',
		false, false, '3171', '0812', now())$$, '23514', null, 'a phone of 2 digits after 08 is refused');
select throws_ok($$update gelombang.registration set name = 'Lain' where wave = 1$$, '42501', null,
	'a registration cannot be updated');
select throws_ok($$update gelombang.registration_1 set occupation = 'ASN'$$, '42501', null,
	'a registration cannot be updated through its partition either');
select throws_ok($$truncate gelombang.registration$$, '42501', null, 'registrations cannot be truncated');
select throws_ok($$truncate gelombang.registration_1$$, '42501', null,
	'a wave''s registration partition cannot be truncated');

-- quotas change only while the wave is open -----------------------------------

select lives_ok($$insert into gelombang.wave_quota values (1, '31', 5), (1, '32', 0)$$,
	'quotas are set while the wave is DIBUKA');
select lives_ok($$update gelombang.wave_quota set quota = 6 where wave = 1 and province = '31'$$,
	'quotas change while the wave is DIBUKA');
select throws_ok($$insert into gelombang.wave_quota values (1, '3', 5)$$, '23514', null,
	'a province is two digits');

-- close: no more joins --------------------------------------------------------

select lives_ok($$select gelombang.close_wave(1, '2022-02-13 23:59+07')$$, 'wave 1 is closed');
select is((select state::text from gelombang.wave where wave = 1), 'DITUTUP', 'close moves the wave to DITUTUP');
select is((select count(*)::int from pg_constraint
	   where conrelid = 'gelombang.registration_1'::regclass and conname = 'wave_closed'
	     and not convalidated), 1, 'the closed wave''s partition has the NOT VALID check wave_closed');
select throws_ok($$select pg_temp.reg(1, '3171011201900003')$$, '23514',
	'new row for relation "registration_1" violates check constraint "wave_closed"',
	'no join into a closed wave');
select throws_ok($$insert into gelombang.registration_1 (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (1, '3171011201900004', '3171000000000001', 'X', '1990-01-12', 'L', 'BURUH',
		false, false, '3171', null, '2022-02-12 10:00+07')$$, '23514',
	'new row for relation "registration_1" violates check constraint "wave_closed"',
	'no join into a closed wave through its partition');
select is((select count(*)::int from gelombang.registration where wave = 1), 1,
	'the closed wave keeps its registrations');
select lives_ok($$select pg_temp.reg(2, '3171011201900003')$$, 'the open wave 2 still takes joins');
select throws_ok($$insert into gelombang.wave_quota values (1, '33', 5)$$, '55000', null,
	'no quota added once the wave is DITUTUP');
select throws_ok($$update gelombang.wave_quota set quota = 7 where wave = 1$$, '55000', null,
	'no quota changed once the wave is DITUTUP');
select throws_ok($$delete from gelombang.wave_quota where wave = 1$$, '55000', null,
	'no quota removed once the wave is DITUTUP');
select throws_ok($$truncate gelombang.wave_quota$$, '42501', null,
	'no quota removed by TRUNCATE either (quota set deletes a wave''s rows)');

-- state: forward, one step at a time -------------------------------------------

select throws_ok($$update gelombang.wave set state = 'DIBUKA' where wave = 1$$, '55000', null,
	'a wave cannot go back from DITUTUP to DIBUKA');
select throws_ok($$update gelombang.wave set state = 'DISELEKSI' where wave = 1$$, '55000', null,
	'a wave cannot skip from DITUTUP to DISELEKSI');
select throws_ok($$update gelombang.wave set state = 'DIPROSES' where wave = 1$$, '23514', null,
	'DIPROSES without frozen rules is refused');
select throws_ok($$update gelombang.wave set state = 'DIPROSES' where wave = 2$$, '55000', null,
	'a wave cannot skip from DIBUKA to DIPROSES');
select lives_ok($$select gelombang.freeze_inputs(1, '{"timezone": "Asia/Jakarta", "min_age": 18}', 'digest',
	'2022-02-14 00:00+07')$$, 'process freezes the inputs of wave 1');
select is((select state::text || ' ' || close_date from gelombang.wave where wave = 1), 'DIPROSES 2022-02-13',
	'wave 1 is DIPROSES with its close date');
select throws_ok($$insert into gelombang.outcome (wave, nik, reason) values (1, '3171011201900001', 'USIA')$$,
	'23514', null, 'before select a wave has no outcome partition: no outcome can be stored');
select throws_ok($$select gelombang.outcome_load_begin(2)$$, '55000', null,
	'outcomes are loaded only for a processed wave');
select lives_ok($$select gelombang.outcome_load_begin(1)$$, 'select creates the table of wave 1''s outcomes');
select lives_ok($$select gelombang.outcome_load_end(1)$$, 'and attaches it as the wave''s partition');
select throws_ok($$update gelombang.wave set rules = rules || '{"min_age": 17}' where wave = 1$$, '55000', null,
	'the frozen rules cannot change');
select throws_ok($$update gelombang.wave set close_date = '2022-02-14' where wave = 1$$, '55000', null,
	'the frozen close date cannot change');
select throws_ok($$update gelombang.wave set state = 'DITUTUP' where wave = 1$$, '55000', null,
	'a wave cannot go back from DIPROSES to DITUTUP');
select lives_ok($$update gelombang.wave set state = 'DISELEKSI' where wave = 1$$, 'DIPROSES → DISELEKSI');
select throws_ok($$update gelombang.wave set state = 'DIUMUMKAN' where wave = 1$$, '23514', null,
	'DIUMUMKAN without the SMS templates is refused');
select lives_ok($$update gelombang.wave set state = 'DIUMUMKAN', sms = '{"sms_lolos": "a"}' where wave = 1$$,
	'DISELEKSI → DIUMUMKAN');
select throws_ok($$update gelombang.wave set sms = '{"sms_lolos": "b"}' where wave = 1$$, '55000', null,
	'the frozen SMS templates cannot change');

-- outcomes, participants -------------------------------------------------------

insert into gelombang.outcome (wave, nik, reason, lottery_key)
values (1, '3171011201900001', null, sha256('x'));
select throws_ok($$insert into gelombang.outcome (wave, nik, reason) values (1, '3171011201900001', 'USIA')$$,
	'23505', null, 'one outcome per registration');
select throws_ok($$update gelombang.outcome set reason = 'USIA'$$, '42501', null, 'an outcome cannot be updated');
select throws_ok($$delete from gelombang.outcome$$, '42501', null, 'an outcome cannot be deleted');
select throws_ok($$truncate gelombang.outcome$$, '42501', null, 'outcomes cannot be truncated');
select throws_ok($$truncate gelombang.outcome_1$$, '42501', null, 'a wave''s outcome partition cannot be truncated');

select is(gelombang.card_number(1, 1), '8000100000000019', 'card number of wave 1, serial 1 (Luhn digit by hand)');
select ok(gelombang.luhn_valid('4111111111111111') and not gelombang.luhn_valid('4111111111111112'),
	'luhn_valid agrees with a well-known test number');
select lives_ok($$insert into gelombang.participant values ('3171011201900001', 1, '3171000000000001',
	'8000100000000019', 3550000)$$, 'a participant with a Luhn-valid card number');
select throws_ok($$insert into gelombang.participant values ('3171011201900009', 1, '3171000000000001',
	'8000100000000018', 3550000)$$, '23514', null, 'a card number failing the Luhn check is refused');
select throws_ok($$insert into gelombang.participant values ('3171011201900009', 1, '3171000000000001',
	'800010000000003', 3550000)$$, '23514', null, 'a card number of 15 digits is refused');
select throws_ok($$insert into gelombang.participant values ('3171011201900009', 1, '3171000000000001',
	'8000100000000019', 3550000)$$, '23505', null, 'a card number is unique');
select throws_ok($$insert into gelombang.participant values ('3171011201900001', 2, '3171000000000001',
	gelombang.card_number(2, 1), 3550000)$$, '23505', null, 'a NIK is a participant at most once, across waves');
select throws_ok($$update gelombang.participant set saldo = 0$$, '42501', null, 'a participant cannot be updated');
select throws_ok($$delete from gelombang.participant$$, '42501', null, 'a participant cannot be deleted');
select throws_ok($$truncate gelombang.participant cascade$$, '42501', null, 'participants cannot be truncated');

-- history and the outbox cursor: append-only ----------------------------------

insert into gelombang.job_run (job, wave, operator) values ('close', 1, 'test'), ('close', 1, 'test'),
	('import', 1, 'test'), ('import', 1, 'test');
insert into gelombang.job_run_end (run_id, job, wave, outcome)
select id, job, wave, 'SUCCEEDED' from gelombang.job_run where id = (select min(id) from gelombang.job_run);
select throws_ok($$insert into gelombang.job_run_end (run_id, job, wave, outcome)
	select id, job, wave, 'SUCCEEDED' from gelombang.job_run where job = 'close' order by id desc limit 1$$,
	'23505', null, 'a lifecycle job succeeds at most once per wave');
select lives_ok($$insert into gelombang.job_run_end (run_id, job, wave, outcome)
	select id, job, wave, 'SUCCEEDED' from gelombang.job_run where job = 'import'$$,
	'import may succeed many times');
select throws_ok($$update gelombang.job_run set operator = 'x'$$, '42501', null, 'job_run cannot be updated');
select throws_ok($$delete from gelombang.job_run$$, '42501', null, 'job_run cannot be deleted');
select throws_ok($$truncate gelombang.job_run cascade$$, '42501', null, 'job_run cannot be truncated');
select throws_ok($$update gelombang.job_run_end set outcome = 'FAILED'$$, '42501', null, 'job_run_end cannot be updated');
select throws_ok($$delete from gelombang.job_run_end$$, '42501', null, 'job_run_end cannot be deleted');
select throws_ok($$truncate gelombang.job_run_end$$, '42501', null, 'job_run_end cannot be truncated');
insert into gelombang.outbox_export (wave, first_nik, last_nik, messages)
values (1, '3171011201900001', '3171011201900001', 1);
select throws_ok($$update gelombang.outbox_export set messages = 2$$, '42501', null, 'outbox_export cannot be updated');
select throws_ok($$delete from gelombang.outbox_export$$, '42501', null, 'outbox_export cannot be deleted');
select throws_ok($$truncate gelombang.outbox_export$$, '42501', null, 'outbox_export cannot be truncated');
insert into gelombang.frozen_prior values (2, '3171011201900001');
insert into gelombang.frozen_kk_prior values (2, '3171000000000001', 1);
select throws_ok($$update gelombang.frozen_prior set nik = '3171011201900002'$$, '42501', null,
	'frozen_prior cannot be updated');
select throws_ok($$delete from gelombang.frozen_kk_prior$$, '42501', null, 'frozen_kk_prior cannot be deleted');
select throws_ok($$truncate gelombang.frozen_prior$$, '42501', null, 'frozen_prior cannot be truncated');

-- the roles' grants -------------------------------------------------------------

set local role gelombang_batch;
select throws_ok($$delete from gelombang.registration where wave = 2$$, '42501', null,
	'the batch role cannot delete registrations');
select throws_ok($$update gelombang.wave set closes_at = now() where wave = 2$$, '42501', null,
	'the batch role cannot update a wave''s times');
reset role;

-- corrections while open: amend_wave and withdraw_wave ------------------------

select lives_ok($$select gelombang.create_wave(50, '2030-01-01 00:00+07', '2030-01-05 00:00+07',
	'2030-01-08 00:00+07', 10, repeat('c3', 32))$$, 'wave 50 is created');
select lives_ok($$select gelombang.amend_wave(50, '2030-01-06 00:00+07', '2030-01-09 00:00+07', 20,
	'2030-01-02 00:00+07')$$, 'amend_wave moves the times and the quota of an open wave');
select is((select closes_at = '2030-01-06 00:00+07' and announce_at = '2030-01-09 00:00+07' and quota = 20
	from gelombang.wave where wave = 50), true, '... and they are stored');
select throws_ok($$select gelombang.amend_wave(50, '2030-01-01 12:00+07', null, null, '2030-01-02 00:00+07')$$,
	'22023', null, 'amend_wave refuses a closing time before the clock');
select throws_ok($$select gelombang.amend_wave(50, '2030-01-10 00:00+07', null, null, '2030-01-02 00:00+07')$$,
	'22023', null, 'amend_wave refuses an announcement before the closing time');
select throws_ok($$update gelombang.wave set quota = 30 where wave = 50$$,
	'55000', null, 'outside amend_wave the quota of an open wave does not change either');
select lives_ok($$select pg_temp.reg(50, '3171011201900009')$$, 'wave 50 gets an entry');
select throws_ok($$select gelombang.withdraw_wave(50, '2030-01-02 00:00+07')$$,
	'55000', null, 'a wave with entries cannot be withdrawn');
select lives_ok($$select gelombang.create_wave(51, '2030-02-01 00:00+07', '2030-02-05 00:00+07',
	'2030-02-08 00:00+07', 10, repeat('d4', 32)), gelombang.withdraw_wave(51, '2030-01-20 00:00+07')$$,
	'a wave without entries is withdrawn');
select throws_ok($$select pg_temp.reg(51, '3171011201900009')$$, '23514', null,
	'a withdrawn wave takes no entry');
select throws_ok($$update gelombang.wave set state = 'DITUTUP' where wave = 51$$, '55000', null,
	'nothing about a withdrawn wave changes');
select throws_ok($$select gelombang.amend_wave(51, null, null, 5, '2030-01-20 00:00+07')$$, '55000', null,
	'a withdrawn wave cannot be amended');

select * from finish();
ROLLBACK;
