-- 011_outcome_load.sql — a wave's outcomes are loaded into a table of their
-- own, indexed once they are all in, and then attached as the wave's
-- partition of outcome.
--
-- select writes an outcome for every entry of the wave.  Into the indexed
-- partition that create_wave made, each row also went into the primary
-- key, and the rows had to be sorted by NIK first for the key to grow at
-- its right edge.  A table created in select's own transaction takes the
-- rows as they come; one index build sorts their keys; ATTACH PARTITION
-- then finds the CHECK (wave = N) and does not scan the rows again.
--
-- Until select, a wave therefore has no outcome partition, and an outcome
-- of a wave that was not selected cannot be stored at all: no partition
-- takes the row.  The load is one transaction with the selection: killed,
-- it leaves neither the table nor any outcome.  ATTACH PARTITION locks the
-- parent in SHARE UPDATE EXCLUSIVE mode, which does not block the
-- dashboard's reads.  Waves created before this migration keep the
-- partition create_wave gave them, and select fills it as before.

create or replace function gelombang.create_wave(p_wave integer, p_opens timestamptz,
	p_closes timestamptz, p_announce timestamptz, p_quota bigint, p_seed text)
returns text language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	c text;
begin
	insert into gelombang.wave (wave, opens_at, closes_at, announce_at, quota, seed, commitment)
	values (p_wave, p_opens, p_closes, p_announce, p_quota, lower(p_seed),
		encode(sha256(convert_to(lower(p_seed), 'UTF8')), 'hex'))
	returning commitment into c;
	execute format('create table gelombang.%I partition of gelombang.registration for values in (%s)',
		'registration_' || p_wave, p_wave);
	-- The parent's TRUNCATE trigger does not fire for TRUNCATE of a
	-- partition itself; each partition gets its own.
	execute format('create trigger %I before truncate on gelombang.%I
		for each statement execute function gelombang.refuse_truncate()',
		'registration_' || p_wave || '_no_truncate', 'registration_' || p_wave);
	return c;
end $$;

-- The table select loads a processed wave's outcomes into; the batch role
-- may insert into it until outcome_load_end.
create function gelombang.outcome_load_begin(p_wave integer)
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
begin
	if (select w.state from gelombang.wave w where w.wave = p_wave) is distinct from 'DIPROSES' then
		raise exception 'wave %: outcomes are stored only by select of a processed wave', p_wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	execute format('create table gelombang.%I (like gelombang.outcome including defaults'
		' including constraints, constraint %I check (wave = %s))',
		'outcome_' || p_wave, 'outcome_' || p_wave || '_wave', p_wave);
	execute format('grant insert on gelombang.%I to gelombang_batch', 'outcome_' || p_wave);
end $$;

-- The loaded table becomes the wave's partition: its primary key built
-- in one pass (a duplicate NIK fails here, and the whole select with it),
-- attached under the parent's key, and guarded as create_wave guards a
-- partition.
create function gelombang.outcome_load_end(p_wave integer)
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	t text := 'outcome_' || p_wave;
begin
	execute format('revoke insert on gelombang.%I from gelombang_batch', t);
	execute format('alter table gelombang.%I add constraint %I primary key (nik, wave)',
		t, t || '_pkey');
	execute format('alter table gelombang.outcome attach partition gelombang.%I for values in (%s)',
		t, p_wave);
	execute format('create trigger %I before truncate on gelombang.%I
		for each statement execute function gelombang.refuse_truncate()',
		t || '_no_truncate', t);
end $$;

revoke execute on function gelombang.outcome_load_begin(integer),
	gelombang.outcome_load_end(integer) from public;
grant execute on function gelombang.outcome_load_begin(integer),
	gelombang.outcome_load_end(integer) to gelombang_batch;

-- select: every outcome and the participants in one statement; the
-- selection is computed once, held in memory, and each entry's outcome
-- written once.  The sorts and hashes of a whole wave get the memory they
-- need, for this transaction only.  Without JIT: compiling the statement
-- took longer than the compiled code saved (1.3 s of 16 at a million
-- entries).  Participants go in NIK order, filling their primary key from
-- left to right.  The outcomes go into the table outcome_load_begin made;
-- for a wave created before 011, into its partition, in NIK order, for the
-- same reason as the participants.
create or replace function gelombang.store_selection(p_wave integer)
returns bigint language plpgsql as $$
declare
	old_partition boolean := to_regclass(format('gelombang.%I', 'outcome_' || p_wave)) is not null;
	n bigint;
begin
	if pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('256MB') then
		perform set_config('work_mem', '256MB', true);
	end if;
	perform set_config('jit', 'off', true);
	if not old_partition then
		perform gelombang.outcome_load_begin(p_wave);
	end if;
	execute format($q$
		with s as materialized (
			select * from gelombang.selection($1)
		),
		participants as (
			insert into gelombang.participant (nik, wave, kk, card_number, saldo)
			select s.nik, $1, s.kk, s.card_number, s.saldo
			from s where s.reason is null
			order by s.nik
		)
		insert into gelombang.%I (wave, nik, reason, lottery_key)
		select $1, s.nik, s.reason, s.lottery_key from s %s
		$q$,
		case when old_partition then 'outcome' else 'outcome_' || p_wave end,
		case when old_partition then 'order by s.nik' else '' end) using p_wave;
	get diagnostics n = row_count;
	if not old_partition then
		perform gelombang.outcome_load_end(p_wave);
	end if;
	return n;
end $$;
