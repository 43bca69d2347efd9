-- 018_perf.sql — the registration table's checks of NIK, KK, region code
-- and phone without regular expressions.
--
-- import checks every row in C (batch/regcheck.c) before it sends it; the
-- table's CHECKs hold the same rules once more for every writer.  As
-- regular expressions they cost about 1.5 µs a row each for nik and kk
-- and more for phone (a million rows: several seconds of an import).
-- These say the same with string functions: a text is all ASCII digits
-- when trimming the bytes '0'..'9' (0x30..0x39) from its raw UTF-8 bytes
-- (textsend; a cast to bytea would read backslash escapes) leaves
-- nothing, and its length in characters is then its length in digits.
--   nik, kk      ^[0-9]{16}$            16 characters, all digits
--   region_code  ^[0-9]{4}$             4 characters, all digits
--   phone        ^(\+62|08)[0-9]{8,13}$ '+62' then 8 to 13 digits
--                                       (11 to 16 characters), or '08'
--                                       then 8 to 13 (10 to 15)
-- A null phone passes, as it passed the regular expression.  The name and
-- occupation checks (~ '\S', a non-space character of the locale) stay:
-- they cost a fifth as much, and a string function would not know the
-- locale's spaces.  Added NOT VALID, then validated: the rows of existing
-- waves are checked once, without holding off readers while it scans.
alter table gelombang.registration
	drop constraint registration_nik_check,
	drop constraint registration_kk_check,
	drop constraint registration_region_code_check,
	drop constraint registration_phone_check,
	add constraint registration_nik_check check (length(nik) = 16
		and btrim(textsend(nik), '\x30313233343536373839'::bytea) = '\x'::bytea) not valid,
	add constraint registration_kk_check check (length(kk) = 16
		and btrim(textsend(kk), '\x30313233343536373839'::bytea) = '\x'::bytea) not valid,
	add constraint registration_region_code_check check (length(region_code) = 4
		and btrim(textsend(region_code), '\x30313233343536373839'::bytea) = '\x'::bytea) not valid,
	add constraint registration_phone_check check (phone is null
		or case when left(phone, 3) = '+62'
			then length(phone) between 11 and 16
			     and btrim(textsend(substr(phone, 4)), '\x30313233343536373839'::bytea) = '\x'::bytea
		when left(phone, 2) = '08'
			then length(phone) between 10 and 15
			     and btrim(textsend(substr(phone, 3)), '\x30313233343536373839'::bytea) = '\x'::bytea
		else false end) not valid;

alter table gelombang.registration validate constraint registration_nik_check;
alter table gelombang.registration validate constraint registration_kk_check;
alter table gelombang.registration validate constraint registration_region_code_check;
alter table gelombang.registration validate constraint registration_phone_check;
