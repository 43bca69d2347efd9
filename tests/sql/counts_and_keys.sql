-- tests/sql/counts_and_keys.sql — what migration 009 added for speed must
-- not change what is decided: the counts close keeps on the wave, the
-- per-statement check of a participant's wave, and the bigint prefix of a
-- lottery key that the sorts of select compare first.
BEGIN;
select plan(16);

-- the counts close keeps -------------------------------------------------------

select gelombang.create_wave(7, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', 10, repeat('c7', 32));
insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
	occupation, in_school, receives_aid, region_code, phone, joined_at)
values
	(7, '3171011201900101', '3171000000000001', 'Satu', '1990-01-12', 'L', 'BURUH',
	 false, false, '3171', '081234567890', '2022-02-18 10:00+07'),
	(7, '3171015202900102', '3171000000000001', 'Dua', '1990-02-12', 'P', 'BURUH',
	 false, false, '3171', null, '2022-02-18 11:00+07'),
	-- outside the hours: a minute after the close
	(7, '3171011303900103', '3171000000000003', 'Tiga', '1990-03-13', 'L', 'BURUH',
	 false, false, '3171', '+6281234567890', '2022-02-21 00:00+07');

select is((select entries from gelombang.wave where wave = 7), null::bigint,
	'an open wave has no count yet');
select results_eq(
	$$select entries, outside from gelombang.close_wave(7, '2022-02-20 23:59+07')$$,
	$$values (3::bigint, 1::bigint)$$,
	'close_wave counts every entry and those outside the hours in one pass');
select results_eq(
	$$select entries, sms_recipients, state::text from gelombang.wave where wave = 7$$,
	$$values (3::bigint, 2::bigint, 'DITUTUP')$$,
	'the closed wave keeps its entries and the entries with a phone');
select throws_ok(
	$$update gelombang.wave set entries = 4 where wave = 7$$,
	'55000', null, 'the count taken at close cannot change');
select throws_ok(
	$$update gelombang.wave set sms_recipients = null where wave = 7$$,
	'55000', null, 'nor can the count of phones be cleared');
select is(gelombang.freeze_inputs(7, '{"timezone": "Asia/Jakarta"}', 'digest', now()), 3::bigint,
	'process reports the entries close counted');

-- a participant's wave, checked per statement -----------------------------------

select throws_ok(
	$$insert into gelombang.participant (nik, wave, kk, card_number, saldo)
	  values ('3171011201900101', 99, '3171000000000001', gelombang.card_number(99, 1), 0)$$,
	'23503', null, 'a participant of a wave that does not exist is refused');
select lives_ok(
	$$insert into gelombang.participant (nik, wave, kk, card_number, saldo)
	  values ('3171011201900101', 7, '3171000000000001', gelombang.card_number(7, 1), 0)$$,
	'a participant of an existing wave is stored');
select throws_ok(
	$$insert into gelombang.participant (nik, wave, kk, card_number, saldo)
	  select '3171015202900102', 7, '3171000000000001', gelombang.card_number(7, 2), 0
	  union all
	  select '3171011303900103', 98, '3171000000000003', gelombang.card_number(98, 3), 0$$,
	'23503', null, 'one row of a missing wave refuses the whole statement');
select is((select count(*) from gelombang.participant where wave = 7), 1::bigint,
	'and nothing of that statement is stored');

-- the key prefix ----------------------------------------------------------------

select is(gelombang.key_prefix('\x0000000000000000'::bytea), 0::bigint,
	'the prefix of the smallest key is 0');
select is(gelombang.key_prefix(decode(repeat('ff', 32), 'hex')), 9223372036854775807::bigint,
	'the prefix of the largest key is the largest bigint, never negative');
select is(gelombang.key_prefix('\x8000000000000001'::bytea), 4611686018427387904::bigint,
	'the first bit of the key is the 63rd bit of the prefix; the 64th bit is dropped');

-- keys that agree in their first 63 bits, and real lottery keys
create temp table k as
select sha256(convert_to(repeat('ab', 32) || ':' || lpad(i::text, 16, '0'), 'UTF8')) as key
from generate_series(1, 5000) as i
union all
select decode('0123456789abcdef' || lpad(to_hex(i), 48, '0'), 'hex')
from generate_series(1, 50) as i
union all
select decode('0123456789abcdee' || lpad(to_hex(i), 48, '0'), 'hex')
from generate_series(1, 50) as i;

select ok(not exists (
	select 1 from (select gelombang.key_prefix(key) as p,
			      lag(gelombang.key_prefix(key)) over (order by key) as before
		       from k) x
	where x.p < x.before),
	'along the keys in order, the prefix never decreases');
select is((select array_agg(key order by gelombang.key_prefix(key), key) from k),
	  (select array_agg(key order by key) from k),
	  'ordering by (prefix, key) is ordering by key');
select is((select count(distinct gelombang.key_prefix(key)) from k
	   where substr(key, 1, 7) = '\x0123456789abcd'::bytea),
	  1::bigint,
	  'keys that differ only after the 63rd bit share one prefix (the key decides)');

select * from finish();
ROLLBACK;
