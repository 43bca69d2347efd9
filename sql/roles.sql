-- roles.sql — who may do what (README "Roles").  Applied after every other
-- code file, so that what they (re)create gets its grants here, in one
-- place.  Every statement can run again and gives the same privileges.
--
--   gelombang_batch      runs the jobs: reads and writes the data, never the
--                        schema; what needs the owner's rights (partitions,
--                        constraints, statistics) goes through security
--                        definer functions.
--   gelombang_dashboard  reads only the dashboard view, and only the rows of
--                        the NIK its session bound with gelombang.bind_nik().
--   gelombang_auditor    reads everything, writes nothing but the history
--                        of its own audit runs.
--
-- Roles are cluster-wide: another database of the cluster may have made
-- them already.  They are NOLOGIN groups; grant them to login roles.

do $$
declare r text;
begin
	foreach r in array array['gelombang_batch', 'gelombang_dashboard', 'gelombang_auditor']
	loop
		if not exists (select 1 from pg_roles where rolname = r) then
			execute format('create role %I nologin', r);
		end if;
	end loop;
end $$;

revoke all on schema gelombang from public;
grant usage on schema gelombang to gelombang_batch, gelombang_dashboard, gelombang_auditor;

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
	gelombang.sms_queue, gelombang.sms_message
	to gelombang_batch, gelombang_auditor;

-- batch: what the jobs need, and nothing that rewrites history or outcomes
grant insert on gelombang.registration, gelombang.outcome, gelombang.participant,
	gelombang.frozen_prior, gelombang.frozen_kk_prior, gelombang.job_run,
	gelombang.job_run_end, gelombang.outbox_export, gelombang.wave_quota
	to gelombang_batch;
grant delete on gelombang.wave_quota to gelombang_batch;
grant insert on gelombang.sms_queue, gelombang.sms_message to gelombang_batch;
grant update (state, attempts, sent_at, sent_run, answer, report, report_at, reports)
	on gelombang.sms_message to gelombang_batch;
grant update (state, processed_at, selection_started_at, selected_at, announced_at,
	rules, rules_digest, close_date, sms) on gelombang.wave to gelombang_batch;

-- auditor: an audit is recorded in the history like any run; the policies
-- below keep its rows to the job "audit" (and DEAD end rows)
grant insert on gelombang.job_run, gelombang.job_run_end to gelombang_auditor;

-- dashboard: the view only
grant select on gelombang.dashboard to gelombang_dashboard;

-- Functions -------------------------------------------------------------------

-- Executable only by the roles granted them.  Per-schema default
-- privileges cannot take PUBLIC's EXECUTE away, so this runs after every
-- code file, over every function.
revoke execute on all functions in schema gelombang from public;
grant execute on all functions in schema gelombang to gelombang_batch;
grant execute on function gelombang.bind_nik(text), gelombang.status_label(text),
	gelombang.wave_status(gelombang.wave) to gelombang_dashboard;

-- The auditor reads everything, so it may call every function that cannot
-- write: neither volatile (a stable or immutable function is refused any
-- INSERT, UPDATE or DELETE) nor security definer.  audit recomputes the
-- selection with the rule's helper functions, whichever they are.
do $$
declare
	f regprocedure;
begin
	for f in
		select p.oid::regprocedure from pg_proc p
		where p.pronamespace = 'gelombang'::regnamespace
		  and p.prokind = 'f' and p.provolatile in ('i', 's') and not p.prosecdef
	loop
		execute format('grant execute on function %s to gelombang_auditor', f);
	end loop;
end $$;
grant execute on function gelombang.mark_dead_runs(integer) to gelombang_auditor;

-- Row-level security ------------------------------------------------------------

-- The batch role inserts participants only while select runs (the wave is
-- DIPROSES) and frozen inputs only while process runs (DITUTUP): a
-- participant added to a selected or announced wave would change the
-- results and every later wave (PESERTA_SEBELUMNYA, household counts).
-- The auditor appends only its own audit runs, so it cannot record, say, a
-- SUCCEEDED announce that would take the place of the real one.  The owner
-- (migrations, tests) is not bound; every role that may read these tables
-- reads every row.
alter table gelombang.participant enable row level security;
alter table gelombang.frozen_prior enable row level security;
alter table gelombang.frozen_kk_prior enable row level security;
alter table gelombang.job_run enable row level security;
alter table gelombang.job_run_end enable row level security;

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
create policy job_run_batch on gelombang.job_run for insert to gelombang_batch with check (true);
drop policy if exists job_run_audit on gelombang.job_run;
create policy job_run_audit on gelombang.job_run for insert to gelombang_auditor
	with check (job = 'audit');

drop policy if exists job_run_end_read on gelombang.job_run_end;
create policy job_run_end_read on gelombang.job_run_end for select using (true);
drop policy if exists job_run_end_batch on gelombang.job_run_end;
create policy job_run_end_batch on gelombang.job_run_end for insert to gelombang_batch
	with check (true);
drop policy if exists job_run_end_audit on gelombang.job_run_end;
create policy job_run_end_audit on gelombang.job_run_end for insert to gelombang_auditor
	with check (job = 'audit' or outcome = 'DEAD');
