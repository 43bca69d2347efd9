-- tests/sql/selection.sql — the selection rule of SPEC §4–§6, worked by hand.
--
-- Small waves are built here, run through close_wave, freeze_inputs and
-- store_selection as the jobs do, and every outcome is compared with the
-- one SPEC gives.  Lottery keys were computed outside the database:
--   printf '%s:%s' "$SEED" "$NIK" | sha256sum
-- and the orders below follow from them (listed next to each group).
--
-- The session's time zone is set far from Jakarta on purpose: nothing may
-- depend on it, only on the offsets written and on rules.timezone.
BEGIN;
select plan(123);
set local timezone = 'Pacific/Kiritimati';

-- helpers ---------------------------------------------------------------------

-- The rules as cfg_rules_json writes them (SPEC §7 defaults), with overrides.
create function pg_temp.rules(o jsonb default '{}') returns jsonb
language sql as $$
	select '{"timezone": "Asia/Jakarta", "min_age": 18, "max_age": 64,
		"household_cap": 2, "exclude_aid_recipients": true,
		"excluded_occupations": ["PEJABAT_NEGARA", "ANGGOTA_DPR", "ANGGOTA_DPRD",
			"ASN", "TNI", "POLRI", "KEPALA_DESA", "PERANGKAT_DESA",
			"DIREKSI_BUMN_BUMD", "KOMISARIS_BUMN_BUMD", "DEWAN_PENGAWAS_BUMN_BUMD"],
		"priority_regions": [],
		"provinces": ["11","12","13","14","15","16","17","18","19","21",
			"31","32","33","34","35","36","51","52","53",
			"61","62","63","64","65","71","72","73","74","75","76",
			"81","82","91","92","93","94","95","96"],
		"saldo": 3550000, "sms_lolos": "lolos", "sms_tidak_lolos": "tidak",
		"sms_window_days": 30}'::jsonb || o
$$;

-- One registration; kk defaults to the NIK itself (a family of one) and
-- region_code to the NIK's first four digits, as import does.
create function pg_temp.reg(p_wave int, p_nik text, p_birth date, p_sex text,
	p_joined timestamptz, p_kk text default null, p_occ text default 'BURUH',
	p_school boolean default false, p_aid boolean default false,
	p_region text default null)
returns void language sql as $$
	insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
		occupation, in_school, receives_aid, region_code, phone, joined_at)
	values (p_wave, p_nik, coalesce(p_kk, p_nik), 'Peserta ' || p_nik, p_birth,
		p_sex, p_occ, p_school, p_aid, coalesce(p_region, left(p_nik, 4)),
		null, p_joined)
$$;

-- close, process, select: what the jobs do, in their order.
create function pg_temp.run(p_wave int, p_rules jsonb) returns bigint
language plpgsql as $$
declare
	n bigint;
begin
	perform gelombang.close_wave(p_wave, (select closes_at from gelombang.wave where wave = p_wave));
	perform gelombang.freeze_inputs(p_wave, p_rules, 'digest', now());
	update gelombang.wave set selection_started_at = now() where wave = p_wave;
	n := gelombang.store_selection(p_wave);
	update gelombang.wave set state = 'DISELEKSI', selected_at = now() where wave = p_wave;
	return n;
end $$;

-- The stored result of one entry: its reason, or LOLOS.
create function pg_temp.res(p_wave int, p_nik text) returns text
language sql as $$
	select coalesce(o.reason::text, 'LOLOS') from gelombang.outcome o
	where o.wave = p_wave and o.nik = p_nik
$$;

-- Wave 1: the earlier wave ---------------------------------------------------
-- household_cap 3 here, so that family 3171000000000003 gets three
-- participants (more than wave 2's cap of 2).

select gelombang.create_wave(1, '2022-02-10 12:00+07', '2022-02-13 23:59+07',
	'2022-02-16 23:59+07', 100, repeat('a1', 32));
select pg_temp.reg(1, '3171011201900101', '1990-01-12', 'L', '2022-02-12 10:00+07');
select pg_temp.reg(1, '3171011201900102', '1990-01-12', 'L', '2022-02-12 10:00+07');
select pg_temp.reg(1, '3171011201900103', '1990-01-12', 'L', '2022-02-12 10:00+07');
select pg_temp.reg(1, '3171011201900104', '1990-01-12', 'L', '2022-02-12 10:00+07', p_school => true);
select pg_temp.reg(1, '3171011201900105', '1990-01-12', 'L', '2022-02-12 10:00+07', '3171000000000001');
select pg_temp.reg(1, '3171011201900106', '1990-01-12', 'L', '2022-02-12 10:00+07', '3171000000000002');
select pg_temp.reg(1, '3171011201900107', '1990-01-12', 'L', '2022-02-12 10:00+07', '3171000000000002');
select pg_temp.reg(1, '3171011201900108', '1990-01-12', 'L', '2022-02-12 10:00+07', '3171000000000003');
select pg_temp.reg(1, '3171011201900109', '1990-01-12', 'L', '2022-02-12 10:00+07', '3171000000000003');
select pg_temp.reg(1, '3171011201900110', '1990-01-12', 'L', '2022-02-12 10:00+07', '3171000000000003');

select is(pg_temp.run(1, pg_temp.rules('{"household_cap": 3}')), 10::bigint,
	'wave 1: an outcome for every registration');
select is((select count(*) from gelombang.participant where wave = 1), 9::bigint,
	'wave 1: nine participants');
select is(pg_temp.res(1, '3171011201900104'), 'SEDANG_SEKOLAH', 'wave 1: the pupil is turned down');
select is((select count(*) from gelombang.participant
    where kk = '3171000000000003'), 3::bigint,
	'wave 1: family ...003 has three participants under a cap of 3');

-- Wave 2: every exclusion and its boundaries ---------------------------------
-- opens 2022-02-17 12:00 WIB, closes 2022-02-20 23:59 WIB (16:59 UTC);
-- close date 2022-02-20; national quota 1000, cap 2, SPEC §7 rules.

select gelombang.create_wave(2, '2022-02-17 12:00+07', '2022-02-20 23:59+07',
	'2022-02-23 23:59+07', 1000, repeat('b2', 32));

-- schedule: joined_at written in WIB, WITA, WIT and UTC
select pg_temp.reg(2, '3171011201900201', '1990-01-12', 'L', '2022-02-20 23:59:00+07');
select pg_temp.reg(2, '3171011201900202', '1990-01-12', 'L', '2022-02-20 23:58:59+07');
select pg_temp.reg(2, '3171011201900203', '1990-01-12', 'L', '2022-02-21 00:59:00+08');
select pg_temp.reg(2, '3171011201900204', '1990-01-12', 'L', '2022-02-21 01:58:59+09');
select pg_temp.reg(2, '3171011201900205', '1990-01-12', 'L', '2022-02-21 01:59:00+09');
select pg_temp.reg(2, '3171011201900206', '1990-01-12', 'L', '2022-02-17 11:59:59+07');
select pg_temp.reg(2, '3171011201900207', '1990-01-12', 'L', '2022-02-17 12:00:00+07');
select pg_temp.reg(2, '3171011201900208', '1990-01-12', 'L', '2022-02-17 12:59:59+08');
select pg_temp.reg(2, '3171011201900209', '1990-01-12', 'L', '2022-02-17 13:00:00+08');
select pg_temp.reg(2, '3171011201900210', '1990-01-12', 'L', '2022-02-20 16:58:59.999999Z');
-- late, and a province not in the rules, and at school: the first wins
select pg_temp.reg(2, '9971011201900211', '1990-01-12', 'L', '2022-02-21 00:00+07', p_school => true);
-- a participant of wave 1 joining late
select pg_temp.reg(2, '3171011201900103', '1990-01-12', 'L', '2022-02-21 08:00+07');

-- data (SPEC §5); all joined in time from here on
select pg_temp.reg(2, '9971011201900221', '1990-01-12', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '2071011201900222', '1990-01-12', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171011301900223', '1990-01-12', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171011202900224', '1990-01-12', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171011201910225', '1990-01-12', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171015201900226', '1990-01-12', 'P', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171011201900227', '1990-01-12', 'P', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171015201900228', '1990-01-12', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171017101900229', '1990-01-31', 'P', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171011201000230', '2000-01-12', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '9971011201100231', '2010-01-12', 'L', '2022-02-19 10:00+07',
	p_occ => 'ASN', p_school => true, p_aid => true);
-- a participant of wave 1 whose new row's birth date mismatches the NIK
select pg_temp.reg(2, '3171011201900102', '1990-01-13', 'L', '2022-02-19 10:00+07');

-- earlier participants
select pg_temp.reg(2, '3171011201900101', '1990-01-12', 'L', '2022-02-19 10:00+07',
	p_occ => 'ASN', p_school => true, p_aid => true);
select pg_temp.reg(2, '3171011201900104', '1990-01-12', 'L', '2022-02-19 10:00+07');

-- occupations
select pg_temp.reg(2, '3171011201900241', '1990-01-12', 'L', '2022-02-19 10:00+07', p_occ => 'ASN');
select pg_temp.reg(2, '3171011201900242', '1990-01-12', 'L', '2022-02-19 10:00+07', p_occ => 'asn');
select pg_temp.reg(2, '3171011201900243', '1990-01-12', 'L', '2022-02-19 10:00+07', p_occ => 'ASN ');
select pg_temp.reg(2, '3171011201100244', '2010-01-12', 'L', '2022-02-19 10:00+07',
	p_occ => 'KEPALA_DESA', p_school => true);
select pg_temp.reg(2, '3171011201900245', '1990-01-12', 'L', '2022-02-19 10:00+07',
	p_occ => 'DEWAN_PENGAWAS_BUMN_BUMD');

-- ages on 2022-02-20
select pg_temp.reg(2, '3171012002040251', '2004-02-20', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171012102040252', '2004-02-21', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171012002580253', '1958-02-20', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171012102570254', '1957-02-21', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171012002570255', '1957-02-20', 'L', '2022-02-19 10:00+07');
select pg_temp.reg(2, '3171011201100256', '2010-01-12', 'L', '2022-02-19 10:00+07',
	p_school => true, p_aid => true);

-- school and aid
select pg_temp.reg(2, '3171011201900261', '1990-01-12', 'L', '2022-02-19 10:00+07', p_school => true);
select pg_temp.reg(2, '3171011201900262', '1990-01-12', 'L', '2022-02-19 10:00+07',
	p_school => true, p_aid => true);
select pg_temp.reg(2, '3171011201900263', '1990-01-12', 'L', '2022-02-19 10:00+07', p_aid => true);

-- households.  Keys with seed b2…b2:
--   family ...001 (1 participant in wave 1, so 1 place left):
--     0271 47ce…  <  0273 8b4b…  <  0272 ffcf…
--   family ...004 (new, 2 places): 0278 326f…  <  0276 531b…  <  0277 9cad…
--     and 0279, at school, which takes no place
select pg_temp.reg(2, '3171011201900271', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000001');
select pg_temp.reg(2, '3171011201900272', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000001');
select pg_temp.reg(2, '3171011201900273', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000001');
select pg_temp.reg(2, '3171011201900274', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000002');
select pg_temp.reg(2, '3171011201900275', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000003');
select pg_temp.reg(2, '3171011201900276', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000004');
select pg_temp.reg(2, '3171011201900277', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000004');
select pg_temp.reg(2, '3171011201900278', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000004');
select pg_temp.reg(2, '3171011201900279', '1990-01-12', 'L', '2022-02-19 10:00+07', '3171000000000004',
	p_school => true);

select is(pg_temp.run(2, pg_temp.rules()), 49::bigint, 'wave 2: an outcome for every registration');
select is((select close_date from gelombang.wave where wave = 2), '2022-02-20'::date,
	'wave 2: closing 23:59 WIB (16:59 UTC), the close date is 2022-02-20 in Asia/Jakarta');

-- DI_LUAR_JADWAL
select is(pg_temp.res(2, '3171011201900201'), 'DI_LUAR_JADWAL', 'joined exactly at closes_at (WIB) is late');
select is(pg_temp.res(2, '3171011201900202'), 'LOLOS', 'joined one second before closes_at (WIB) is in time');
select is(pg_temp.res(2, '3171011201900203'), 'DI_LUAR_JADWAL', 'joined at closes_at written in WITA is late');
select is(pg_temp.res(2, '3171011201900204'), 'LOLOS', 'one second before closes_at written in WIT is in time');
select is(pg_temp.res(2, '3171011201900205'), 'DI_LUAR_JADWAL', 'closes_at written in WIT is late');
select is(pg_temp.res(2, '3171011201900206'), 'DI_LUAR_JADWAL', 'joined one second before opens_at is out of the wave');
select is(pg_temp.res(2, '3171011201900207'), 'LOLOS', 'joined exactly at opens_at is in time');
select is(pg_temp.res(2, '3171011201900208'), 'DI_LUAR_JADWAL', 'one second before opens_at written in WITA is out');
select is(pg_temp.res(2, '3171011201900209'), 'LOLOS', 'opens_at written in WITA is in time');
select is(pg_temp.res(2, '3171011201900210'), 'LOLOS', 'a microsecond before closes_at written in UTC is in time');
select is(pg_temp.res(2, '9971011201900211'), 'DI_LUAR_JADWAL', 'late, bad province and at school: DI_LUAR_JADWAL comes first');
select is(pg_temp.res(2, '3171011201900103'), 'DI_LUAR_JADWAL', 'an earlier participant joining late: DI_LUAR_JADWAL comes first');

-- DATA_TIDAK_VALID
select is(pg_temp.res(2, '9971011201900221'), 'DATA_TIDAK_VALID', 'NIK province 99 is not in rules.provinces');
select is(pg_temp.res(2, '2071011201900222'), 'DATA_TIDAK_VALID', 'NIK province 20 is not in rules.provinces');
select is(pg_temp.res(2, '3171011301900223'), 'DATA_TIDAK_VALID', 'NIK day 13 for a birth on the 12th');
select is(pg_temp.res(2, '3171011202900224'), 'DATA_TIDAK_VALID', 'NIK month 02 for a birth in January');
select is(pg_temp.res(2, '3171011201910225'), 'DATA_TIDAK_VALID', 'NIK year 91 for a birth in 1990');
select is(pg_temp.res(2, '3171015201900226'), 'LOLOS', 'a woman''s NIK day is the day + 40');
select is(pg_temp.res(2, '3171011201900227'), 'DATA_TIDAK_VALID', 'a woman''s NIK without the 40 added');
select is(pg_temp.res(2, '3171015201900228'), 'DATA_TIDAK_VALID', 'a man''s NIK with 40 added');
select is(pg_temp.res(2, '3171017101900229'), 'LOLOS', 'a woman born on the 31st has NIK day 71');
select is(pg_temp.res(2, '3171011201000230'), 'LOLOS', 'born in 2000: NIK year 00');
select is(pg_temp.res(2, '9971011201100231'), 'DATA_TIDAK_VALID',
	'bad province, excluded occupation, too young, at school, on aid: DATA_TIDAK_VALID comes first');
select is(pg_temp.res(2, '3171011201900102'), 'DATA_TIDAK_VALID',
	'an earlier participant whose row mismatches the NIK: DATA_TIDAK_VALID before PESERTA_SEBELUMNYA');

-- PESERTA_SEBELUMNYA
select is(pg_temp.res(2, '3171011201900101'), 'PESERTA_SEBELUMNYA',
	'a participant of wave 1, now ASN, at school and on aid: PESERTA_SEBELUMNYA comes first');
select is(pg_temp.res(2, '3171011201900104'), 'LOLOS', 'turned down in wave 1 (not a participant), eligible in wave 2');

-- PEKERJAAN_DIKECUALIKAN
select is(pg_temp.res(2, '3171011201900241'), 'PEKERJAAN_DIKECUALIKAN', 'occupation ASN is excluded');
select is(pg_temp.res(2, '3171011201900242'), 'LOLOS', 'occupation asn is not ASN: codes compare case included');
select is(pg_temp.res(2, '3171011201900243'), 'LOLOS', 'occupation ''ASN '' is not ASN: codes compare exactly');
select is(pg_temp.res(2, '3171011201100244'), 'PEKERJAAN_DIKECUALIKAN',
	'KEPALA_DESA, too young and at school: PEKERJAAN_DIKECUALIKAN comes first');
select is(pg_temp.res(2, '3171011201900245'), 'PEKERJAAN_DIKECUALIKAN', 'the last code of the list is excluded too');

-- USIA
select is(pg_temp.res(2, '3171012002040251'), 'LOLOS', '18 exactly on the close date is old enough');
select is(pg_temp.res(2, '3171012102040252'), 'USIA', 'one day short of 18 on the close date is too young');
select is(pg_temp.res(2, '3171012002580253'), 'LOLOS', '64 exactly on the close date is eligible');
select is(pg_temp.res(2, '3171012102570254'), 'LOLOS', 'the day before the 65th birthday is eligible');
select is(pg_temp.res(2, '3171012002570255'), 'USIA', 'the 65th birthday on the close date is too old');
select is(pg_temp.res(2, '3171011201100256'), 'USIA', 'too young, at school and on aid: USIA comes first');

-- SEDANG_SEKOLAH, PENERIMA_BANSOS
select is(pg_temp.res(2, '3171011201900261'), 'SEDANG_SEKOLAH', 'in school');
select is(pg_temp.res(2, '3171011201900262'), 'SEDANG_SEKOLAH', 'in school and on aid: SEDANG_SEKOLAH comes first');
select is(pg_temp.res(2, '3171011201900263'), 'PENERIMA_BANSOS', 'on aid while exclude_aid_recipients is true');

-- KUOTA_KELUARGA
select is(pg_temp.res(2, '3171011201900271'), 'LOLOS', 'family with 1 earlier participant: the lowest key keeps the one place');
select is(pg_temp.res(2, '3171011201900273'), 'KUOTA_KELUARGA', 'family with 1 earlier participant: the second is over the cap');
select is(pg_temp.res(2, '3171011201900272'), 'KUOTA_KELUARGA', 'family with 1 earlier participant: the third is over the cap');
select is(pg_temp.res(2, '3171011201900274'), 'KUOTA_KELUARGA', 'family with 2 earlier participants: no place left');
select is(pg_temp.res(2, '3171011201900275'), 'KUOTA_KELUARGA', 'family with 3 earlier participants, cap 2: no place left');
select is(pg_temp.res(2, '3171011201900278'), 'LOLOS', 'new family: the lowest key is kept');
select is(pg_temp.res(2, '3171011201900276'), 'LOLOS', 'new family: the second lowest key is kept');
select is(pg_temp.res(2, '3171011201900277'), 'KUOTA_KELUARGA', 'new family: the third is over the cap of 2');
select is(pg_temp.res(2, '3171011201900279'), 'SEDANG_SEKOLAH', 'an excluded family member takes no place');

-- the whole wave, counted
select is((select count(*) from gelombang.outcome where wave = 2 and reason is null), 17::bigint,
	'wave 2: 17 LOLOS');
select is((select count(*) from gelombang.participant where wave = 2), 17::bigint,
	'wave 2: 17 participants, one per LOLOS');
select is((select count(*) from gelombang.outcome where wave = 2 and reason = 'KUOTA_PENUH'), 0::bigint,
	'wave 2: nobody over the national quota of 1000');

-- lottery keys
select is((select encode(lottery_key, 'hex') from gelombang.outcome
    where wave = 2 and nik = '3171011201900202'),
	'97dc607341eb91e5fd6bf106ac41a748b974a0860f3c73efc5249ecb771ae96d',
	'lottery_key = sha256 of "<seed>:<nik>" (computed with sha256sum)');
select is((select encode(lottery_key, 'hex') from gelombang.outcome
    where wave = 2 and nik = '3171011201900272'),
	'ffcf6e73b771156963146d423aa7f4604a6187a645d86eff53dc45334866530d',
	'an entry over the family cap has its lottery key');
select is((select count(*) from gelombang.outcome where wave = 2 and lottery_key is not null
    and reason < 'KUOTA_KELUARGA'), 0::bigint,
	'no lottery key for entries turned down before the draw');
select is((select count(*) from gelombang.outcome where wave = 2 and lottery_key is null
    and (reason is null or reason >= 'KUOTA_KELUARGA')), 0::bigint,
	'every entry in the draw has a lottery key');
select is((select count(*) from gelombang.outcome
    where wave = 2 and lottery_key <> sha256(convert_to(repeat('b2', 32) || ':' || nik, 'UTF8'))), 0::bigint,
	'every key in wave 2 is sha256 of "<seed>:<nik>"');

-- participants: card numbers and saldo
select is((select count(*) from gelombang.participant p
    where p.wave = 2 and (p.card_number !~ '^[0-9]{16}$' or not gelombang.luhn_valid(p.card_number))),
	0::bigint, 'wave 2: every card number is 16 digits and Luhn-valid');
select is((select count(distinct card_number) from gelombang.participant), (select count(*) from gelombang.participant),
	'card numbers are unique across waves 1 and 2');
select is((select min(saldo) || '-' || max(saldo) from gelombang.participant where wave = 2), '3550000-3550000',
	'wave 2: saldo from the rules');
select is((select kk from gelombang.participant where nik = '3171011201900271'), '3171000000000001',
	'a participant keeps the family card of its selected registration');
select is((select count(*) from gelombang.participant p join gelombang.outcome o on o.nik = p.nik and o.wave = p.wave
    where p.wave = 2 and o.reason is not null), 0::bigint, 'no participant without LOLOS');

-- selection() again equals what was stored, even after a participant that
-- was not there at process appears (frozen inputs: SPEC §4 "as recorded at
-- process")
insert into gelombang.participant (nik, wave, kk, card_number, saldo)
values ('3171011201900277', 1, '3171000000000004', gelombang.card_number(1, 999), 1);
select results_eq(
	$$select nik, reason, lottery_key from gelombang.selection(2) order by nik$$,
	$$select nik collate "default", reason, lottery_key from gelombang.outcome where wave = 2 order by nik$$,
	'wave 2: selection() recomputes exactly what was stored, from the frozen inputs');
select results_eq(
	$$select nik, saldo from gelombang.selection(2) where reason is null order by nik$$,
	$$select nik collate "default", saldo from gelombang.participant where wave = 2 order by nik$$,
	'wave 2: selection() gives the stored participants and saldo again (card numbers are drawn at random)');

-- Wave 3: other rules, and a time zone other than Jakarta ---------------------
-- closes 2022-02-27 15:30 UTC = 2022-02-28 00:30 WIT = 2022-02-27 22:30 WIB;
-- rules.timezone Asia/Jayapura, so the close date is 2022-02-28.
-- max_age 0 (no limit), aid recipients allowed, only NELAYAN excluded,
-- provinces 31 and 32 only, saldo 1234567.

select gelombang.create_wave(3, '2022-02-24 12:00+07', '2022-02-27 15:30Z',
	'2022-03-02 00:00+07', 1000, repeat('c3', 32));
select pg_temp.reg(3, '3171012902040301', '2004-02-29', 'L', '2022-02-26 10:00+07');
select pg_temp.reg(3, '3171012802040302', '2004-02-28', 'L', '2022-02-26 10:00+07');
select pg_temp.reg(3, '3171010103040303', '2004-03-01', 'L', '2022-02-26 10:00+07');
select pg_temp.reg(3, '3171011201300304', '1930-01-12', 'L', '2022-02-26 10:00+07');
select pg_temp.reg(3, '3171011201900305', '1990-01-12', 'L', '2022-02-26 10:00+07', p_aid => true);
select pg_temp.reg(3, '3171011201900306', '1990-01-12', 'L', '2022-02-26 10:00+07', p_occ => 'ASN');
select pg_temp.reg(3, '3171011201900307', '1990-01-12', 'L', '2022-02-26 10:00+07', p_occ => 'NELAYAN');
select pg_temp.reg(3, '3371011201900308', '1990-01-12', 'L', '2022-02-26 10:00+07');
select pg_temp.reg(3, '3271011201900309', '1990-01-12', 'L', '2022-02-26 10:00+07');

select pg_temp.run(3, pg_temp.rules('{"timezone": "Asia/Jayapura", "max_age": 0,
	"exclude_aid_recipients": false, "excluded_occupations": ["NELAYAN"],
	"provinces": ["31", "32"], "saldo": 1234567}'));
select is((select close_date from gelombang.wave where wave = 3), '2022-02-28'::date,
	'wave 3: the close date is closes_at in rules.timezone (Asia/Jayapura)');
select is(pg_temp.res(3, '3171012802040302'), 'LOLOS', '18 on 2022-02-28, the close date in WIT (27 Feb in WIB)');
select is(pg_temp.res(3, '3171012902040301'), 'LOLOS', 'born 29 February: 18 on 28 February of a common year');
select is(pg_temp.res(3, '3171010103040303'), 'USIA', 'born 1 March: not yet 18 on 28 February');
select is(pg_temp.res(3, '3171011201300304'), 'LOLOS', 'max_age 0: 92 years old is no limit');
select is(pg_temp.res(3, '3171011201900305'), 'LOLOS', 'on aid while exclude_aid_recipients is false');
select is(pg_temp.res(3, '3171011201900306'), 'LOLOS', 'ASN is not excluded when rules.excluded_occupations omits it');
select is(pg_temp.res(3, '3171011201900307'), 'PEKERJAAN_DIKECUALIKAN', 'the occupations excluded are the rules''');
select is(pg_temp.res(3, '3371011201900308'), 'DATA_TIDAK_VALID', 'province 33 is not in this wave''s rules.provinces');
select is(pg_temp.res(3, '3271011201900309'), 'LOLOS', 'province 32 is in this wave''s rules.provinces');
select is((select min(saldo) || '-' || max(saldo) from gelombang.participant where wave = 3), '1234567-1234567',
	'wave 3: saldo from this wave''s rules');

-- Wave 4: the upper age bound and 29 February ---------------------------------
-- max_age 65; close date 2022-02-28: eligible while 2022-02-28 < birth + 66 years

select gelombang.create_wave(4, '2022-02-28 00:00+07', '2022-02-28 23:59+07',
	'2022-03-02 00:00+07', 1000, repeat('d4', 32));
select pg_temp.reg(4, '3171012902560401', '1956-02-29', 'L', '2022-02-28 10:00+07');
select pg_temp.reg(4, '3171010103560402', '1956-03-01', 'L', '2022-02-28 10:00+07');
select pg_temp.reg(4, '3171012802560403', '1956-02-28', 'L', '2022-02-28 10:00+07');
select pg_temp.run(4, pg_temp.rules('{"max_age": 65}'));
select is(pg_temp.res(4, '3171012902560401'), 'USIA', 'born 29 February 1956: 66 on 28 February 2022, too old');
select is(pg_temp.res(4, '3171010103560402'), 'LOLOS', 'born 1 March 1956: still 65 on 28 February 2022');
select is(pg_temp.res(4, '3171012802560403'), 'USIA', 'born 28 February 1956: 66 on 28 February 2022, too old');

-- Wave 5: priority tiers and the national quota --------------------------------
-- quota 3, priority regions 3273 and 6108.  Keys with seed e5…e5:
--   0503 46d3 < 0505 482a < 0504 acd1 < 0507 afa2 < 0501 cafe < 0506 cbe2 < 0502 fd6b
-- 0502 (region 3273) and 0506 (region 6108) are tier 0; 0507 has a NIK
-- starting 3273 but lives in 3171 (region_code decides): tier 1.
-- Order: 0506, 0502, | 0503, 0505, 0504, 0507, 0501 → quota 3 keeps 0506, 0502, 0503.

select gelombang.create_wave(5, '2022-03-03 00:00+07', '2022-03-05 00:00+07',
	'2022-03-07 00:00+07', 3, repeat('e5', 32));
select pg_temp.reg(5, '3171011201900501', '1990-01-12', 'L', '2022-03-04 10:00+07');
select pg_temp.reg(5, '3171011201900502', '1990-01-12', 'L', '2022-03-04 10:00+07', p_region => '3273');
select pg_temp.reg(5, '3171011201900503', '1990-01-12', 'L', '2022-03-04 10:00+07');
select pg_temp.reg(5, '3171011201900504', '1990-01-12', 'L', '2022-03-04 10:00+07');
select pg_temp.reg(5, '3171011201900505', '1990-01-12', 'L', '2022-03-04 10:00+07');
select pg_temp.reg(5, '3171011201900506', '1990-01-12', 'L', '2022-03-04 10:00+07', p_region => '6108');
select pg_temp.reg(5, '3273011201900507', '1990-01-12', 'L', '2022-03-04 10:00+07', p_region => '3171');
select pg_temp.run(5, pg_temp.rules('{"priority_regions": ["3273", "6108"]}'));
select is(pg_temp.res(5, '3171011201900506'), 'LOLOS', 'tier 0 (region 6108) comes before tier 1 whatever its key');
select is(pg_temp.res(5, '3171011201900502'), 'LOLOS', 'tier 0 (region 3273) with the highest key still comes first');
select is(pg_temp.res(5, '3171011201900503'), 'LOLOS', 'tier 1 with the lowest key takes the last place');
select is(pg_temp.res(5, '3171011201900505'), 'KUOTA_PENUH', 'tier 1, second lowest key: the quota of 3 is full');
select is(pg_temp.res(5, '3171011201900504'), 'KUOTA_PENUH', 'tier 1, third: quota full');
select is(pg_temp.res(5, '3273011201900507'), 'KUOTA_PENUH', 'a NIK from 3273 living in 3171 is tier 1');
select is(pg_temp.res(5, '3171011201900501'), 'KUOTA_PENUH', 'tier 1, fifth: quota full');
select is((select encode(lottery_key, 'hex') from gelombang.outcome where wave = 5 and nik = '3171011201900501'),
	'cafe61b11672e277112b8e11730ba807c0a56155488f3539915d20bd6b49ceca',
	'an entry over the quota has its lottery key');
select results_eq(
	$$select nik from gelombang.selection(5) where reason is null order by lottery_key$$,
	$$values ('3171011201900503'), ('3171011201900506'), ('3171011201900502')$$,
	'wave 5: the winners, in lottery-key order');

-- Wave 6: per-province quotas, a family across provinces ----------------------
-- quotas 31 → 2, 32 → 2, 33 → 0, no row for 34; national quota 1000 unused.
-- Every NIK starts 3171; region_code puts the entry in its quota unit.
-- Keys with seed f6…f6:
--   0601 147b < 0610 1a42 < 0607 1bb8 < 0613 1f7f < 0604 3860 < 0603 59d0 <
--   0612 7c33 < 0611 7d83 < 0608 816d < 0605 940a < 0602 a447 < 0614 ae24 <
--   0606 e284 < 0609 e623
-- Family ...006: 0601 (region 3273), 0610 (3171), 0607 (3171), 0611 (3471):
--   cap 2 keeps 0601 and 0610; 0607 and 0611 get KUOTA_KELUARGA.
-- Province 31 after the cap (0613 at school, 0607 capped):
--   0610, 0604 | 0605, 0614, 0606, 0609 → 0610 and 0604 LOLOS.
-- Province 32: 0601, 0603 | 0608.  33: 0612.  34: 0602 (0611 capped).

select gelombang.create_wave(6, '2022-03-06 00:00+07', '2022-03-08 00:00+07',
	'2022-03-10 00:00+07', 1000, repeat('f6', 32));
insert into gelombang.wave_quota (wave, province, quota)
values (6, '31', 2), (6, '32', 2), (6, '33', 0);
select pg_temp.reg(6, '3171011201900601', '1990-01-12', 'L', '2022-03-07 10:00+07', '3171000000000006', p_region => '3273');
select pg_temp.reg(6, '3171011201900602', '1990-01-12', 'L', '2022-03-07 10:00+07', p_region => '3471');
select pg_temp.reg(6, '3171011201900603', '1990-01-12', 'L', '2022-03-07 10:00+07', p_region => '3273');
select pg_temp.reg(6, '3171011201900604', '1990-01-12', 'L', '2022-03-07 10:00+07');
select pg_temp.reg(6, '3171011201900605', '1990-01-12', 'L', '2022-03-07 10:00+07');
select pg_temp.reg(6, '3171011201900606', '1990-01-12', 'L', '2022-03-07 10:00+07');
select pg_temp.reg(6, '3171011201900607', '1990-01-12', 'L', '2022-03-07 10:00+07', '3171000000000006');
select pg_temp.reg(6, '3171011201900608', '1990-01-12', 'L', '2022-03-07 10:00+07', p_region => '3273');
select pg_temp.reg(6, '3171011201900609', '1990-01-12', 'L', '2022-03-07 10:00+07');
select pg_temp.reg(6, '3171011201900610', '1990-01-12', 'L', '2022-03-07 10:00+07', '3171000000000006');
select pg_temp.reg(6, '3171011201900611', '1990-01-12', 'L', '2022-03-07 10:00+07', '3171000000000006', p_region => '3471');
select pg_temp.reg(6, '3171011201900612', '1990-01-12', 'L', '2022-03-07 10:00+07', p_region => '3374');
select pg_temp.reg(6, '3171011201900613', '1990-01-12', 'L', '2022-03-07 10:00+07', p_school => true);
select pg_temp.reg(6, '3171011201900614', '1990-01-12', 'L', '2022-03-07 10:00+07');
select pg_temp.run(6, pg_temp.rules());
select is(pg_temp.res(6, '3171011201900601'), 'LOLOS', 'family member in province 32 with the lowest key');
select is(pg_temp.res(6, '3171011201900610'), 'LOLOS', 'family member in province 31, second in the family');
select is(pg_temp.res(6, '3171011201900607'), 'KUOTA_KELUARGA',
	'third of a family spread over provinces 31, 32, 34: the cap counts across provinces');
select is(pg_temp.res(6, '3171011201900611'), 'KUOTA_KELUARGA',
	'over the cap in a province without a quota: KUOTA_KELUARGA before KUOTA_PENUH');
select is(pg_temp.res(6, '3171011201900613'), 'SEDANG_SEKOLAH', 'at school in province 31');
select is(pg_temp.res(6, '3171011201900604'), 'LOLOS', 'province 31: the capped family member takes no place');
select is(pg_temp.res(6, '3171011201900605'), 'KUOTA_PENUH', 'province 31: quota 2 is full');
select is(pg_temp.res(6, '3171011201900614'), 'KUOTA_PENUH', 'province 31: quota full (4th)');
select is(pg_temp.res(6, '3171011201900606'), 'KUOTA_PENUH', 'province 31: quota full (5th)');
select is(pg_temp.res(6, '3171011201900609'), 'KUOTA_PENUH', 'province 31: quota full (6th)');
select is(pg_temp.res(6, '3171011201900603'), 'LOLOS', 'NIK of 31 living in 3273: second place of province 32');
select is(pg_temp.res(6, '3171011201900608'), 'KUOTA_PENUH', 'province 32: quota 2 is full');
select is(pg_temp.res(6, '3171011201900612'), 'KUOTA_PENUH', 'province 33 has quota 0');
select is(pg_temp.res(6, '3171011201900602'), 'KUOTA_PENUH',
	'province 34 has no row: quota 0, though the national quota is 1000');
select is((select count(*) from gelombang.participant where wave = 6), 4::bigint, 'wave 6: four participants');

-- Wave 7: national quota 0, and a close date that differs from UTC's ---------
-- closes 2022-03-11 00:30 WIB = 2022-03-10 17:30 UTC: close date 2022-03-11.

select gelombang.create_wave(7, '2022-03-09 00:00+07', '2022-03-11 00:30+07',
	'2022-03-13 00:00+07', 0, repeat('07', 32));
select pg_temp.reg(7, '3171011103040701', '2004-03-11', 'L', '2022-03-10 10:00+07');
select pg_temp.reg(7, '3171011203040702', '2004-03-12', 'L', '2022-03-10 10:00+07');
select pg_temp.run(7, pg_temp.rules());
select is((select close_date from gelombang.wave where wave = 7), '2022-03-11'::date,
	'wave 7: closing 00:30 WIB, the close date is the Jakarta date, not the UTC one');
select is(pg_temp.res(7, '3171011103040701'), 'KUOTA_PENUH',
	'18 on the Jakarta close date: eligible, then over the quota of 0');
select is(pg_temp.res(7, '3171011203040702'), 'USIA', '18 one day after the close date: too young');
select is((select encode(lottery_key, 'hex') from gelombang.outcome where wave = 7 and nik = '3171011103040701'),
	'352622eeef617940b67940c9af0f639917f51cfc181f3a7025c9363a8e89539e',
	'wave 7: the lottery key of the eligible entry');
select is((select count(*) from gelombang.participant where wave = 7), 0::bigint, 'wave 7: quota 0, no participant');

-- Wave 8: the household cap follows the order of step 3, tiers first --------
-- priority region 3273, cap 2.  Keys with seed 08…08:
--   0801 09dc < 0802 13a5 < 0803 9b0e; 0803 lives in 3273 (tier 0).
-- Family order: 0803, 0801 | 0802.

select gelombang.create_wave(8, '2022-03-12 00:00+07', '2022-03-14 00:00+07',
	'2022-03-16 00:00+07', 1000, repeat('08', 32));
select pg_temp.reg(8, '3171011201900801', '1990-01-12', 'L', '2022-03-13 10:00+07', '3171000000000008');
select pg_temp.reg(8, '3171011201900802', '1990-01-12', 'L', '2022-03-13 10:00+07', '3171000000000008');
select pg_temp.reg(8, '3171011201900803', '1990-01-12', 'L', '2022-03-13 10:00+07', '3171000000000008',
	p_region => '3273');
select pg_temp.run(8, pg_temp.rules('{"priority_regions": ["3273"]}'));
select is(pg_temp.res(8, '3171011201900803'), 'LOLOS', 'family: the tier-0 member with the highest key comes first');
select is(pg_temp.res(8, '3171011201900801'), 'LOLOS', 'family: then the lowest key of tier 1');
select is(pg_temp.res(8, '3171011201900802'), 'KUOTA_KELUARGA', 'family: the third in (tier, key) order is over the cap');

-- Across every wave -----------------------------------------------------------

select is((select count(*) from gelombang.outcome), (select count(*) from gelombang.registration),
	'one outcome per registration in every wave');
select is((select count(distinct lottery_key) from gelombang.outcome), (select count(lottery_key) from gelombang.outcome),
	'no two entries share a lottery key');
select is((select count(distinct card_number) from gelombang.participant where wave > 1),
	(select count(*) from gelombang.participant where wave > 1),
	'card numbers are unique across waves');
select is((select count(*) from gelombang.participant
    where card_number !~ '^[0-9]{16}$' or not gelombang.luhn_valid(card_number)), 0::bigint,
	'every card number is 16 digits and Luhn-valid');
select results_eq(
	$$select nik, reason, lottery_key, saldo from gelombang.selection(6) order by nik$$,
	$$select nik, reason, lottery_key, saldo from gelombang.selection(6) order by nik$$,
	'selection() is deterministic');
select results_eq(
	$$select o.nik collate "default", o.reason, o.lottery_key, p.saldo
	  from gelombang.outcome o left join gelombang.participant p on p.nik = o.nik and p.wave = o.wave
	  where o.wave = 6 order by o.nik$$,
	$$select nik, reason, lottery_key, saldo from gelombang.selection(6) order by nik$$,
	'wave 6: selection() recomputes what was stored, participants included');
select is_empty($$select * from gelombang.selection(9)$$, 'no selection for a wave that does not exist');

select * from finish();
ROLLBACK;
