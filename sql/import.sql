-- import.sql — the checks of SPEC §3 on a registrations row, and the
-- set-based half of import.
--
-- import (batch/import.c) streams the file through COPY into the session's
-- temporary table import_stage (line, clean, then the eleven columns as
-- text) and the records COPY must not see into import_reject; import_rows()
-- then stores every good row and sets every bad one aside with what is
-- wrong.  clean is the client's promise (batch/regcheck.c) that the row
-- passes registration_error; rows without it are checked here.

-- A calendar date YYYY-MM-DD, checked without a cast that could fail.
create or replace function gelombang.is_date(s text)
returns boolean language sql immutable parallel safe as $$
	select s ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
	   and substr(s, 1, 4)::int >= 1
	   and substr(s, 6, 2)::int between 1 and 12
	   and substr(s, 9, 2)::int between 1 and
		case substr(s, 6, 2)::int
		when 2 then case when (substr(s, 1, 4)::int % 4 = 0
				       and substr(s, 1, 4)::int % 100 <> 0)
				      or substr(s, 1, 4)::int % 400 = 0 then 29 else 28 end
		when 4 then 30 when 6 then 30 when 9 then 30 when 11 then 30
		else 31 end
$$;

-- ISO 8601 with an offset (SPEC §2): YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]
-- then Z, ±HH:MM, ±HHMM or ±HH.  Hour 24 is refused.
create or replace function gelombang.is_timestamptz(s text)
returns boolean language sql immutable parallel safe as $$
	select s ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
	   and gelombang.is_date(left(s, 10))
	   and substr(s, 12, 2)::int < 24
	   and substr(s, 15, 2)::int < 60
	   and (substr(s, 17, 1) <> ':' or substr(s, 18, 2)::int < 60)
	   and (s ~ 'Z$' or (
		substring(s from '[+-]([0-9]{2}):?[0-9]{0,2}$')::int <= 14
		and coalesce(nullif(substring(s from '[+-][0-9]{2}:?([0-9]{2})$'), ''), '0')::int < 60))
$$;

-- What is wrong with a row, field by field in column order, or null.
-- Each message is joined with '; ' in front and the first two characters
-- cut (concat_ws would do, but it is only stable, which would keep the
-- planner from inlining this function: import checks millions of rows).
create or replace function gelombang.registration_error(nik text, kk text, name text,
	birth_date text, sex text, occupation text, in_school text,
	receives_aid text, region_code text, phone text, joined_at text)
returns text language sql immutable parallel safe as $$
	select nullif(substr(
		coalesce('; ' || case when nik is null or nik !~ '^[0-9]{16}$'
			then 'nik: must be exactly 16 digits' end, '') ||
		coalesce('; ' || case when kk is null or kk !~ '^[0-9]{16}$'
			then 'kk: must be exactly 16 digits' end, '') ||
		coalesce('; ' || case when name is null or name !~ '\S'
			then 'name: must have a non-space character' end, '') ||
		coalesce('; ' || case when birth_date is null or not gelombang.is_date(birth_date)
			then 'birth_date: must be a date YYYY-MM-DD' end, '') ||
		coalesce('; ' || case when sex is null or sex not in ('L', 'P')
			then 'sex: must be L or P' end, '') ||
		coalesce('; ' || case when occupation is null or occupation !~ '\S'
			then 'occupation: must have a non-space character' end, '') ||
		coalesce('; ' || case when in_school is null or in_school not in ('true', 'false')
			then 'in_school: must be true or false' end, '') ||
		coalesce('; ' || case when receives_aid is null or receives_aid not in ('true', 'false')
			then 'receives_aid: must be true or false' end, '') ||
		coalesce('; ' || case when region_code is not null and region_code <> ''
			  and region_code !~ '^[0-9]{4}$'
			then 'region_code: must be 4 digits or empty' end, '') ||
		coalesce('; ' || case when phone is not null and phone <> ''
			  and phone !~ '^(\+62|08)[0-9]{8,13}$'
			then 'phone: must be empty or +62 or 08 followed by 8 to 13 digits' end, '') ||
		coalesce('; ' || case when joined_at is null or not gelombang.is_timestamptz(joined_at)
			then 'joined_at: must be an ISO 8601 time with an offset' end, ''), 3), '')
$$;

-- A field as RFC 4180 writes it.
create or replace function gelombang.csv_quote(s text)
returns text language sql immutable parallel safe as $$
	select case when s is null then ''
		when s ~ '[",\r\n]' or s ~ '^\s' or s ~ '\s$'
			then '"' || replace(s, '"', '""') || '"'
		else s end
$$;

-- The first import of a wave loads into a table of its own, as select
-- loads outcomes (lifecycle.sql, outcome_load_begin/end): the rows go in
-- without a primary key to maintain, the key is built once from the
-- sorted rows, and the table replaces the empty partition create_wave
-- made (join needs one while the wave is open).  CHECK (wave = N) lets
-- ATTACH skip the scan.  All of it is one transaction with the import:
-- killed, it leaves neither the table nor a registration.
create or replace function gelombang.registration_load_begin(p_wave integer)
returns text language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	t text := 'registration_' || p_wave || '_load';
begin
	-- only an open wave takes registrations; its row stays locked until
	-- the import ends, so close waits (as import's own check makes it)
	if (select w.state from gelombang.wave w where w.wave = p_wave for share)
	   is distinct from 'DIBUKA' then
		raise exception 'wave %: registrations are loaded only into an open wave', p_wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	execute format('create table gelombang.%I (like gelombang.registration including defaults'
		' including constraints, constraint %I check (wave = %s))',
		t, 'registration_' || p_wave || '_wave', p_wave);
	execute format('grant insert on gelombang.%I to gelombang_batch', t);
	return t;
end $$;

-- The loaded table becomes the wave's partition: its key built in one
-- pass, the empty partition dropped, the table attached in its place,
-- with the TRUNCATE guard create_wave gives a partition (the parent's row
-- triggers are cloned by ATTACH).  The parent is locked first, as every
-- reader locks it before its partitions; from here to the end of the
-- import's transaction readers of registration wait (the rest of import
-- is its end row and commit, or the rejects when there are any).  A join
-- may have stored a registration meanwhile: then the partition stays and
-- the loaded rows go into it, a NIK it has already skipped, and the rows
-- stored are returned (else the P_LOADED rows, less the lines that
-- repeated a NIK).
create or replace function gelombang.registration_load_end(p_wave integer, p_loaded bigint)
returns bigint language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	p text := 'registration_' || p_wave;
	t text := 'registration_' || p_wave || '_load';
	stored boolean;
	n bigint := p_loaded;
	gone bigint;
begin
	execute format('revoke insert on gelombang.%I from gelombang_batch', t);
	-- the rows went in as the file has them; a NIK on two lines of it
	-- fails the key: then the later lines go (import_rows rejects them)
	begin
		execute format('alter table gelombang.%I add constraint %I primary key (nik, wave)',
			t, t || '_pkey');
	exception when unique_violation then
		execute format('delete from gelombang.%1$I where ctid in (select x.ctid from'
			' (select ctid, row_number() over (partition by nik order by source_line) as k'
			' from gelombang.%1$I) x where x.k > 1)', t);
		get diagnostics gone = row_count;
		n := n - gone;
		execute format('alter table gelombang.%I add constraint %I primary key (nik, wave)',
			t, t || '_pkey');
	end;
	lock table only gelombang.registration in access exclusive mode;
	execute format('select exists (select 1 from gelombang.%I)', p) into stored;
	if stored then
		execute format('insert into gelombang.registration select * from gelombang.%I'
			' order by nik on conflict (nik, wave) do nothing', t);
		get diagnostics n = row_count;
		execute format('drop table gelombang.%I', t);
		return n;
	end if;
	execute format('drop table gelombang.%I', p);
	execute format('alter table gelombang.%I rename to %I', t, p);
	execute format('alter index gelombang.%I rename to %I', t || '_pkey', p || '_pkey');
	execute format('alter table gelombang.registration attach partition gelombang.%I'
		' for values in (%s)', p, p_wave);
	execute format('create trigger %I before truncate on gelombang.%I
		for each statement execute function gelombang.refuse_truncate()',
		p || '_no_truncate', p);
	return n;
end $$;

-- Store the good staged rows, set the bad ones aside.  The first import
-- into a wave, the common case, meets an empty partition: the rows go in without probing the partition for each
--   NIK (a nested-loop anti-join over every staged row, about a tenth of
--   import_rows at a million rows, by EXPLAIN ANALYZE).  A NIK stored
--   meanwhile by a concurrent join is a unique violation, and the careful
--   statement then runs, as before.

create or replace function gelombang.import_rows(p_wave integer, p_run bigint, p_staged bigint,
	out accepted bigint, out rejected bigint)
language plpgsql as $$
declare
	bad bigint;
	empty boolean;
begin
	-- a stage filled by an older client has no clean column: check every row
	if not exists (select 1 from pg_attribute
		       where attrelid = 'pg_temp.import_stage'::regclass
			 and attname = 'clean' and not attisdropped) then
		alter table pg_temp.import_stage add column clean boolean not null default false;
	end if;
	-- the sort below is the size of the file: in memory, for this
	-- transaction only
	if pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('256MB') then
		perform set_config('work_mem', '256MB', true);
	end if;

	-- In NIK order the primary key grows at its right edge instead of
	-- splitting pages all over.  Of the good rows of one NIK the first in
	-- the file (the smaller line) is stored, unless the wave has the NIK
	-- already; the others are rejected below.  Without ON CONFLICT, whose
	-- speculative insertion costs a sixth of the statement: a NIK stored
	-- meanwhile by another session (join) is a unique violation, and then
	-- the careful statement runs instead.
	-- The first import of a wave (the common case) meets no stored NIK:
	-- its rows are loaded into a table of their own, which then replaces
	-- the empty partition.
	empty := not exists (select 1 from gelombang.registration r where r.wave = p_wave);
	if empty then
		execute format($q$
			insert into gelombang.%I (wave, nik, kk, name, birth_date, sex,
				occupation, in_school, receives_aid, region_code, phone, joined_at,
				source_line, run_id)
			select $1, s.nik, s.kk, s.name, s.birth_date::date, s.sex,
				s.occupation, s.in_school::boolean, s.receives_aid::boolean,
				coalesce(nullif(s.region_code, ''), left(s.nik, 4)), nullif(s.phone, ''),
				s.joined_at::timestamptz, s.line, $2
			from pg_temp.import_stage s
			where s.clean
			   or gelombang.registration_error(s.nik, s.kk, s.name, s.birth_date, s.sex,
				s.occupation, s.in_school, s.receives_aid, s.region_code, s.phone,
				s.joined_at) is null
			$q$, gelombang.registration_load_begin(p_wave)) using p_wave, p_run;
		get diagnostics accepted = row_count;
		accepted := gelombang.registration_load_end(p_wave, accepted);
	else
		begin
			insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
				occupation, in_school, receives_aid, region_code, phone, joined_at,
				source_line, run_id)
			select distinct on (s.nik) p_wave, s.nik, s.kk, s.name, s.birth_date::date, s.sex,
				s.occupation, s.in_school::boolean, s.receives_aid::boolean,
				coalesce(nullif(s.region_code, ''), left(s.nik, 4)), nullif(s.phone, ''),
				s.joined_at::timestamptz, s.line, p_run
			from pg_temp.import_stage s
			where (s.clean
			       or gelombang.registration_error(s.nik, s.kk, s.name, s.birth_date, s.sex,
				s.occupation, s.in_school, s.receives_aid, s.region_code, s.phone,
				s.joined_at) is null)
			  and not exists (select 1 from gelombang.registration r
					  where r.wave = p_wave and r.nik = s.nik)
			order by s.nik, s.line;
			get diagnostics accepted = row_count;
		exception when unique_violation then
			insert into gelombang.registration (wave, nik, kk, name, birth_date, sex,
				occupation, in_school, receives_aid, region_code, phone, joined_at,
				source_line, run_id)
			select p_wave, s.nik, s.kk, s.name, s.birth_date::date, s.sex, s.occupation,
				s.in_school::boolean, s.receives_aid::boolean,
				coalesce(nullif(s.region_code, ''), left(s.nik, 4)), nullif(s.phone, ''),
				s.joined_at::timestamptz, s.line, p_run
			from pg_temp.import_stage s
			where s.clean
			   or gelombang.registration_error(s.nik, s.kk, s.name, s.birth_date, s.sex,
				s.occupation, s.in_school, s.receives_aid, s.region_code, s.phone,
				s.joined_at) is null
			order by s.nik, s.line
			on conflict (wave, nik) do nothing;
			get diagnostics accepted = row_count;
		end;
	end if;

	-- every staged row stored: nothing to set aside (the common case, and
	-- the only one that checks each row just once)
	if accepted = p_staged then
		select count(*) into rejected from pg_temp.import_reject;
		return;
	end if;

	insert into pg_temp.import_reject (line, rec, error)
	select s.line,
		convert_to(concat_ws(',', gelombang.csv_quote(s.nik), gelombang.csv_quote(s.kk),
			gelombang.csv_quote(s.name), gelombang.csv_quote(s.birth_date),
			gelombang.csv_quote(s.sex), gelombang.csv_quote(s.occupation),
			gelombang.csv_quote(s.in_school), gelombang.csv_quote(s.receives_aid),
			gelombang.csv_quote(s.region_code), gelombang.csv_quote(s.phone),
			gelombang.csv_quote(s.joined_at)), 'UTF8'),
		e.error
	from pg_temp.import_stage s
	cross join lateral (select gelombang.registration_error(s.nik, s.kk, s.name,
		s.birth_date, s.sex, s.occupation, s.in_school, s.receives_aid,
		s.region_code, s.phone, s.joined_at) as error) e
	where e.error is not null;
	get diagnostics bad = row_count;

	-- rows that passed the checks but were not stored repeat a NIK
	if p_staged - bad > accepted then
		insert into pg_temp.import_reject (line, rec, error)
		select s.line,
			convert_to(concat_ws(',', gelombang.csv_quote(s.nik), gelombang.csv_quote(s.kk),
				gelombang.csv_quote(s.name), gelombang.csv_quote(s.birth_date),
				gelombang.csv_quote(s.sex), gelombang.csv_quote(s.occupation),
				gelombang.csv_quote(s.in_school), gelombang.csv_quote(s.receives_aid),
				gelombang.csv_quote(s.region_code), gelombang.csv_quote(s.phone),
				gelombang.csv_quote(s.joined_at)), 'UTF8'),
			case when r.run_id = p_run
				then 'duplicate nik: the same NIK is on line ' || r.source_line
				else 'duplicate nik: already registered in wave ' || p_wave end
		from pg_temp.import_stage s
		join gelombang.registration r on r.wave = p_wave and r.nik = s.nik
		where s.nik ~ '^[0-9]{16}$'
		  and (r.run_id is distinct from p_run or r.source_line <> s.line)
		  and gelombang.registration_error(s.nik, s.kk, s.name, s.birth_date, s.sex,
			s.occupation, s.in_school, s.receives_aid, s.region_code, s.phone,
			s.joined_at) is null;
	end if;

	select count(*) into rejected from pg_temp.import_reject;
end $$;
