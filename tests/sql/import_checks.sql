-- tests/sql/import_checks.sql — the row checks of SPEC §3 (registrations CSV).
--
-- gelombang.registration_error names every field that breaks the table of
-- SPEC §3, in column order, or gives null for a good row; is_date and
-- is_timestamptz decide without a cast that could fail; csv_quote writes a
-- field back as RFC 4180 does; import_rows keeps text as data.
BEGIN;
select plan(157);

-- registration_error of a good row with some fields replaced (JSON null =
-- SQL null)
create function pg_temp.err(o jsonb default '{}') returns text
language sql as $$
	select gelombang.registration_error(r->>'nik', r->>'kk', r->>'name',
		r->>'birth_date', r->>'sex', r->>'occupation', r->>'in_school',
		r->>'receives_aid', r->>'region_code', r->>'phone', r->>'joined_at')
	from (select '{"nik": "3171011201900001", "kk": "3171000000000001", "name": "Budi",
		"birth_date": "1990-01-12", "sex": "L", "occupation": "BURUH",
		"in_school": "false", "receives_aid": "false", "region_code": "",
		"phone": "", "joined_at": "2022-02-19T10:00:00+07:00"}'::jsonb || o as r) s
$$;

-- the message for one field given as text, or 'ok'
create function pg_temp.field(f text, v text) returns text
language sql as $$
	select coalesce(pg_temp.err(jsonb_build_object(f, v)), 'ok')
$$;

select is(pg_temp.err(), null, 'a good row has no error');
select is(pg_temp.err('{"in_school": "true", "receives_aid": "true", "region_code": "3273",
	"phone": "+6281234567890", "sex": "P"}'), null, 'a good row with every optional field filled');

-- nik, kk ----------------------------------------------------------------------
select is(pg_temp.field('nik', ''), 'nik: must be exactly 16 digits', 'nik empty');
select is(pg_temp.field('nik', null), 'nik: must be exactly 16 digits', 'nik missing');
select is(pg_temp.field('nik', '317101120190000'), 'nik: must be exactly 16 digits', 'nik of 15 digits');
select is(pg_temp.field('nik', '31710112019000012'), 'nik: must be exactly 16 digits', 'nik of 17 digits');
select is(pg_temp.field('nik', '317101120190000A'), 'nik: must be exactly 16 digits', 'nik with a letter');
select is(pg_temp.field('nik', ' 3171011201900001'), 'nik: must be exactly 16 digits', 'nik with a leading space');
select is(pg_temp.field('nik', '3171011201900001 '), 'nik: must be exactly 16 digits', 'nik with a trailing space');
select is(pg_temp.field('nik', '3171-0112-0190-00'), 'nik: must be exactly 16 digits', 'nik with dashes');
select is(pg_temp.field('nik', '+171011201900001'), 'nik: must be exactly 16 digits', 'nik with a sign');
select is(pg_temp.field('nik', '٣١٧١٠١١٢٠١٩٠٠٠١'), 'nik: must be exactly 16 digits',
	'nik of 16 Arabic-Indic digits');
select is(pg_temp.field('nik', '3171011201900001' || chr(10)), 'nik: must be exactly 16 digits',
	'nik followed by a newline');
select is(pg_temp.field('nik', '0000000000000000'), 'ok', 'nik of 16 zeros is well-formed (the rules judge it)');
select is(pg_temp.field('kk', ''), 'kk: must be exactly 16 digits', 'kk empty');
select is(pg_temp.field('kk', null), 'kk: must be exactly 16 digits', 'kk missing');
select is(pg_temp.field('kk', '317100000000001'), 'kk: must be exactly 16 digits', 'kk of 15 digits');
select is(pg_temp.field('kk', '31710000000000011'), 'kk: must be exactly 16 digits', 'kk of 17 digits');
select is(pg_temp.field('kk', '3171 00000000001'), 'kk: must be exactly 16 digits', 'kk with a space');

-- name ---------------------------------------------------------------------------
select is(pg_temp.field('name', ''), 'name: must have a non-space character', 'name empty');
select is(pg_temp.field('name', '   '), 'name: must have a non-space character', 'name of spaces');
select is(pg_temp.field('name', E'\t \t'), 'name: must have a non-space character', 'name of tabs and a space');
select is(pg_temp.field('name', null), 'name: must have a non-space character', 'name missing');
select is(pg_temp.field('name', 'B'), 'ok', 'a one-letter name');
select is(pg_temp.field('name', '  Siti  '), 'ok', 'a name with spaces around it');
select is(pg_temp.field('name', 'O''Brien "Bob", Jr.'), 'ok', 'a name with quotes and a comma');
select is(pg_temp.field('name', 'x''); drop table gelombang.registration; --'), 'ok',
	'a name that looks like SQL is just a name');
select is(pg_temp.field('name', 'Nur Ḥasanah 李'), 'ok', 'a name in UTF-8');

-- birth_date ------------------------------------------------------------------------
select is(pg_temp.field('birth_date', ''), 'birth_date: must be a date YYYY-MM-DD', 'birth_date empty');
select is(pg_temp.field('birth_date', null), 'birth_date: must be a date YYYY-MM-DD', 'birth_date missing');
select is(pg_temp.field('birth_date', '1990-1-12'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date with a one-digit month');
select is(pg_temp.field('birth_date', '12-01-1990'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date DD-MM-YYYY');
select is(pg_temp.field('birth_date', '1990/01/12'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date with slashes');
select is(pg_temp.field('birth_date', '19900112'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date without dashes');
select is(pg_temp.field('birth_date', '1990-01-12T00:00'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date with a time');
select is(pg_temp.field('birth_date', ' 1990-01-12'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date with a leading space');
select is(pg_temp.field('birth_date', '1990-13-01'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date month 13');
select is(pg_temp.field('birth_date', '1990-00-10'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date month 00');
select is(pg_temp.field('birth_date', '1990-01-00'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date day 00');
select is(pg_temp.field('birth_date', '1990-01-32'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date 32 January');
select is(pg_temp.field('birth_date', '1990-04-31'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date 31 April');
select is(pg_temp.field('birth_date', '1990-02-30'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date 30 February');
select is(pg_temp.field('birth_date', '2021-02-29'), 'birth_date: must be a date YYYY-MM-DD',
	'birth_date 29 February of a common year');
select is(pg_temp.field('birth_date', '1900-02-29'), 'birth_date: must be a date YYYY-MM-DD',
	'birth_date 29 February 1900 (a century, not leap)');
select is(pg_temp.field('birth_date', '0000-01-01'), 'birth_date: must be a date YYYY-MM-DD', 'birth_date year 0000');
select is(pg_temp.field('birth_date', '2000-02-29'), 'ok', '29 February 2000 (divisible by 400) is a date');
select is(pg_temp.field('birth_date', '2004-02-29'), 'ok', '29 February 2004 is a date');
select is(pg_temp.field('birth_date', '1990-12-31'), 'ok', '31 December is a date');

-- sex, occupation, in_school, receives_aid ---------------------------------------
select is(pg_temp.field('sex', 'l'), 'sex: must be L or P', 'sex lowercase l');
select is(pg_temp.field('sex', 'M'), 'sex: must be L or P', 'sex M');
select is(pg_temp.field('sex', 'LP'), 'sex: must be L or P', 'sex LP');
select is(pg_temp.field('sex', ' L'), 'sex: must be L or P', 'sex with a space');
select is(pg_temp.field('sex', ''), 'sex: must be L or P', 'sex empty');
select is(pg_temp.field('sex', null), 'sex: must be L or P', 'sex missing');
select is(pg_temp.field('sex', 'P'), 'ok', 'sex P');
select is(pg_temp.field('occupation', ''), 'occupation: must have a non-space character', 'occupation empty');
select is(pg_temp.field('occupation', '  '), 'occupation: must have a non-space character', 'occupation of spaces');
select is(pg_temp.field('occupation', null), 'occupation: must have a non-space character', 'occupation missing');
select is(pg_temp.field('occupation', 'asn'), 'ok', 'occupation in lowercase is a code like any other');
select is(pg_temp.field('in_school', 'TRUE'), 'in_school: must be true or false', 'in_school TRUE');
select is(pg_temp.field('in_school', 't'), 'in_school: must be true or false', 'in_school t');
select is(pg_temp.field('in_school', '1'), 'in_school: must be true or false', 'in_school 1');
select is(pg_temp.field('in_school', 'yes'), 'in_school: must be true or false', 'in_school yes');
select is(pg_temp.field('in_school', ''), 'in_school: must be true or false', 'in_school empty');
select is(pg_temp.field('in_school', null), 'in_school: must be true or false', 'in_school missing');
select is(pg_temp.field('in_school', 'true'), 'ok', 'in_school true');
select is(pg_temp.field('receives_aid', 'False'), 'receives_aid: must be true or false', 'receives_aid False');
select is(pg_temp.field('receives_aid', 'f'), 'receives_aid: must be true or false', 'receives_aid f');
select is(pg_temp.field('receives_aid', '0'), 'receives_aid: must be true or false', 'receives_aid 0');
select is(pg_temp.field('receives_aid', ''), 'receives_aid: must be true or false', 'receives_aid empty');
select is(pg_temp.field('receives_aid', null), 'receives_aid: must be true or false', 'receives_aid missing');
select is(pg_temp.field('receives_aid', 'true'), 'ok', 'receives_aid true');

-- region_code -------------------------------------------------------------------------
select is(pg_temp.field('region_code', '317'), 'region_code: must be 4 digits or empty', 'region_code of 3 digits');
select is(pg_temp.field('region_code', '31711'), 'region_code: must be 4 digits or empty', 'region_code of 5 digits');
select is(pg_temp.field('region_code', '31A1'), 'region_code: must be 4 digits or empty', 'region_code with a letter');
select is(pg_temp.field('region_code', ' 3171'), 'region_code: must be 4 digits or empty', 'region_code with a space');
select is(pg_temp.field('region_code', ' '), 'region_code: must be 4 digits or empty', 'region_code of a space');
select is(pg_temp.field('region_code', ''), 'ok', 'region_code empty (the NIK''s)');
select is(pg_temp.field('region_code', null), 'ok', 'region_code missing (the NIK''s)');
select is(pg_temp.field('region_code', '3273'), 'ok', 'region_code of 4 digits');

-- phone ----------------------------------------------------------------------------------
select is(pg_temp.field('phone', '081234567'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone 08 + 7 digits');
select is(pg_temp.field('phone', '0812345678901234'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone 08 + 14 digits');
select is(pg_temp.field('phone', '+621234567'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone +62 + 7 digits');
select is(pg_temp.field('phone', '+6212345678901234'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone +62 + 14 digits');
select is(pg_temp.field('phone', '628123456789'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone 62 without +');
select is(pg_temp.field('phone', '8123456789'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone without prefix');
select is(pg_temp.field('phone', '+62 812345678'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone with a space');
select is(pg_temp.field('phone', '0812-3456-789'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone with dashes');
select is(pg_temp.field('phone', '+62'), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone +62 alone');
select is(pg_temp.field('phone', ' '), 'phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'phone of a space');
select is(pg_temp.field('phone', '0812345678'), 'ok', 'phone 08 + 8 digits');
select is(pg_temp.field('phone', '081234567890123'), 'ok', 'phone 08 + 13 digits');
select is(pg_temp.field('phone', '+6212345678'), 'ok', 'phone +62 + 8 digits');
select is(pg_temp.field('phone', '+621234567890123'), 'ok', 'phone +62 + 13 digits');
select is(pg_temp.field('phone', null), 'ok', 'phone missing');

-- joined_at ---------------------------------------------------------------------------------
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at without an offset');
select is(pg_temp.field('joined_at', '2022-02-19 10:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at without an offset, with a space');
select is(pg_temp.field('joined_at', '2022-02-19'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at a date only');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00 WIB'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at with a zone name');
select is(pg_temp.field('joined_at', '19/2/2022 10.00 WIB'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at in the Indonesian form');
select is(pg_temp.field('joined_at', '2022-02-19T24:00:00+07:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at hour 24');
select is(pg_temp.field('joined_at', '2022-02-19T10:60:00+07:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at minute 60');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:60+07:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at second 60');
select is(pg_temp.field('joined_at', '2021-02-29T10:00:00+07:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at 29 February of a common year');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00.1234567+07:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at with 7 fractional digits');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00+7'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at offset of one digit');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00+07:0'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at offset minutes of one digit');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00+15:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at offset +15:00');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00+07:60'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at offset minutes 60');
select is(pg_temp.field('joined_at', '2022-02-19T10+07:00'), 'joined_at: must be an ISO 8601 time with an offset',
	'joined_at without minutes');
select is(pg_temp.field('joined_at', ''), 'joined_at: must be an ISO 8601 time with an offset', 'joined_at empty');
select is(pg_temp.field('joined_at', null), 'joined_at: must be an ISO 8601 time with an offset', 'joined_at missing');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00+07:00'), 'ok', 'joined_at with +07:00');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00+0700'), 'ok', 'joined_at with +0700');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00+07'), 'ok', 'joined_at with +07');
select is(pg_temp.field('joined_at', '2022-02-19T03:00:00Z'), 'ok', 'joined_at with Z');
select is(pg_temp.field('joined_at', '2022-02-18T23:30:00-03:30'), 'ok', 'joined_at with -03:30');
select is(pg_temp.field('joined_at', '2022-02-19 10:00+08'), 'ok', 'joined_at with a space and no seconds');
select is(pg_temp.field('joined_at', '2022-02-19T10:00:00.123456+09:00'), 'ok', 'joined_at with microseconds');
select is(pg_temp.field('joined_at', '2024-02-29T23:59:59+07:00'), 'ok', 'joined_at 29 February of a leap year');

-- every field named, in column order ------------------------------------------
select is(pg_temp.err('{"nik": "1", "phone": "1"}'),
	'nik: must be exactly 16 digits; phone: must be empty or +62 or 08 followed by 8 to 13 digits',
	'two bad fields: both named, in column order');
select is(gelombang.registration_error(null, null, null, null, null, null, null, null, null, null, null),
	'nik: must be exactly 16 digits; kk: must be exactly 16 digits; name: must have a non-space character; '
	'birth_date: must be a date YYYY-MM-DD; sex: must be L or P; occupation: must have a non-space character; '
	'in_school: must be true or false; receives_aid: must be true or false; '
	'joined_at: must be an ISO 8601 time with an offset',
	'an empty record: every required field named');

-- the accepted forms mean the instant they say ----------------------------------
select is('2022-02-19T10:00:00+0700'::timestamptz, '2022-02-19T03:00:00Z'::timestamptz,
	'+0700 is read as seven hours east of UTC');
select is('2022-02-19T10:00:00+07'::timestamptz, '2022-02-19T03:00:00Z'::timestamptz,
	'+07 is read as seven hours east of UTC');

-- is_date, is_timestamptz on garbage: false, never an error ---------------------
select is(gelombang.is_date(s), false, 'is_date(' || s || ') is false')
from (values ('abcd-ef-gh'), ('9999-99-99'), ('2022-02-19x'), ('2100-02-29')) v(s);
select ok(gelombang.is_date('2400-02-29'), 'is_date: 29 February 2400 is a date');
select is(gelombang.is_timestamptz(s), false, 'is_timestamptz(' || s || ') is false')
from (values ('2022-02-19Tab:cd:00+07'), ('xxxx-xx-xxT10:00:00Z'), ('2022-02-19T10:00:00+ab')) v(s);

-- csv_quote ---------------------------------------------------------------------
select is(gelombang.csv_quote(null), '', 'csv_quote: null is an empty field');
select is(gelombang.csv_quote('Budi'), 'Budi', 'csv_quote: plain text as is');
select is(gelombang.csv_quote('a,b'), '"a,b"', 'csv_quote: a comma is quoted');
select is(gelombang.csv_quote('say "hi"'), '"say ""hi"""', 'csv_quote: quotes are doubled');
select is(gelombang.csv_quote(E'two\nlines'), E'"two\nlines"', 'csv_quote: a newline is quoted');
select is(gelombang.csv_quote(' x'), '" x"', 'csv_quote: a leading space is kept inside quotes');

-- import_rows: the name is data ---------------------------------------------------
select gelombang.create_wave(1, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', 10, repeat('a1', 32));
create temporary table import_stage (line bigint not null, nik text collate "C", kk text,
	name text, birth_date text, sex text, occupation text, in_school text, receives_aid text,
	region_code text, phone text, joined_at text) on commit drop;
create temporary table import_reject (line bigint not null, rec bytea not null,
	error text not null) on commit drop;
insert into import_stage values
	(2, '3171011201900001', '3171000000000001', 'x''); drop table gelombang.registration; --',
	 '1990-01-12', 'L', 'BURUH', 'false', 'false', '', '', '2022-02-19T10:00:00+07:00'),
	(3, '3171011201900002', '3171000000000001', 'O''Brien "Bob", Jr.',
	 '1990-01-12', 'L', 'BURUH', 'false', 'false', '3273', '+6281234567890', '2022-02-19T10:00+08'),
	(4, '3171011201900001', '3171000000000001', 'Again', '1990-01-12', 'L', 'BURUH',
	 'false', 'false', '', '', '2022-02-19T10:00:00+07:00'),
	(5, '317101120190000', '3171000000000001', 'Bad, "quoted"', '1990-01-12', 'L', 'BURUH',
	 'false', 'false', '', '', '2022-02-19T10:00:00+07:00');
select is((select accepted || ' ' || rejected from gelombang.import_rows(1, 42, 4)), '2 2',
	'import_rows: 2 accepted, 2 rejected');
select is((select name from gelombang.registration where nik = '3171011201900001'),
	'x''); drop table gelombang.registration; --', 'a name that looks like SQL is stored as written');
select is((select name || ' | ' || region_code || ' | ' || phone || ' | ' || joined_at::text
	   from gelombang.registration where nik = '3171011201900002'),
	'O''Brien "Bob", Jr. | 3273 | +6281234567890 | ' || '2022-02-19T02:00:00Z'::timestamptz::text,
	'quotes and commas stored as written; the offset read');
select is((select region_code from gelombang.registration where nik = '3171011201900001'), '3171',
	'an empty region_code is the NIK''s first four digits');
select is((select phone from gelombang.registration where nik = '3171011201900001'), null,
	'an empty phone is stored as null');
select is((select error from import_reject where line = 4), 'duplicate nik: the same NIK is on line 2',
	'the second row of a NIK is rejected, naming the first line');
select is((select convert_from(rec, 'UTF8') || ' / ' || error from import_reject where line = 5),
	'317101120190000,3171000000000001,"Bad, ""quoted""",1990-01-12,L,BURUH,false,false,,,2022-02-19T10:00:00+07:00'
	' / nik: must be exactly 16 digits',
	'a bad row is set aside as CSV with what is wrong');

-- the first import loaded a table of its own, which replaced the empty partition
select is((select c.relispartition from pg_class c where c.oid = 'gelombang.registration_1'::regclass),
	true, 'the loaded table is the wave''s partition');
select is(to_regclass('gelombang.registration_1_load'), null, 'no loaded table is left behind');
select is((select string_agg(tgname, ' ' order by tgname) from pg_trigger
	   where tgrelid = 'gelombang.registration_1'::regclass),
	'registration_1_no_truncate registration_delete_guard registration_no_update',
	'the partition has the TRUNCATE guard and the parent''s row triggers');
select throws_ok($$truncate gelombang.registration_1$$, '42501', null,
	'TRUNCATE of the loaded partition is refused');

-- a join stored a registration while the file loaded: the partition
-- stays, the loaded rows go into it, its NIK is skipped
select gelombang.create_wave(2, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', 10, repeat('b2', 32));
select throws_ok($$select gelombang.registration_load_begin(9)$$, '55000', null,
	'no load table for a wave that is not open');
select is(gelombang.registration_load_begin(2), 'registration_2_load', 'a load table for wave 2');
insert into gelombang.registration_2_load (wave, nik, kk, name, birth_date, sex, occupation,
	in_school, receives_aid, region_code, joined_at, source_line, run_id)
select 2, '31710112019000' || lpad(g::text, 2, '0'), '3171000000000001', 'N' || g, '1990-01-12',
	'L', 'BURUH', false, false, '3171', '2022-02-19 10:00+07', g, 43
from generate_series(1, 5) g;
insert into gelombang.registration (wave, nik, kk, name, birth_date, sex, occupation,
	in_school, receives_aid, region_code, joined_at)
values (2, '3171011201900003', '3171000000000001', 'Joined', '1990-01-12', 'L', 'BURUH',
	false, false, '3171', '2022-02-19 09:00+07');
select is(gelombang.registration_load_end(2, 5), 4::bigint,
	'after a join, the loaded rows but the joined NIK are stored');
select is((select string_agg(name, ' ' order by nik) from gelombang.registration where wave = 2),
	'N1 N2 Joined N4 N5', 'the joined registration is kept, the others loaded');

-- the table's CHECKs without regular expressions accept exactly what the
-- regular expressions of SPEC §3 accept (strings of digits, look-alikes,
-- signs and escapes, around the lengths that matter)
create function pg_temp.check_mismatches(con text, col text, re text, prefixes text[],
	lens int[]) returns bigint language plpgsql as $$
declare
	expr text;
	bad bigint;
begin
	select pg_get_expr(c.conbin, c.conrelid) into expr from pg_constraint c
	where c.conrelid = 'gelombang.registration'::regclass and c.conname = con;
	execute format($q$
		select count(*) from (
			select p || string_agg(substr(a, 1 + (random() * (length(a) - 1))::int, 1), '')
				as %1$I
			from unnest($1) p, unnest($2) n, generate_series(1, 400) k,
			     lateral generate_series(1, n - length(p) + k * 0) i,
			     (select '0123456789012345678901234567890123456789a+ ٣０\x' || E'\n' as a) al
			group by p, n, k
		) t
		where (%2$s) is distinct from (%1$I ~ %3$L)
		  and not (%1$I is null)$q$, col, expr, re) using prefixes, lens into bad;
	return bad;
end $$;
select setseed(0.14);
select is(pg_temp.check_mismatches('registration_nik_check', 'nik', '^[0-9]{16}$',
	'{"", "\\x", "3"}', '{15,16,17}'), 0::bigint, 'nik: the CHECK is the regular expression');
select is(pg_temp.check_mismatches('registration_kk_check', 'kk', '^[0-9]{16}$',
	'{"", "0"}', '{15,16,17}'), 0::bigint, 'kk: the CHECK is the regular expression');
select is(pg_temp.check_mismatches('registration_region_code_check', 'region_code', '^[0-9]{4}$',
	'{"", "3"}', '{3,4,5}'), 0::bigint, 'region_code: the CHECK is the regular expression');
select is(pg_temp.check_mismatches('registration_phone_check', 'phone', '^(\+62|08)[0-9]{8,13}$',
	'{"+62", "08", "+6", "0", "62", "+62+", "8"}', '{9,10,11,12,15,16,17}'), 0::bigint,
	'phone: the CHECK is the regular expression');

select * from finish();
ROLLBACK;
