-- lifecycle.sql — the set-based work of the jobs that move a wave through
-- its states: create, close, process, select, and the bookkeeping of runs.
--
-- Functions that create partitions, constraints or statistics run with the
-- owner's rights (security definer, fixed search_path): the batch role may
-- not alter the schema itself.

-- A wave gets its registration partition at creation.  Its outcome
-- partition is made by select (outcome_load_begin/end): until then an
-- outcome of the wave cannot be stored at all.  p_recover: earlier SELESAI
-- waves whose revoked places (SPEC §10) are added to the national quota,
-- each recoverable once (wave_recovery's key refuses a second time).
-- Without p_revoke, wave_revoke_at_default fills in SPEC §10's default
-- for 30 days (wave create passes revoke_at when the configuration differs).
create or replace function gelombang.create_wave(p_wave integer, p_opens timestamptz,
	p_closes timestamptz, p_announce timestamptz, p_quota bigint, p_seed text,
	p_revoke timestamptz default null, p_recover integer[] default null)
returns text language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	c text;
	src record;
	places bigint := 0;
begin
	for src in
		select s.w, x.state, x.revoked, r.wave as taken_by
		from unnest(coalesce(p_recover, '{}')) as s(w)
		left join gelombang.wave x on x.wave = s.w
		left join gelombang.wave_recovery r on r.source_wave = s.w
		order by s.w
	loop
		if src.state is distinct from 'SELESAI' then
			raise exception 'wave % cannot be recovered: it is %', src.w,
				coalesce(src.state::text, 'not a wave')
				using errcode = 'object_not_in_prerequisite_state',
				      hint = 'Only a wave whose revocation has run (SELESAI) gives places back.';
		end if;
		if src.taken_by is not null then
			raise exception 'wave % cannot be recovered: its places went to wave % already',
				src.w, src.taken_by
				using errcode = 'object_not_in_prerequisite_state';
		end if;
		places := places + src.revoked;
	end loop;
	if cardinality(p_recover) <> (select count(distinct x) from unnest(p_recover) x) then
		raise exception 'a wave to recover is listed twice'
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	insert into gelombang.wave (wave, opens_at, closes_at, announce_at, revoke_at, quota,
		recovered, seed, commitment)
	values (p_wave, p_opens, p_closes, p_announce, p_revoke, p_quota + places, places,
		lower(p_seed), encode(sha256(convert_to(lower(p_seed), 'UTF8')), 'hex'))
	returning commitment into c;
	insert into gelombang.wave_recovery (source_wave, wave, places)
	select s.w, p_wave, x.revoked
	from unnest(coalesce(p_recover, '{}')) as s(w)
	join gelombang.wave x on x.wave = s.w;
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

-- A wave inserted without revoke_at (by hand, or by an older client) gets
-- SPEC §10's default for 30 days in the session's TimeZone.
create or replace function gelombang.wave_revoke_at_default() returns trigger
language plpgsql as $$
begin
	if new.revoke_at is null then
		new.revoke_at := ((new.announce_at at time zone current_setting('TimeZone'))::date + 29
				  + time '23:59') at time zone current_setting('TimeZone');
	end if;
	return new;
end $$;

create or replace trigger wave_revoke_at_default before insert on gelombang.wave
	for each row execute function gelombang.wave_revoke_at_default();

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
	    or (p_job = 'approve' and pg_has_role(session_user, 'gelombang_approver', 'MEMBER'))
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

-- revoke (SPEC §10) ------------------------------------------------------------

-- Every participant of the wave without a first training at or before
-- revoke_at is revoked; the wave becomes SELESAI.  The participant rows
-- are not touched.  The first-training rows of the wave's participants
-- are frozen from here on (guards.sql: they change only while the wave is
-- DIUMUMKAN), which is what audit recomputes the revocations from.
create or replace function gelombang.revoke_wave(p_wave integer, p_now timestamptz,
	out participants bigint, out revoked bigint, out trained bigint)
language plpgsql as $$
begin
	if pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('256MB') then
		perform set_config('work_mem', '256MB', true);
	end if;
	perform set_config('jit', 'off', true);
	insert into gelombang.revoked (nik, wave)
	select p.nik, p_wave
	from gelombang.participant p
	where p.wave = p_wave
	  and not exists (select 1 from gelombang.first_training t
			  join gelombang.wave w on w.wave = p_wave
			  where t.nik = p.nik and t.first_training_at <= w.revoke_at)
	order by p.nik;
	get diagnostics revoked = row_count;
	select count(*) into participants from gelombang.participant p where p.wave = p_wave;
	trained := participants - revoked;
	update gelombang.wave w
	set state = 'SELESAI', revoked_at = p_now, revoked = revoke_wave.revoked
	where w.wave = p_wave;
end $$;

-- Who revoke must revoke, recomputed from the stored first trainings (the
-- audit of a SELESAI wave compares it with gelombang.revoked).
create or replace function gelombang.revocation(p_wave integer)
returns table (nik text, first_training_at timestamptz)
language sql stable as $$
	select p.nik::text, t.first_training_at
	from gelombang.participant p
	join gelombang.wave w on w.wave = p.wave
	left join gelombang.first_training t on t.nik = p.nik
	where p.wave = p_wave
	  and (t.nik is null or t.first_training_at > w.revoke_at)
$$;

-- training import: the staged rows (pg_temp.training_stage: line, clean,
-- nik, first_training_at as text) checked against SPEC §10 (clean: the
-- client vouches for the form of both fields, training.c), the good ones
-- stored (the earliest time per NIK wins, so a second import of the same
-- file changes nothing), the bad ones set aside in pg_temp.training_reject.
-- The announced waves are locked FOR SHARE first: a revoke waiting for one
-- of them waits for this import, and a wave revoked meanwhile is seen as
-- SELESAI by the checks below.
create or replace function gelombang.training_rows(p_run bigint,
	out accepted bigint, out rejected bigint, out stored bigint)
language plpgsql as $$
begin
	perform 1 from gelombang.wave where state = 'DIUMUMKAN' order by wave for share;
	if pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('256MB') then
		perform set_config('work_mem', '256MB', true);
	end if;
	create temporary table training_checked on commit drop as
	select s.line, s.nik, s.first_training_at, p.wave,
		case
		when not s.clean and (s.nik is null or s.nik !~ '^[0-9]{16}$')
			then 'nik: must be exactly 16 digits'
		when not s.clean and (s.first_training_at is null
				      or not gelombang.is_timestamptz(s.first_training_at))
			then 'first_training_at: must be an ISO 8601 time with an offset'
		when p.nik is null then 'nik: not a participant of any wave'
		when w.state <> 'DIUMUMKAN'
			then format('nik: a participant of wave %s, which is %s, not DIUMUMKAN', p.wave, w.state)
		end as error
	from pg_temp.training_stage s
	left join gelombang.participant p on p.nik = s.nik
	left join gelombang.wave w on w.wave = p.wave;

	insert into gelombang.first_training as f (nik, wave, first_training_at, source_line, run_id)
	select distinct on (c.nik) c.nik, c.wave, c.first_training_at::timestamptz, c.line, p_run
	from pg_temp.training_checked c
	where c.error is null
	order by c.nik, c.first_training_at::timestamptz, c.line
	on conflict (nik) do update
		set first_training_at = excluded.first_training_at,
		    source_line = excluded.source_line, run_id = excluded.run_id
		where excluded.first_training_at < f.first_training_at;
	get diagnostics stored = row_count;

	insert into pg_temp.training_reject (line, rec, error)
	select c.line, convert_to(gelombang.csv_quote(c.nik) || ',' || gelombang.csv_quote(c.first_training_at),
		'UTF8'), c.error
	from pg_temp.training_checked c
	where c.error is not null;
	select count(*) filter (where c.error is null) into accepted from pg_temp.training_checked c;
	select count(*) into rejected from pg_temp.training_reject;
end $$;

-- The reminder SMS (kind PENGINGAT) of an announced wave, once its time has
-- come (p_days days before revoke_at): one per participant with a phone
-- and without a first training yet, rendered from p_template ({nama}
-- {gelombang} {kartu} {batas}: the deadline in WIB), at most once per
-- participant whatever the number of runs.  Returns the messages queued.
create or replace function gelombang.queue_reminders(p_wave integer, p_now timestamptz,
	p_days integer, p_template text, p_run bigint)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	insert into gelombang.reminder (nik, kind, wave, phone, message, run_id)
	select p.nik, 'PENGINGAT', p_wave, r.phone,
		replace(replace(replace(replace(p_template,
			'{gelombang}', p_wave::text),
			'{kartu}', p.card_number),
			'{batas}', to_char(w.revoke_at at time zone interval '+07:00', 'FMDD/FMMM/YYYY HH24.MI') || ' WIB'),
			'{nama}', r.name),
		p_run
	from gelombang.wave w
	join gelombang.participant p on p.wave = w.wave
	join gelombang.registration r on r.wave = p.wave and r.nik = p.nik
	where w.wave = p_wave and w.state = 'DIUMUMKAN'
	  and p_now >= w.revoke_at - make_interval(days => p_days) and p_now < w.revoke_at
	  and r.phone is not null
	  and not exists (select 1 from gelombang.first_training t
			  where t.nik = p.nik and t.first_training_at <= p_now)
	order by p.nik
	on conflict (nik, kind) do nothing;
	get diagnostics n = row_count;
	return n;
end $$;
