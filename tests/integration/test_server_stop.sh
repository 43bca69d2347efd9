#!/bin/bash
# The PostgreSQL server stops (immediate shutdown: as a crash would) in the
# middle of a job: the program exits 69 saying the database is unavailable;
# with the server back, run-due finishes the wave with the result of a run
# that was never interrupted.  Needs the test cluster's directory
# (TEST_PGDIR, exported by tests/run).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faultlib.sh"
PGL="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-local"
PGDIR=${TEST_PGDIR:?tests/run exports TEST_PGDIR}

server_start() { PG_LOCAL_FAST=1 "$PGL" start "$PGDIR" >/dev/null 2>&1; }
# whatever happens, the next test finds the server running
trap server_start EXIT

check "the scenario is set up" fl_setup
fl_template outbox >/dev/null
fl_newdb stop_ref select
fl_job stop_ref select >/dev/null 2>&1
fl_finish stop_ref
fl_dump stop_ref >"$W/ref.dump"

# JOB of wave 2 on DB, paused at POINT; the server stops under it
stop_under() { # DB JOB POINT
	local db=$1 job=$2 point=$3 i rc
	: >"$W/run.err"
	case $job in
	import)
		GELOMBANG_FAULT_SLEEP="$point:8000" "$G" --db "dbname=$db" import --wave 2 \
			--rejects "$W/$db.rejects.csv" "$W/wave2.csv" >"$W/run.out" 2>"$W/run.err" & ;;
	*)
		GELOMBANG_FAULT_SLEEP="$point:8000" "$G" --db "dbname=$db" --now "$FL_NOW" \
			"$job" --wave 2 >"$W/run.out" 2>"$W/run.err" & ;;
	esac
	pid=$!
	for i in $(seq 1 200); do
		grep -q "fault: pause at $point" "$W/run.err" && break
		sleep 0.05
	done
	# the test cluster commits asynchronously (PG_LOCAL_FAST): make what
	# is committed durable, as synchronous_commit would in production
	fl_q postgres "checkpoint"
	"$PGL" stop "$PGDIR" --immediate >/dev/null 2>&1
	wait "$pid"
	rc=$?
	same "$job: exits 69 when the server stops under it" 69 "$rc"
	grep -q "database unavailable" "$W/run.err"
	same "$job: says the database is unavailable" 0 "$?"
	sed 's/^/#   /' "$W/run.err"
	check "the server starts again" server_start
}

for case in "select job:select:stored" "process job:process:frozen" "close job:close:wave-closed" \
	"announce job:announce:announced" "import job:import:record-sent"; do
	set -- $case
	db=stop_$1
	fl_newdb "$db" "$1"
	stop_under "$db" "$1" "$2"
	if [ "$1" = import ]; then
		expect_exit 65 "import: the import again (65: its bad rows)" fl_job "$db" import
	fi
	expect_exit 0 "$1: run-due finishes wave 2" fl_g "$db" --now "$FL_NOW" run-due
	fl_finish "$db"
	same "$1: the interrupted run is DEAD" DEAD \
		"$(fl_q "$db" "select outcome from gelombang.history where client_pid = $pid")"
	fl_dump "$db" >"$W/case.dump"
	if cmp -s "$W/ref.dump" "$W/case.dump"; then
		_ok "$1: the database equals the uninterrupted run's"
	else
		_not_ok "$1: the database differs from the uninterrupted run's"
		diff "$W/ref.dump" "$W/case.dump" | head -10 | sed 's/^/#   /'
	fi
done

# a server that is down when the program starts
"$PGL" stop "$PGDIR" --immediate >/dev/null 2>&1
expect_exit 69 "run-due with the server down exits 69" fl_g stop_ref --now "$FL_NOW" run-due
grep -q "could not connect to the database" "$W/last.err"
same "... saying it could not connect" 0 "$?"
check "the server starts again" server_start
done_testing
