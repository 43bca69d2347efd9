#!/bin/bash
# Ctrl-C (SIGINT) and SIGTERM during a long step: the program cancels its
# query (or starts no new one), records the run INTERRUPTED, exits 1 and
# leaves nothing half done; the step then runs as if nothing had happened.
# The moment is made deterministic with GELOMBANG_FAULT_SLEEP (a pause
# between two queries) or with a row lock another session holds (a query
# that waits inside the server).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faultlib.sh"

check "the scenario is set up" fl_setup

# run "$@" in the background, paused at POINT; sets $pid once paused
start_paused() { # POINT CMD...
	local point=$1 i
	shift
	: >"$W/run.err"
	GELOMBANG_FAULT_SLEEP="$point:60000" "$@" >"$W/run.out" 2>"$W/run.err" &
	pid=$!
	for i in $(seq 1 200); do
		grep -q "fault: pause at $point" "$W/run.err" && return 0
		sleep 0.05
	done
	return 1
}

outcome_of() { fl_q "$1" "select outcome from gelombang.history where client_pid = $2"; }

# SIG to $pid; it must exit 1 saying it was interrupted, INTERRUPTED in the
# history of DB
interrupt() { # DB SIG WHAT
	local rc
	kill -s "$2" "$pid"
	wait "$pid"
	rc=$?
	same "$3: exits 1 after SIG$2" 1 "$rc"
	grep -q "interrupted" "$W/run.err"
	same "$3: says it was interrupted" 0 "$?"
	same "$3: the run is INTERRUPTED in the history" INTERRUPTED "$(outcome_of "$1" "$pid")"
}

nothing_selected() { # DB WHAT
	same "$2: wave 2 is still DIPROSES, no outcome, no participant" "DIPROSES|0|0" \
		"$(fl_q "$1" "select state, (select count(*) from gelombang.outcome where wave = 2),
			(select count(*) from gelombang.participant where wave = 2)
			from gelombang.wave where wave = 2")"
}

select_runs_fine() { # DB WHAT
	expect_exit 0 "$2: select then runs" fl_g "$1" --now "$FL_NOW" select --wave 2
	same "$2: every entry has its outcome" \
		"$(fl_q "$1" "select count(*) from gelombang.registration where wave = 2")" \
		"$(fl_q "$1" "select count(*) from gelombang.outcome where wave = 2")"
}

# 1. SIGINT between two queries: select paused after marking the selection
db=sig_int
fl_newdb $db select
check "select paused after committing selection_started_at" \
	start_paused job:select:selection-started "$G" --db "dbname=$db" --now "$FL_NOW" select --wave 2
interrupt $db INT "select, SIGINT between queries"
nothing_selected $db "select, SIGINT between queries"
select_runs_fine $db "select, SIGINT between queries"

# 2. SIGTERM after store_selection, before the commit: rolled back
db=sig_term
fl_newdb $db select
check "select paused after storing the outcomes, uncommitted" \
	start_paused job:select:stored "$G" --db "dbname=$db" --now "$FL_NOW" select --wave 2
interrupt $db TERM "select, SIGTERM before commit"
nothing_selected $db "select, SIGTERM before commit"
select_runs_fine $db "select, SIGTERM before commit"

# 3. SIGINT while a query waits inside the server: cancelled there
db=sig_query
fl_newdb $db select
psql -X -q -d $db -c "begin" -c "select 1 from gelombang.wave where wave = 2 for update" \
	-c "select pg_sleep(60)" >/dev/null 2>"$W/blocker.err" &
blocker=$!
for i in $(seq 1 200); do
	[ "$(fl_q $db "select count(*) from pg_stat_activity
		where datname = current_database() and query = 'select pg_sleep(60)'")" = 1 ] && break
	sleep 0.05
done
check "another session holds wave 2's row lock" \
	fl_q $db "select 1 from pg_stat_activity where query = 'select pg_sleep(60)'
		and datname = current_database() having count(*) = 1"
"$G" --db "dbname=$db" --now "$FL_NOW" select --wave 2 >"$W/run.out" 2>"$W/run.err" &
pid=$!
waiting=0
for i in $(seq 1 200); do
	waiting=$(fl_q $db "select count(*) from pg_stat_activity
		where datname = current_database() and wait_event_type = 'Lock'
		  and pid in (select backend_pid from gelombang.job_run where client_pid = $pid)")
	[ "$waiting" = 1 ] && break
	sleep 0.05
done
same "select waits for the row lock inside the server" 1 "$waiting"
interrupt $db INT "select, SIGINT inside a query"
same "select, SIGINT inside a query: its server session stopped waiting" 0 \
	"$(fl_q $db "select count(*) from pg_stat_activity where wait_event_type = 'Lock'
		and datname = current_database()")"
kill "$blocker"
wait "$blocker" 2>/dev/null
fl_q $db "select pg_terminate_backend(pid) from pg_stat_activity
	where datname = current_database() and query like '%pg_sleep%' and pid <> pg_backend_pid()" >/dev/null
sleep 0.2
nothing_selected $db "select, SIGINT inside a query"
select_runs_fine $db "select, SIGINT inside a query"

# 4. SIGTERM during an import: nothing stored, no reject file
db=sig_import
fl_newdb $db import
check "import paused inside its COPY" start_paused job:import:record-sent \
	"$G" --db "dbname=$db" import --wave 2 --rejects "$W/sig.rejects.csv" "$W/wave2.csv"
interrupt $db TERM "import, SIGTERM inside COPY"
same "import, SIGTERM: nothing stored" 0 \
	"$(fl_q $db "select count(*) from gelombang.registration where wave = 2")"
[ ! -e "$W/sig.rejects.csv" ] && [ ! -e "$W/sig.rejects.csv.tmp" ]
same "import, SIGTERM: no reject file" 0 "$?"
expect_exit 65 "import then runs (65: its bad rows)" \
	fl_g $db import --wave 2 --rejects "$W/sig.rejects.csv" "$W/wave2.csv"

# 5. SIGINT to run-due inside process: the wave stays DITUTUP
db=sig_rundue
fl_newdb $db process
check "run-due paused inside process" start_paused job:process:frozen \
	"$G" --db "dbname=$db" --now "$FL_NOW" run-due
interrupt $db INT "run-due, SIGINT inside process"
same "run-due, SIGINT: wave 2 is still DITUTUP, nothing frozen" "DITUTUP|0" \
	"$(fl_q $db "select state, (select count(*) from gelombang.frozen_prior where wave = 2)
		from gelombang.wave where wave = 2")"
expect_exit 0 "run-due then finishes" fl_g $db --now "$FL_NOW" run-due
same "run-due: wave 2 is DIUMUMKAN" DIUMUMKAN \
	"$(fl_q $db "select state from gelombang.wave where wave = 2")"

# 6. SIGTERM to an export that wrote but has not marked: nothing marked
if fl_has_outbox; then
	db=sig_outbox
	fl_newdb $db outbox
	check "export paused after writing, before marking" start_paused job:outbox:flushed \
		"$G" --db "dbname=$db" outbox export
	kill -s TERM "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" != 0 ]
	same "export, SIGTERM: exits non-zero (exit $rc)" 0 "$?"
	same "export, SIGTERM: the run is INTERRUPTED" INTERRUPTED "$(outcome_of $db "$pid")"
	same "export, SIGTERM: nothing marked exported" 0 \
		"$(fl_q $db "select count(*) from gelombang.outbox_export")"
	expect_exit 0 "export then runs" fl_g $db outbox export
	same "export: every message exported" \
		"$(fl_q $db "select count(*) from gelombang.outbox")" "$(grep -c '^[0-9]' "$W/last.out")"
fi

done_testing
