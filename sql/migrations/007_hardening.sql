-- 007_hardening.sql — closing what the first migrations left open.
--
--   * Functions created after 003 kept PostgreSQL's default EXECUTE for
--     PUBLIC; the dashboard role could call import_rows() and the like
--     (with its own rights, but still).  From now on functions in this
--     schema are executable only by the roles granted them.
--   * Any role could create temporary objects, which is how a dashboard
--     session could smuggle a leaky function into a query.  Only the batch
--     and auditor roles need temporary tables (import, audit).
--   * The times a job records on the wave, and the rules digest, are
--     fixed once written, like the rules themselves.
--   * A registration can be deleted only while its wave is open: after
--     close it is an input of the selection and of the audit.

alter default privileges in schema gelombang revoke execute on functions from public;
revoke execute on all functions in schema gelombang from public;
grant execute on all functions in schema gelombang to gelombang_batch;
grant execute on function gelombang.bind_nik(text), gelombang.status_label(text),
	gelombang.wave_status(gelombang.wave) to gelombang_dashboard;

do $$
begin
	execute format('revoke temporary on database %I from public', current_database());
	execute format('grant temporary on database %I to gelombang_batch, gelombang_auditor',
		current_database());
end $$;

create function gelombang.wave_record_guard() returns trigger
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

create trigger wave_record_guard before update on gelombang.wave
	for each row execute function gelombang.wave_record_guard();

create function gelombang.registration_delete_guard() returns trigger
language plpgsql as $$
begin
	if (select state from gelombang.wave where wave = old.wave) > 'DIBUKA' then
		raise exception 'wave % is closed: its registrations cannot be deleted', old.wave
			using errcode = 'insufficient_privilege';
	end if;
	return old;
end $$;

create trigger registration_delete_guard before delete on gelombang.registration
	for each row execute function gelombang.registration_delete_guard();
