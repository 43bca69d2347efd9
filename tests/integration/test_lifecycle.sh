#!/bin/bash
# The lifecycle of a wave: run-due stepping over the deadlines, the jobs by
# hand (idempotent, ordered, --dry-run), the wave lock, what the dashboard
# shows, and run-due catching up two waves after downtime.
. "$(dirname "$0")/lib.sh"

# expect_exit leaves CMD's output in last.out/last.err, which the next check
# overwrites: run keeps a copy in out/err
run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
state() { sql "select state from gelombang.wave where wave = $1"; }
# the SUCCEEDED runs of the lifecycle jobs, oldest first: "job wave" lines
succeeded() {
	sql "select e.job || ' ' || e.wave from gelombang.job_run_end e
		where e.outcome = 'SUCCEEDED' and e.job in ('close', 'process', 'select', 'announce')
		order by e.run_id"
}
runs() { sql "select count(*) from gelombang.job_run"; }
SEED=acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6
LOCK_CLASS=1734700130

expect_exit 0 "create wave 1" g --now 2022-02-10T12:00:00+07:00 wave create --wave 1 --opens 2022-02-10T12:00:00+07:00 \
	--closes 2022-02-13T23:59:00+07:00 --announce 2022-02-16T23:59:00+07:00 --quota 22 --seed "$SEED"
expect_exit 0 "import wave 1" g import --wave 1 "$FX/wave22.csv"
N=$(sql 'select count(*) from gelombang.registration where wave = 1')

# --- run-due over the deadlines ---------------------------------------------
n0=$(runs)
run 0 "run-due before the close: exit 0" g --now 2022-02-13T23:58:59+07:00 run-due
same "... nothing happens" "DIBUKA" "$(state 1)"
same "... and no job ran" "$n0" "$(runs)"

run 1 "close before closes_at: exit 1" g --now 2022-02-13T23:58:59+07:00 close --wave 1
check "... the message shows the closing time in WIB" grep -q "2022-02-13 23:59:00 WIB" "$W/err"
printf 'timezone = "Asia/Jayapura";\n' >"$W/wit.conf"
run 1 "close before closes_at with timezone Asia/Jayapura" \
	"$G" -c "$W/wit.conf" --db "$TEST_DB" --now 2022-02-14T01:58:00+09:00 close --wave 1
check "... still shows the closing time in WIB" grep -q "2022-02-13 23:59:00 WIB" "$W/err"
same "... and changes nothing" "DIBUKA" "$(state 1)"

# out of order: each names the step that must come first
for pair in "process close" "select process" "announce select"; do
	set -- $pair
	run 1 "$1 of an open wave: exit 1" g --now 2022-03-01T00:00+07:00 "$1" --wave 1
	check "... naming \"$2\" as the step that must come first" grep -q "\\b$2\\b" "$W/err"
done
same "the refused runs changed nothing" "DIBUKA" "$(state 1)"

# --dry-run: recorded, changes nothing
run 0 "close --dry-run after closes_at: exit 0" g --now 2022-02-14T00:00+07:00 close --wave 1 --dry-run
same "... the wave is still open" "DIBUKA" "$(state 1)"
check "... and says how many entries it would close" grep -q "would close wave 1 ($N entries)" "$W/out"
same "... the partition takes rows (no check constraint added)" "0" \
	"$(sql "select count(*) from pg_constraint where conname = 'wave_closed' and conrelid = 'gelombang.registration_1'::regclass")"
same "... recorded in the history as DRY_RUN" "DRY_RUN|t" \
	"$(sql "select e.outcome, j.dry_run from gelombang.job_run j join gelombang.job_run_end e on e.run_id = j.id
		where j.job = 'close' order by j.id desc limit 1")"

# the wave's lock held by another session: 75 at once, nothing changed
psql -X -q -c "select pg_advisory_lock($LOCK_CLASS, 1)" -c "select pg_sleep(120)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do
	[ "$(sql "select count(*) from pg_locks where locktype = 'advisory' and granted
		and classid = $LOCK_CLASS and objid = 1")" = 1 ] && break
	sleep 0.1
done
run 75 "close while another session holds the wave's lock: exit 75" \
	timeout 30 "$G" --db "$TEST_DB" --now 2022-02-14T00:00+07:00 close --wave 1
check "... saying another run holds the lock" grep -qi "lock" "$W/err"
same "... the wave is still open" "DIBUKA" "$(state 1)"
run 75 "run-due while the wave is locked: exit 75" \
	timeout 30 "$G" --db "$TEST_DB" --now 2022-02-14T00:00+07:00 run-due
same "... the wave is still open" "DIBUKA" "$(state 1)"
run 75 "select --dry-run while the wave is locked: exit 75" \
	timeout 30 "$G" --db "$TEST_DB" select --wave 1 --dry-run
sql "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory'
	and classid = $LOCK_CLASS and objid = 1" >/dev/null
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

run 1 "results before select: exit 1" g results --wave 1
same "... and no CSV on stdout" "" "$(cat "$W/out")"
run 0 "run-due after closes_at: exit 0" g --now 2022-02-14T00:00:00+07:00 run-due
same "... closed, processed and selected in one run" "DISELEKSI" "$(state 1)"
same "... in that order" "close 1
process 1
select 1" "$(succeeded)"
same "... with the clock of --now" "2022-02-13 17:00:00|2022-02-13 17:00:00|2022-02-13 17:00:00" \
	"$(sql "select closed_at at time zone 'UTC', processed_at at time zone 'UTC',
		selected_at at time zone 'UTC' from gelombang.wave where wave = 1")"

# the dashboard after select: no result
same "dashboard after select: every entry DALAM_PROSES_SELEKSI, no card, no saldo" "$N|$N|0|0" \
	"$(sql "select count(*), count(*) filter (where status = 'DALAM_PROSES_SELEKSI'
		and label = 'Dalam Proses Seleksi'), count(card_number), count(saldo)
		from gelombang.dashboard where wave = 1")"

run 0 "results after select, before the announcement: exit 0" g results --wave 1
same "... the header and one row per registration" "nik,status,reason,lottery_key,card_number $((N + 1))" \
	"$(head -1 "$W/out") $(wc -l <"$W/out")"
n0=$(runs)
run 0 "run-due before announce_at: exit 0" g --now 2022-02-16T23:58:59+07:00 run-due
same "... the wave waits" "DISELEKSI" "$(state 1)"
same "... and no job ran" "$n0" "$(runs)"
run 1 "announce before announce_at: exit 1" g --now 2022-02-16T23:58:59+07:00 announce --wave 1
check "... the message shows the announcement time in WIB" grep -q "2022-02-16 23:59:00 WIB" "$W/err"
run 0 "announce --dry-run at announce_at" g --now 2022-02-16T23:59:00+07:00 announce --wave 1 --dry-run
same "... changes nothing" "DISELEKSI" "$(state 1)"
same "... and the dashboard still shows no result" "0" \
	"$(sql "select count(*) from gelombang.dashboard where wave = 1 and status <> 'DALAM_PROSES_SELEKSI'")"
run 0 "run-due at announce_at" g --now 2022-02-16T23:59:00+07:00 run-due
same "... announces" "DIUMUMKAN" "$(state 1)"

# the dashboard after the announcement: the result of every entry
g results --wave 1 >"$W/results.csv"
same "dashboard after announce: the status, card and saldo of results" \
	"$(tail -n +2 "$W/results.csv" | awk -F, '{ print $1 "|" $2 "|" ($2 == "LOLOS" ? "Lolos" : "Tidak Lolos") "|" $5 "|" ($2 == "LOLOS" ? 3550000 : "") }')" \
	"$(sql "select nik, status, label, card_number, saldo from gelombang.dashboard where wave = 1 order by nik")"
check "... with some LOLOS and some TIDAK_LOLOS" test "$(grep -c ',LOLOS,' "$W/results.csv")" -gt 0 \
	-a "$(grep -c ',TIDAK_LOLOS,' "$W/results.csv")" -gt 0

# the dashboard role looks a NIK up, and reads nothing else
role="it_dash_$$"
one=$(sed -n 2p "$W/results.csv" | cut -d, -f1)
sql "create role $role login in role gelombang_dashboard" >/dev/null
dash() { psql -X -At -v ON_ERROR_STOP=1 -U "$role" -c "$1" 2>/dev/null; }
same "the dashboard role looks up the rows of a NIK" "$one|1" \
	"$(dash "select nik, wave from gelombang.dashboard_lookup('$one')")"
check "... and cannot read the dashboard view" bash -c '! psql -X -At -U "$1" -c "select 1 from gelombang.dashboard limit 1" 2>/dev/null' _ "$role"
check "... and cannot read the registrations" bash -c '! psql -X -At -U "$1" -c "select 1 from gelombang.registration limit 1" 2>/dev/null' _ "$role"
check "... nor the outcomes" bash -c '! psql -X -At -U "$1" -c "select 1 from gelombang.outcome limit 1" 2>/dev/null' _ "$role"
sql "drop role $role" >/dev/null

# --- every job again: nothing to do --------------------------------------------
for j in close process select announce; do
	run 0 "$j again: exit 0" g --now 2022-03-01T00:00+07:00 $j --wave 1
	check "... saying there is nothing to do" grep -qi "nothing to do" "$W/out" "$W/err"
done
run 0 "run-due again: exit 0" g --now 2022-03-01T00:00+07:00 run-due
same "exactly one SUCCEEDED run per job" "close 1
process 1
select 1
announce 1" "$(succeeded)"
same "the second runs are NOTHING_TO_DO" "announce|1
close|1
process|1
select|1" "$(sql "select job, count(*) from gelombang.job_run_end where wave = 1
	and outcome = 'NOTHING_TO_DO' group by job order by job")"
same "the dry runs are recorded as DRY_RUN" "announce|DRY_RUN
close|DRY_RUN" "$(sql "select job, outcome from gelombang.job_run_end where wave = 1
	and outcome = 'DRY_RUN' order by job")"

# --- two waves: order across waves, and catching up after downtime --------------
expect_exit 0 "create wave 2" g --now 2022-02-17T12:00:00+07:00 wave create --wave 2 --opens 2022-02-17T12:00:00+07:00 \
	--closes 2022-02-20T23:59:00+07:00 --announce 2022-02-23T23:59:00+07:00 --quota 100000
expect_exit 0 "create wave 3" g --now 2022-02-20T23:59:00+07:00 wave create --wave 3 --opens 2022-02-20T23:59:00+07:00 \
	--closes 2022-02-27T23:59:00+07:00 --announce 2022-03-02T23:59:00+07:00 --quota 100000
printf 'nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at\n' >"$W/w2.csv"
tail -n +2 "$FX/wave23.csv" | head -40 >>"$W/w2.csv"
expect_exit 0 "import wave 2" g import --wave 2 "$W/w2.csv"
tail -n +42 "$FX/wave23.csv" | head -40 | sed 's/2022-02-\(1[789]\|20\)T/2022-02-22T/' |
	cat <(head -1 "$W/w2.csv") - >"$W/w3.csv"
expect_exit 0 "import wave 3" g import --wave 3 "$W/w3.csv"
same "dashboard of an open wave: Menunggu Gelombang Ditutup, no card, no saldo" "40|40|0|0" \
	"$(sql "select count(*), count(*) filter (where status = 'MENUNGGU_GELOMBANG_DITUTUP'
		and label = 'Menunggu Gelombang Ditutup'), count(card_number), count(saldo)
		from gelombang.dashboard where wave = 2")"
expect_exit 0 "close wave 2" g --now 2022-02-28T00:00+07:00 close --wave 2
same "dashboard of a closed wave: Sedang Diproses, no card, no saldo" "40|40|0|0" \
	"$(sql "select count(*), count(*) filter (where status = 'SEDANG_DIPROSES'
		and label = 'Sedang Diproses'), count(card_number), count(saldo)
		from gelombang.dashboard where wave = 2")"
run 1 "select of a closed wave (before process): exit 1" g --now 2022-02-28T00:00+07:00 select --wave 2
check "... naming process" grep -q "\\bprocess\\b" "$W/err"
run 1 "announce of a closed wave (before select): exit 1" g --now 2022-02-28T00:00+07:00 announce --wave 2
check "... naming select" grep -q "\\bselect\\b" "$W/err"
same "... and wave 2 stays closed" "DITUTUP" "$(state 2)"
expect_exit 0 "close wave 3" g --now 2022-02-28T00:00+07:00 close --wave 3
run 1 "process wave 3 while wave 2 is not selected: exit 1" g --now 2022-02-28T00:00+07:00 process --wave 3
check "... naming wave 2" grep -q "wave 2" "$W/err"
same "... and wave 3 stays closed" "DITUTUP" "$(state 3)"
expect_exit 0 "process wave 2" g --now 2022-02-28T00:00+07:00 process --wave 2
run 1 "announce of a processed wave (before select): exit 1" g --now 2022-02-28T00:00+07:00 announce --wave 2
check "... naming select" grep -q "\\bselect\\b" "$W/err"
same "... and wave 2 stays processed" "DIPROSES" "$(state 2)"
expect_exit 1 "process wave 3 while wave 2 is processed but not selected: exit 1" \
	g --now 2022-02-28T00:00+07:00 process --wave 3

n0=$(sql "select coalesce(max(run_id), 0) from gelombang.job_run_end")
run 0 "run-due after downtime, all deadlines past: exit 0" g --now 2022-03-03T00:00+07:00 run-due
same "... both waves announced" "DIUMUMKAN DIUMUMKAN" "$(state 2) $(state 3)"
same "... every step in order, oldest wave first" "select 2
announce 2
process 3
select 3
announce 3" "$(sql "select e.job || ' ' || e.wave from gelombang.job_run_end e
	where e.outcome = 'SUCCEEDED' and e.run_id > $n0 order by e.run_id")"
same "... nothing refused or failed on the way" "0" \
	"$(sql "select count(*) from gelombang.job_run_end where run_id > $n0 and outcome <> 'SUCCEEDED'")"
same "every job of every wave succeeded exactly once" "1|4
2|4
3|4" "$(sql "select wave, count(*) from gelombang.job_run_end where outcome = 'SUCCEEDED'
	and job in ('close', 'process', 'select', 'announce') group by wave order by wave")"
same "wave 2's participants were final before wave 3 was processed" "t" \
	"$(sql "select (select processed_at from gelombang.wave where wave = 3)
		>= (select selected_at from gelombang.wave where wave = 2)")"

# a fresh pair of waves: run-due from open to announced in one run, in order
expect_exit 0 "create wave 4" g --now 2022-03-03T00:00:00+07:00 wave create --wave 4 --opens 2022-03-03T00:00:00+07:00 \
	--closes 2022-03-04T00:00:00+07:00 --quota 10
expect_exit 0 "create wave 5" g --now 2022-03-04T00:00:00+07:00 wave create --wave 5 --opens 2022-03-04T00:00:00+07:00 \
	--closes 2022-03-05T00:00:00+07:00 --quota 10
expect_exit 0 "X joins wave 4" g --now 2022-03-03T12:00+07:00 join --wave 4 --nik "$one"
expect_exit 0 "X joins wave 5" g --now 2022-03-04T12:00+07:00 join --wave 5 --nik "$(sed -n 3p "$W/results.csv" | cut -d, -f1)"
n0=$(sql "select count(*) from gelombang.job_run_end where outcome = 'DRY_RUN'")
run 0 "run-due --dry-run a month later: exit 0" g --now 2022-04-01T00:00+07:00 run-due --dry-run
same "... changes nothing" "DIBUKA DIBUKA" "$(state 4) $(state 5)"
same "... lists every step it would run, for both waves, in order" "wave 4: would close (DIBUKA -> DITUTUP)
wave 4: would process (DITUTUP -> DIPROSES)
wave 4: would select (DIPROSES -> DISELEKSI)
wave 4: would announce (DISELEKSI -> DIUMUMKAN)
wave 5: would close (DIBUKA -> DITUTUP)
wave 5: would process (DITUTUP -> DIPROSES)
wave 5: would select (DIPROSES -> DISELEKSI)
wave 5: would announce (DISELEKSI -> DIUMUMKAN)" "$(cat "$W/out")"
run 0 "run-due --dry-run between the two closes" g --now 2022-03-04T12:00+07:00 run-due --dry-run
same "... wave 4 all the way (announce three days after the close: not yet), wave 5 waits" \
	"wave 4: would close (DIBUKA -> DITUTUP)
wave 4: would process (DITUTUP -> DIPROSES)
wave 4: would select (DIPROSES -> DISELEKSI)
wave 4: announce not yet due (at 2022-03-07 00:00:00 WIB)
wave 5: close not yet due (at 2022-03-05 00:00:00 WIB)" "$(cat "$W/out")"
check "... and is recorded as DRY_RUN" test "$(sql "select count(*) from gelombang.job_run_end
	where outcome = 'DRY_RUN'")" -gt "$n0"
n0=$(sql "select coalesce(max(run_id), 0) from gelombang.job_run_end")
run 0 "run-due a month later: exit 0" g --now 2022-04-01T00:00+07:00 run-due
# (waves 4 and 5 are within 7 days of their revoke_at once announced: the
# reminder is queued at once)
same "... revokes waves 1 to 3 (past revoke_at), takes both waves from open to announced, oldest first" \
	"revoke 1
revoke 2
revoke 3
close 4
process 4
select 4
announce 4
remind 4
close 5
process 5
select 5
announce 5
remind 5" "$(sql "select e.job || ' ' || e.wave from gelombang.job_run_end e
	where e.outcome = 'SUCCEEDED' and e.run_id > $n0 order by e.run_id")"
run 0 "run-due once more: exit 0" g --now 2022-04-01T00:00+07:00 run-due
same "... and nothing more succeeded" "20" \
	"$(sql "select count(*) from gelombang.job_run_end where outcome = 'SUCCEEDED'
		and job in ('close', 'process', 'select', 'announce')")"

# --- the database goes away between two steps: not "done" ----------------------
expect_exit 0 "create wave 6" g --now 2022-04-01T00:00:00+07:00 wave create --wave 6 --opens 2022-04-01T00:00:00+07:00 \
	--closes 2022-04-02T00:00:00+07:00 --quota 10
# run-due pauses after close (a fault point of the program), its session is
# terminated, and the steps still due (process, select) cannot run
GELOMBANG_FAULT_SLEEP=job:close:released:20000 "$G" --db "$TEST_DB" --now 2022-05-01T00:00+07:00 \
	run-due >"$W/gone.out" 2>"$W/gone.err" &
pid=$!
for _ in $(seq 200); do
	grep -q "pause at job:close:released" "$W/gone.err" && break
	sleep 0.1
done
sql "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database()
	and pid <> pg_backend_pid() and application_name = 'gelombang'" >/dev/null
wait "$pid"
same "run-due whose database went away after close: exit 69, not 0" 69 "$?"
same "... wave 6 is closed, not processed" "DITUTUP" "$(state 6)"
expect_exit 0 "the next run-due catches up" g --now 2022-05-01T00:00+07:00 run-due
same "... to the announcement" "DIUMUMKAN" "$(state 6)"

done_testing
