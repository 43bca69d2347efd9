-- 008_applicant.sql — the applicant record: one per NIK, the newest data.
--
-- A registration keeps the data of its own row; the applicant is the NIK's
-- newest registration (the one join copies).  It is a view rather than a
-- table kept in step with every import: an upsert of ten million rows into
-- a table of a hundred million would cost import more than the whole COPY,
-- while a look-up by NIK is one index probe per wave partition.
create view gelombang.applicant as
select distinct on (r.nik)
	r.nik, r.kk, r.name, r.birth_date, r.sex, r.occupation, r.in_school,
	r.receives_aid, r.region_code, r.phone, r.wave as newest_wave, r.joined_at
from gelombang.registration r
order by r.nik, r.wave desc;

grant select on gelombang.applicant to gelombang_batch, gelombang_auditor;
