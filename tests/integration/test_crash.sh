#!/bin/bash
# SIGKILL at every fault point of every job (batch/fault.h), then the job
# again and run-due: the final database equals the one of a run that was
# never interrupted, and the killed run is DEAD in the history (or
# SUCCEEDED, when it died after its commit).  CRASH_PARALLEL cases at a
# time (default 2), each on a database of its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faultlib.sh"

check "the scenario is set up (wave 1 announced, wave 2 open)" fl_setup

jobs="import close process select announce"
fl_has_outbox && jobs="$jobs outbox"
jobs=${CRASH_JOBS:-$jobs} # e.g. CRASH_JOBS=select for a quick look

# the reference: wave 2 from import to the end, uninterrupted
fl_newdb crash_ref import
fl_job crash_ref import >/dev/null 2>&1
fl_finish crash_ref
fl_dump crash_ref >"$W/ref.dump"
same "the reference run announced wave 2" "DIUMUMKAN" \
	"$(fl_q crash_ref "select state from gelombang.wave where wave = 2")"
# card numbers are drawn at random by each run's select: compared as <card>
nocard() { sed -E 's/\b8[0-9]{15}\b/<card>/g'; }
grep -v '^wave,nik,' "$W/crash_ref.outbox.csv" 2>/dev/null | nocard | sort >"$W/ref.outbox"
for j in $jobs; do fl_template "$j" || _not_ok "template before $j"; done

# one case: kill JOB at POINT on database DB, re-run, finish, compare.
# Writes "ok DESC" / "not ok DESC" / "# diagnostics" lines to stdout.
crash_case() { # JOB POINT DB
	local job=$1 p=$2 db=$3 rc pid i want got
	fl_newdb "$db" "$job" || { echo "not ok $p: no database"; return; }
	case $job in
	outbox)
		GELOMBANG_FAULT="$p" "$G" --db "dbname=$db" outbox export --wave 2 \
			>"$W/$db.outbox.killed" 2>"$W/$db.kill.err" &
		;;
	import)
		GELOMBANG_FAULT="$p" "$G" --db "dbname=$db" import --wave 2 \
			--rejects "$W/$db.rejects.csv" "$W/wave2.csv" >/dev/null 2>"$W/$db.kill.err" &
		;;
	*)
		GELOMBANG_FAULT="$p" "$G" --db "dbname=$db" --now "$FL_NOW" "$job" --wave 2 \
			>/dev/null 2>"$W/$db.kill.err" &
		;;
	esac
	pid=$!
	wait $pid
	rc=$?
	if [ "$rc" != 137 ] || ! grep -q "fault: kill at $p\$" "$W/$db.kill.err"; then
		echo "not ok $p: the job was not killed there (exit $rc)"
		sed 's/^/#   /' "$W/$db.kill.err" | head -5
		return
	fi
	echo "# injected $p"
	# again, as an operator or cron would; a lock still held by the dying
	# session is busy (75) for a moment
	for i in $(seq 1 50); do
		fl_job "$db" "$job" >/dev/null 2>"$W/$db.rerun.err"
		rc=$?
		[ "$rc" = 75 ] || break
		sleep 0.1
	done
	case $rc:$job in
	0:* | 65:import) ;;
	*)
		echo "not ok $p: the re-run exited $rc"
		sed 's/^/#   /' "$W/$db.rerun.err" | head -5
		return
		;;
	esac
	fl_finish "$db" 2>/dev/null
	case ${p##*:} in
	locked | dead-marked) want="" ;; # before its start row
	committed | released | renamed) want=SUCCEEDED ;;
	*) want=DEAD ;;
	esac
	{
		fl_dump "$db"
		echo "-- the killed run"
		fl_q "$db" "select outcome from gelombang.history where client_pid = $pid"
	} >"$W/$db.dump"
	got=$(sed -n '/^-- the killed run$/,$p' "$W/$db.dump" | tail -n +2)
	sed -i '/^-- the killed run$/,$d' "$W/$db.dump"
	if [ "$got" != "$want" ]; then
		echo "not ok $p: the killed run is '$got' in the history, expected '$want'"
		return
	fi
	if ! cmp -s "$W/ref.dump" "$W/$db.dump"; then
		echo "not ok $p: the final database differs from the uninterrupted run"
		diff "$W/ref.dump" "$W/$db.dump" | head -10 | sed 's/^/#   /'
		return
	fi
	# the reject file of the import that stored the rows (after its
	# commit the killed run's file stays at .tmp: the re-run finds every
	# row already stored)
	if [ "$job" = import ] && [ "$want" != SUCCEEDED ] &&
		! cmp -s "$W/crash_ref.rejects.csv" "$W/$db.rejects.csv"; then
		echo "not ok $p: the reject file differs from the uninterrupted run"
		return
	fi
	# Every message written at least once (a gateway keys on wave and
	# NIK), none that should not be; the killed export's last line may be
	# cut short: a gateway takes complete lines only.  The exports that
	# succeeded never repeat a message.
	if [ "$job" = outbox ]; then
		[ -n "$(tail -c1 "$W/$db.outbox.killed")" ] && sed -i '$d' "$W/$db.outbox.killed"
		if ! cat "$W/$db.outbox.killed" "$W/$db.outbox.csv" | grep -v '^wave,nik,' |
			nocard | sort -u | cmp -s - "$W/ref.outbox"; then
			echo "not ok $p: the messages written differ from the uninterrupted run"
			return
		fi
		if [ -n "$(grep -v '^wave,nik,' "$W/$db.outbox.csv" | sort | uniq -d)" ]; then
			echo "not ok $p: a successful export repeated a message"
			return
		fi
	fi
	echo "ok $p: killed, re-run, nothing lost or doubled"
}

par=${CRASH_PARALLEL:-2}
cases=0
points_total=0
for job in $jobs; do
	points=$(fl_points "$job")
	n=$(printf '%s\n' "$points" | grep -c .)
	points_total=$((points_total + n))
	if [ "$n" -ge 10 ]; then
		_ok "$job has $n fault points"
	else
		_not_ok "$job has $n fault points, fewer than 10"
	fi
	for p in $points; do
		cases=$((cases + 1))
		crash_case "$job" "$p" "crash_$((cases % par))" >"$W/case.$cases" &
		[ $((cases % par)) = 0 ] && wait
	done
done
wait

injected=0
for i in $(seq 1 $cases); do
	while IFS= read -r line; do
		case $line in
		"ok "*) _ok "${line#ok }" ;;
		"not ok "*) _not_ok "${line#not ok }" ;;
		"# injected "*) injected=$((injected + 1)) ;;
		*) echo "$line" ;;
		esac
	done <"$W/case.$i"
done
echo "# $injected faults injected at $points_total fault points of $(echo $jobs | wc -w) jobs"
same "every fault point was reached and killed the job" "$points_total" "$injected"
done_testing
