-- 013_sms.sql — one row per SMS message with its delivery state (SPEC §11).
--
-- The outbox (sql/outbox.sql) stays what an announced wave owes; sms send
-- copies a wave's messages here once, set-based, and from then on each
-- message moves PENDING -> SENT -> DELIVERED / FAILED, never backwards
-- (gelombang.sms_message_guard in sql/guards.sql).  Declared in this
-- order so that comparisons (state < 'DELIVERED') follow the life of a
-- message.

create type gelombang.sms_state as enum ('PENDING', 'SENT', 'DELIVERED', 'FAILED');

-- The waves (and kinds) whose messages are in sms_message: the copy is one
-- transaction per wave, so a wave is either here with all its messages or
-- not at all, and sms send does not scan a queued wave again.
create table gelombang.sms_queue (
	wave		integer not null references gelombang.wave,
	kind		text not null check (kind ~ '^[a-z_]{1,32}$'),
	messages	bigint not null check (messages >= 0),
	queued_at	timestamptz not null default clock_timestamp(),
	run_id		bigint references gelombang.job_run,
	primary key (wave, kind)
);

-- kind: 'announcement' (the result, one per announced entry with a
-- phone); other kinds (a reminder) may follow, hence the key on kind too.
-- priority: 0 for LOLOS (a deadline of 30 days runs for them), 1 else.
create table gelombang.sms_message (
	id		bigint generated always as identity primary key,
	wave		integer not null references gelombang.wave,
	nik		text collate "C" not null,
	kind		text not null check (kind ~ '^[a-z_]{1,32}$'),
	phone		text not null,
	status		text not null check (status in ('LOLOS', 'TIDAK_LOLOS')),
	priority	smallint not null generated always as
				(case when status = 'LOLOS' then 0 else 1 end) stored,
	message		text not null,
	state		gelombang.sms_state not null default 'PENDING',
	attempts	integer not null default 0 check (attempts >= 0),
	queued_at	timestamptz not null default clock_timestamp(),
	sent_at		timestamptz,
	sent_run	bigint references gelombang.job_run,
	answer		text,		-- the gateway's last answer to a submission
	report		integer,	-- the last delivery report's status (Kannel dlr %d)
	report_at	timestamptz,
	reports		integer not null default 0,
	unique (wave, kind, nik)
);

-- what sms send reads: pending messages, LOLOS first, older waves first
create index sms_message_pending on gelombang.sms_message (priority, wave, id)
	where state = 'PENDING';
-- sms status: counts per wave and state
create index sms_message_wave_state on gelombang.sms_message (wave, state);
