-- 017_amend.sql — a wave can be corrected while it is open, or withdrawn
-- before anyone joined it.
--
-- SPEC's states are fixed, so a withdrawn wave stays DIBUKA and is marked
-- by the time it was withdrawn: run-due skips it, import and join refuse
-- it, and the wave guard lets nothing about it change afterwards.  What
-- was amended, by whom and why is in the history (jobs "wave amend" and
-- "wave withdraw").

alter table gelombang.wave add column withdrawn_at timestamptz;
