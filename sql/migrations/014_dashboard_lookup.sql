-- 014_dashboard_lookup.sql — the applicant's look-up (SPEC §12) replaces
-- binding a NIK to the session, and an announcement records where it
-- ends in the write-ahead log.
--
-- bind_nik() kept the NIK in the session (a setting): behind a pooler in
-- transaction mode the next client on that server connection inherited the
-- previous applicant's NIK.  gelombang.dashboard_lookup(nik) (sql/dashboard.sql)
-- takes its place and keeps nothing.
drop function if exists gelombang.bind_nik(text);

-- The WAL position at or after the announcement's commit: a standby that
-- has replayed it shows the results (gelombang.announcement_visible_everywhere,
-- sql/dashboard.sql).  Null for a wave not announced, or announced before
-- this column existed (the function then records the current position).
alter table gelombang.wave add column if not exists announced_lsn pg_lsn;
