#!/bin/bash
# history: SPEC §3's CSV exactly, one row per run, oldest first, WIB times;
# --wave and --failed filter; a run without an end is RUNNING while its
# session lives and DEAD once it is gone, without history writing a row;
# the text table; the history tables refuse UPDATE, DELETE and TRUNCATE.
. "$(dirname "$0")/lib.sh"

csv_rows() { # FILE: "job|wave|outcome|rows" per data row
	python3 - "$1" <<-'EOF'
	import csv, sys
	for r in list(csv.DictReader(open(sys.argv[1], newline=""))):
	    print("|".join([r["job"], r["wave"], r["outcome"], r["rows"]]))
	EOF
}

expect_exit 0 "history of an empty database" g history --format csv
same "only the header" "job,wave,started_at,finished_at,operator,outcome,rows,message" "$(cat "$W/last.out")"
expect_exit 0 "text too" g history
same "says so" "no runs" "$(cat "$W/last.out")"

g --operator alice --now 2022-02-17T12:00:00+07:00 wave create --wave 1 --opens 2022-02-17T12:00:00+07:00 \
	--closes 2022-02-20T23:59:00+07:00 --quota 10 \
	--seed 1111111111111111111111111111111111111111111111111111111111111111 >/dev/null
g --operator alice import --wave 1 --rejects "$W/r1.csv" "$FX/wave22.csv" >/dev/null 2>&1
n=$(($(wc -l <"$FX/wave22.csv") - 1)) # every row of the fixture's wave 22 is accepted
g --now 2022-02-19T00:00:00+07:00 close --wave 1 >/dev/null 2>&1         # REFUSED: not yet due
g --now 2022-02-21T00:00:00+07:00 close --wave 1 >/dev/null 2>&1         # SUCCEEDED
g --now 2022-02-21T00:00:00+07:00 close --wave 1 >/dev/null 2>&1         # NOTHING_TO_DO
g --now 2022-02-21T00:00:00+07:00 select --wave 1 >/dev/null 2>&1        # REFUSED: process first
g --now 2022-02-21T00:00:00+07:00 process --wave 1 --dry-run >/dev/null 2>&1 # DRY_RUN
g --now 2022-02-21T00:00:00+07:00 process --wave 1 >/dev/null 2>&1       # SUCCEEDED
g --now 2022-02-22T12:00:00+07:00 wave create --wave 2 --opens 2022-02-22T12:00:00+07:00 --closes 2022-02-25T23:59:00+07:00 \
	--quota 10 >/dev/null 2>&1
# a run whose session held the lock and died: start row, no end row
psql -X -q -c "insert into gelombang.job_run (job, wave, operator, backend_start)
	values ('select', 1, 'bob', (select backend_start from pg_stat_activity where pid = pg_backend_pid()))"

expect_exit 0 "history --format csv" g history --format csv
cp "$W/last.out" "$W/all.csv"
same "the header of SPEC §3" "job,wave,started_at,finished_at,operator,outcome,rows,message" \
	"$(head -1 "$W/all.csv")"
same "one row per run, oldest first, with its outcome and rows" "wave create|1|SUCCEEDED|1
import|1|SUCCEEDED|$n
close|1|REFUSED|0
close|1|SUCCEEDED|$n
close|1|NOTHING_TO_DO|0
select|1|REFUSED|0
process|1|DRY_RUN|$n
process|1|SUCCEEDED|$n
wave create|2|SUCCEEDED|1
select|1|DEAD|" "$(csv_rows "$W/all.csv")"
same "every row has the eight columns" "8" "$(python3 -c '
import csv, sys
print(",".join(sorted({str(len(r)) for r in csv.reader(open(sys.argv[1], newline=""))})))' "$W/all.csv")"
same "times in WIB, whole seconds with the offset; finished_at empty for the dead run" "ok" "$(python3 -c '
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
t = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+07$")
ok = all(t.match(r["started_at"]) for r in rows)
ok = ok and all(t.match(r["finished_at"]) for r in rows[:-1]) and rows[-1]["finished_at"] == ""
print("ok" if ok else "bad")' "$W/all.csv")"
same "started_at is the stored start in WIB" \
	"$(sql "select to_char(started_at at time zone 'Asia/Jakarta', 'YYYY-MM-DD HH24:MI:SS') || '+07'
		from gelombang.job_run order by id limit 1")" \
	"$(sed -n 2p "$W/all.csv" | cut -d, -f3)"
same "operator as given" "alice,alice" "$(sed -n '2,3p' "$W/all.csv" | cut -d, -f5 | paste -sd,)"
grep -q '^close,1,[^,]*,[^,]*,[^,]*,REFUSED,0,not yet due: wave 1 closes at 2022-02-20 23:59:00 WIB$' "$W/all.csv" &&
	grep -q "^import,1,[^,]*,[^,]*,alice,SUCCEEDED,$n,\"$n accepted, 0 rejected\"\$" "$W/all.csv" &&
	_ok "the message, quoted where it holds a comma" || _not_ok "the message, quoted where it holds a comma"
same "history wrote nothing: the dead run has no end row" 0 \
	"$(sql "select count(*) from gelombang.job_run_end e join gelombang.job_run j on j.id = e.run_id where j.operator = 'bob'")"

expect_exit 0 "--wave 2" g history --wave 2 --format csv
same "only wave 2's runs" "wave create|2|SUCCEEDED|1" "$(csv_rows "$W/last.out")"
expect_exit 0 "--failed" g history --failed --format csv
same "only FAILED, INTERRUPTED, DEAD, REFUSED, BUSY" "close|1|REFUSED|0
select|1|REFUSED|0
select|1|DEAD|" "$(csv_rows "$W/last.out")"
expect_exit 0 "--failed --wave 2" g history --failed --wave 2 --format csv
same "nothing failed in wave 2" "job,wave,started_at,finished_at,operator,outcome,rows,message" "$(cat "$W/last.out")"

# RUNNING while the session lives
psql -X -q -c "insert into gelombang.job_run (job, wave, operator, backend_start)
	values ('announce', 2, 'carol', (select backend_start from pg_stat_activity where pid = pg_backend_pid()))" \
	-c "select pg_sleep(4)" >/dev/null &
holder=$!
for i in $(seq 1 50); do
	[ "$(sql "select count(*) from gelombang.job_run where operator = 'carol'")" = 1 ] && break
	sleep 0.1
done
expect_exit 0 "history while a run is alive" g history --wave 2 --format csv
same "it is RUNNING" "announce|2|RUNNING|" "$(csv_rows "$W/last.out" | tail -1)"
expect_exit 0 "text shows it running" g history --wave 2
grep -q "announce .* carol ([a-z_]*)  *real  *RUNNING" "$W/last.out" && _ok "with its duration so far" || _not_ok "with its duration so far"
wait $holder
expect_exit 0 "history once its session is gone" g history --wave 2 --format csv
same "it is DEAD" "announce|2|DEAD|" "$(csv_rows "$W/last.out" | tail -1)"

# text -------------------------------------------------------------------------------
expect_exit 0 "history (text)" g history --wave 1
same "a header and one line per run" 10 "$(wc -l <"$W/last.out" | tr -d ' ')"
grep -q "^ *run  job  *wave  started (WIB)  *duration  operator (role)  *clock (WIB)  *outcome  *rows  message$" "$W/last.out" &&
	_ok "the header names the columns, duration included" || _not_ok "the header names the columns, duration included"
grep -qE "^ +[0-9]+  close +1  2[0-9-]+ [0-9:]+ +[0-9.]+ s  [a-z]+ \($(sql "select session_user")\) +sim 2022-02-21 00:00 SUCCEEDED +$n  wave 1 closed" "$W/last.out" &&
	_ok "a finished run with its duration, the database role and the simulated clock" ||
	_not_ok "a finished run with its duration, the database role and the simulated clock"
grep -qE "^ +[0-9]+  import +1  .* alice \([a-z_]+\) +real +SUCCEEDED" "$W/last.out" &&
	_ok "a run on the real clock says so" || _not_ok "a run on the real clock says so"

# append-only ----------------------------------------------------------------------------
for t in job_run job_run_end; do
	expect_exit 1 "$t refuses UPDATE" psql -X -q -v ON_ERROR_STOP=1 -c "update gelombang.$t set job = 'x'"
	grep -q "UPDATE on gelombang.$t is not allowed" "$W/last.err" && _ok "even for the superuser, by its trigger" ||
		_not_ok "even for the superuser, by its trigger"
	expect_exit 1 "$t refuses DELETE" psql -X -q -v ON_ERROR_STOP=1 -c "delete from gelombang.$t"
	expect_exit 1 "$t refuses TRUNCATE" psql -X -q -v ON_ERROR_STOP=1 -c "truncate gelombang.$t cascade"
done
psql -X -q -c "drop role if exists it_batch" -c "create role it_batch login in role gelombang_batch"
for t in job_run job_run_end; do
	expect_exit 1 "the batch role cannot UPDATE $t" psql -X -q -U it_batch -v ON_ERROR_STOP=1 \
		-c "update gelombang.$t set job = 'x'"
	expect_exit 1 "the batch role cannot DELETE from $t" psql -X -q -U it_batch -v ON_ERROR_STOP=1 \
		-c "delete from gelombang.$t"
done
expect_exit 0 "the batch role reads the history" "$G" --db "$TEST_DB user=it_batch" history --format csv
same "the same rows" "$(csv_rows "$W/all.csv" | sed -n 1,9p)" "$(csv_rows "$W/last.out" | sed -n 1,9p)"
psql -X -q -c "drop owned by it_batch" -c "drop role it_batch"
same "nothing was changed" 11 "$(sql 'select count(*) from gelombang.job_run')"
done_testing
