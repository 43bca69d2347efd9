-- roles.sql — who may do what (README "Roles").  Applied after every other
-- code file, so that what they (re)create gets its grants here, in one
-- place.  Every statement can run again and gives the same privileges.
--
--   gelombang_batch      runs the jobs: reads and writes the data, never the
--                        schema; what needs the owner's rights (partitions,
--                        constraints, statistics) goes through security
--                        definer functions.
--   gelombang_dashboard  calls gelombang.dashboard_lookup(nik) and nothing
--                        else: no table, no view, no other function.
--   gelombang_auditor    reads everything, writes nothing but the history
--                        of its own audit runs.
--   gelombang_approver   approves a selected wave (SPEC §9): reads the
--                        results, writes approvals and its own runs.
--
-- Roles are cluster-wide: another database of the cluster may have made
-- them already.  They are NOLOGIN groups; grant them to login roles.

do $$
declare r text;
begin
	foreach r in array array['gelombang_batch', 'gelombang_dashboard', 'gelombang_auditor',
		'gelombang_approver']
	loop
		if not exists (select 1 from pg_roles where rolname = r) then
			execute format('create role %I nologin', r);
		end if;
	end loop;
end $$;

revoke all on schema gelombang from public;
grant usage on schema gelombang to gelombang_batch, gelombang_dashboard, gelombang_auditor,
	gelombang_approver;

-- Temporary objects are how a session could smuggle a leaky function into
-- a query; only import and audit need temporary tables.
do $$
begin
	execute format('revoke temporary on database %I from public', current_database());
	execute format('grant temporary on database %I to gelombang_batch, gelombang_auditor',
		current_database());
end $$;

-- Tables and views ------------------------------------------------------------

-- Named one by one: a wave's partitions are reached through their parent
-- and get no grants of their own.
grant select on gelombang.wave, gelombang.wave_quota, gelombang.registration,
	gelombang.outcome, gelombang.participant, gelombang.frozen_prior,
	gelombang.frozen_kk_prior, gelombang.job_run, gelombang.job_run_end,
	gelombang.outbox_export, gelombang.schema_migration, gelombang.schema_code,
	gelombang.dashboard, gelombang.outbox, gelombang.history, gelombang.applicant,
	gelombang.approval, gelombang.first_training, gelombang.revoked,
	gelombang.wave_recovery, gelombang.reminder,
	gelombang.sms_queue, gelombang.sms_message
	to gelombang_batch, gelombang_auditor;

-- batch: what the jobs need, and nothing that rewrites history or outcomes
grant insert on gelombang.registration, gelombang.outcome, gelombang.participant,
	gelombang.frozen_prior, gelombang.frozen_kk_prior, gelombang.outbox_export,
	gelombang.wave_quota
	to gelombang_batch;
grant delete on gelombang.wave_quota to gelombang_batch;
grant insert on gelombang.sms_queue, gelombang.sms_message to gelombang_batch;
grant update (state, attempts, sent_at, sent_run, answer, report, report_at, reports)
	on gelombang.sms_message to gelombang_batch;
grant update (state, processed_at, selection_started_at, selected_at, announced_at,
	rules, rules_digest, close_date, sms, revoked_at, revoked) on gelombang.wave to gelombang_batch;
grant insert on gelombang.first_training, gelombang.revoked, gelombang.reminder
	to gelombang_batch;
grant update (first_training_at, source_line, run_id) on gelombang.first_training
	to gelombang_batch;

-- approver: what approve reads (the results, the runs) and writes
grant select on gelombang.wave, gelombang.outcome, gelombang.participant, gelombang.revoked,
	gelombang.job_run, gelombang.job_run_end, gelombang.approval to gelombang_approver;
grant insert on gelombang.approval to gelombang_approver;

-- The history is written only through gelombang.run_start, run_end and
-- the dead-run markers (lifecycle.sql), under the owner's rights: no role
-- inserts into its tables (earlier versions granted it; taken back here).
-- The auditor records its audits through the same functions.
revoke insert, update, delete, truncate on gelombang.job_run, gelombang.job_run_end
	from gelombang_batch, gelombang_auditor, gelombang_approver;

-- dashboard: no table or view at all; the look-up function below (it runs
-- with its owner's rights).  Revoked by name for a database upgraded from
-- the days when the role read the view.
revoke all on gelombang.dashboard from gelombang_dashboard;

-- Functions -------------------------------------------------------------------

-- Executable only by the roles granted them.  Per-schema default
-- privileges cannot take PUBLIC's EXECUTE away, so this runs after every
-- code file, over every function.
revoke execute on all functions in schema gelombang from public;
grant execute on all functions in schema gelombang to gelombang_batch;
revoke execute on all functions in schema gelombang from gelombang_dashboard;
grant execute on function gelombang.dashboard_lookup(text) to gelombang_dashboard;

-- The auditor reads everything, so it may call every function that cannot
-- write: neither volatile (a stable or immutable function is refused any
-- INSERT, UPDATE or DELETE) nor security definer.  audit recomputes the
-- selection with the rule's helper functions, whichever they are.  The
-- approver reads the results it approves through the same functions
-- (times in WIB, the statuses).
do $$
declare
	f regprocedure;
begin
	for f in
		select p.oid::regprocedure from pg_proc p
		where p.pronamespace = 'gelombang'::regnamespace
		  and p.prokind = 'f' and p.provolatile in ('i', 's') and not p.prosecdef
	loop
		execute format('grant execute on function %s to gelombang_auditor, gelombang_approver', f);
	end loop;
end $$;
grant execute on function gelombang.mark_dead_runs(integer),
	gelombang.run_start(text, integer, text, text, integer, text, text, text, timestamptz,
		boolean, timestamptz),
	gelombang.run_end(bigint, text, bigint, text) to gelombang_auditor, gelombang_approver;

-- Row-level security ------------------------------------------------------------

-- The batch role inserts participants only while select runs (the wave is
-- DIPROSES) and frozen inputs only while process runs (DITUTUP): a
-- participant added to a selected or announced wave would change the
-- results and every later wave (PESERTA_SEBELUMNYA, household counts).
-- The history tables take no insert but the owner's (run_start, run_end):
-- with row-level security on and no insert policy, even a grant given by
-- mistake writes nothing.  The owner
-- (migrations, tests) is not bound; every role that may read these tables
-- reads every row.
alter table gelombang.participant enable row level security;
alter table gelombang.frozen_prior enable row level security;
alter table gelombang.frozen_kk_prior enable row level security;
alter table gelombang.job_run enable row level security;
alter table gelombang.job_run_end enable row level security;
alter table gelombang.revoked enable row level security;

drop policy if exists participant_read on gelombang.participant;
create policy participant_read on gelombang.participant for select using (true);
drop policy if exists participant_select_only on gelombang.participant;
create policy participant_select_only on gelombang.participant for insert to gelombang_batch
	with check ((select w.state from gelombang.wave w where w.wave = participant.wave) = 'DIPROSES');

drop policy if exists frozen_prior_read on gelombang.frozen_prior;
create policy frozen_prior_read on gelombang.frozen_prior for select using (true);
drop policy if exists frozen_prior_process_only on gelombang.frozen_prior;
create policy frozen_prior_process_only on gelombang.frozen_prior for insert to gelombang_batch
	with check ((select w.state from gelombang.wave w where w.wave = frozen_prior.wave) = 'DITUTUP');

drop policy if exists frozen_kk_prior_read on gelombang.frozen_kk_prior;
create policy frozen_kk_prior_read on gelombang.frozen_kk_prior for select using (true);
drop policy if exists frozen_kk_prior_process_only on gelombang.frozen_kk_prior;
create policy frozen_kk_prior_process_only on gelombang.frozen_kk_prior for insert to gelombang_batch
	with check ((select w.state from gelombang.wave w where w.wave = frozen_kk_prior.wave) = 'DITUTUP');

drop policy if exists job_run_read on gelombang.job_run;
create policy job_run_read on gelombang.job_run for select using (true);
drop policy if exists job_run_batch on gelombang.job_run;
drop policy if exists job_run_audit on gelombang.job_run;

drop policy if exists job_run_end_read on gelombang.job_run_end;
create policy job_run_end_read on gelombang.job_run_end for select using (true);
drop policy if exists job_run_end_batch on gelombang.job_run_end;
drop policy if exists job_run_end_audit on gelombang.job_run_end;
-- The batch role revokes only while revoke runs (the wave is DIUMUMKAN).
drop policy if exists revoked_read on gelombang.revoked;
create policy revoked_read on gelombang.revoked for select using (true);
drop policy if exists revoked_revoke_only on gelombang.revoked;
create policy revoked_revoke_only on gelombang.revoked for insert to gelombang_batch
	with check ((select w.state from gelombang.wave w where w.wave = revoked.wave) = 'DIUMUMKAN');
