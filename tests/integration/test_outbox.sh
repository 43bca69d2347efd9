#!/bin/bash
# outbox export: the pending messages as CSV, rendered from the templates;
# a second export exports nothing new; --limit pages through every message
# exactly once; --wave; a failed write marks nothing; a concurrent export
# gets 75; a killed export is found dead and its messages exported again.
. "$(dirname "$0")/lib.sh"

fx_conf "$W/fixture.conf"
gx() { g -c "$W/fixture.conf" "$@"; }
data_rows() { python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
for r in rows[1:]:
    print(r[0] + "," + r[1])' "$1"; }

gx --now 2022-02-10T12:00:00+07:00 wave create --wave 22 --opens 2022-02-10T12:00:00+07:00 --closes 2022-02-13T23:59:00+07:00 \
	--announce 2022-02-16T23:59:00+07:00 --quota 20 --seed "$FX_SEED22" >/dev/null
gx import --wave 22 --rejects "$W/r22.csv" "$FX/wave22.csv" >/dev/null
gx --now 2022-02-16T00:00:00+07:00 run-due >/dev/null 2>&1
same "wave 22 is selected, not announced" DISELEKSI "$(sql 'select state from gelombang.wave where wave = 22')"
expect_exit 0 "nothing to export before the announcement" g outbox export
same "only the header" "wave,nik,phone,status,message" "$(cat "$W/last.out")"

gx --now 2022-02-17T00:00:00+07:00 run-due >/dev/null 2>&1
gx --now "17/2/2022 12.00 WIB" wave create --wave 23 --opens "17/2/2022 12.00 WIB" --closes 2022-02-20T23:59:00+07:00 \
	--announce 2022-02-23T23:59:00+07:00 --quota 100000 --seed "$FX_SEED23" >/dev/null
gx quota set --wave 23 "$FX/quota23.csv" >/dev/null
gx import --wave 23 --rejects "$W/r23.csv" "$FX/wave23.csv" >/dev/null
gx --now 2022-02-24T00:00:00+07:00 run-due >/dev/null 2>&1
sql "select wave || ',' || nik from gelombang.registration r
	where phone is not null order by wave, nik" >"$W/expected.txt"
same "the fixtures have 194 messages (59 + 135)" 194 "$(wc -l <"$W/expected.txt" | tr -d ' ')"

# paging ---------------------------------------------------------------------------------
expect_exit 0 "--wave 23 --limit 5" g outbox export --wave 23 --limit 5
same "five messages of wave 23" "$(sed -n '/^23,/p' "$W/expected.txt" | head -5)" "$(data_rows "$W/last.out")"
: >"$W/paged.txt"
cp "$W/last.out" "$W/page0.csv"
data_rows "$W/page0.csv" >>"$W/paged.txt"
pages=0
while :; do
	g outbox export --limit 7 >"$W/page.csv" 2>/dev/null || { _not_ok "a page failed"; break; }
	n=$(data_rows "$W/page.csv" | wc -l)
	[ "$n" = 0 ] && break
	[ "$n" -le 7 ] || _not_ok "a page of more than 7"
	data_rows "$W/page.csv" >>"$W/paged.txt"
	cat "$W/page.csv" >>"$W/all-pages.csv"
	pages=$((pages + 1))
	[ $pages -gt 50 ] && break
done
same "--limit 7 took 27 pages after the first 5" 27 "$pages"
same "every message exactly once" "$(sort "$W/expected.txt")" "$(sort "$W/paged.txt")"
same "oldest wave first, by NIK (after the --wave page)" \
	"$(grep -vxF -f <(data_rows "$W/page0.csv") "$W/expected.txt")" "$(sed 1,5d "$W/paged.txt")"
expect_exit 0 "a second export after everything" g outbox export
same "exports nothing new: only the header" "wave,nik,phone,status,message" "$(cat "$W/last.out")"
# pages: 23 (the first five); 22 x 9 (the ninth ends with wave 23's
# sixth to ninth); 23 x 18 more
same "the cursor rows: one per wave of each export" "22|9
23|20" "$(sql "select wave || '|' || count(*) from gelombang.outbox_export group by wave order by wave")"
same "each cursor row's count matches its NIKs" 0 "$(sql "select count(*) from gelombang.outbox_export e
	where e.messages <> (select count(*) from gelombang.registration r where r.wave = e.wave
		and r.phone is not null and r.nik between e.first_nik and e.last_nik)")"
same "the view agrees: nothing pending" 0 "$(sql 'select count(*) from gelombang.outbox where pending')"
same "exports are in the history" "SUCCEEDED 28
NOTHING_TO_DO 3" "$(sql "select outcome || ' ' || count(*) from gelombang.history
	where job = 'outbox export' group by outcome order by outcome desc")"

# the messages -----------------------------------------------------------------------------
python3 - "$W/all-pages.csv" "$W/page0.csv" >"$W/msg.txt" <<'EOF'
import csv, sys
rows = []
for f in sys.argv[1:]:
    rows += [r for r in csv.reader(open(f, newline="")) if r[0] != "wave"]
for r in rows:
    print("\t".join(r))
EOF
same "five columns in every row" 5 "$(awk -F'\t' '{ print NF }' "$W/msg.txt" | sort -u)"
lolos=$(sql "select r.nik || '|' || r.name || '|' || p.card_number || '|' || r.phone
	from gelombang.registration r join gelombang.participant p using (wave, nik)
	where r.wave = 23 and r.phone is not null order by r.nik limit 1")
IFS='|' read -r nik name card phone <<<"$lolos"
same "a LOLOS message, rendered from the template" \
	"23	$nik	$phone	LOLOS	Selamat $name, Anda LOLOS Kartu Prakerja Gelombang 23. Kartu $card, saldo Rp3.550.000. Beli pelatihan pertama dalam 30 hari." \
	"$(grep -P "^23\t$nik\t" "$W/msg.txt")"
tidak=$(sql "select r.nik || '|' || r.name from gelombang.registration r join gelombang.outcome o
	using (wave, nik) where r.wave = 22 and r.phone is not null and o.reason is not null order by r.nik limit 1")
IFS='|' read -r nik2 name2 <<<"$tidak"
same "a TIDAK_LOLOS message" \
	"Mohon maaf $name2, Anda belum lolos Kartu Prakerja Gelombang 22. Silakan ikut gelombang berikutnya tanpa mengisi data lagi." \
	"$(grep -P "^22\t$nik2\t" "$W/msg.txt" | cut -f5)"
same "every LOLOS message carries its card number and Rp3.550.000" 0 "$(python3 - "$W/msg.txt" <<-'EOF'
	import sys
	bad = 0
	for line in open(sys.argv[1]):
	    w, nik, phone, status, msg = line.rstrip("\n").split("\t")
	    if status == "LOLOS" and ("Rp3.550.000" not in msg or "Kartu 8" not in msg or "30 hari" not in msg):
	        bad += 1
	print(bad)
	EOF
)"

# a new wave's messages come after, and a failed write marks nothing ------------------------
sql "select count(*) from gelombang.outbox_export" >"$W/n_before"
expect_exit 70 "writing to a full disk fails" sh -c "'$G' --db '$TEST_DB' outbox export >/dev/full"
same "nothing was marked (no new message anyway)" "$(cat "$W/n_before")" "$(sql 'select count(*) from gelombang.outbox_export')"
psql -X -q -v ON_ERROR_STOP=1 <<'EOF'
begin;
alter table gelombang.outbox_export disable trigger user;
delete from gelombang.outbox_export where wave = 23;
alter table gelombang.outbox_export enable trigger user;
commit;
EOF
expect_exit 70 "wave 23 pending again; writing fails" sh -c "'$G' --db '$TEST_DB' outbox export >/dev/full"
same "none marked exported" 135 "$(sql 'select count(*) from gelombang.outbox where pending')"
same "the run is FAILED with why" "FAILED|could not write the messages to standard output; none marked exported" \
	"$(sql "select outcome || '|' || message from gelombang.history order by id desc limit 1")"
# The reader closes its end before the export starts: with a reader that
# is still there (head -c 100, say), the export's few kilobytes may all fit
# in the pipe's buffer before the reader goes, and nothing fails.
rm -f "$W/closed"
expect_exit 0 "a closed pipe: the export fails, marks nothing" sh -c "
	{ until [ -e '$W/closed' ]; do sleep 0.05; done; exec '$G' --db '$TEST_DB' outbox export; } |
	{ exec 0<&-; touch '$W/closed'; sleep 1; }"
same "still none marked exported" 135 "$(sql 'select count(*) from gelombang.outbox where pending')"

# concurrency and death ---------------------------------------------------------------------
psql -X -q -c "select pg_advisory_lock(1734700130, -1), pg_sleep(3)" >/dev/null &
holder=$!
for i in $(seq 1 50); do
	[ "$(sql "select count(*) from pg_locks where locktype = 'advisory' and classid = 1734700130
		and objid = 4294967295")" = 1 ] && break
	sleep 0.1
done
expect_exit 75 "a second export at the same time exits 75 at once" g outbox export
same "nothing marked" 135 "$(sql 'select count(*) from gelombang.outbox where pending')"
same "recorded BUSY" "BUSY" "$(sql "select outcome from gelombang.history order by id desc limit 1")"
wait $holder
if grep -q "fault_job_point(\"outbox\", \"flushed\")" "$(dirname "$0")/../../batch/outbox.c"; then
	# (in a shell of its own, which keeps its "Killed" to itself)
	GELOMBANG_FAULT=job:outbox:flushed bash -c '"$0" --db "$1" outbox export >"$2"; exit 0' \
		"$G" "$TEST_DB" "$W/killed.csv" 2>/dev/null
	same "killed after writing 135 messages, before marking them" 136 "$(wc -l <"$W/killed.csv" | tr -d ' ')"
	same "none marked" 135 "$(sql 'select count(*) from gelombang.outbox where pending')"
	expect_exit 0 "the next export" g outbox export
	same "writes them again (at least once, never lost)" "$(cat "$W/killed.csv")" "$(cat "$W/last.out")"
	same "and marks the killed run DEAD" "DEAD" \
		"$(sql "select outcome from gelombang.history where job = 'outbox export' order by id desc offset 1 limit 1")"
fi
expect_exit 0 "and then" g outbox export
same "nothing is pending" "wave,nik,phone,status,message" "$(cat "$W/last.out")"
done_testing
