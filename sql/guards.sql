-- guards.sql — what the database itself enforces, whoever writes: a wave
-- only moves forward and keeps what was fixed or frozen; outcomes,
-- participants, history and frozen inputs are written once; nothing is
-- truncated.  Only the owner may disable a guard.

create or replace function gelombang.refuse_change() returns trigger
language plpgsql as $$
begin
	raise exception '% on %.% is not allowed', tg_op, tg_table_schema, tg_table_name
		using errcode = 'insufficient_privilege',
		      hint = 'This table is append-only; only the migration owner may disable the guard.';
end $$;

-- A wave moves forward one state at a time; what was fixed at creation and
-- what was frozen by a job never changes.
create or replace function gelombang.wave_guard() returns trigger
language plpgsql as $$
begin
	if tg_op = 'DELETE' then
		raise exception 'wave % cannot be deleted', old.wave
			using errcode = 'insufficient_privilege';
	end if;
	if old.withdrawn_at is not null then
		raise exception 'wave % was withdrawn: nothing about it can change', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if (new.wave, new.opens_at, new.seed, new.commitment, new.created_at)
	   is distinct from
	   (old.wave, old.opens_at, old.seed, old.commitment, old.created_at) then
		raise exception 'wave %: its number, opening time and seed are fixed at creation', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	-- the closing and announcement times and the quota: only amend_wave
	-- (withdraw_wave likewise), with the owner's rights, and only while
	-- the wave is open; the function marks the one update it makes
	if ((new.closes_at, new.announce_at, new.quota, new.withdrawn_at)
	    is distinct from (old.closes_at, old.announce_at, old.quota, old.withdrawn_at))
	   and (old.state <> 'DIBUKA' or new.state <> 'DIBUKA'
		or current_setting('gelombang.amending', true) is distinct from old.wave::text
		or current_user <> (select c.relowner::regrole::name from pg_class c
				    where c.oid = tg_relid)) then
		raise exception 'wave %: times and quota change only through gelombang.amend_wave while the wave is open',
			old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if new.state < old.state then
		raise exception 'wave % cannot go back from % to %', old.wave, old.state, new.state
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if new.state > old.state
	   and array_position(enum_range(null::gelombang.wave_state), new.state)
	     <> array_position(enum_range(null::gelombang.wave_state), old.state) + 1 then
		raise exception 'wave % cannot skip from % to %', old.wave, old.state, new.state
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if (old.rules is not null and new.rules is distinct from old.rules)
	   or (old.close_date is not null and new.close_date is distinct from old.close_date)
	   or (old.sms is not null and new.sms is distinct from old.sms) then
		raise exception 'wave %: frozen inputs cannot change', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return new;
end $$;

create or replace trigger wave_guard before update or delete on gelombang.wave
	for each row execute function gelombang.wave_guard();

-- Quotas change only while the wave is open (and not withdrawn).
create or replace function gelombang.wave_quota_guard() returns trigger
language plpgsql as $$
declare
	w integer := case when tg_op = 'DELETE' then old.wave else new.wave end;
	s gelombang.wave_state;
	withdrawn boolean;
begin
	select state, withdrawn_at is not null into s, withdrawn from gelombang.wave where wave = w;
	if s is distinct from 'DIBUKA' then
		raise exception 'wave % is %: its quotas can no longer change', w, s
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if withdrawn then
		raise exception 'wave % was withdrawn: its quotas can no longer change', w
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return case when tg_op = 'DELETE' then old else new end;
end $$;

create or replace trigger wave_quota_guard before insert or update or delete on gelombang.wave_quota
	for each row execute function gelombang.wave_quota_guard();

-- Registrations keep the data of their own row; outcomes and participants
-- are written once by select; history and the outbox cursor only grow.
create or replace trigger registration_no_update before update on gelombang.registration
	for each row execute function gelombang.refuse_change();

create or replace trigger outcome_no_change before update or delete on gelombang.outcome
	for each row execute function gelombang.refuse_change();

create or replace trigger participant_no_change before update or delete on gelombang.participant
	for each row execute function gelombang.refuse_change();

create or replace trigger job_run_append_only before update or delete on gelombang.job_run
	for each row execute function gelombang.refuse_change();

create or replace trigger job_run_end_append_only before update or delete on gelombang.job_run_end
	for each row execute function gelombang.refuse_change();

create or replace trigger outbox_export_append_only before update or delete on gelombang.outbox_export
	for each row execute function gelombang.refuse_change();

create or replace trigger frozen_prior_no_change before update or delete on gelombang.frozen_prior
	for each row execute function gelombang.refuse_change();

create or replace trigger frozen_kk_prior_no_change before update or delete on gelombang.frozen_kk_prior
	for each row execute function gelombang.refuse_change();

create or replace function gelombang.refuse_truncate() returns trigger
language plpgsql as $$
begin
	raise exception 'TRUNCATE on %.% is not allowed', tg_table_schema, tg_table_name
		using errcode = 'insufficient_privilege';
end $$;

-- The parent's TRUNCATE trigger does not fire for TRUNCATE of a partition
-- itself: create_wave and outcome_load_end give each partition its own.
do $$
declare t text;
begin
	foreach t in array array['wave', 'wave_quota', 'registration', 'outcome', 'participant',
		'job_run', 'job_run_end', 'outbox_export', 'frozen_prior', 'frozen_kk_prior',
		'sms_queue', 'sms_message']
	loop
		execute format('create or replace trigger %I before truncate on gelombang.%I
			for each statement execute function gelombang.refuse_truncate()',
			t || '_no_truncate', t);
	end loop;
end $$;

create or replace function gelombang.wave_record_guard() returns trigger
language plpgsql as $$
begin
	if (old.closed_at is not null and new.closed_at is distinct from old.closed_at)
	   or (old.processed_at is not null and new.processed_at is distinct from old.processed_at)
	   or (old.selection_started_at is not null
	       and new.selection_started_at is distinct from old.selection_started_at)
	   or (old.selected_at is not null and new.selected_at is distinct from old.selected_at)
	   or (old.announced_at is not null and new.announced_at is distinct from old.announced_at)
	   or (old.rules_digest is not null and new.rules_digest is distinct from old.rules_digest) then
		raise exception 'wave %: what a job recorded cannot change', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return new;
end $$;

create or replace trigger wave_record_guard before update on gelombang.wave
	for each row execute function gelombang.wave_record_guard();

create or replace function gelombang.registration_delete_guard() returns trigger
language plpgsql as $$
begin
	if (select state from gelombang.wave where wave = old.wave) > 'DIBUKA' then
		raise exception 'wave % is closed: its registrations cannot be deleted', old.wave
			using errcode = 'insufficient_privilege';
	end if;
	return old;
end $$;

create or replace trigger registration_delete_guard before delete on gelombang.registration
	for each row execute function gelombang.registration_delete_guard();

create or replace function gelombang.wave_count_guard() returns trigger
language plpgsql as $$
begin
	if (old.entries is not null and new.entries is distinct from old.entries)
	   or (old.sms_recipients is not null
	       and new.sms_recipients is distinct from old.sms_recipients) then
		raise exception 'wave %: the counts taken at close cannot change', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return new;
end $$;

create or replace trigger wave_count_guard before update on gelombang.wave
	for each row execute function gelombang.wave_count_guard();

create or replace function gelombang.participant_wave_exists() returns trigger
language plpgsql as $$
declare
	missing integer;
begin
	select n.wave into missing from new_rows n
	where not exists (select 1 from gelombang.wave w where w.wave = n.wave)
	limit 1;
	if found then
		raise exception 'participant: wave % does not exist', missing
			using errcode = 'foreign_key_violation';
	end if;
	return null;
end $$;

create or replace trigger participant_wave_exists after insert on gelombang.participant
	referencing new table as new_rows
	for each statement execute function gelombang.participant_wave_exists();

-- Approval, first training, revocation (SPEC §9, §10) --------------------------

-- revoke_at is fixed at creation; what revoke and wave create recorded
-- never changes.
create or replace function gelombang.wave_revoke_guard() returns trigger
language plpgsql as $$
begin
	if new.revoke_at is distinct from old.revoke_at
	   or new.recovered is distinct from old.recovered
	   or (old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at)
	   or (old.revoked is not null and new.revoked is distinct from old.revoked) then
		raise exception 'wave %: revoke_at and what revoke recorded cannot change', old.wave
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return new;
end $$;

create or replace trigger wave_revoke_guard before update on gelombang.wave
	for each row execute function gelombang.wave_revoke_guard();

-- An approval is written by a member of gelombang_approver who did not run
-- the wave's select, while the wave is DISELEKSI; approve checks the same
-- first and says so more kindly.
create or replace function gelombang.approval_guard() returns trigger
language plpgsql as $$
declare
	s gelombang.wave_state;
begin
	new.approved_by := session_user;
	select state into s from gelombang.wave where wave = new.wave;
	if s is distinct from 'DISELEKSI' then
		raise exception 'wave % is %: only a selected wave (DISELEKSI) can be approved',
			new.wave, coalesce(s::text, 'not a wave')
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if not pg_has_role(session_user, 'gelombang_approver', 'MEMBER') then
		raise exception 'role % is not a member of gelombang_approver', session_user
			using errcode = 'insufficient_privilege';
	end if;
	if exists (select 1 from gelombang.job_run j
		   join gelombang.job_run_end e on e.run_id = j.id and e.outcome = 'SUCCEEDED'
		   where j.job = 'select' and j.wave = new.wave and j.db_role = session_user::text) then
		raise exception 'role % ran the select of wave %: another role must approve it',
			session_user, new.wave
			using errcode = 'insufficient_privilege';
	end if;
	return new;
end $$;

create or replace trigger approval_guard before insert on gelombang.approval
	for each row execute function gelombang.approval_guard();

-- A first training changes only to an earlier time, and only while its
-- wave is DIUMUMKAN: from revoke on, a wave's first trainings are what
-- revoke decided on, and what audit recomputes from.
create or replace function gelombang.first_training_guard() returns trigger
language plpgsql as $$
begin
	if tg_op = 'DELETE' or new.nik <> old.nik or new.wave <> old.wave
	   or new.first_training_at >= old.first_training_at
	   or (select state from gelombang.wave where wave = old.wave) is distinct from 'DIUMUMKAN' then
		raise exception '% of the first training of % is not allowed', tg_op, old.nik
			using errcode = 'insufficient_privilege',
			      hint = 'Only an earlier purchase replaces a first training, and only until the wave is revoked.';
	end if;
	return new;
end $$;

create or replace trigger first_training_guard before update or delete on gelombang.first_training
	for each row execute function gelombang.first_training_guard();

create or replace trigger approval_no_change before update or delete on gelombang.approval
	for each row execute function gelombang.refuse_change();
create or replace trigger revoked_no_change before update or delete on gelombang.revoked
	for each row execute function gelombang.refuse_change();
create or replace trigger wave_recovery_no_change before update or delete on gelombang.wave_recovery
	for each row execute function gelombang.refuse_change();
create or replace trigger reminder_no_change before update or delete on gelombang.reminder
	for each row execute function gelombang.refuse_change();

do $$
declare t text;
begin
	foreach t in array array['approval', 'first_training', 'revoked', 'wave_recovery', 'reminder']
	loop
		execute format('create or replace trigger %I before truncate on gelombang.%I
			for each statement execute function gelombang.refuse_truncate()',
			t || '_no_truncate', t);
	end loop;
end $$;

-- An SMS message keeps what it says and to whom; its state only moves
-- forward: PENDING -> SENT -> DELIVERED / FAILED (a report may come before
-- the submission is recorded: PENDING -> DELIVERED / FAILED).  DELIVERED
-- is final; FAILED goes back to PENDING only for sms retry, which clears
-- the answer.  Deleting a message would lose it.
create or replace function gelombang.sms_message_guard() returns trigger
language plpgsql as $$
begin
	if tg_op = 'DELETE' then
		raise exception 'sms message % cannot be deleted', old.id
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if new.id <> old.id or new.wave <> old.wave or new.nik <> old.nik or new.kind <> old.kind
	   or new.phone <> old.phone or new.status <> old.status or new.message <> old.message then
		raise exception 'sms message %: what it says and to whom cannot change', old.id
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	if new.state <> old.state
	   and (old.state = 'DELIVERED'
		or (old.state = 'FAILED' and not (new.state = 'PENDING' and new.answer is null))
		or (old.state = 'SENT' and new.state = 'PENDING')) then
		raise exception 'sms message %: state cannot go from % back to %',
			old.id, old.state, new.state
			using errcode = 'object_not_in_prerequisite_state';
	end if;
	return new;
end $$;

create or replace trigger sms_message_guard before update or delete on gelombang.sms_message
	for each row execute function gelombang.sms_message_guard();

create or replace trigger sms_queue_no_change before update or delete on gelombang.sms_queue
	for each row execute function gelombang.refuse_change();
