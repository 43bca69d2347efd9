-- outbox.sql — the SMS of an announced wave: rendered messages and the
-- cursor of outbox export.

-- The SMS outbox: one message per registration with a phone number of an
-- announced wave, rendered from the templates frozen at announce.  {nama}
-- is replaced last, so a name that looks like a placeholder stays as written.
create or replace function gelombang.render_sms(template text, wave integer, card text,
	saldo bigint, days integer, name text)
returns text language sql immutable parallel safe as $$
	select replace(replace(replace(replace(replace(template,
		'{gelombang}', wave::text),
		'{kartu}', coalesce(card, '')),
		'{saldo}', coalesce(replace(to_char(saldo, 'FM999,999,999,999,999'), ',', '.'), '')),
		'{hari}', days::text),
		'{nama}', name)
$$;

create or replace view gelombang.outbox as
select r.wave, r.nik::text as nik, r.phone,
	case when o.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end as status,
	gelombang.render_sms(
		case when o.reason is null then w.sms->>'sms_lolos' else w.sms->>'sms_tidak_lolos' end,
		r.wave, p.card_number, p.saldo, (w.sms->>'sms_window_days')::int, r.name) as message,
	r.nik > coalesce((select max(e.last_nik) from gelombang.outbox_export e
			  where e.wave = r.wave), '') as pending
from gelombang.registration r
join gelombang.wave w on w.wave = r.wave and w.state >= 'DIUMUMKAN'
join gelombang.outcome o on o.wave = r.wave and o.nik = r.nik
left join gelombang.participant p on o.reason is null and p.nik = r.nik and p.wave = r.wave
where r.phone is not null;

-- outbox export --------------------------------------------------------------

-- The pending SMS messages, oldest wave first, by NIK, at most p_limit
-- (null: all), of one wave or all (p_wave null).  Same rows and rendering
-- as the view gelombang.outbox, but the cursor of each wave is read once
-- and the registrations are walked in primary-key order from it, so a
-- page of a huge wave costs the page, not the wave.
create or replace function gelombang.outbox_pending(p_wave integer, p_limit bigint)
returns table (wave integer, nik text, phone text, status text, message text)
language sql stable as $$
	select w.wave, r.nik::text, r.phone,
		case when o.reason is null then 'LOLOS' else 'TIDAK_LOLOS' end,
		gelombang.render_sms(
			case when o.reason is null then w.sms->>'sms_lolos' else w.sms->>'sms_tidak_lolos' end,
			w.wave, p.card_number, p.saldo, (w.sms->>'sms_window_days')::int, r.name)
	from gelombang.wave w
	cross join lateral (
		select coalesce(max(e.last_nik), '') as last_nik
		from gelombang.outbox_export e where e.wave = w.wave
	) c
	cross join lateral (
		select r.nik, r.name, r.phone
		from gelombang.registration r
		where r.wave = w.wave and r.nik > c.last_nik and r.phone is not null
		order by r.nik
		limit p_limit
	) r
	join gelombang.outcome o on o.wave = w.wave and o.nik = r.nik
	left join gelombang.participant p on o.reason is null and p.nik = r.nik and p.wave = w.wave
	where w.state >= 'DIUMUMKAN' and (p_wave is null or w.wave = p_wave)
	order by w.wave, r.nik
	limit p_limit
$$;

-- Export runs left without an end row are dead.  Only an export writes
-- them, and a live export holds the export lock (outbox.c) from before its
-- start row until its end row is committed; the caller holds that lock,
-- so no session check is needed (nor trusted: pg_stat_activity hides
-- other roles' sessions).  The next run of a wave may have marked one
-- already (gelombang.mark_dead_runs): then it is left as it is.
-- Under the owner's rights (only run_start, run_end and the dead-run
-- markers write the history), and only for a session that holds the
-- export lock, as the export does.
create or replace function gelombang.mark_dead_exports()
returns bigint language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	n bigint;
begin
	if not exists (select 1 from pg_locks l
		       where l.locktype = 'advisory' and l.pid = pg_backend_pid() and l.granted
			 and l.classid = 1734700130 and l.objid = (-1)::oid and l.objsubid = 2) then
		raise exception 'dead exports are marked only by an export holding the export lock'
			using errcode = 'insufficient_privilege';
	end if;
	insert into gelombang.job_run_end (run_id, job, wave, outcome, message)
	select j.id, j.job, j.wave, 'DEAD',
		'found dead by the next export: its session ended without finishing'
	from gelombang.job_run j
	where j.job = 'outbox export'
	  and not exists (select 1 from gelombang.job_run_end e where e.run_id = j.id)
	on conflict (run_id) do nothing;
	get diagnostics n = row_count;
	return n;
end $$;

-- SMS through a gateway (SPEC §11) ----------------------------------------------
--
-- gelombang.sms_message holds one row per message with its delivery state.
-- sms send copies each announced wave's outbox there once (sms_enqueue),
-- then submits the pending rows and records what the gateway answered
-- (sms_record_submissions); sms listen records the delivery reports
-- (sms_record_reports).  A state only moves forward (guards.sql).

-- Copy the outbox of every announced wave not yet queued (of p_wave only,
-- when given) into sms_message, one statement per wave.  What outbox
-- export has already handed out is queued SENT, so that it is not sent a
-- second time.  The caller holds the outbox lock (outbox.c, sms_send.c),
-- so no export moves a cursor meanwhile.  Returns the messages queued.
create or replace function gelombang.sms_enqueue(p_wave integer, p_run bigint)
returns bigint language plpgsql as $$
declare
	w integer;
	n bigint;
	total bigint := 0;
begin
	for w in
		select x.wave from gelombang.wave x
		where x.state >= 'DIUMUMKAN' and (p_wave is null or x.wave = p_wave)
		  and not exists (select 1 from gelombang.sms_queue q
				  where q.wave = x.wave and q.kind = 'announcement')
		  -- the SMS and the dashboard agree: no message of a wave goes out
		  -- before every hot standby shows its announcement
		  and gelombang.announcement_visible_everywhere(x.wave)
		order by x.wave
	loop
		insert into gelombang.sms_message (wave, nik, kind, phone, status, message,
			state, sent_at, answer)
		select o.wave, o.nik, 'announcement', o.phone, o.status, o.message,
			case when o.pending then 'PENDING' else 'SENT' end::gelombang.sms_state,
			case when o.pending then null else clock_timestamp() end,
			case when o.pending then null else 'outbox export' end
		from gelombang.outbox o
		where o.wave = w
		order by o.nik;
		get diagnostics n = row_count;
		insert into gelombang.sms_queue (wave, kind, messages, run_id)
		values (w, 'announcement', n, p_run);
		total := total + n;
	end loop;
	-- the reminders of the first-training deadline (SPEC §10), queued by
	-- run-due for a wave at once (gelombang.queue_reminders): each wave's
	-- reminders are copied once, all of them, as the announcement is
	for w in
		select distinct r.wave from gelombang.reminder r
		where (p_wave is null or r.wave = p_wave)
		  and not exists (select 1 from gelombang.sms_queue q
				  where q.wave = r.wave and q.kind = 'reminder')
		order by r.wave
	loop
		insert into gelombang.sms_message (wave, nik, kind, phone, status, message)
		select r.wave, r.nik, 'reminder', r.phone, 'LOLOS', r.message
		from gelombang.reminder r
		where r.wave = w
		order by r.nik;
		get diagnostics n = row_count;
		insert into gelombang.sms_queue (wave, kind, messages, run_id)
		values (w, 'reminder', n, p_run);
		total := total + n;
	end loop;
	return total;
end $$;

-- outbox export hands messages to a gateway that takes files: what it
-- exports is SENT (its cursor row names the range of NIKs).
create or replace function gelombang.sms_mark_exported() returns trigger
language plpgsql as $$
begin
	update gelombang.sms_message m
	set state = 'SENT', sent_at = clock_timestamp(), sent_run = new.run_id,
	    answer = 'outbox export'
	where m.wave = new.wave and m.kind = 'announcement'
	  and m.nik between new.first_nik and new.last_nik and m.state = 'PENDING';
	return null;
end $$;

create or replace trigger outbox_export_marks_sms after insert on gelombang.outbox_export
	for each row execute function gelombang.sms_mark_exported();

-- The next pending messages: LOLOS first (their 30 days run), then older
-- waves first, then in the order they were queued; at most p_limit.
create or replace function gelombang.sms_pending(p_wave integer, p_limit integer)
returns table (id bigint, wave integer, phone text, message text, attempts integer)
language sql stable as $$
	select m.id, m.wave, m.phone, m.message, m.attempts
	from gelombang.sms_message m
	where m.state = 'PENDING' and (p_wave is null or m.wave = p_wave)
	order by m.priority, m.wave, m.id
	limit p_limit
$$;

-- What the gateway answered to one batch of submissions, one statement:
-- p_outcome[i] is SENT (accepted: 2xx), FAILED (refused for this message:
-- 4xx) or RETRY (not reached, 5xx: stays PENDING).  A message a delivery
-- report has already moved on keeps its state.  Returns the rows updated.
create or replace function gelombang.sms_record_submissions(p_ids bigint[], p_outcome text[],
	p_answer text[], p_run bigint)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	update gelombang.sms_message m
	set state = case when u.outcome = 'RETRY' or m.state <> 'PENDING' then m.state
			 else u.outcome::gelombang.sms_state end,
	    attempts = m.attempts + 1,
	    sent_at = case when u.outcome = 'SENT' and m.sent_at is null then clock_timestamp()
			   else m.sent_at end,
	    sent_run = case when u.outcome = 'SENT' then p_run else m.sent_run end,
	    answer = u.answer
	from unnest(p_ids, p_outcome, p_answer) as u(id, outcome, answer)
	where m.id = u.id and u.outcome in ('SENT', 'FAILED', 'RETRY');
	get diagnostics n = row_count;
	return n;
end $$;

-- The state a Kannel delivery report (dlr-mask bits, the %d of the
-- dlr-url) stands for: 1 delivered, 2 failed at the phone, 16 refused by
-- the SMSC, 8 accepted by the SMSC, 4 queued there; null: no state.
create or replace function gelombang.sms_report_state(p_status integer)
returns gelombang.sms_state language sql immutable parallel safe as $$
	select case p_status when 1 then 'DELIVERED' when 2 then 'FAILED' when 16 then 'FAILED'
		when 8 then 'SENT' when 4 then 'SENT' end::gelombang.sms_state
$$;

-- Record a batch of delivery reports, matched by message id.  Several
-- reports of one message in the batch count as its furthest one; a state
-- only moves forward: a report of acceptance (8) after delivery (1), or a
-- repeated report, changes nothing but the count of reports.  Returns the
-- ids that match no message (answered and logged by sms listen, stored
-- nowhere).
create or replace function gelombang.sms_record_reports(p_ids bigint[], p_status integer[])
returns setof bigint language plpgsql as $$
begin
	return query
	with r as (
		select u.id, u.status, u.ord, gelombang.sms_report_state(u.status) as target
		from unnest(p_ids, p_status) with ordinality as u(id, status, ord)
	), per_message as (
		select distinct on (r.id) r.id, r.status, r.target, count(*) over (partition by r.id) as n
		from r
		order by r.id, r.target desc nulls last, r.ord desc
	), upd as (
		update gelombang.sms_message m
		set state = case when m.state in ('DELIVERED', 'FAILED') or p.target is null
				   or p.target <= m.state then m.state else p.target end,
		    report = case when m.state in ('DELIVERED', 'FAILED') then m.report
				  else p.status end,
		    report_at = clock_timestamp(),
		    reports = m.reports + p.n::int
		from per_message p
		where m.id = p.id
		returning m.id
	)
	select p.id from per_message p where not exists (select 1 from upd where upd.id = p.id);
end $$;

-- sms retry: a wave's FAILED messages are PENDING again.  Returns how many.
create or replace function gelombang.sms_retry(p_wave integer)
returns bigint language plpgsql as $$
declare
	n bigint;
begin
	update gelombang.sms_message set state = 'PENDING', answer = null
	where wave = p_wave and state = 'FAILED';
	get diagnostics n = row_count;
	return n;
end $$;

-- sms status and report: messages per wave and state, by wave then state.
create or replace function gelombang.sms_counts(p_wave integer)
returns table (wave integer, state gelombang.sms_state, messages bigint)
language sql stable as $$
	select m.wave, m.state, count(*)
	from gelombang.sms_message m
	where p_wave is null or m.wave = p_wave
	group by m.wave, m.state
	order by m.wave, m.state
$$;

-- sms send runs left without an end row are dead: a live one holds the
-- outbox lock, which the caller holds now (as mark_dead_exports).
create or replace function gelombang.sms_mark_dead_runs()
returns bigint language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
declare
	n bigint;
begin
	-- under the owner's rights (only run_start, run_end and the dead-run
	-- markers write the history), for a session holding the outbox lock
	if not exists (select 1 from pg_locks l
		       where l.locktype = 'advisory' and l.pid = pg_backend_pid() and l.granted
			 and l.classid = 1734700130 and l.objid = (-1)::oid and l.objsubid = 2) then
		raise exception 'dead sms send runs are marked only by a run holding the outbox lock'
			using errcode = 'insufficient_privilege';
	end if;
	insert into gelombang.job_run_end (run_id, job, wave, outcome, message)
	select j.id, j.job, j.wave, 'DEAD',
		'found dead by the next sms send: its session ended without finishing'
	from gelombang.job_run j
	where j.job = 'sms send'
	  and not exists (select 1 from gelombang.job_run_end e where e.run_id = j.id)
	on conflict (run_id) do nothing;
	get diagnostics n = row_count;
	return n;
end $$;
