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
--
-- Each participant's card number is drawn at random (card_of_digits,
-- SPEC §4 step 6).  A number already held — by a participant of any wave,
-- or drawn twice in this statement — is skipped by ON CONFLICT and that
-- participant drawn again, the few of them in one statement a round,
-- until every winner has a card.  The kk and saldo of a winner are those
-- selection() gives: the wave's own registration row, the frozen saldo.
create or replace function gelombang.store_selection(p_wave integer)
returns bigint language plpgsql as $$
declare
	old_partition boolean := to_regclass(format('gelombang.%I', 'outcome_' || p_wave)) is not null;
	n bigint;
	winners bigint;
	carded bigint;
	added bigint;
	rounds integer := 0;
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
			select x.nik, $1, x.kk, gelombang.card_of_digits(x.digits), x.saldo
			from (select s.nik, s.kk, s.saldo, gelombang.random_card_digits() as digits
			      from s where s.reason is null offset 0) x
			order by x.nik
			on conflict (card_number) do nothing
			returning 1
		),
		outcomes as (
			insert into gelombang.%I (wave, nik, reason, lottery_key)
			select $1, s.nik, s.reason, s.lottery_key from s %s
		)
		select (select count(*) from s), (select count(*) from s where s.reason is null),
			(select count(*) from participants)
		$q$,
		case when old_partition then 'outcome' else 'outcome_' || p_wave end,
		case when old_partition then 'order by s.nik' else '' end)
	into n, winners, carded using p_wave;
	if not old_partition then
		perform gelombang.outcome_load_end(p_wave);
	end if;
	while carded < winners loop
		rounds := rounds + 1;
		if rounds > 100 then
			raise exception 'wave %: could not draw a unique card number for % participants',
				p_wave, winners - carded;
		end if;
		insert into gelombang.participant (nik, wave, kk, card_number, saldo)
		select m.nik, p_wave, m.kk, gelombang.card_of_digits(m.digits),
			(select (w.rules->>'saldo')::bigint from gelombang.wave w where w.wave = p_wave)
		from (select o.nik, r.kk, gelombang.random_card_digits() as digits
		      from gelombang.outcome o
		      join gelombang.registration r on r.wave = p_wave and r.nik = o.nik
		      where o.wave = p_wave and o.reason is null
			and not exists (select 1 from gelombang.participant x where x.nik = o.nik)
		      offset 0) m
		on conflict (card_number) do nothing;
		get diagnostics added = row_count;
		carded := carded + added;
	end loop;
	return n;
end $$;

-- The history of runs (job_run, job_run_end) is written only here: no
-- role but the owner may insert into those tables (roles.sql).  A run is
-- started by run_start, which records the database role (session_user)
-- beside the operator the command line names, the session (pid and start)
-- and the clock the run uses; it is ended once, by the session that
-- started it, with run_end, in the transaction of its work.  DEAD is
-- written only by mark_dead_runs, for runs whose session is gone.  So a
-- login of the batch role cannot put a run in another role's name, end a
-- run it did not start, or record a lifecycle job SUCCEEDED that did not
-- move the wave.
--
-- p_backend_start is the session's start as the caller sees it in
-- pg_stat_activity: under the owner's rights the view hides other roles'
-- sessions.  It is used only where the owner cannot see it, and only
-- tells a run's session from a later one with the same pid.

-- SQLSTATE 42501 when the caller's login may not record the job: the
-- batch role (and the owner) any job, the auditor only its audits.
create or replace function gelombang.run_may_record(p_job text)
returns boolean language sql stable
set search_path = pg_catalog, pg_temp as $$
	select pg_has_role(session_user, 'gelombang_batch', 'MEMBER')
	    or pg_has_role(session_user, (select n.nspowner from pg_namespace n
					  where n.nspname = 'gelombang'), 'MEMBER')
	    or (p_job = 'audit' and pg_has_role(session_user, 'gelombang_auditor', 'MEMBER'))
$$;

create or replace function gelombang.run_start(p_job text, p_wave integer, p_operator text,
	p_host text, p_client_pid integer, p_command_line text, p_config_digest text,
	p_version text, p_clock timestamptz, p_dry_run boolean, p_backend_start timestamptz)
returns bigint language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	id bigint;
begin
	if not gelombang.run_may_record(p_job) then
		raise exception 'role "%" may not record a run of "%"', session_user, p_job
			using errcode = 'insufficient_privilege';
	end if;
	insert into gelombang.job_run (job, wave, operator, db_role, host, client_pid, backend_pid,
		backend_start, command_line, config_digest, version, now_override, dry_run)
	values (p_job, p_wave, p_operator, session_user, p_host, p_client_pid, pg_backend_pid(),
		coalesce((select a.backend_start from pg_stat_activity a where a.pid = pg_backend_pid()),
			 p_backend_start),
		p_command_line, p_config_digest, p_version, p_clock, coalesce(p_dry_run, false))
	returning job_run.id into id;
	return id;
end $$;

-- The state a lifecycle job leaves its wave in: its SUCCEEDED end row is
-- accepted only when the wave is in it (in the run's own transaction).
create or replace function gelombang.run_job_state(p_job text)
returns gelombang.wave_state language sql immutable as $$
	select case p_job when 'close' then 'DITUTUP'::gelombang.wave_state
			  when 'process' then 'DIPROSES'
			  when 'select' then 'DISELEKSI'
			  when 'announce' then 'DIUMUMKAN' end
$$;

create or replace function gelombang.run_end(p_run bigint, p_outcome text, p_rows bigint,
	p_message text)
returns void language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	j gelombang.job_run;
	mine timestamptz := (select a.backend_start from pg_stat_activity a
			     where a.pid = pg_backend_pid());
	want gelombang.wave_state;
begin
	select * into j from gelombang.job_run where id = p_run;
	if not found then
		raise exception 'job run % does not exist', p_run
			using errcode = 'no_data_found';
	end if;
	if j.backend_pid <> pg_backend_pid()
	   or (mine is not null and j.backend_start is distinct from mine) then
		raise exception 'job run % was not started by this session', p_run
			using errcode = 'insufficient_privilege',
			      hint = 'A run is ended by the session that started it; a run whose session is gone is marked DEAD by the next run.';
	end if;
	if exists (select 1 from gelombang.job_run_end e where e.run_id = p_run) then
		raise exception 'job run % has already ended', p_run
			using errcode = 'unique_violation';
	end if;
	if p_outcome = 'DEAD' then
		raise exception 'job run %: DEAD is recorded only for a run whose session is gone', p_run
			using errcode = 'insufficient_privilege';
	end if;
	if p_outcome = 'SUCCEEDED' then
		want := gelombang.run_job_state(j.job);
		if j.dry_run then
			raise exception 'job run %: a dry run cannot succeed', p_run
				using errcode = 'object_not_in_prerequisite_state';
		end if;
		if want is not null and (select w.state from gelombang.wave w where w.wave = j.wave)
					 is distinct from want then
			raise exception 'job run %: % of wave % succeeds only when the wave is %',
				p_run, j.job, j.wave, want
				using errcode = 'object_not_in_prerequisite_state';
		end if;
	end if;
	insert into gelombang.job_run_end (run_id, job, wave, outcome, rows, message)
	values (p_run, j.job, j.wave, p_outcome, p_rows, p_message);
end $$;

-- A run is dead when it has no end row and its server session is gone
-- (the lock it held went with it).  Under the owner's rights: the history
-- tables take no other writer.
create or replace function gelombang.mark_dead_runs(p_wave integer)
returns bigint language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
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
