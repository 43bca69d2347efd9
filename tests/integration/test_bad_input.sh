#!/bin/bash
# Bad input: SQL (and format-string, template, COPY-marker, HTML) injection
# through every field of the import file, the quota file, the options and
# the SMS templates is stored or refused literally, never executed; a line
# of about 1 MB is stored and one over the record limit rejected with its
# line number, the other rows kept; a big import stays in constant memory
# (BIG_ROWS rows, default 200000; make check-long: 10 million).
. "$(dirname "$0")/lib.sh"
gen="$(cd "$(dirname "$0")/../.." && pwd)/scripts/gen-registrations"

# a table the payloads try to drop, and what the schema holds
sql "create table public.canary (a int); insert into public.canary values (1)" >/dev/null
tables() { sql "select n.nspname || '.' || c.relname from pg_class c
	join pg_namespace n on n.oid = c.relnamespace
	where n.nspname in ('gelombang', 'public') order by 1"; }
tables >"$W/tables.before"
intact() { # DESC
	same "$1: every table, view, function's table is still there, the canary row too" "1" \
		"$(tables | comm -23 "$W/tables.before" - | head -3)$(sql "select count(*) from public.canary")"
}
# psql with the value as a variable, never pasted into SQL text
sqlv() { # VALUE QUERY (using :'v')
	psql -X -At -v ON_ERROR_STOP=1 -v v="$1" <<<"$2"
}

payloads=(
	"x'); drop table public.canary; --"
	"'; delete from gelombang.registration; select '"
	"\$\$; drop table public.canary; \$\$"
	"\\'; drop table public.canary; --"
	"Robert'); DROP TABLE gelombang.participant;--"
	"%s%s%n%x%p"
	"{kartu}{saldo}'||pg_sleep(5)||'"
	"\\N"
	"\"; copy gelombang.wave to '/tmp/gelombang-pwned'; --"
	"<script>alert('x')</script>&amp;"
	"1; select pg_terminate_backend(pg_backend_pid())"
	"'||(select string_agg(seed, ',') from gelombang.wave)||'"
)
fields=(nik kk name birth_date sex occupation in_school receives_aid region_code phone joined_at)
opens=2022-02-17T12:00:00+07:00
closes=2022-02-20T23:59:00+07:00
expect_exit 0 "create wave 1" g --now $opens wave create --wave 1 --opens $opens --closes $closes --quota 1000
n=$((${#payloads[@]} * ${#fields[@]}))
"$gen" -n $((n + 20)) -s 5 >"$W/base.csv"

# one row per payload and field: the field replaced by the payload
python3 - "$W/base.csv" "$W/inject.csv" "$W/expect.txt" "${payloads[@]}" <<'EOF'
import csv, sys
base, out, expect, payloads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
rows = list(csv.reader(open(base, newline="")))
header, rows = rows[0], rows[1:]
stored = {"name", "occupation"}  # text stored as written
with open(out, "w", newline="") as f, open(expect, "w") as e:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    i = 0
    for p in payloads:
        for col, field in enumerate(header):
            r = list(rows[i]); i += 1
            r[col] = p
            w.writerow(r)
            # line i + 1 (the header is line 1): kept or rejected
            e.write("%d %s %s\n" % (i + 1, field, "stored" if field in stored else "rejected"))
    for r in rows[i:]:
        w.writerow(r)
EOF
rc=0
g import --wave 1 --rejects "$W/inject.rejects.csv" "$W/inject.csv" >"$W/import.out" 2>"$W/import.err" || rc=$?
same "import of the injection rows exits 65 (some rejected)" 65 "$rc"
intact "after import"
n_stored=$(grep -c ' stored$' "$W/expect.txt")
n_rejected=$(grep -c ' rejected$' "$W/expect.txt")
same "import: the payload rows in name/occupation stored, the others rejected, the rest kept" \
	"$((n_stored + 20)) accepted, $n_rejected rejected" "$(head -1 "$W/import.out")"
same "the rejected lines are exactly the payload rows outside name/occupation" \
	"$(grep ' rejected$' "$W/expect.txt" | cut -d' ' -f1 | sort -n)" \
	"$(python3 -c '
import csv, sys
for r in list(csv.reader(open(sys.argv[1], newline="")))[1:]:
    print(r[-2])' "$W/inject.rejects.csv" | sort -n)"
# each payload, in each field where it is stored, is stored exactly as written
bad=0
for p in "${payloads[@]}"; do
	got=$(sqlv "$p" "select count(*) from gelombang.registration where name = :'v';
		select count(*) from gelombang.registration where occupation = :'v';" | tr '\n' ' ')
	[ "$got" = "1 1 " ] || { bad=$((bad + 1)); echo "#   stored $got times: $p"; }
	# and refused literally: the reject file holds the payload as written
	python3 - "$W/inject.rejects.csv" "$p" <<'EOF' || { bad=$((bad + 1)); echo "#   not in the reject file: $p"; }
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))[1:]
sys.exit(0 if sum(sys.argv[2] in r[:-2] for r in rows) >= 9 else 1)
EOF
done
same "every payload stored as written (name, occupation) and in the reject file as written (the 9 other fields)" 0 "$bad"

# the payloads through the whole lifecycle: selection, SMS, results, report
sms_payload="{nama} ');drop table public.canary;-- {kartu} \$\$ %s"
cat >"$W/inject.conf" <<EOF
sms: { lolos = "$(printf '%s' "$sms_payload" | sed 's/\\/\\\\/g; s/"/\\"/g')";
       tidak_lolos = "Maaf {nama} '; delete from gelombang.outcome; --"; };
EOF
expect_exit 0 "run-due takes the wave to the announcement" \
	g -c "$W/inject.conf" --now 2022-02-24T00:00:00+07:00 run-due
intact "after the lifecycle"
same "every registration has its outcome" "$(sql "select count(*) from gelombang.registration")" \
	"$(sql "select count(*) from gelombang.outcome")"
same "the SMS template is stored as written" "$sms_payload" \
	"$(sql "select sms->>'sms_lolos' from gelombang.wave where wave = 1")"
g outbox export >"$W/outbox.csv" 2>"$W/outbox.err"
same "outbox export runs" 0 $?
bad=0
for p in "${payloads[@]}"; do
	want=$(sqlv "$p" "select count(*) from gelombang.registration where name = :'v' and phone is not null")
	got=$(python3 -c '
import csv, sys
p = sys.argv[2]
print(sum(r["message"].startswith(("Maaf " + p + " \x27", p + " \x27)"))
          for r in csv.DictReader(open(sys.argv[1], newline=""))))' "$W/outbox.csv" "$p")
	[ "$want" = "$got" ] || { bad=$((bad + 1)); echo "#   $got of $want messages for the name $p"; }
done
same "SMS messages carry each payload name as written, placeholders in names left as they are" 0 "$bad"
g results --wave 1 >"$W/results.csv"
same "results lists every registration" "$(sql "select count(*) from gelombang.registration") " \
	"$(tail -n +2 "$W/results.csv" | wc -l) "
if g report --wave 1 --format html -o "$W/report.html" >/dev/null 2>&1; then
	grep -qF "<script>alert" "$W/report.html"
	same "report --format html holds no payload unescaped" 1 $?
fi
g history --format csv >"$W/history.csv"
same "history runs" 0 $?
[ ! -e /tmp/gelombang-pwned ]
same "no file written by a payload" 0 $?

# the quota file: refused as a whole, nothing changed
expect_exit 0 "create wave 2" g --now 2022-03-01T00:00:00+07:00 wave create --wave 2 --opens 2022-03-01T00:00:00+07:00 \
	--closes 2022-03-05T00:00:00+07:00 --quota 10
printf 'province,quota\n31,5\n' >"$W/q-good.csv"
expect_exit 0 "quota set wave 2" g quota set --wave 2 "$W/q-good.csv"
i=0
for p in "${payloads[@]}" "31 " "031" "3l" "+5" "5.0" "1e3" "-1" "99999999999999999999" ""; do
	i=$((i + 1))
	python3 -c 'import csv,sys; w=csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["province","quota"]); w.writerow([sys.argv[1], "5"]); w.writerow(["32", sys.argv[1]])' "$p" \
		>"$W/q-bad.$i.csv"
	rc=0
	g quota set --wave 2 "$W/q-bad.$i.csv" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 65 ] || { echo "#   quota file with '$p': exit $rc"; bad=$((bad + 1)); }
done
same "every quota file with a bad province or quota is refused (65)" 0 "$bad"
same "... and the quotas are those of the good file" "31|5" "$(sql "select province || '|' || quota from gelombang.wave_quota where wave = 2")"
intact "after the quota files"

# options: refused (64) or stored literally
bad=0
for p in "${payloads[@]}"; do
	for opt in "--wave" "--nik" "--now" "--limit" "--format" "--seed"; do
		case $opt in
		--nik) args=(join --wave 2 --nik "$p") ;;
		--now) args=(--now "$p" close --wave 2) ;;
		--limit) args=(outbox export --limit "$p") ;;
		--format) args=(history --format "$p") ;;
		--seed) args=(--now 2022-04-01T00:00:00+07:00 wave create --wave 3 --opens 2022-04-01T00:00:00+07:00 \
			--closes 2022-04-05T00:00:00+07:00 --quota 1 --seed "$p") ;;
		*) args=(close --wave "$p") ;;
		esac
		rc=0
		g "${args[@]}" >/dev/null 2>&1 || rc=$?
		[ "$rc" = 64 ] || { echo "#   $opt '$p': exit $rc, not 64"; bad=$((bad + 1)); }
	done
	# --operator is stored as written
	g --operator "$p" --now 2022-03-02T00:00:00+07:00 close --wave 2 --dry-run >/dev/null 2>&1
	[ "$(sqlv "$p" "select count(*) from gelombang.job_run where operator = :'v'")" = 1 ] ||
		{ echo "#   --operator '$p' not stored as written"; bad=$((bad + 1)); }
	# --db: the conninfo is libpq's to parse; at worst it does not connect
	rc=0
	"$G" --db "dbname=$PGDATABASE $p" status >/dev/null 2>&1 || rc=$?
	case $rc in 0 | 69) ;; *) echo "#   --db '... $p': exit $rc"; bad=$((bad + 1)) ;; esac
	rc=0
	"$G" --db "dbname='$p'" status >/dev/null 2>&1 || rc=$?
	case $rc in 0 | 69) ;; *) echo "#   --db \"dbname='$p'\": exit $rc"; bad=$((bad + 1)) ;; esac
done
same "options: --wave, --nik, --now, --limit, --format, --seed refuse every payload (64); --operator stores it; --db does not run it" 0 "$bad"
# a file and a reject path with the payload characters in their names
f="$W/x'; drop table public.canary; --.csv"
head -3 "$W/base.csv" >"$f"
expect_exit 0 "import of a file whose name is a payload" g import --wave 2 "$f"
intact "after the options"

# a line of about 1 MB: stored, with its row; one over the record limit
# (csvframe.h, 1 MiB): rejected with its line number; the others kept
expect_exit 0 "create wave 3" g --now 2022-04-01T00:00:00+07:00 wave create --wave 3 --opens 2022-04-01T00:00:00+07:00 \
	--closes 2022-04-05T00:00:00+07:00 --quota 10
"$gen" -n 6 -s 6 --wave-opens 2022-04-01T00:00:00+07:00 --wave-closes 2022-04-05T00:00:00+07:00 >"$W/mb.base"
python3 - "$W/mb.base" "$W/mb.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
rows[2][2] = "A" * 1000000            # line 3: a name of a million bytes
rows[4][2] = "B" * (2 * 1024 * 1024)  # line 5: a record of 2 MiB
with open(sys.argv[2], "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
EOF
g import --wave 3 "$W/mb.csv" >"$W/mb.out" 2>"$W/mb.err"
same "a 1 MB and a 2 MiB line: exit 65" 65 $?
same "... 5 accepted, 1 rejected" "5 accepted, 1 rejected" "$(cat "$W/mb.out")"
same "... the 1 MB name stored as written" 1 \
	"$(sql "select count(*) from gelombang.registration where wave = 3 and name = repeat('A', 1000000)")"
same "... the 2 MiB line rejected with its line number" 5 \
	"$(python3 -c '
import csv, sys
csv.field_size_limit(1 << 30)
print(" ".join(r[-2] for r in list(csv.reader(open(sys.argv[1], newline="")))[1:]))' "$W/mb.csv.rejects.csv")"

np=${#payloads[@]}
echo "# bad inputs tried: $((np * ${#fields[@]})) import fields, $((np + 10)) quota provinces and as many quotas, $((np * 9)) option values, 2 SMS templates, 1 file name, 2 long lines"

# a big import in constant memory
rows=${BIG_ROWS:-200000}
opens4=2022-04-05T00:00:00+07:00
closes4=2022-06-01T00:00:00+07:00
expect_exit 0 "create wave 4" g --now $opens4 wave create --wave 4 --opens $opens4 --closes $closes4 --quota 10
if ldd "$G" | grep -q 'libasan\|libtsan'; then
	echo "# SKIP memory of a $rows-row import: the program is built with a sanitizer"
else
	"$gen" -n "$rows" -s 9 --wave-opens $opens4 --wave-closes $closes4 |
		/usr/bin/time -v -o "$W/time.txt" "$G" --db "$TEST_DB" import --wave 4 \
			--rejects "$W/big.rejects.csv" - >"$W/big.out" 2>"$W/big.err"
	rc=$?
	same "import of $rows rows from stdin: exit 0" 0 "$rc"
	same "... all stored" "$rows accepted, 0 rejected $rows" \
		"$(cat "$W/big.out") $(sql "select count(*) from gelombang.registration where wave = 4")"
	kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/time.txt")
	echo "# import of $rows rows: maximum resident set size $kb KiB"
	[ -n "$kb" ] && [ "$kb" -lt 32768 ]
	same "... in under 32 MiB of memory ($kb KiB)" 0 $?
fi
done_testing
