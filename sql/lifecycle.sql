-- lifecycle.sql — the set-based work of the jobs that move a wave through
-- its states: create, close, process, select, and the bookkeeping of runs.
--
-- Functions that create partitions, constraints or statistics run with the
-- owner's rights (security definer, fixed search_path): the batch role may
-- not alter the schema itself.

-- A wave gets its registration partition at creation.  Its outcome
-- partition is made by select (outcome_load_begin/end): until then an
-- outcome of the wave cannot be stored at all.
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

-- Corrections while a wave is open (README "Operating a wave"): the
-- closing time, earlier or later but never before the clock nor before the
-- last entry's joined_at (that entry would fall outside the wave's hours);
-- the announcement time, never before the closing time; the national
-- quota.  A NULL keeps the value.  The wave guard lets these columns change
-- only here, with the owner's rights, and only while the wave is DIBUKA.
-- The caller holds the wave's lock, so no join or import runs meanwhile.
create or replace function gelombang.amend_wave(p_wave integer, p_closes timestamptz,
	p_announce timestamptz, p_quota bigint, p_now timestamptz,
	out old_closes timestamptz, out new_closes timestamptz,
	out old_announce timestamptz, out new_announce timestamptz,
	out old_quota bigint, out new_quota bigint)
language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	w gelombang.wave;
	last_join timestamptz;
begin
	select * into w from gelombang.wave where wave = p_wave for update;
	if not found then
		raise exception 'wave % does not exist', p_wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if w.withdrawn_at is not null then
		raise exception 'wave % was withdrawn: it cannot be amended', p_wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if w.state <> 'DIBUKA' then
		raise exception 'wave % is %: only an open wave can be amended', p_wave, w.state
			using errcode = 'object_not_in_prerequisite_state',
			      hint = 'Nothing about a closed wave can change.';
	end if;
	old_closes := w.closes_at;
	old_announce := w.announce_at;
	old_quota := w.quota;
	new_closes := coalesce(p_closes, w.closes_at);
	new_announce := coalesce(p_announce, w.announce_at);
	new_quota := coalesce(p_quota, w.quota);
	if new_closes is distinct from old_closes then
		if new_closes < p_now then
			raise exception 'wave %: the closing time % is before the clock (%)',
				p_wave, new_closes, p_now
				using errcode = 'invalid_parameter_value';
		end if;
		if new_closes <= w.opens_at then
			raise exception 'wave %: the closing time % is not after the opening time %',
				p_wave, new_closes, w.opens_at
				using errcode = 'invalid_parameter_value';
		end if;
		select max(r.joined_at) into last_join
		from gelombang.registration r where r.wave = p_wave;
		if new_closes <= last_join then
			raise exception 'wave %: the closing time % is not after the last join (%)',
				p_wave, new_closes, last_join
				using errcode = 'invalid_parameter_value',
				      hint = 'That entry would fall outside the wave''s hours.';
		end if;
	end if;
	if new_announce < new_closes then
		raise exception 'wave %: the announcement time % is before the closing time %',
			p_wave, new_announce, new_closes
			using errcode = 'invalid_parameter_value',
			      hint = 'Give --announce too.';
	end if;
	if new_quota < 0 then
		raise exception 'wave %: the quota % is negative', p_wave, new_quota
			using errcode = 'invalid_parameter_value';
	end if;
	perform set_config('gelombang.amending', p_wave::text, true);
	update gelombang.wave
	set closes_at = new_closes, announce_at = new_announce, quota = new_quota
	where wave = p_wave;
	perform set_config('gelombang.amending', '', true);
end $$;

-- A wave nobody joined can be withdrawn while it is open.  It stays DIBUKA
-- (SPEC's states are fixed) with withdrawn_at set: run-due skips it, and
-- its partition refuses every row, as a closed wave's does.
create or replace function gelombang.withdraw_wave(p_wave integer, p_now timestamptz)
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	w gelombang.wave;
	n bigint;
begin
	select * into w from gelombang.wave where wave = p_wave for update;
	if not found then
		raise exception 'wave % does not exist', p_wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if w.withdrawn_at is not null then
		raise exception 'wave % was already withdrawn', p_wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if w.state <> 'DIBUKA' then
		raise exception 'wave % is %: only an open wave can be withdrawn', p_wave, w.state
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	execute format('alter table gelombang.%I add constraint wave_withdrawn check (false) not valid',
		'registration_' || p_wave);
	select count(*) into n from gelombang.registration r where r.wave = p_wave;
	if n > 0 then
		raise exception 'wave % has % entries: only a wave without entries can be withdrawn',
			p_wave, n
			using errcode = 'object_not_in_prerequisite_state',
			      hint = 'Amend its times instead.';
	end if;
	perform set_config('gelombang.amending', p_wave::text, true);
	update gelombang.wave set withdrawn_at = p_now where wave = p_wave;
	perform set_config('gelombang.amending', '', true);
end $$;

create or replace function gelombang.close_wave(p_wave integer, p_now timestamptz,
	out entries bigint, out outside bigint, out seed text)
language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	phones bigint;
begin
	execute format('alter table gelombang.%I add constraint wave_closed check (false) not valid',
		'registration_' || p_wave);
	select count(*),
		count(*) filter (where r.joined_at < w.opens_at or r.joined_at >= w.closes_at),
		count(*) filter (where r.phone is not null)
	into entries, outside, phones
	from gelombang.registration r
	join gelombang.wave w on w.wave = r.wave
	where r.wave = p_wave;
	update gelombang.wave w
	set state = 'DITUTUP', closed_at = p_now, entries = close_wave.entries,
	    sms_recipients = phones
	where w.wave = p_wave
	returning w.seed into seed;
end $$;

-- Fresh statistics before the set-based jobs.  A wave's partition is filled by import in one transaction, and the
-- frozen tables by process; autovacuum may not have analysed them when
-- select runs a minute later, and without statistics the planner picks
-- nested loops that turn a minute into hours.  The jobs therefore analyse
-- what they are about to read.  ANALYZE needs the owner's rights.

create or replace function gelombang.analyze_wave(p_wave integer)
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
begin
	if not exists (select 1 from gelombang.wave where wave = p_wave) then
		return;
	end if;
	execute format('analyze gelombang.%I', 'registration_' || p_wave);
	analyze gelombang.participant;
	analyze gelombang.frozen_prior;
	analyze gelombang.frozen_kk_prior;
	analyze gelombang.wave_quota;
end $$;

-- process: freeze what selection reads about earlier waves, and the rules;
-- the number of entries is the one close took (counted here for a wave
-- closed before close counted).
create or replace function gelombang.freeze_inputs(p_wave integer, p_rules jsonb, p_digest text, p_now timestamptz)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	insert into gelombang.frozen_prior (wave, nik)
	select p_wave, r.nik
	from gelombang.registration r
	join gelombang.participant p on p.nik = r.nik and p.wave < p_wave
	where r.wave = p_wave;

	insert into gelombang.frozen_kk_prior (wave, kk, prior)
	select p_wave, p.kk, count(*)
	from gelombang.participant p
	where p.wave < p_wave
	  and p.kk in (select r.kk from gelombang.registration r where r.wave = p_wave)
	group by p.kk;

	update gelombang.wave
	set state = 'DIPROSES', processed_at = p_now, rules = p_rules, rules_digest = p_digest,
	    close_date = (closes_at at time zone (p_rules->>'timezone'))::date
	where wave = p_wave
	returning entries into n;

	if n is null then
		select count(*) into n from gelombang.registration where wave = p_wave;
	end if;
	return n;
end $$;

-- Statistics before select: what process froze.  The wave's partition
-- cannot have changed since process analysed it.
create or replace function gelombang.analyze_frozen()
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
begin
	analyze gelombang.frozen_prior;
	analyze gelombang.frozen_kk_prior;
	analyze gelombang.wave_quota;
end $$;

-- The table select loads a processed wave's outcomes into; the batch role
-- may insert into it until outcome_load_end.
create or replace function gelombang.outcome_load_begin(p_wave integer)
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
create or replace function gelombang.outcome_load_end(p_wave integer)
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

-- select: a wave's outcomes are loaded into a table of their own, indexed
-- once they are all in, then attached as the wave's partition of outcome:
-- one index build sorts the keys, and ATTACH finds CHECK (wave = N) and
-- does not scan the rows again.  The load is one transaction with the
-- selection: killed, it leaves neither the table nor any outcome.  ATTACH
-- locks the parent in SHARE UPDATE EXCLUSIVE mode, which does not block
-- the dashboard's reads.
--
-- Every outcome and the participants in one statement; the
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

-- A run is dead when it has no end row and its server session is gone
-- (the lock it held went with it).
create or replace function gelombang.mark_dead_runs(p_wave integer)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	insert into gelombang.job_run_end (run_id, job, wave, outcome, message)
	select j.id, j.job, j.wave, 'DEAD',
		'found dead: its session ended without finishing'
	from gelombang.job_run j
	where (p_wave is null or j.wave is not distinct from p_wave)
	  and not exists (select 1 from gelombang.job_run_end e where e.run_id = j.id)
	  -- pg_stat_activity hides backend_start of other roles' sessions:
	  -- a session with the run's pid whose start is hidden counts as alive
	  and not exists (select 1 from pg_stat_activity a
			  where a.pid = j.backend_pid
			    and (a.backend_start is null or j.backend_start is null
				 or a.backend_start = j.backend_start));
	get diagnostics n = row_count;
	return n;
end $$;
