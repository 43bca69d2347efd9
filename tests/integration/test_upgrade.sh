#!/bin/bash
# An installation upgraded in the middle of a wave: the schema of the first
# eight migrations, wave 22 created, imported and closed under it, then
# migrate to the current schema, and the rest of the lifecycle.  Wave 22
# has no counts taken at close (the jobs count instead) and the outcome
# partition create_wave used to make (select fills it as before); wave 23,
# created after the upgrade, gets its outcomes the new way.  Both must give
# the worked example's outcomes and pass the audit.
. "$(dirname "$0")/lib.sh"

# expect_exit leaves CMD's output in last.out, which the next check
# overwrites: run keeps a copy in out
run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
}

sqldir=$(cd "$(dirname "$0")/../../sql/migrations" && pwd)
udb="${PGDATABASE}_upgrade"
dropdb --if-exists "$udb" >/dev/null 2>&1
createdb "$udb"
usql() { psql -X -At -v ON_ERROR_STOP=1 -d "$udb" "$@"; }
gu() { "$G" -c "$W/example.conf" --db "dbname=$udb" "$@"; }
prio='"2105", "6108", "8213", "7412", "9210", "5103"'
printf 'rules: { priority_regions = [ %s ]; };\n' "$prio" >"$W/example.conf"

# the schema as migrate left it after 008, recorded as migrate records it
usql -q -c "create schema gelombang" -c "create table gelombang.schema_migration (
	version integer primary key, name text not null, checksum text not null,
	applied_at timestamptz not null default now(),
	applied_by text not null default current_user)"
old_ok=1
for f in "$sqldir"/00[1-8]_*.sql; do
	name=$(basename "$f" .sql)
	usql -q -1 -f "$f" >/dev/null 2>"$W/old.err" &&
		usql -q -c "insert into gelombang.schema_migration (version, name, checksum)
			values (${name%%_*}, '$name', '$(sha256sum "$f" | cut -d' ' -f1)')" ||
		old_ok=0
done
same "the schema of migrations 001-008" "1" "$old_ok"

expect_exit 0 "create wave 22 under the old schema" gu --now 2022-02-10T12:00:00+07:00 wave create --wave 22 \
	--opens 2022-02-10T12:00:00+07:00 --closes 2022-02-13T23:59:00+07:00 \
	--announce 2022-02-16T23:59:00+07:00 --quota 22 \
	--seed acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6
same "... with its outcome partition, as create_wave made it then" "gelombang.outcome_22" \
	"$(usql -c "select to_regclass('gelombang.outcome_22')")"
expect_exit 0 "import wave 22 under the old schema" gu import --wave 22 --rejects "$W/r22.csv" \
	"$EX/wave22.csv"
# close as the program did before 009: close_wave returned nothing
usql -q -c "select gelombang.close_wave(22, '2022-02-13T23:59:00+07:00')"
same "wave 22 closed under the old schema" "DITUTUP" \
	"$(usql -c 'select state from gelombang.wave where wave = 22')"

expect_exit 0 "migrate to the current schema" gu migrate
same "every migration recorded" "$(ls "$sqldir"/*.sql | wc -l)" \
	"$(usql -c 'select count(*) from gelombang.schema_migration')"
same "wave 22 has no counts from its close" "" \
	"$(usql -c 'select entries from gelombang.wave where wave = 22')"

n22=$(usql -c 'select count(*) from gelombang.registration where wave = 22')
run 0 "process wave 22 after the upgrade" gu --now 2022-02-13T23:59:00+07:00 process --wave 22
check "... reports the entries it counted" grep -q "processed: $n22 entries" "$W/out"
expect_exit 0 "select wave 22 into its old partition" gu --now 2022-02-13T23:59:00+07:00 select --wave 22
run 0 "announce wave 22" gu --now 2022-02-16T23:59:00+07:00 announce --wave 22
check "... counting the SMS itself" grep -Eq "; [1-9][0-9]* SMS queued" "$W/out"
gu results --wave 22 >"$W/res22.csv"
same "wave 22 outcomes equal the worked example" "$(cat "$EX/expected-22.csv")" \
	"$(cut -d, -f1-4 "$W/res22.csv")"
expect_exit 0 "the audit of wave 22 finds nothing" gu audit --wave 22

expect_exit 0 "create wave 23 after the upgrade" gu --now "17/2/2022 12.00 WIB" wave create --wave 23 \
	--opens "17/2/2022 12.00 WIB" --closes 2022-02-20T23:59:00+07:00 \
	--announce 2022-02-23T23:59:00+07:00 --quota 100000 \
	--seed 88EC61DAFFE16AE6D6BD5E56B88540EA69603FE9ABE7C2CC5F1377AC4AC3790B
same "... without an outcome partition until select" "" \
	"$(usql -c "select to_regclass('gelombang.outcome_23')")"
expect_exit 0 "quota set wave 23" gu quota set --wave 23 "$EX/quota23.csv"
expect_exit 65 "import wave 23" gu import --wave 23 --rejects "$W/r23.csv" "$EX/wave23.csv"
expect_exit 0 "run-due takes wave 23 to the announcement" gu --now 2022-02-24T00:00:00+07:00 run-due
same "wave 23 kept the counts of its close" "161 t" \
	"$(usql -c "select entries, sms_recipients = (select count(*) from gelombang.registration
		where wave = 23 and phone is not null) from gelombang.wave where wave = 23" | tr '|' ' ')"
same "wave 23's outcomes are its partition" "gelombang.outcome_23 161" \
	"$(usql -c "select to_regclass('gelombang.outcome_23'),
		(select count(*) from gelombang.outcome where wave = 23)" | tr '|' ' ')"
gu results --wave 23 >"$W/res23.csv"
same "wave 23 outcomes equal the worked example" "$(cat "$EX/expected-23.csv")" \
	"$(cut -d, -f1-4 "$W/res23.csv")"
expect_exit 0 "the audit of wave 23 finds nothing" gu audit --wave 23
dropdb "$udb"
done_testing
