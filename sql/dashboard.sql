-- dashboard.sql — what the applicant's dashboard shows (SPEC §1, §8): the
-- statuses and their labels, the dashboard view, the applicant record.

create or replace function gelombang.status_label(status text)
returns text language sql immutable strict parallel safe as $$
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

-- SPEC §8.  No result before the announcement.  A session of the dashboard
-- role sees only the NIK it bound with gelombang.bind_nik().  A security
-- barrier, so that a condition of the caller's (a function of its own that
-- records its arguments) never runs on rows this view's condition removes.
create or replace view gelombang.dashboard with (security_barrier) as
select r.nik::text as nik, r.wave, st.status, gelombang.status_label(st.status) as label,
	case when st.status = 'LOLOS' then p.card_number::text end as card_number,
	case when st.status = 'LOLOS' then p.saldo end as saldo
from gelombang.registration r
join gelombang.wave w on w.wave = r.wave
left join gelombang.outcome o
	on w.state >= 'DIUMUMKAN' and o.wave = r.wave and o.nik = r.nik
left join gelombang.participant p
	on w.state >= 'DIUMUMKAN' and o.reason is null and p.nik = o.nik and p.wave = o.wave
-- SPEC §10: a revoked participant shows neither card nor saldo
left join gelombang.revoked v
	on w.state = 'SELESAI' and o.reason is null and v.nik = o.nik and v.wave = o.wave
cross join lateral (select case
	when w.state < 'DIUMUMKAN' then gelombang.wave_status(w)
	when v.nik is not null then 'DICABUT'
	when o.nik is not null and o.reason is null then 'LOLOS'
	else 'TIDAK_LOLOS' end as status) st
where r.nik = current_setting('gelombang.nik', true)
   or not pg_has_role(current_user, 'gelombang_dashboard', 'MEMBER')
   or (select rolsuper from pg_roles where rolname = current_user);

-- dashboard: the view, and binding the session to one NIK
create or replace function gelombang.bind_nik(p_nik text)
returns void language sql as $$
	select set_config('gelombang.nik', p_nik, false)
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
