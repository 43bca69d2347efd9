#!/bin/bash
# Eight run-due at once (four, then four more), five rounds over five waves whose deadlines come
# one after the other (--now): every step of every wave runs exactly once
# (one SUCCEEDED per job per wave), each run-due exits 0 or 75, and no
# participant, card number or message is doubled — also with four outbox
# exports at once, in small batches, each message exported exactly once.
# Pauses at fault points (GELOMBANG_FAULT_SLEEP) shuffle who takes which
# step: a run-due that has just released a wave's lock waits, another one
# takes the next step.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faultlib.sh"

gen="$(cd "$(dirname "$0")/../.." && pwd)/scripts/gen-registrations"
waves=5
for k in $(seq 1 $waves); do
	opens="2022-0$k-01T08:00:00+07:00"
	closes="2022-0$k-05T23:59:00+07:00"
	expect_exit 0 "create wave $k" g --now "$opens" wave create --wave "$k" --opens "$opens" \
		--closes "$closes" --announce "2022-0$k-08T23:59:00+07:00" --quota 60 \
		--seed "$(printf '%064x' "$k")"
	"$gen" -n 200 -s "$k" --wave-opens "$opens" --wave-closes "$closes" >"$W/wave$k.csv"
	expect_exit 0 "import wave $k" g import --wave "$k" "$W/wave$k.csv"
done

# the pause each of the eight takes, in turn; empty = none
pauses=("" "job:close:released:150" "job:process:released:150" "job:select:released:150"
	"job:close:locked:300" "job:select:state-read:300" "" "job:process:locked:200")
fl_has_outbox && have_outbox=1 || have_outbox=0

for r in $(seq 1 $waves); do
	now="2022-0$r-09T00:00:00+07:00"
	for i in $(seq 0 7); do
		# four at once, four more while the first are at work
		[ $i -ge 4 ] && sleep 0.1
		GELOMBANG_FAULT_SLEEP="${pauses[$(((i + r) % 8))]}" \
			"$G" --db "$TEST_DB" -q --now "$now" run-due >"$W/rd.$i.out" 2>"$W/rd.$i.err" &
		pids[$i]=$!
	done
	codes=""
	for i in $(seq 0 7); do
		wait "${pids[$i]}"
		codes="$codes $?"
	done
	bad=$(echo $codes | tr ' ' '\n' | grep -vxE '0|75' | head -1)
	same "round $r: eight run-due exit 0 or 75 ($codes )" "" "$bad"
	[ -n "$bad" ] && cat "$W"/rd.*.err | sed 's/^/#   /' | head -10
	same "round $r: wave $r is DIUMUMKAN" DIUMUMKAN "$(sql "select state from gelombang.wave where wave = $r")"
	same "round $r: wave $((r + 1)) is not closed yet" "" \
		"$(sql "select state from gelombang.wave where wave = $((r + 1)) and state <> 'DIBUKA'")"
	same "round $r: close, process, select, announce of wave $r each SUCCEEDED exactly once" \
		"announce|1 close|1 process|1 select|1" \
		"$(sql "select job || '|' || count(*) from gelombang.history
			where wave = $r and outcome = 'SUCCEEDED'
			  and job in ('close', 'process', 'select', 'announce')
			group by job order by job" | tr '\n' ' ' | sed 's/ $//')"
	echo "# round $r: the four steps done by $(sql "select count(distinct client_pid)
		from gelombang.history where wave = $r and outcome = 'SUCCEEDED'
		  and job in ('close', 'process', 'select', 'announce')") different run-due"

	if [ $have_outbox = 1 ]; then
		# four exporters, batches of 25, each until nothing is pending
		for e in 1 2 3 4; do
			(
				n=0
				while [ $n -lt 400 ]; do
					n=$((n + 1))
					"$G" --db "$TEST_DB" -q outbox export --limit 25 >"$W/ex.$e.$n" 2>/dev/null
					rc=$?
					case $rc in
					0) [ "$(grep -c . "$W/ex.$e.$n")" -le 1 ] && break ;;
					75) sleep 0.02 ;;
					*) echo "exit $rc" >"$W/ex.$e.failed"; break ;;
					esac
				done
			) &
		done
		wait
		same "round $r: no export failed" "" "$(cat "$W"/ex.*.failed 2>/dev/null)"
		cat "$W"/ex.*.* 2>/dev/null | grep -v '^wave,nik,' >>"$W/exported.csv"
		rm -f "$W"/ex.*.*
		same "round $r: every message of waves 1..$r exported exactly once" \
			"$(sql "select count(*) from gelombang.outbox") 0" \
			"$(cut -d, -f1,2 "$W/exported.csv" | sort -u | wc -l) $(cut -d, -f1,2 "$W/exported.csv" | sort | uniq -d | wc -l)"
	fi
done

same "one SUCCEEDED per job per wave, over all waves" "" \
	"$(sql "select job, wave, count(*) from gelombang.history
		where outcome = 'SUCCEEDED' and job in ('close', 'process', 'select', 'announce')
		group by 1, 2 having count(*) <> 1")"
same "every job of every wave SUCCEEDED" "$((waves * 4))" \
	"$(sql "select count(*) from gelombang.history where outcome = 'SUCCEEDED'
		and job in ('close', 'process', 'select', 'announce')")"
same "no participant twice, no card number twice" "0 0" \
	"$(sql "select count(*) - count(distinct nik), count(*) - count(distinct card_number)
		from gelombang.participant" | tr '|' ' ')"
same "every card number is 16 digits and Luhn-valid" 0 \
	"$(sql "select count(*) from gelombang.participant
		where card_number !~ '^[0-9]{16}$' or not gelombang.luhn_valid(card_number)")"
same "no run left without an end" "" "$(sql "select id from gelombang.history where outcome = 'RUNNING'")"
same "some run-due found a wave busy (the test raced)" t \
	"$(sql "select count(*) > 0 from gelombang.history where outcome = 'BUSY' and wave is not null
		and job <> 'outbox export'")"
echo "# $(sql "select count(*) from gelombang.history where outcome = 'BUSY'") runs found a wave or the outbox busy"
done_testing
