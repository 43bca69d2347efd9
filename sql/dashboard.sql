-- dashboard.sql — what the applicant's dashboard shows (SPEC §1, §8): the
-- statuses and their labels, the dashboard view, the applicant record.

-- Not strict: a strict SQL function whose body is not strict itself (a CASE)
-- is never inlined, and then every query that calls it parses and plans
-- the body again (a third of the applicant's look-up, measured).  NULL
-- still gives NULL.
create or replace function gelombang.status_label(status text)
returns text language sql immutable called on null input parallel safe as $$
	select case status
		when 'MENUNGGU_GELOMBANG_DITUTUP' then 'Menunggu Gelombang Ditutup'
		when 'SEDANG_DIPROSES' then 'Sedang Diproses'
		when 'DALAM_PROSES_SELEKSI' then 'Dalam Proses Seleksi'
		when 'LOLOS' then 'Lolos'
		when 'TIDAK_LOLOS' then 'Tidak Lolos'
		when 'DICABUT' then 'Kepesertaan Dicabut'
	end
$$;

-- The status every registration of a wave shows before the announcement.
create or replace function gelombang.wave_status(w gelombang.wave)
returns text language sql stable parallel safe as $$
	select case
		when w.state = 'DIBUKA' then 'MENUNGGU_GELOMBANG_DITUTUP'
		when w.state = 'DITUTUP'
		  or (w.state = 'DIPROSES' and w.selection_started_at is null)
			then 'SEDANG_DIPROSES'
		when w.state in ('DIPROSES', 'DISELEKSI') then 'DALAM_PROSES_SELEKSI'
	end
$$;

-- Views ----------------------------------------------------------------------

-- SPEC §8.  No result before the announcement.  Every row: the view is
-- for reports and administrators, who may read its tables anyway; the
-- applicant's web application reads it only through dashboard_lookup()
-- below, with the owner's rights.  Still a security barrier, which costs
-- the look-up nothing: its NIK condition (equality on text, leakproof) is
-- pushed down all the same.
-- A registration of an announced wave is LOLOS when it has a participant
-- row of that wave: select writes one for exactly the outcomes without a
-- reason (store_selection, checked there), and neither table changes
-- afterwards (guards.sql).  The outcome itself is not read: one probe of
-- the participant key by NIK instead of one probe per wave's outcome
-- partition.
create or replace view gelombang.dashboard with (security_barrier) as
select r.nik::text as nik, r.wave, st.status, gelombang.status_label(st.status) as label,
	case when st.status = 'LOLOS' then p.card_number::text end as card_number,
	case when st.status = 'LOLOS' then p.saldo end as saldo
from gelombang.registration r
join gelombang.wave w on w.wave = r.wave
left join gelombang.participant p
	on w.state >= 'DIUMUMKAN' and p.nik = r.nik and p.wave = r.wave
-- SPEC §10: a revoked participant shows neither card nor saldo
left join gelombang.revoked v
	on w.state = 'SELESAI' and v.nik = p.nik and v.wave = p.wave
cross join lateral (select case
	when w.state < 'DIUMUMKAN' then gelombang.wave_status(w)
	when v.nik is not null then 'DICABUT'
	when p.nik is not null then 'LOLOS'
	else 'TIDAK_LOLOS' end as status) st;

-- SPEC §12: the applicant's look-up, the one thing the dashboard role may
-- call.  The rows of the view above for one NIK, oldest wave first: the
-- statuses, labels and embargo are the view's, not a copy of them.  The
-- NIK condition reaches the view's tables (equality on text is leakproof,
-- so the security barrier lets it through): each wave's registration
-- partition is probed by its primary key (nik, wave), the participant and
-- the revoked by theirs (nik); no row of another NIK is read.  A NIK is not the
-- partition key, so a look-up costs one probe per wave (README
-- "Announcement night" measures it against a NIK -> waves table, which
-- would cost every import a second index).
-- Stateless: nothing is kept in the session, so a pooler in transaction
-- mode can hand the server connection to anyone next; read-only, so it
-- runs the same on a hot standby.  PL/pgSQL rather than SQL so that the
-- plan is cached per server connection (a security definer SQL function is
-- planned again at every call).  Anything but 16 digits is no NIK: no row,
-- and no error that could tell the caller anything.
create or replace function gelombang.dashboard_lookup(nik text)
returns setof gelombang.dashboard
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
	if dashboard_lookup.nik is null or dashboard_lookup.nik !~ '^[0-9]{16}$' then
		return;
	end if;
	return query
		select d.* from gelombang.dashboard d
		where d.nik = dashboard_lookup.nik
		order by d.wave;
end $$;

-- The SMS and the dashboard agree (SPEC §11, §12): the web application
-- reads from hot standbys, which show a commit only once they have
-- replayed it.  announce records, right after its commit, a WAL position
-- at or after that commit; a standby whose replay has passed it shows the
-- results.  announce waits for every standby (jobs.standby_wait_seconds),
-- and sms send sends a wave's messages only once
-- announcement_visible_everywhere(wave) is true.
--
-- The position of a wave's announcement, recorded at the first call after
-- the announcement (a later position is as good: it is still at or after
-- the commit); null before the wave is announced.  On a standby nothing
-- can be recorded: what the primary recorded, if it has arrived.
create or replace function gelombang.announcement_lsn(p_wave integer)
returns pg_lsn language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
	st gelombang.wave_state;
	lsn pg_lsn;
begin
	select w.state, w.announced_lsn into st, lsn from gelombang.wave w where w.wave = p_wave;
	if st is null or st < 'DIUMUMKAN' then
		return null;
	end if;
	if lsn is null and not pg_is_in_recovery() then
		lsn := pg_current_wal_insert_lsn();
		update gelombang.wave set announced_lsn = lsn
		where wave = p_wave and announced_lsn is null;
	end if;
	return lsn;
end $$;

-- The standbys that have not yet replayed the announcement of a wave: every
-- WAL sender of pg_stat_replication except base backups, logical
-- replication and WAL archivers (pg_receivewal reports no replay).  A row
-- with no state at all means the owner of this function may not read the
-- standbys' positions (it needs pg_read_all_stats): counted as behind, so
-- that nothing is sent on a guess.  A standby that is disconnected is not
-- listed (it catches up before it streams again, but it may serve reads
-- meanwhile: take a lagging standby out of the pool).
create or replace function gelombang.announcement_standbys_behind(p_wave integer)
returns table (standby text, state text, replay_lsn pg_lsn, announced_lsn pg_lsn)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
	lsn pg_lsn := gelombang.announcement_lsn(p_wave);
begin
	return query
		select coalesce(nullif(s.application_name, ''), 'pid ' || s.pid), s.state,
			s.replay_lsn, lsn
		from pg_stat_replication s
		where (s.state is null
		       or (s.state <> 'backup'
			   and (s.replay_lsn is not null or s.state in ('startup', 'catchup'))
			   and (lsn is null or s.replay_lsn is null or s.replay_lsn < lsn)))
		  and not exists (select 1 from pg_replication_slots r
				  where r.active_pid = s.pid and r.slot_type = 'logical')
		order by 1;
end $$;

-- True once the wave is announced and every standby shows it.
create or replace function gelombang.announcement_visible_everywhere(p_wave integer)
returns boolean language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
	select gelombang.announcement_lsn(p_wave) is not null
	   and not exists (select 1 from gelombang.announcement_standbys_behind(p_wave))
$$;

-- The applicant record: one per NIK, the newest data.  -- A registration keeps the data of its own row; the applicant is the NIK's
-- newest registration (the one join copies).  It is a view rather than a
-- table kept in step with every import: an upsert of ten million rows into
-- a table of a hundred million would cost import more than the whole COPY,
-- while a look-up by NIK is one index probe per wave partition.
create or replace view gelombang.applicant as
select distinct on (r.nik)
	r.nik, r.kk, r.name, r.birth_date, r.sex, r.occupation, r.in_school,
	r.receives_aid, r.region_code, r.phone, r.wave as newest_wave, r.joined_at
from gelombang.registration r
order by r.nik, r.wave desc;

-- Counts per wave and status without touching a row per entry before the
-- announcement.
create or replace function gelombang.status_counts(p_wave integer)
returns table (wave integer, state gelombang.wave_state, status text, entries bigint)
language sql stable as $$
	select w.wave, w.state, gelombang.wave_status(w),
		(select count(*) from gelombang.registration r where r.wave = w.wave)
	from gelombang.wave w
	where w.state < 'DIUMUMKAN' and (p_wave is null or w.wave = p_wave)
	union all
	select w.wave, w.state,
		case when v.nik is not null then 'DICABUT'
		     when o.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end, count(*)
	from gelombang.wave w join gelombang.outcome o on o.wave = w.wave
	left join gelombang.revoked v on w.state = 'SELESAI' and o.reason is null
		and v.nik = o.nik and v.wave = o.wave
	where w.state >= 'DIUMUMKAN' and (p_wave is null or w.wave = p_wave)
	group by 1, 2, 3
	order by 1, 3
$$;
