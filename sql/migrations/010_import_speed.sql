-- 010_import_speed.sql — import_rows as in 004, with one saving.
--
--   The first import into a wave, the common case, meets an empty
--   partition: the rows go in without probing the partition for each
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
	-- with empty true, the planner folds the probe of the partition away
	-- (each import calls this once in its session: a custom plan, with
	-- the value of empty in it).
	empty := not exists (select 1 from gelombang.registration r where r.wave = p_wave);
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
		  and (empty or not exists (select 1 from gelombang.registration r
					    where r.wave = p_wave and r.nik = s.nik))
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
