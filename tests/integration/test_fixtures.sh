#!/bin/bash
# The project's own fixtures (tests/fixtures): made again by their
# generator they are the same bytes; their expected outcomes are what the
# independent recompute.py gives; and the program, through waves 22 and 23
# (import with its rejects, per-province quotas, priority regions, earlier
# participants), gives exactly those outcomes, which the audit bundle's
# recompute.py then finds identical.
. "$(dirname "$0")/lib.sh"

# -- the fixtures ------------------------------------------------------------
mkdir -p "$W/expected"
check "tests/fixtures/expected runs" python3 "$FX/expected" "$FX" "$W/expected"
for n in 22 23; do
	check "expected-$n.csv is what recompute.py computes from the fixture's inputs" \
		cmp "$FX/expected-$n.csv" "$W/expected/expected-$n.csv"
done
# the generator again, into a directory of its own (gen-registrations
# asks the test cluster)
check "make-fixtures runs" python3 "$FX/make-fixtures" "$W/regen"
same "... and makes the committed fixtures again, byte for byte" "" \
	"$(diff -r -x make-fixtures -x expected -x README.md "$FX" "$W/regen" 2>&1 | head -20)"
same "the rules' edge cases are there" 30 \
	"$(grep -o 'Kasus [0-9]*:' "$FX/wave23.csv" | sort -u | wc -l | tr -d ' ')"
reasons() { cut -d, -f3 "$1" | sed 1d | sort -u | paste -sd' '; }
same "wave 23's expected outcomes hold every reason of SPEC §1" \
	" DATA_TIDAK_VALID DI_LUAR_JADWAL KUOTA_KELUARGA KUOTA_PENUH PEKERJAAN_DIKECUALIKAN PENERIMA_BANSOS PESERTA_SEBELUMNYA SEDANG_SEKOLAH USIA" \
	"$(reasons "$FX/expected-23.csv")"

# -- through the program -----------------------------------------------------
fx_conf "$W/fixture.conf"
gx() { g -c "$W/fixture.conf" "$@"; }
n22=$(($(wc -l <"$FX/expected-22.csv") - 1))
n23=$(($(wc -l <"$FX/expected-23.csv") - 1))
r23=$(wc -l <"$FX/expected-rejects-23.txt")
rejects() { # REJECTS_CSV: "line field" per reject
	python3 -c '
import csv, sys
for r in list(csv.reader(open(sys.argv[1], newline="")))[1:]:
    print(r[-2], r[-1].split(":")[0])' "$1"
}

expect_exit 0 "create wave 22" gx --now 2022-02-10T12:00:00+07:00 wave create --wave 22 --opens 2022-02-10T12:00:00+07:00 \
	--closes "Minggu (13/2/2022) pukul 23.59 WIB" --announce 2022-02-16T23:59:00+07:00 --quota 20 \
	--seed "$FX_SEED22"
expect_exit 0 "import wave 22" gx import --wave 22 --rejects "$W/r22.csv" "$FX/wave22.csv"
same "import reports the counts" "$n22 accepted, 0 rejected" "$(cat "$W/last.out")"
for j in close process select; do
	expect_exit 0 "$j wave 22" gx --now 2022-02-13T23:59:00+07:00 $j --wave 22
done
expect_exit 0 "announce wave 22" gx --now 2022-02-16T23:59:00+07:00 announce --wave 22
gx results --wave 22 >"$W/res22.csv"
same "wave 22 outcomes equal the fixture's expected ones" "$(cat "$FX/expected-22.csv")" \
	"$(cut -d, -f1-4 "$W/res22.csv")"

expect_exit 0 "create wave 23" gx --now "17/2/2022 12.00 WIB" wave create --wave 23 --opens "17/2/2022 12.00 WIB" \
	--closes 2022-02-20T23:59:00+07:00 --announce 2022-02-23T23:59:00+07:00 --quota 100000 \
	--seed "$(printf %s "$FX_SEED23" | tr a-f A-F)"
expect_exit 0 "quota set wave 23" gx quota set --wave 23 "$FX/quota23.csv"
expect_exit 65 "import wave 23 rejects its bad rows" gx import --wave 23 --rejects "$W/r23.csv" "$FX/wave23.csv"
same "import reports the counts" "$n23 accepted, $r23 rejected" "$(cat "$W/last.out")"
same "rejected lines and fields as expected" "$(cat "$FX/expected-rejects-23.txt")" \
	"$(rejects "$W/r23.csv")"
expect_exit 0 "run-due takes wave 23 to the announcement" gx --now 2022-02-24T00:00:00+07:00 run-due
same "wave 23 is announced" "DIUMUMKAN" "$(sql 'select state from gelombang.wave where wave = 23')"
gx results --wave 23 >"$W/res23.csv"
same "wave 23 outcomes equal the fixture's expected ones" "$(cat "$FX/expected-23.csv")" \
	"$(cut -d, -f1-4 "$W/res23.csv")"
same "card numbers are 16 digits, Luhn-valid and unique" "0" "$(sql "
	select count(*) from gelombang.participant
	where not gelombang.luhn_valid(card_number) or length(card_number) <> 16")"

# -- the audit bundle's recompute.py, run -------------------------------------
root=$(cd "$(dirname "$0")/../.." && pwd)
for n in 22 23; do
	expect_exit 0 "audit --independent of wave $n" gx audit --wave $n --independent "$W/bundle$n"
	check "... ships batch/recompute.py as it is in the tree" cmp "$root/batch/recompute.py" \
		"$W/bundle$n/recompute.py"
	# as the bundle's README says: in the bundle's directory, nothing else
	expect_exit 0 "... and its recompute.py finds wave $n identical" \
		sh -c "cd '$W/bundle$n' && env -i PATH=/usr/bin:/bin python3 recompute.py"
	same "... all its entries" "identical: $(eval echo \$n$n) entries" "$(cat "$W/last.out")"
done
grep -q '^    python3 recompute.py$' "$W/bundle23/README.md" && _ok "the README says to run it so" ||
	_not_ok "the README says to run it so"
# a result changed in the bundle: recompute.py says so
cp -r "$W/bundle23" "$W/forged"
nik=$(grep -m1 ',KUOTA_PENUH,' "$W/forged/results.csv" | cut -d, -f1)
sed -i "s/^$nik,TIDAK_LOLOS,KUOTA_PENUH,/$nik,LOLOS,,/" "$W/forged/results.csv"
expect_exit 1 "recompute.py finds a forged result" python3 "$W/forged/recompute.py" "$W/forged"
grep -q "^$nik: status: stored LOLOS, recomputed TIDAK_LOLOS" "$W/last.out" &&
	_ok "and names it" || _not_ok "and names it"
tail -1 "$W/last.out" | grep -q '^not identical: [1-9][0-9]* differences$' &&
	_ok "and counts the differences" || _not_ok "and counts the differences"
done_testing
