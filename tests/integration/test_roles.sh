#!/bin/bash
# Who may do what: a login role for each role the migrations create, and
# what each is refused.
#   gelombang_batch      runs the whole lifecycle through the program; cannot
#                        create, alter or drop anything in the schema, nor
#                        change outcomes, participants or history
#   gelombang_dashboard  calls gelombang.dashboard_lookup(nik), and nothing
#                        else
#   gelombang_auditor    reads everything, changes no data; audit works
# Announced outcomes change for no one but the owner (who must disable a
# guard to do it).
. "$(dirname "$0")/lib.sh"
db=${PGDATABASE:?}

# roles are cluster-wide: names of this test's own
sql "do \$\$ declare r text; begin
	foreach r in array array['gb_t_batch', 'gb_t_dash', 'gb_t_audit'] loop
		if not exists (select 1 from pg_roles where rolname = r) then
			execute format('create role %I login', r);
		end if;
	end loop; end \$\$" >/dev/null
sql "grant gelombang_batch to gb_t_batch; grant gelombang_dashboard to gb_t_dash;
	grant gelombang_auditor to gb_t_audit" >/dev/null

# as ROLE, SQL must fail with SQLSTATE 42501 (insufficient privilege)
refused() { # ROLE DESC SQL
	local out
	out=$(psql -X -q -At -v VERBOSITY=verbose -v ON_ERROR_STOP=1 -U "$1" -d "$db" -c "$3" 2>&1)
	if [ $? != 0 ] && printf '%s' "$out" | grep -q 'ERROR:  42501'; then
		_ok "$1 is refused: $2"
	else
		_not_ok "$1 is not refused (42501): $2"
		printf '%s\n' "$out" | head -3 | sed 's/^/#   /'
	fi
}
allowed() { # ROLE DESC SQL
	if psql -X -q -At -v ON_ERROR_STOP=1 -U "$1" -d "$db" -c "$3" >"$W/allowed.out" 2>"$W/allowed.err"; then
		_ok "$1 may: $2"
	else
		_not_ok "$1 may not: $2"
		head -3 "$W/allowed.err" | sed 's/^/#   /'
	fi
}
as() { # ROLE SQL: one value
	psql -X -q -At -v ON_ERROR_STOP=1 -U "$1" -d "$db" -c "$2"
}
gb() { "$G" --db "dbname=$db user=gb_t_batch" "$@"; }

# -- the batch role runs everything through the program --------------------
t1=2022-02-10T12:00:00+07:00
t2=2022-02-13T23:59:00+07:00
seed=$(printf '%064d' 7)
expect_exit 0 "batch: wave create" gb --now $t1 wave create --wave 1 --opens $t1 --closes $t2 --quota 5 --seed "$seed"
printf 'province,quota\n31,3\n32,2\n' >"$W/quota.csv"
expect_exit 0 "batch: quota set" gb quota set --wave 1 "$W/quota.csv"
expect_exit 0 "batch: import" gb import --wave 1 "$FX/wave22.csv"
nik1=$(sed -n 2p "$FX/wave22.csv" | cut -d, -f1)
expect_exit 0 "batch: run-due to the announcement" gb --now 2022-02-17T00:00:00+07:00 run-due
same "batch: wave 1 is announced" DIUMUMKAN "$(sql "select state from gelombang.wave where wave = 1")"
expect_exit 0 "batch: results" gb results --wave 1
expect_exit 0 "batch: status" gb status
expect_exit 0 "batch: history" gb history
expect_exit 0 "batch: outbox export" gb outbox export
expect_exit 0 "batch: wave 2 create" gb --now 2022-03-01T00:00:00+07:00 wave create --wave 2 --opens 2022-03-01T00:00:00+07:00 \
	--closes 2022-03-05T00:00:00+07:00 --quota 5 --seed "$(printf '%064d' 8)"
expect_exit 0 "batch: join wave 2" gb --now 2022-03-02T00:00:00+07:00 join --wave 2 --nik "$nik1"
expect_exit 0 "batch: wave 2 through run-due" gb --now 2022-03-09T00:00:00+07:00 run-due
same "batch: wave 2 is announced" DIUMUMKAN "$(sql "select state from gelombang.wave where wave = 2")"
same "batch: every run of the batch role ended well" "" \
	"$(sql "select job || ' ' || outcome from gelombang.history
		where outcome not in ('SUCCEEDED', 'NOTHING_TO_DO')")"

# -- ... and cannot change the schema or rewrite what is written -----------
refused gb_t_batch "create table" "create table gelombang.x (a int)"
refused gb_t_batch "create function" "create function gelombang.f() returns int language sql as 'select 1'"
refused gb_t_batch "create view" "create view gelombang.v as select 1"
refused gb_t_batch "alter table" "alter table gelombang.outcome add column x int"
refused gb_t_batch "alter a partition" "alter table gelombang.registration_1 drop constraint wave_closed"
refused gb_t_batch "disable a guard" "alter table gelombang.outcome disable trigger user"
refused gb_t_batch "drop table" "drop table gelombang.participant"
refused gb_t_batch "drop a function" "drop function gelombang.mark_dead_runs(integer)"
refused gb_t_batch "create a schema" "create schema gb_t_evil"
refused gb_t_batch "update an outcome" "update gelombang.outcome set reason = null where wave = 1"
refused gb_t_batch "delete an outcome" "delete from gelombang.outcome where wave = 1"
refused gb_t_batch "update a participant" "update gelombang.participant set saldo = 0"
refused gb_t_batch "delete a participant" "delete from gelombang.participant"
refused gb_t_batch "update the history" "update gelombang.job_run set operator = 'x'"
refused gb_t_batch "delete from the history" "delete from gelombang.job_run_end"
refused gb_t_batch "truncate the outcomes" "truncate gelombang.outcome"
refused gb_t_batch "truncate the history" "truncate gelombang.job_run, gelombang.job_run_end"
refused gb_t_batch "change a wave's seed" "update gelombang.wave set seed = repeat('0', 64) where wave = 1"
refused gb_t_batch "delete an exported-messages row" "delete from gelombang.outbox_export"
refused gb_t_batch "update a registration" "update gelombang.registration set name = 'x'"
# a new participant in an announced wave would change later waves
# (PESERTA_SEBELUMNYA, household counts) and the results
loser=$(sql "select nik from gelombang.outcome where wave = 1 and reason is not null limit 1")
refused gb_t_batch "a new participant in an announced wave" \
	"insert into gelombang.participant (nik, wave, kk, card_number, saldo)
	 values ('$loser', 1, '1111111111111111', gelombang.card_number(1, 999), 1)"
refused gb_t_batch "new frozen inputs for a selected wave" \
	"insert into gelombang.frozen_kk_prior (wave, kk, prior) values (1, '1111111111111111', 1)"

# -- the dashboard role -----------------------------------------------------
same "dashboard: the look-up shows the NIK's rows, oldest wave first" "$nik1|1 $nik1|2" \
	"$(as gb_t_dash "select nik || '|' || wave from gelombang.dashboard_lookup('$nik1')" | tr '\n' ' ' | sed 's/ $//')"
same "dashboard: its status is the announced one" \
	"$(sql "select status from gelombang.dashboard where nik = '$nik1' and wave = 1")" \
	"$(as gb_t_dash "select status from gelombang.dashboard_lookup('$nik1') where wave = 1")"
same "dashboard: SQL for a NIK is no row and no error" 0 \
	"$(as gb_t_dash "select count(*) from gelombang.dashboard_lookup('x'' or ''1''=''1')")"
same "dashboard: of the functions of gelombang it may execute dashboard_lookup only" \
	"gelombang.dashboard_lookup(text)" \
	"$(as gb_t_dash "select p.oid::regprocedure from pg_proc p
		where p.pronamespace = 'gelombang'::regnamespace and has_function_privilege(p.oid, 'execute')")"
refused gb_t_dash "read the dashboard view" "select * from gelombang.dashboard limit 1"
refused gb_t_dash "call status_label()" "select gelombang.status_label('LOLOS')"
refused gb_t_dash "call announcement_visible_everywhere()" \
	"select gelombang.announcement_visible_everywhere(1)"
for t in wave wave_quota registration registration_1 outcome outcome_1 participant frozen_prior \
	frozen_kk_prior job_run job_run_end outbox_export history outbox; do
	refused gb_t_dash "read gelombang.$t" "select * from gelombang.$t limit 1"
done
refused gb_t_dash "call selection()" "select * from gelombang.selection(1)"
refused gb_t_dash "call mark_dead_runs()" "select gelombang.mark_dead_runs(null)"
refused gb_t_dash "call create_wave()" \
	"select gelombang.create_wave(9, now(), now() + interval '1 day', now() + interval '2 days', 1, repeat('0', 64))"
out=$(psql -X -q -At -U gb_t_dash -d "$db" -c "delete from gelombang.dashboard" 2>&1)
same "gb_t_dash cannot write the dashboard view" "1 0" \
	"$(printf '%s' "$out" | grep -c ERROR) $(sql "select count(*) = 0 from gelombang.dashboard" | grep -c t)"
refused gb_t_dash "create in the schema" "create table gelombang.x (a int)"

# -- the auditor role -------------------------------------------------------
for t in $(sql "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
	where n.nspname = 'gelombang' and c.relkind in ('r', 'p', 'v') and not c.relispartition
	order by 1"); do
	allowed gb_t_audit "read gelombang.$t" "select * from gelombang.$t limit 1"
done
same "auditor: the dashboard view shows it every row" \
	"$(sql "select count(*) from gelombang.dashboard")" "$(as gb_t_audit "select count(*) from gelombang.dashboard")"
refused gb_t_audit "insert a registration" \
	"insert into gelombang.registration select * from gelombang.registration where wave = 1 limit 1"
refused gb_t_audit "update a wave" "update gelombang.wave set state = state"
refused gb_t_audit "insert an outcome" "insert into gelombang.outcome values (1, '0000000000000000', null, null)"
refused gb_t_audit "insert a participant" \
	"insert into gelombang.participant values ('0000000000000000', 1, '0', gelombang.card_number(1, 999), 1)"
refused gb_t_audit "delete quotas" "delete from gelombang.wave_quota"
refused gb_t_audit "insert an exported-messages row" \
	"insert into gelombang.outbox_export (wave, first_nik, last_nik, messages) values (1, '0', '1', 1)"
refused gb_t_audit "record a SUCCEEDED job" \
	"insert into gelombang.job_run (job, wave, operator) values ('announce', 1, 'x')"
refused gb_t_audit "create in the schema" "create table gelombang.x (a int)"
ga() { "$G" --db "dbname=$db user=gb_t_audit" "$@"; }
expect_exit 0 "auditor: gelombang audit --wave 1" ga audit --wave 1
expect_exit 0 "auditor: results" ga results --wave 1
expect_exit 0 "auditor: report" ga report --wave 1
expect_exit 0 "auditor: history" ga history
rc=0
ga --now 2022-03-09T00:00:00+07:00 wave create --wave 3 --opens 2022-04-01T00:00:00+07:00 \
	--closes 2022-04-05T00:00:00+07:00 --quota 5 >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ]
same "auditor: wave create is refused (exit $rc)" 0 "$?"
same "auditor: no wave 3" "" "$(sql "select wave from gelombang.wave where wave = 3")"

# -- the history: written only through run_start / run_end ------------------
refused gb_t_batch "insert a start row into the history" \
	"insert into gelombang.job_run (job, wave, operator) values ('close', 4, 'auditor-bpk')"
refused gb_t_batch "insert an end row into the history" \
	"insert into gelombang.job_run_end (run_id, job, wave, outcome, message)
	 values (1, 'close', 1, 'SUCCEEDED', 'announced by hand')"
refused gb_t_audit "insert an end row into the history" \
	"insert into gelombang.job_run_end (run_id, job, wave, outcome)
	 select id, job, wave, 'SUCCEEDED' from gelombang.job_run where job = 'select' limit 1"
expect_exit 0 "batch: wave 4 create (open)" gb wave create --wave 4 --opens 2022-04-01T00:00:00+07:00 \
	--closes 2099-04-05T00:00:00+07:00 --quota 5
start="gelombang.run_start('close', 4, 'auditor-bpk', 'h', 1, 'forged', '', '', null, false, null)"
ends=$(sql "select count(*) from gelombang.job_run_end")
fails() { # ROLE DESC SQL: SQL must fail, and leave no end row
	if psql -X -q -At -v ON_ERROR_STOP=1 -U "$1" -d "$db" -c "$3" >"$W/fails.out" 2>&1; then
		_not_ok "$1 could: $2"
	else
		_ok "$1 cannot: $2 ($(grep -o 'ERROR: .*' "$W/fails.out" | head -1))"
	fi
}
fails gb_t_batch "a forged SUCCEEDED close of an open wave, through the functions" \
	"select gelombang.run_end($start, 'SUCCEEDED', 0, 'closed by hand')"
fails gb_t_batch "a SUCCEEDED close of an announced wave" \
	"select gelombang.run_end(gelombang.run_start('close', 1, 'x', 'h', 1, 'forged', '', '', null,
	 false, null), 'SUCCEEDED', 0, 'closed again')"
fails gb_t_batch "a dry run ending SUCCEEDED" \
	"select gelombang.run_end(gelombang.run_start('import', 4, 'x', 'h', 1, 'forged', '', '', null,
	 true, null), 'SUCCEEDED', 0, 'x')"
fails gb_t_batch "record a run DEAD" "select gelombang.run_end($start, 'DEAD', 0, 'x')"
# a run left open by a session of the batch role, which another session tries to end
other=$(as gb_t_batch "select $start")
fails gb_t_batch "end a run another session started" \
	"select gelombang.run_end($other, 'SUCCEEDED', 0, 'x')"
fails gb_t_batch "end it as FAILED either" "select gelombang.run_end($other, 'FAILED', 0, 'x')"
fails gb_t_audit "start a run of another job than audit" \
	"select gelombang.run_start('announce', 4, 'x', 'h', 1, 'x', '', '', null, false, null)"
same "no end row was written by any of them" "$ends" "$(sql "select count(*) from gelombang.job_run_end")"
same "wave 4 is still open" DIBUKA "$(sql "select state from gelombang.wave where wave = 4")"
# wave 4 closes in 2099: a drill's clock, which its configuration allows
printf 'lifecycle: { allow_simulated_clock = true; };\n' >"$W/drill.conf"
expect_exit 1 "batch: close wave 4 at a clock ahead of the real one: refused" \
	gb --now 2099-04-05T00:00:00+07:00 close --wave 4
grep -q "could not run close: the clock given with --now (2099-04-05 00:00:00 WIB) is ahead of the real one" \
	"$W/last.err" && _ok "... saying so" || _not_ok "... saying so"
same "... recorded REFUSED, with the clock" "REFUSED|2099-04-04 17:00:00" \
	"$(sql "select outcome || '|' || (now_override at time zone 'UTC') from gelombang.history
		where wave = 4 order by id desc limit 1")"
expect_exit 0 "batch: close wave 4 at its time, as a drill" \
	"$G" -c "$W/drill.conf" --db "dbname=$db user=gb_t_batch" --now 2099-04-05T00:00:00+07:00 close --wave 4
same "the real close succeeds" "close|SUCCEEDED" \
	"$(sql "select job || '|' || outcome from gelombang.history where wave = 4 order by id desc limit 1")"
same "the run left open by the role's session is DEAD (by the next run)" "DEAD" \
	"$(sql "select outcome from gelombang.history where id = $other")"
same "the database role of every run is recorded, whatever the operator says" \
	"gb_t_batch|auditor-bpk gb_t_batch|$(id -un)" \
	"$(sql "select distinct db_role || '|' || operator from gelombang.job_run where wave = 4 order by 1" | paste -sd' ')"
same "history shows the role beside the operator" 1 \
	"$(gb history --wave 4 | grep -c "close .* auditor-bpk (gb_t_batch) .* DEAD")"
same "the audit runs: the auditor's role" "gb_t_audit" \
	"$(sql "select distinct db_role from gelombang.job_run where job = 'audit'")"

# -- announced outcomes: the owner only, and only by disabling the guard ----
out=$(sql "update gelombang.outcome set reason = 'USIA' where wave = 1 and nik = '$nik1'" 2>&1)
printf '%s' "$out" | grep -q 'not allowed'
same "even the owner's UPDATE of an outcome meets the guard" 0 "$?"
done_testing
