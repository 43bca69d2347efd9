-- 003_roles.sql — who may do what (README "Roles").
--
--   gelombang_batch      runs the jobs: reads and writes the data, never the
--                        schema; wave creation and closing go through the
--                        owner's functions.
--   gelombang_dashboard  reads only the dashboard view, and only the rows of
--                        the NIK its session bound with gelombang.bind_nik().
--   gelombang_auditor    reads everything, writes nothing.
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
revoke all on all tables in schema gelombang from public;
revoke all on all functions in schema gelombang from public;

grant usage on schema gelombang to gelombang_batch, gelombang_dashboard, gelombang_auditor;

-- batch: what the jobs need, and nothing that rewrites history or outcomes
grant select on all tables in schema gelombang to gelombang_batch;
grant insert on gelombang.registration, gelombang.outcome, gelombang.participant,
	gelombang.frozen_prior, gelombang.frozen_kk_prior, gelombang.job_run,
	gelombang.job_run_end, gelombang.outbox_export, gelombang.wave_quota
	to gelombang_batch;
grant delete on gelombang.wave_quota to gelombang_batch;
grant update (state, processed_at, selection_started_at, selected_at, announced_at,
	rules, rules_digest, close_date, sms) on gelombang.wave to gelombang_batch;
grant execute on all functions in schema gelombang to gelombang_batch;

-- The batch role inserts participants only while select runs (the wave is
-- DIPROSES) and frozen inputs only while process runs (DITUTUP): a
-- participant added to a selected or announced wave would change the
-- results and every later wave (PESERTA_SEBELUMNYA, household counts).
-- Row-level security, so that the owner (migrations, tests) is not bound;
-- every role that may read these tables reads every row.  Outcomes need no
-- such rule: after select each registration has its outcome (primary key)
-- and a closed wave takes no new registration.
alter table gelombang.participant enable row level security;
alter table gelombang.frozen_prior enable row level security;
alter table gelombang.frozen_kk_prior enable row level security;
create policy participant_read on gelombang.participant for select using (true);
create policy participant_select_only on gelombang.participant for insert to gelombang_batch
	with check ((select w.state from gelombang.wave w where w.wave = participant.wave) = 'DIPROSES');
create policy frozen_prior_read on gelombang.frozen_prior for select using (true);
create policy frozen_prior_process_only on gelombang.frozen_prior for insert to gelombang_batch
	with check ((select w.state from gelombang.wave w where w.wave = frozen_prior.wave) = 'DITUTUP');
create policy frozen_kk_prior_read on gelombang.frozen_kk_prior for select using (true);
create policy frozen_kk_prior_process_only on gelombang.frozen_kk_prior for insert to gelombang_batch
	with check ((select w.state from gelombang.wave w where w.wave = frozen_kk_prior.wave) = 'DITUTUP');

-- auditor: read everything, write nothing
grant select on all tables in schema gelombang to gelombang_auditor;
grant execute on function gelombang.selection(integer), gelombang.status_counts(integer),
	gelombang.nik_matches(text, date, text), gelombang.age_eligible(date, date, integer, integer),
	gelombang.luhn_digit(text), gelombang.luhn_valid(text), gelombang.card_number(integer, bigint),
	gelombang.jsonb_texts(jsonb), gelombang.status_label(text), gelombang.wave_status(gelombang.wave),
	gelombang.render_sms(text, integer, text, bigint, integer, text)
	to gelombang_auditor;

-- dashboard: the view, and binding the session to one NIK
create function gelombang.bind_nik(p_nik text)
returns void language sql as $$
	select set_config('gelombang.nik', p_nik, false)
$$;
grant select on gelombang.dashboard to gelombang_dashboard;
grant execute on function gelombang.bind_nik(text), gelombang.status_label(text),
	gelombang.wave_status(gelombang.wave) to gelombang_dashboard;
