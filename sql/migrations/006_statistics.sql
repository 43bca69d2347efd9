-- 006_statistics.sql — fresh statistics before the set-based jobs.
--
-- A wave's partition is filled by import in one transaction, and the
-- frozen tables by process; autovacuum may not have analysed them when
-- select runs a minute later, and without statistics the planner picks
-- nested loops that turn a minute into hours.  The jobs therefore analyse
-- what they are about to read.  ANALYZE needs the owner's rights.

create function gelombang.analyze_wave(p_wave integer)
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

revoke all on function gelombang.analyze_wave(integer) from public;
grant execute on function gelombang.analyze_wave(integer) to gelombang_batch;
