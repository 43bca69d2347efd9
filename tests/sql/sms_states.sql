-- tests/sql/sms_states.sql — the delivery states of sms_message
-- (sql/outbox.sql, the guard in sql/guards.sql): reports move a message
-- forward only, several in one batch count as the furthest, unknown ids
-- come back and touch nothing; submissions record SENT / FAILED / RETRY
-- and leave a message a report already moved; retry; the guard refuses a
-- move backwards, a changed text and a delete.
BEGIN;
select plan(17);

select gelombang.create_wave(1, '2022-02-10 12:00+07', '2022-02-13 23:59+07',
	'2022-02-16 23:59+07', 100, repeat('c3', 32));
insert into gelombang.sms_message (wave, nik, kind, phone, status, message)
select 1, lpad(i::text, 16, '0'), 'announcement', '0812' || i, 'LOLOS', 'pesan ' || i
from generate_series(1, 6) i;
create temp table ids as
select row_number() over (order by id) as n, id from gelombang.sms_message;
create function pg_temp.id(integer) returns bigint language sql as
	$$ select id from ids where n = $1 $$;
create function pg_temp.st(integer) returns text language sql as
	$$ select state::text from gelombang.sms_message where id = pg_temp.id($1) $$;

-- submissions: 1-4 accepted, 5 refused, 6 not reached
select is(gelombang.sms_record_submissions(
	array[pg_temp.id(1), pg_temp.id(2), pg_temp.id(3), pg_temp.id(4), pg_temp.id(5), pg_temp.id(6)],
	array['SENT', 'SENT', 'SENT', 'SENT', 'FAILED', 'RETRY'],
	array['0: Accepted', '0: Accepted', '0: Accepted', '0: Accepted', 'HTTP 400: denied', 'HTTP 503: x'],
	null), 6::bigint, 'six submissions recorded');
select is(string_agg(state::text || '/' || attempts, ' ' order by id), 'SENT/1 SENT/1 SENT/1 SENT/1 FAILED/1 PENDING/1',
	'SENT, FAILED, and PENDING with a try counted') from gelombang.sms_message;

-- reports
select is_empty($$ select * from gelombang.sms_record_reports(
	array[pg_temp.id(1), pg_temp.id(1), pg_temp.id(2), pg_temp.id(3), pg_temp.id(4)],
	array[1, 8, 2, 16, 8]) $$, 'known ids: none comes back');
select is(pg_temp.st(1), 'DELIVERED', '1 then 8 in one batch: DELIVERED');
select is((select reports from gelombang.sms_message where id = pg_temp.id(1)), 2, '... two reports counted');
select is(pg_temp.st(2), 'FAILED', '2: FAILED');
select is(pg_temp.st(3), 'FAILED', '16: FAILED');
select is(pg_temp.st(4), 'SENT', '8: still SENT');
select lives_ok($$ select gelombang.sms_record_reports(array[pg_temp.id(1), pg_temp.id(4)], array[8, 1]) $$,
	'8 after 1, and 1 after 8');
select is(pg_temp.st(1) || ' ' || pg_temp.st(4), 'DELIVERED DELIVERED', '8 after 1 does not move back');
select results_eq($$ select * from gelombang.sms_record_reports(array[987654321, pg_temp.id(6)], array[1, 1]) $$,
	$$ values (987654321::bigint) $$, 'an unknown id comes back, the known one is recorded');
select is(pg_temp.st(6), 'DELIVERED', 'a report may come before the submission is recorded');
select is(gelombang.sms_record_submissions(array[pg_temp.id(6)], array['SENT'], array['0: Accepted'], null)
	|| ' ' || pg_temp.st(6), '1 DELIVERED', '... and the submission then leaves it DELIVERED');

-- retry and the guard
select is(gelombang.sms_retry(1), 3::bigint, 'sms_retry: the three FAILED are PENDING');
select throws_ok($$ update gelombang.sms_message set state = 'SENT' where id = pg_temp.id(1) $$,
	'55000', null, 'DELIVERED never goes back');
select throws_ok($$ update gelombang.sms_message set message = 'lain' where id = pg_temp.id(4) $$,
	'55000', null, 'the text cannot change');

-- outbox export's cursor row marks the range it exported SENT
insert into gelombang.outbox_export (wave, first_nik, last_nik, messages)
values (1, '0000000000000002', '0000000000000003', 2);
select is(string_agg(state::text, ' ' order by id), 'DELIVERED SENT SENT DELIVERED PENDING DELIVERED',
	'what outbox export exported is SENT; the rest keeps its state') from gelombang.sms_message;

select * from finish();
ROLLBACK;
