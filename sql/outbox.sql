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
