#!/bin/bash
# migrate (idempotent) and the waves: create, list, show; the seed, its
# commitment and when it is revealed; the numbering and time rules; every
# time form of SPEC §2.
. "$(dirname "$0")/lib.sh"

# expect_exit leaves CMD's output in last.out/last.err, which the next check
# overwrites: run keeps a copy in out/err
run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
hex64() { grep -Eo '\b[0-9a-f]{64}\b' "$@"; }
ws() { tr -s ' ' <"$1"; }

# --- migrate ----------------------------------------------------------------
mdb="${PGDATABASE}_migrate"
dropdb --if-exists "$mdb" >/dev/null 2>&1
createdb "$mdb"
gm() { "$G" --db "dbname=$mdb" "$@"; }
run 0 "migrate of an empty database" gm migrate
check "it says what it applied" grep -q "applied" "$W/out"
same "every migration recorded" "$(ls "$(dirname "$0")/../../sql/migrations"/*.sql | wc -l)" \
	"$(psql -X -At -d "$mdb" -c 'select count(*) from gelombang.schema_migration')"
# every code file of sql/ is applied (one left out of SQL_CODE is not)
same "every code file recorded" "$(ls "$(dirname "$0")/../../sql"/*.sql | wc -l)" \
	"$(psql -X -At -d "$mdb" -c 'select count(*) from gelombang.schema_code')"
pg_dump -s -d "$mdb" | grep -v '^\\\(un\)\?restrict ' >"$W/schema1.sql"
run 0 "migrate again" gm migrate
check "the second migrate says the schema is up to date" grep -q "up to date" "$W/out"
pg_dump -s -d "$mdb" | grep -v '^\\\(un\)\?restrict ' >"$W/schema2.sql"
check "the second migrate changes no schema object" cmp -s "$W/schema1.sql" "$W/schema2.sql"
check "the schema dump is not empty" grep -q "CREATE TABLE gelombang.wave" "$W/schema1.sql"
# a code file whose text changed is applied again, with every file after it
psql -X -q -d "$mdb" -c "update gelombang.schema_code set checksum = 'stale' where name = 'audit.sql'"
run 0 "migrate after a code file changed" gm migrate
check "... applies it and the files after it" grep -q "applied 0 of .* migrations, 2 code files" "$W/out"
same "... and records its checksum" "0" \
	"$(psql -X -At -d "$mdb" -c "select count(*) from gelombang.schema_code where checksum = 'stale'")"
pg_dump -s -d "$mdb" | grep -v '^\\\(un\)\?restrict ' >"$W/schema3.sql"
check "... and the schema is the same as before" cmp -s "$W/schema1.sql" "$W/schema3.sql"
gm --now 2022-01-01T00:00+07:00 wave create --wave 1 --opens 2022-01-01T00:00+07:00 --closes 2022-01-02T00:00+07:00 \
	--quota 1 >/dev/null 2>&1
# (pg_dump 15.14 on writes a random \restrict key into every dump)
pg_dump -d "$mdb" --exclude-table-data='gelombang.job_run*' | grep -v '^\\\(un\)\?restrict ' >"$W/all1.sql"
run 0 "migrate of a database holding a wave" gm migrate
pg_dump -d "$mdb" --exclude-table-data='gelombang.job_run*' | grep -v '^\\\(un\)\?restrict ' >"$W/all2.sql"
check "... changes neither schema nor data" cmp -s "$W/all1.sql" "$W/all2.sql"
check "... and says the schema is up to date" grep -q "up to date" "$W/out"
dropdb "$mdb"

# --- wave create ------------------------------------------------------------
SEED=acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6
UPPER=$(printf %s "$SEED" | tr a-f A-F)
run 0 "create wave 22 with an upper-case seed" g --now 2022-02-10T12:00:00+07:00 wave create --wave 22 \
	--opens 2022-02-10T12:00:00+07:00 --closes "Minggu (13/2/2022) pukul 23.59 WIB" \
	--announce 2022-02-16T23:59:00+07:00 --quota 22 --seed "$UPPER"
same "wave create prints the commitment: sha256 of the lower-case seed" "$(sha "$SEED")" \
	"$(hex64 "$W/out")"
check "wave create does not print the seed" bash -c '! grep -qi "$1" "$2"' _ "$SEED" "$W/out"
same "the seed is stored in lower case" "$SEED" "$(sql 'select seed from gelombang.wave where wave = 22')"
same "the commitment is stored" "$(sha "$SEED")" "$(sql 'select commitment from gelombang.wave where wave = 22')"
same "the wave's times: the Indonesian form is WIB" \
	"2022-02-10 05:00:00|2022-02-13 16:59:00|2022-02-16 16:59:00|22|DIBUKA" \
	"$(sql "select opens_at at time zone 'UTC', closes_at at time zone 'UTC',
		announce_at at time zone 'UTC', quota, state from gelombang.wave where wave = 22")"
check "wave create shows the times in WIB" grep -q "2022-02-13 23:59:00 WIB" "$W/out"

run 0 "create wave 23 without --seed and without --announce, closing in WITA" g --now "Kamis (17/2/2022) pukul 12.00 WIB" wave create \
	--wave 23 --opens "Kamis (17/2/2022) pukul 12.00 WIB" --closes "20/2/2022 pukul 23.59 WITA" \
	--quota 100
same "wave 23 closes at 23.59 WITA" "2022-02-20 15:59:00" \
	"$(sql "select closes_at at time zone 'UTC' from gelombang.wave where wave = 23")"
same "--announce defaults to three days after --closes" "3 days" \
	"$(sql "select announce_at - closes_at from gelombang.wave where wave = 23")"
seed23=$(sql 'select seed from gelombang.wave where wave = 23')
check "without --seed the seed is 64 lower-case hex digits" \
	bash -c '[[ $1 =~ ^[0-9a-f]{64}$ ]]' _ "$seed23"
same "... and its commitment is printed" "$(sha "$seed23")" "$(hex64 "$W/out")"
check "... and the seed itself is not printed" bash -c '! grep -q "$1" "$2" "$3"' _ "$seed23" "$W/out" "$W/err"

run 0 "create wave 24 without --seed, opening when 23 closes, closing in WIT" g --now 2022-02-20T15:59:00Z wave create \
	--wave 24 --opens 2022-02-20T15:59:00Z --closes "Rabu (23/2/2022) pukul 10.00 WIT" --quota 5
seed24=$(sql 'select seed from gelombang.wave where wave = 24')
check "two random seeds differ" test "$seed23" != "$seed24"
same "wave 24 closes at 10.00 WIT" "2022-02-23 01:00:00" \
	"$(sql "select closes_at at time zone 'UTC' from gelombang.wave where wave = 24")"

# --- refusals: exit 1, nothing created --------------------------------------
before=$(sql 'select count(*) from gelombang.wave')
run 1 "a wave number equal to an existing one is refused" g --now 2022-03-01T00:00+07:00 wave create --wave 24 \
	--opens 2022-03-01T00:00+07:00 --closes 2022-03-02T00:00+07:00 --quota 1
check "... saying why" grep -q "24" "$W/err"
expect_exit 1 "a wave number smaller than an existing one is refused" g --now 2022-03-01T00:00+07:00 wave create --wave 10 \
	--opens 2022-03-01T00:00+07:00 --closes 2022-03-02T00:00+07:00 --quota 1
run 1 "a wave opening before the previous wave closes is refused" g --now "23/2/2022 09.59 WIT" wave create --wave 25 \
	--opens "23/2/2022 09.59 WIT" --closes 2022-03-02T00:00+07:00 --quota 1
check "... naming the previous wave's closing time in WIB" grep -q "2022-02-23 08:00:00 WIB" "$W/err"
expect_exit 1 "a wave closing before it opens is refused" g --now 2022-03-02T00:00+07:00 wave create --wave 25 \
	--opens 2022-03-02T00:00+07:00 --closes 2022-03-01T00:00+07:00 --quota 1
expect_exit 1 "a wave closing when it opens is refused" g --now 2022-03-02T00:00+07:00 wave create --wave 25 \
	--opens 2022-03-02T00:00+07:00 --closes 2022-03-02T00:00+07:00 --quota 1
expect_exit 1 "an announcement before the close is refused" g --now 2022-03-01T00:00+07:00 wave create --wave 25 \
	--opens 2022-03-01T00:00+07:00 --closes 2022-03-02T00:00+07:00 \
	--announce 2022-03-01T23:59+07:00 --quota 1
same "the refusals created nothing" "$before|0" \
	"$(sql "select count(*), count(*) filter (where wave = 25) from gelombang.wave")"
same "... and left no partition behind" "0" \
	"$(sql "select count(*) from pg_class where relname in ('registration_25', 'registration_10')")"
same "each refusal is in the history as REFUSED" "6" \
	"$(sql "select count(*) from gelombang.job_run_end where job = 'wave create' and outcome = 'REFUSED'")"
# a seed serves one wave: the second wave's seed would be public the moment
# the first closes (the commitments are compared, whatever the case)
run 1 "a seed used before is refused" g --now "23/2/2022 10.00 WIT" wave create --wave 25 \
	--opens "23/2/2022 10.00 WIT" --closes 2022-03-02T00:00+07:00 \
	--announce 2022-03-02T00:00+07:00 --quota 0 --seed "$SEED"
grep -q "could not create wave 25: its seed is the seed of wave 22" "$W/err" &&
	_ok "... naming the wave that has it" || _not_ok "... naming the wave that has it"
same "... and no wave 25" "" "$(sql "select wave from gelombang.wave where wave = 25")"
run 0 "a wave opening exactly when the previous closes is accepted" g --now "23/2/2022 10.00 WIT" wave create --wave 25 \
	--opens "23/2/2022 10.00 WIT" --closes 2022-03-02T00:00+07:00 \
	--announce 2022-03-02T00:00+07:00 --quota 0 --seed "${SEED%?}0"
same "... with an announcement at its close and quota 0" "00:00:00|0" \
	"$(sql "select announce_at - closes_at, quota from gelombang.wave where wave = 25")"
same "its commitment is its own seed's" "$(sha "${SEED%?}0")" "$(hex64 "$W/out")"

# --- wave show: the seed only once the wave is closed ------------------------
run 0 "wave show of an open wave" g wave show --wave 22
check "wave show shows the state" grep -q "DIBUKA" "$W/out"
check "wave show shows the commitment" grep -q "$(sha "$SEED")" "$W/out"
check "wave show of an open wave hides the seed" bash -c '! grep -qi "$1" "$2"' _ "$SEED" "$W/out"
check "wave show shows the closing time in WIB" grep -q "2022-02-13 23:59:00 WIB" "$W/out"
run 0 "wave show of the open wave 23" g wave show --wave 23
check "wave show of wave 23 hides its random seed" bash -c '! grep -q "$1" "$2"' _ "$seed23" "$W/out"
check "wave show of wave 23 shows its closing time in WIB" grep -q "2022-02-20 22:59:00 WIB" "$W/out"
expect_exit 1 "wave show of a wave that does not exist" g wave show --wave 99
run 1 "close wave 22 before its closing time is refused" g --now 2022-02-13T23:58:59+07:00 close --wave 22
run 0 "wave show after a refused close still hides the seed" g wave show --wave 22
check "... the seed is hidden" bash -c '! grep -qi "$1" "$2"' _ "$SEED" "$W/out"
expect_exit 0 "close wave 22 at its closing time" g --now "13/2/2022 23.59 WIB" close --wave 22
run 0 "wave show of a closed wave" g wave show --wave 22
check "wave show of a closed wave shows the seed" grep -q "$SEED" "$W/out"
check "... and still the commitment" grep -q "$(sha "$SEED")" "$W/out"
check "... and the state DITUTUP" grep -q "DITUTUP" "$W/out"
expect_exit 0 "close wave 23 after its closing time" g --now 2022-02-21T00:00+07:00 close --wave 23
run 0 "wave show of the closed wave 23" g wave show --wave 23
check "wave 23's random seed is revealed" grep -q "$seed23" "$W/out"
same "... and its sha256 is the commitment printed at creation" "$(sha "$seed23")" \
	"$(sql 'select commitment from gelombang.wave where wave = 23')"

# --- wave list --------------------------------------------------------------
run 0 "wave list" g wave list
same "wave list: a header and one line per wave" 5 "$(wc -l <"$W/out")"
same "wave list: waves, states and times in WIB" \
"22 DITUTUP 2022-02-10 12:00:00 WIB 2022-02-13 23:59:00 WIB 2022-02-16 23:59:00 WIB
23 DITUTUP 2022-02-17 12:00:00 WIB 2022-02-20 22:59:00 WIB 2022-02-23 22:59:00 WIB
24 DIBUKA 2022-02-20 22:59:00 WIB 2022-02-23 08:00:00 WIB 2022-02-26 08:00:00 WIB
25 DIBUKA 2022-02-23 08:00:00 WIB 2022-03-02 00:00:00 WIB 2022-03-02 00:00:00 WIB" \
	"$(tail -n +2 "$W/out" | tr -s ' ' | cut -d' ' -f1-11)"
check "wave list never shows a seed" bash -c '! grep -Eq "[0-9a-f]{64}" "$1"' _ "$W/out"
cp "$W/out" "$W/list.out"
printf 'timezone = "Asia/Jayapura";\n' >"$W/wit.conf"
run 0 "wave list with timezone Asia/Jayapura" "$G" -c "$W/wit.conf" --db "$TEST_DB" wave list
same "... shows the same times, in WIB" "$(ws "$W/list.out")" "$(ws "$W/out")"
run 0 "wave show with timezone Asia/Jayapura" "$G" -c "$W/wit.conf" --db "$TEST_DB" wave show --wave 23
check "... shows the closing time in WIB" grep -q "2022-02-20 22:59:00 WIB" "$W/out"

done_testing
