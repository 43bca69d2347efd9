-- 016_attribution.sql — every run attributable, one seed per wave, card
-- numbers drawn at random.
--
-- * job_run.db_role: the database role (session_user) that ran the job,
--   beside the free-text operator.  Runs are recorded only through
--   gelombang.run_start / run_end (lifecycle.sql), which set it; runs
--   recorded before this migration have none.
-- * A seed serves one wave: the second wave's seed would be public the
--   moment the first closes.  Commitments are unique (the SHA-256 of the
--   seed); wave create says so first (create_wave).  A database that
--   already holds two waves with one seed keeps them, without the index.
-- * Card numbers no longer follow the draw: select draws each at random
--   (store_selection), so gelombang.selection() — the rule that audit
--   recomputes — no longer returns one, and history_runs() returns the
--   role and the clock of each run.

alter table gelombang.job_run add column if not exists db_role text default session_user;

do $$
begin
	if not exists (select 1 from gelombang.wave group by commitment having count(*) > 1) then
		create unique index wave_commitment_once on gelombang.wave (commitment);
	else
		raise notice 'gelombang.wave holds one seed for several waves: no unique index on commitment';
	end if;
end $$;

drop function if exists gelombang.selection(integer);
drop function if exists gelombang.history_runs(integer, boolean);
