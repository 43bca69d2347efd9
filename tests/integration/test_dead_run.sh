#!/bin/bash
# A run killed with kill -9 while it holds its wave (paused with
# GELOMBANG_FAULT_SLEEP) is RUNNING in the history while it lives, and the
# next run of the wave finds it DEAD — without anyone editing a table.
# A live run is never taken for dead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faultlib.sh"

check "the scenario is set up" fl_setup

# start JOB of wave 2 on DB paused at POINT; sets $pid once it is paused
start_paused() { # DB JOB POINT
	local db=$1 job=$2 point=$3 i
	: >"$W/paused.err"
	case $job in
	outbox)
		GELOMBANG_FAULT_SLEEP="$point:60000" "$G" --db "dbname=$db" outbox export \
			>/dev/null 2>"$W/paused.err" & ;;
	import)
		GELOMBANG_FAULT_SLEEP="$point:60000" "$G" --db "dbname=$db" import --wave 2 \
			--rejects "$W/$db.rejects.csv" "$W/wave2.csv" >/dev/null 2>"$W/paused.err" & ;;
	*)
		GELOMBANG_FAULT_SLEEP="$point:60000" "$G" --db "dbname=$db" --now "$FL_NOW" \
			"$job" --wave 2 >/dev/null 2>"$W/paused.err" & ;;
	esac
	pid=$!
	for i in $(seq 1 200); do
		grep -q "fault: pause at $point" "$W/paused.err" && return 0
		sleep 0.05
	done
	return 1
}

# the history's outcome of the run of client process PID
outcome_of() { fl_q "$1" "select outcome from gelombang.history where client_pid = $2"; }

# retry while the dying session still holds the lock (75)
until_not_busy() {
	local i rc
	for i in $(seq 1 50); do
		"$@" >"$W/next.out" 2>"$W/next.err"
		rc=$?
		[ "$rc" = 75 ] || return $rc
		sleep 0.1
	done
	return 75
}

for job in close process select announce; do
	db=dead_$job
	fl_newdb "$db" "$job"
	check "$job paused inside its work" start_paused "$db" "$job" "job:$job:before-work"
	same "$job: the paused run is RUNNING" "RUNNING" "$(outcome_of "$db" "$pid")"
	expect_exit 75 "$job: a second $job while it lives is busy" \
		fl_g "$db" --now "$FL_NOW" "$job" --wave 2
	same "$job: a live run is not taken for dead" "RUNNING" "$(outcome_of "$db" "$pid")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	# the next run: run-due for the lifecycle jobs, as cron would
	until_not_busy fl_g "$db" --now "$FL_NOW" run-due
	same "$job: run-due after kill -9 exits 0" 0 "$?"
	same "$job: the killed run is DEAD" "DEAD" "$(outcome_of "$db" "$pid")"
	grep -q "found dead" "$W/next.err"
	same "$job: the next run says it found a dead run" 0 "$?"
	same "$job: wave 2 went on to DIUMUMKAN" "DIUMUMKAN" \
		"$(fl_q "$db" "select state from gelombang.wave where wave = 2")"
	same "$job: one SUCCEEDED $job of wave 2" 1 \
		"$(fl_q "$db" "select count(*) from gelombang.history where job = '$job' and wave = 2 and outcome = 'SUCCEEDED'")"
	same "$job: history --format csv shows it DEAD" 1 \
		"$(fl_g "$db" history --wave 2 --format csv | grep -c "^$job,2,.*,DEAD,")"
done

# import: the next import of the wave finds it
db=dead_import
fl_newdb "$db" import
check "import paused after its header" start_paused "$db" import "job:import:header"
kill -9 "$pid"
wait "$pid" 2>/dev/null
until_not_busy fl_job "$db" import
same "import after kill -9 exits 65 (the bad rows)" 65 "$?"
same "import: the killed run is DEAD" "DEAD" "$(outcome_of "$db" "$pid")"
same "import: the rows are stored once" 1 \
	"$(fl_q "$db" "select count(*) from gelombang.history where job = 'import' and wave = 2 and outcome = 'SUCCEEDED'")"

# outbox export: the next export finds it, and exports what it had not marked
if fl_has_outbox; then
	db=dead_outbox
	fl_newdb "$db" outbox
	check "export paused after writing" start_paused "$db" outbox "job:outbox:flushed"
	expect_exit 75 "a second export while it lives is busy" fl_g "$db" outbox export
	same "export: a live export is not taken for dead" "RUNNING" "$(outcome_of "$db" "$pid")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	until_not_busy fl_g "$db" outbox export
	same "export after kill -9 exits 0" 0 "$?"
	same "export: the killed run is DEAD" "DEAD" "$(outcome_of "$db" "$pid")"
	same "export: every message of wave 2 exported by the next export" \
		"$(fl_q "$db" "select count(*) from gelombang.outbox where wave = 2")" \
		"$(grep -c '^2,' "$W/next.out")"
fi
same "no run is left RUNNING" "" \
	"$(fl_q dead_select "select id from gelombang.history where outcome = 'RUNNING'")"
done_testing
