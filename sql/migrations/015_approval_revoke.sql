-- 015_approval_revoke.sql — approval before the announcement (SPEC §9), and
-- the thirty days after it (SPEC §10): first trainings, revocation, places
-- recovered into a later wave, the reminder before the deadline.
--
--   * a wave ends in SELESAI once revoke has run;
--   * revoke_at is fixed at creation like the other times; for the waves
--     that exist already it is SPEC §10's default (23:59 on the 29th day
--     after the announcement date, in the wave's frozen timezone or the
--     default one, as 30 days is the default first_training_days);
--   * an approval binds the SHA-256 of the results as they were approved;
--     a run records its database role (session_user), so that approve can
--     refuse the role that ran select;
--   * first_training holds the earliest purchase per participant; revoked
--     is written once by revoke, the participant rows are never touched: a
--     revoked NIK stays an earlier participant for every later wave;
--   * wave_recovery: which SELESAI wave gave its revoked places to which
--     later wave, each at most once;
--   * reminder: one SMS per participant without a first training, queued
--     before revoke_at, written once.

alter type gelombang.wave_state add value if not exists 'SELESAI' after 'DIUMUMKAN';

alter table gelombang.wave
	add column revoke_at timestamptz,
	add column revoked_at timestamptz,
	add column revoked bigint check (revoked >= 0),
	add column recovered bigint not null default 0 check (recovered >= 0);

update gelombang.wave
set revoke_at = ((announce_at at time zone coalesce(rules->>'timezone', 'Asia/Jakarta'))::date
		 + 29 + time '23:59') at time zone coalesce(rules->>'timezone', 'Asia/Jakarta');

alter table gelombang.wave
	alter column revoke_at set not null,
	add constraint wave_revoke_after_announce check (announce_at < revoke_at);

-- Places given back by the revocations of an earlier wave: the source
-- wave is the key, so a wave's places are recovered at most once.
create table gelombang.wave_recovery (
	source_wave	integer primary key references gelombang.wave,
	wave		integer not null references gelombang.wave,
	places		bigint not null check (places >= 0),
	check (source_wave < wave)
);
create index wave_recovery_wave on gelombang.wave_recovery (wave);

-- The database role of each run (existing runs: unknown).
alter table gelombang.job_run add column db_role text;
alter table gelombang.job_run alter column db_role set default session_user;

create table gelombang.approval (
	id		bigint generated always as identity primary key,
	wave		integer not null references gelombang.wave,
	approved_by	text not null default session_user,
	approved_at	timestamptz not null default clock_timestamp(),
	note		text,
	results_digest	text not null check (results_digest ~ '^[0-9a-f]{64}$'),
	run_id		bigint references gelombang.job_run
);
create index approval_wave on gelombang.approval (wave, id);

-- The earliest first-training purchase of each participant.  No foreign
-- keys: a million purchases would pay one trigger call each; training
-- import checks every NIK against the participants set-based.
create table gelombang.first_training (
	nik		text collate "C" primary key,
	wave		integer not null,
	first_training_at timestamptz not null,
	source_line	bigint,
	run_id		bigint
);

-- Written once by revoke, one row per revoked participant.
create table gelombang.revoked (
	nik		text collate "C" primary key,
	wave		integer not null
);
create index revoked_wave on gelombang.revoked (wave);

-- The reminder before revoke_at (kind PENGINGAT), at most one per
-- participant and kind.
create table gelombang.reminder (
	nik		text collate "C" not null,
	kind		text not null default 'PENGINGAT',
	wave		integer not null references gelombang.wave,
	phone		text not null,
	message		text not null,
	queued_at	timestamptz not null default clock_timestamp(),
	run_id		bigint references gelombang.job_run,
	primary key (nik, kind)
);
create index reminder_wave on gelombang.reminder (wave, nik);

-- SPEC §3: revoke, too, succeeds exactly once per wave.
drop index gelombang.job_run_end_once;
create unique index job_run_end_once on gelombang.job_run_end (job, wave)
	where outcome = 'SUCCEEDED'
	  and job in ('close', 'process', 'select', 'announce', 'revoke');

-- create_wave takes the revocation time and the waves to recover from.
drop function if exists gelombang.create_wave(integer, timestamptz, timestamptz, timestamptz,
	bigint, text);
