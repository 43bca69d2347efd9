#!/bin/bash
# An installation upgraded in the middle of a wave: the schema of the first
# eight migrations, wave 22 created, imported and closed under it, then
# migrate to the current schema, and the rest of the lifecycle.  Wave 22
# has no counts taken at close (the jobs count instead) and the outcome
# partition create_wave used to make (select fills it as before); wave 23,
# created after the upgrade, gets its outcomes the new way.  Both must give
# the fixtures' expected outcomes (tests/fixtures) and pass the audit.
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
gu() { "$G" -c "$W/fixture.conf" --db "dbname=$udb" "$@"; }
fx_conf "$W/fixture.conf"

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

# wave 22 created and imported as the program did then (today's program
# records its runs through functions that the old schema lacks, and
# formats the times it prints with gelombang.wib())
check "create wave 22 under the old schema" usql -q -c "select gelombang.create_wave(22,
	'2022-02-10T12:00:00+07:00', '2022-02-13T23:59:00+07:00', '2022-02-16T23:59:00+07:00', 20,
	'$FX_SEED22')"
same "... with its outcome partition, as create_wave made it then" "gelombang.outcome_22" \
	"$(usql -c "select to_regclass('gelombang.outcome_22')")"
check "import wave 22 under the old schema" usql -q \
	-c "create temporary table csv (nik text, kk text, name text, birth_date date, sex text,
		occupation text, in_school boolean, receives_aid boolean, region_code text,
		phone text, joined_at timestamptz)" \
	-c "\\copy csv from '$FX/wave22.csv' with (format csv, header)" \
	-c "insert into gelombang.registration (wave, nik, kk, name, birth_date, sex, occupation,
		in_school, receives_aid, region_code, phone, joined_at)
	    select 22, nik, kk, name, birth_date, sex, occupation, in_school, receives_aid,
		coalesce(nullif(region_code, ''), left(nik, 4)), nullif(phone, ''), joined_at from csv"
same "... every row" "$(($(wc -l <"$FX/wave22.csv") - 1))" \
	"$(usql -c 'select count(*) from gelombang.registration where wave = 22')"
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
same "wave 22 outcomes equal the fixture's expected ones" "$(cat "$FX/expected-22.csv")" \
	"$(cut -d, -f1-4 "$W/res22.csv")"
expect_exit 0 "the audit of wave 22 finds nothing" gu audit --wave 22

expect_exit 0 "create wave 23 after the upgrade" gu --now "17/2/2022 12.00 WIB" wave create --wave 23 \
	--opens "17/2/2022 12.00 WIB" --closes 2022-02-20T23:59:00+07:00 \
	--announce 2022-02-23T23:59:00+07:00 --quota 100000 --seed "$FX_SEED23"
same "... without an outcome partition until select" "" \
	"$(usql -c "select to_regclass('gelombang.outcome_23')")"
expect_exit 0 "quota set wave 23" gu quota set --wave 23 "$FX/quota23.csv"
expect_exit 65 "import wave 23" gu import --wave 23 --rejects "$W/r23.csv" "$FX/wave23.csv"
expect_exit 0 "run-due takes wave 23 to the announcement" gu --now 2022-02-24T00:00:00+07:00 run-due
same "wave 23 kept the counts of its close" "$(($(wc -l <"$FX/expected-23.csv") - 1)) t" \
	"$(usql -c "select entries, sms_recipients = (select count(*) from gelombang.registration
		where wave = 23 and phone is not null) from gelombang.wave where wave = 23" | tr '|' ' ')"
same "wave 23's outcomes are its partition" \
	"gelombang.outcome_23 $(($(wc -l <"$FX/expected-23.csv") - 1))" \
	"$(usql -c "select to_regclass('gelombang.outcome_23'),
		(select count(*) from gelombang.outcome where wave = 23)" | tr '|' ' ')"
gu results --wave 23 >"$W/res23.csv"
same "wave 23 outcomes equal the fixture's expected ones" "$(cat "$FX/expected-23.csv")" \
	"$(cut -d, -f1-4 "$W/res23.csv")"
expect_exit 0 "the audit of wave 23 finds nothing" gu audit --wave 23
dropdb "$udb"
done_testing
