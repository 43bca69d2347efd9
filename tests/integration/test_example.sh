#!/bin/bash
# The worked example of shared/examples through the program: waves 22 and
# 23, every entry's outcome compared with the expected one.  The example is
# not part of the repository (the project's own fixtures, tests/fixtures,
# are test_fixtures.sh's): without it this test is skipped (exit 77).
. "$(dirname "$0")/lib.sh"

if [ ! -f "$EX/wave22.csv" ]; then
	echo "# skip: no worked example in $EX"
	exit 77
fi

prio='"2105", "6108", "8213", "7412", "9210", "5103"'
printf 'rules: { priority_regions = [ %s ]; };\n' "$prio" >"$W/example.conf"
gx() { g -c "$W/example.conf" "$@"; }

expect_exit 0 "create wave 22" gx --now 2022-02-10T12:00:00+07:00 wave create --wave 22 --opens 2022-02-10T12:00:00+07:00 \
	--closes "Minggu (13/2/2022) pukul 23.59 WIB" --announce 2022-02-16T23:59:00+07:00 --quota 22 \
	--seed acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6
expect_exit 0 "import wave 22" gx import --wave 22 --rejects "$W/r22.csv" "$EX/wave22.csv"
for j in close process select; do
	expect_exit 0 "$j wave 22" gx --now 2022-02-13T23:59:00+07:00 $j --wave 22
done
expect_exit 0 "announce wave 22" gx --now 2022-02-16T23:59:00+07:00 announce --wave 22
gx results --wave 22 >"$W/res22.csv"
same "wave 22 outcomes equal the worked example" "$(cat "$EX/expected-22.csv")" \
	"$(cut -d, -f1-4 "$W/res22.csv")"

expect_exit 0 "create wave 23" gx --now "17/2/2022 12.00 WIB" wave create --wave 23 --opens "17/2/2022 12.00 WIB" \
	--closes 2022-02-20T23:59:00+07:00 --announce 2022-02-23T23:59:00+07:00 --quota 100000 \
	--seed 88EC61DAFFE16AE6D6BD5E56B88540EA69603FE9ABE7C2CC5F1377AC4AC3790B
expect_exit 0 "quota set wave 23" gx quota set --wave 23 "$EX/quota23.csv"
expect_exit 65 "import wave 23 rejects its bad rows" gx import --wave 23 --rejects "$W/r23.csv" "$EX/wave23.csv"
same "import reports the counts" "161 accepted, 10 rejected" "$(cat "$W/last.out")"
same "rejected lines and fields as expected" "$(cat "$EX/expected-rejects-23.txt")" \
	"$(python3 -c '
import csv, sys
for r in list(csv.reader(open(sys.argv[1], newline="")))[1:]:
    print(r[-2], r[-1].split(":")[0])' "$W/r23.csv")"
expect_exit 0 "run-due takes wave 23 to the announcement" gx --now 2022-02-24T00:00:00+07:00 run-due
same "wave 23 is announced" "DIUMUMKAN" "$(sql 'select state from gelombang.wave where wave = 23')"
gx results --wave 23 >"$W/res23.csv"
same "wave 23 outcomes equal the worked example" "$(cat "$EX/expected-23.csv")" \
	"$(cut -d, -f1-4 "$W/res23.csv")"
same "card numbers are 16 digits, Luhn-valid and unique" "0" "$(sql "
	select count(*) from gelombang.participant
	where not gelombang.luhn_valid(card_number) or length(card_number) <> 16")"
done_testing
