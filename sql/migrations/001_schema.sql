-- 001_schema.sql — the tables of gelombang.
--
-- Layout, chosen for waves of ten million entries and a hundred million
-- across waves:
--   * registrations and outcomes are LIST-partitioned by wave, so every job
--     touches only its own wave's partition, and a closed wave's partition
--     gets a NOT VALID CHECK (false) that makes the database itself refuse
--     any later join;
--   * a registration row is written once, at import or join, and never
--     updated: the dashboard status is derived from the wave's state and,
--     after the announcement, from the outcome row;
--   * select writes each entry's outcome once, narrowly (nik, reason,
--     lottery key), instead of rewriting wide rows several times;
--   * the SMS outbox is the announced registrations with a phone number,
--     and exporting advances a per-wave cursor in one row, so no message is
--     ever updated one by one.

-- The schema itself is created by migrate, with its migrations table.

create type gelombang.wave_state as enum
	('DIBUKA', 'DITUTUP', 'DIPROSES', 'DISELEKSI', 'DIUMUMKAN');

-- In the order of SPEC §1: the first that applies is the entry's reason.
create type gelombang.reason as enum
	('DI_LUAR_JADWAL', 'DATA_TIDAK_VALID', 'PESERTA_SEBELUMNYA',
	 'PEKERJAAN_DIKECUALIKAN', 'USIA', 'SEDANG_SEKOLAH', 'PENERIMA_BANSOS',
	 'KUOTA_KELUARGA', 'KUOTA_PENUH');

create table gelombang.wave (
	wave		integer primary key check (wave between 1 and 9999),
	state		gelombang.wave_state not null default 'DIBUKA',
	opens_at	timestamptz not null,
	closes_at	timestamptz not null,
	announce_at	timestamptz not null,
	quota		bigint not null check (quota >= 0),
	seed		text not null check (seed ~ '^[0-9a-f]{64}$'),
	commitment	text not null,
	created_at	timestamptz not null default now(),
	closed_at	timestamptz,
	processed_at	timestamptz,
	selection_started_at timestamptz,
	selected_at	timestamptz,
	announced_at	timestamptz,
	-- frozen at process: rules, timezone, saldo (cfg_rules_json) and the
	-- close date in that timezone; select and audit read only these
	rules		jsonb,
	rules_digest	text,
	close_date	date,
	-- frozen at announce: the SMS templates the outbox renders with
	sms		jsonb,
	check (commitment = encode(sha256(convert_to(seed, 'UTF8')), 'hex')),
	check (opens_at < closes_at),
	check (closes_at <= announce_at),
	check ((state >= 'DIPROSES') = (rules is not null and close_date is not null)),
	check ((state >= 'DIUMUMKAN') = (sms is not null))
);

create table gelombang.wave_quota (
	wave		integer not null references gelombang.wave,
	province	text collate "C" not null check (province ~ '^[0-9]{2}$'),
	quota		bigint not null check (quota >= 0),
	primary key (wave, province)
);

-- One row per NIK per wave, holding that row's own data.  No foreign key to
-- wave: each wave has its own partition, created with the wave, so a row
-- for a wave that does not exist has nowhere to go.
create table gelombang.registration (
	wave		integer not null,
	nik		text collate "C" not null check (nik ~ '^[0-9]{16}$'),
	kk		text collate "C" not null check (kk ~ '^[0-9]{16}$'),
	name		text not null check (name ~ '\S'),
	birth_date	date not null,
	sex		text not null check (sex in ('L', 'P')),
	occupation	text not null check (occupation ~ '\S'),
	in_school	boolean not null,
	receives_aid	boolean not null,
	region_code	text collate "C" not null check (region_code ~ '^[0-9]{4}$'),
	phone		text check (phone ~ '^(\+62|08)[0-9]{8,13}$'),
	joined_at	timestamptz not null,
	source_line	bigint,		-- line in the import file; null for join
	run_id		bigint,		-- the job run that stored it
	-- nik first: within a partition the wave is constant, and the
	-- dashboard, join and the outbox look entries up by NIK
	primary key (nik, wave)
) partition by list (wave);

-- The outcome of select, one per registration, written once.
-- reason null = LOLOS; lottery_key null = turned down before the draw.
create table gelombang.outcome (
	wave		integer not null,
	nik		text collate "C" not null,
	reason		gelombang.reason,
	lottery_key	bytea,
	primary key (nik, wave)
) partition by list (wave);

-- Participants of every wave: a NIK becomes a participant at most once.
-- kk is the family card of the registration that was selected (SPEC §4.4).
create table gelombang.participant (
	nik		text collate "C" primary key,
	wave		integer not null references gelombang.wave,
	kk		text collate "C" not null,
	card_number	text collate "C" not null unique check (card_number ~ '^[0-9]{16}$'),
	saldo		bigint not null check (saldo >= 0)
);
create index participant_kk on gelombang.participant (kk);
create index participant_wave on gelombang.participant (wave);

-- Frozen at process: what selection reads about earlier waves, so that
-- nothing done to participants later changes this wave's outcome or audit.
create table gelombang.frozen_prior (
	wave		integer not null references gelombang.wave,
	nik		text collate "C" not null,
	primary key (wave, nik)
);
create table gelombang.frozen_kk_prior (
	wave		integer not null references gelombang.wave,
	kk		text collate "C" not null,
	prior		integer not null check (prior > 0),
	primary key (wave, kk)
);

-- Job runs, append-only: a run is a start row, committed before the work,
-- and an end row, committed with the work (or after a failure).  A start
-- row without an end row whose session is gone is a dead run; the next
-- run of that wave writes its DEAD end row.
create table gelombang.job_run (
	id		bigint generated always as identity primary key,
	job		text not null,
	wave		integer,
	started_at	timestamptz not null default clock_timestamp(),
	operator	text not null,
	host		text,
	client_pid	integer,
	backend_pid	integer not null default pg_backend_pid(),
	backend_start	timestamptz,
	command_line	text,
	config_digest	text,
	version		text,
	now_override	timestamptz,
	dry_run		boolean not null default false
);
create index job_run_wave on gelombang.job_run (wave, id);

create table gelombang.job_run_end (
	run_id		bigint primary key references gelombang.job_run,
	job		text not null,
	wave		integer,
	finished_at	timestamptz not null default clock_timestamp(),
	outcome		text not null check (outcome in ('SUCCEEDED',
			'NOTHING_TO_DO', 'REFUSED', 'BUSY', 'FAILED',
			'INTERRUPTED', 'DEAD', 'DRY_RUN')),
	rows		bigint,
	message		text
);
-- SPEC §3: each lifecycle job succeeds exactly once per wave.
create unique index job_run_end_once on gelombang.job_run_end (job, wave)
	where outcome = 'SUCCEEDED'
	  and job in ('close', 'process', 'select', 'announce');

-- The SMS outbox cursor: exporting inserts one row; pending messages are
-- those of an announced wave past the wave's last exported NIK.
create table gelombang.outbox_export (
	id		bigint generated always as identity primary key,
	wave		integer not null references gelombang.wave,
	first_nik	text collate "C" not null,
	last_nik	text collate "C" not null,
	messages	integer not null check (messages > 0),
	exported_at	timestamptz not null default clock_timestamp(),
	run_id		bigint references gelombang.job_run,
	check (first_nik <= last_nik)
);
create index outbox_export_wave on gelombang.outbox_export (wave, last_nik);
