#!/bin/bash
# The operator's console: corrections while a wave is open (wave amend,
# wave withdraw), the deadline at create and join, clear errors for
# operator mistakes, dry runs that show what would be done, and the
# papercuts of the command line and the report.
. "$(dirname "$0")/lib.sh"

run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
HEADER=nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at
X1=3201011506950001
X2=3201015506950002
cat >"$W/w1.csv" <<EOF
$HEADER
$X1,3201010000000001,Budi,1995-06-15,L,WIRASWASTA,false,false,,081234567890,2022-02-11T10:00:00+07:00
$X2,3201010000000002,Siti,1995-06-15,P,BURUH,false,false,3171,,2022-02-12T10:00:00+07:00
EOF
wave_col() { sql "select $2 from gelombang.wave where wave = $1"; }

# --- wave create: a closing time before the clock ------------------------------
run 1 "wave create refuses a closing time before the clock" g wave create --wave 1 \
	--opens 2022-02-10T12:00:00+07:00 --closes 2022-02-13T23:59:00+07:00 --quota 5
check "... and says so" grep -q "closes is not after the clock" "$W/err"
same "... no wave was made" 0 "$(sql "select count(*) from gelombang.wave")"
expect_exit 1 "... also with --now after the closing time" g --now 2022-02-14T00:00:00+07:00 \
	wave create --wave 1 --opens 2022-02-10T12:00:00+07:00 --closes 2022-02-13T23:59:00+07:00 --quota 5
expect_exit 0 "wave create with the clock (--now) before the closing time" g --now 2022-02-10T12:00:00+07:00 \
	wave create --wave 1 --opens 2022-02-10T12:00:00+07:00 --closes 2022-02-13T23:59:00+07:00 --quota 5
expect_exit 0 "import into wave 1" g import --wave 1 "$W/w1.csv"

# --- wave amend ---------------------------------------------------------------
AT="--now 2022-02-12T12:00:00+07:00"
expect_exit 64 "wave amend without --reason" g $AT wave amend --wave 1 --quota 7
expect_exit 64 "wave amend with nothing to amend" g $AT wave amend --wave 1 --reason "typo"
run 0 "wave amend extends the closing time" g $AT --operator alice wave amend --wave 1 \
	--closes 2022-02-15T23:59:00+07:00 --announce 2022-02-18T23:59:00+07:00 --reason "server outage on 12/2"
check "... prints old and new" grep -q "closes 2022-02-13 23:59:00 WIB -> 2022-02-15 23:59:00 WIB" "$W/out"
same "... stored" "2022-02-15 16:59:00+00|2022-02-18 16:59:00+00" \
	"$(sql "select closes_at at time zone 'UTC' || '+00', announce_at at time zone 'UTC' || '+00' from gelombang.wave where wave = 1")"
same "... recorded in the history with who and why" "alice|SUCCEEDED" \
	"$(sql "select operator, outcome from gelombang.history where job = 'wave amend' and message like '%reason: server outage on 12/2%'")"
run 0 "history shows the amendment" g history --wave 1
check "... with its reason" grep -q "server outage" "$W/out"
run 0 "wave amend fixes the quota" g $AT wave amend --wave 1 --quota 7 --reason "quota letter 12/2"
same "... stored" 7 "$(wave_col 1 quota)"
run 1 "wave amend refuses a closing time before the clock" g $AT wave amend --wave 1 \
	--closes 2022-02-12T11:00:00+07:00 --reason "x"
check "... and says so" grep -q "before the clock" "$W/err"
run 1 "wave amend refuses a closing time at or before the last join" g --now 2022-02-12T09:00:00+07:00 \
	wave amend --wave 1 --closes 2022-02-12T10:00:00+07:00 --reason "x"
check "... and says so" grep -q "not after the last join" "$W/err"
run 1 "wave amend refuses an announcement before the closing time" g $AT wave amend --wave 1 \
	--closes 2022-02-20T00:00:00+07:00 --reason "x"
check "... and says so" grep -q "announcement time" "$W/err"
same "... nothing changed" "7" "$(wave_col 1 quota)"
same "refusals are in the history too" 3 \
	"$(sql "select count(*) from gelombang.history where job = 'wave amend' and outcome = 'REFUSED'")"
expect_exit 0 "wave amend shortens the closing time (after the last join)" g $AT wave amend --wave 1 \
	--closes 2022-02-14T23:59:00+07:00 --reason "ministry decision"
same "the batch role cannot change the quota directly" 1 \
	"$(sql "set role gelombang_batch; update gelombang.wave set quota = 1 where wave = 1" 2>&1 | grep -c 'permission denied')"
same "... and the owner not outside amend_wave" 1 \
	"$(sql "update gelombang.wave set quota = 1 where wave = 1" 2>&1 | grep -c 'only through gelombang.amend_wave')"

# --- join after the deadline -----------------------------------------------------
expect_exit 0 "create wave 2" g --now 2022-02-15T00:00:00+07:00 wave create --wave 2 \
	--opens 2022-02-15T00:00:00+07:00 --closes 2022-02-16T00:00:00+07:00 --quota 5
run 1 "join at the closing time is refused" g --now 2022-02-16T00:00:00+07:00 join --wave 2 --nik $X1
check "... and says until when" grep -q "closed for joins at 2022-02-16 00:00:00 WIB" "$W/err"
same "... nothing stored" 0 "$(sql "select count(*) from gelombang.registration where wave = 2")"
expect_exit 0 "join before the closing time" g --now 2022-02-15T23:59:59+07:00 join --wave 2 --nik $X1

# --- close: nothing can change afterwards -------------------------------------------
expect_exit 0 "close wave 1" g --now 2022-02-14T23:59:00+07:00 close --wave 1
run 1 "wave amend of a closed wave is refused" g --now 2022-02-14T23:59:00+07:00 wave amend --wave 1 \
	--quota 9 --reason "x"
check "... and says why" grep -q "only an open wave can be amended" "$W/err"
same "... nothing changed" "7" "$(wave_col 1 quota)"

# --- wave withdraw ------------------------------------------------------------------
expect_exit 1 "wave withdraw of a wave with entries is refused" g --now 2022-02-15T01:00:00+07:00 \
	wave withdraw --wave 2 --reason "x"
expect_exit 0 "create wave 3" g --now 2022-02-16T00:00:00+07:00 wave create --wave 3 \
	--opens 2022-02-20T00:00:00+07:00 --closes 2022-02-21T00:00:00+07:00 --quota 5
expect_exit 64 "wave withdraw without --reason" g wave withdraw --wave 3
run 0 "wave withdraw of a wave without entries" g --operator bob --now 2022-02-16T00:00:00+07:00 \
	wave withdraw --wave 3 --reason "created by mistake"
same "... recorded with who and why" "bob|SUCCEEDED" \
	"$(sql "select operator, outcome from gelombang.history where job = 'wave withdraw' and message like '%created by mistake%'")"
run 0 "wave show says it was withdrawn" g wave show --wave 3
check "... and when" grep -q "^withdrawn: *2022-02-16 00:00:00 WIB" "$W/out"
run 0 "wave list shows it withdrawn" g wave list
check "... in the state column" grep -Eq "^3 +withdrawn " "$W/out"
expect_exit 1 "a withdrawn wave refuses join" g --now 2022-02-20T10:00:00+07:00 join --wave 3 --nik $X1
sed 's/2022-02-1[12]T10/2022-02-20T10/' "$W/w1.csv" >"$W/w3.csv"
run 1 "a withdrawn wave refuses import" g import --wave 3 "$W/w3.csv"
check "... and says it was withdrawn" grep -q "withdrawn" "$W/err"
expect_exit 1 "a withdrawn wave refuses close" g --now 2022-02-21T00:00:00+07:00 close --wave 3
printf 'province,quota\n32,5\n' >"$W/q3.csv"
run 1 "a withdrawn wave refuses quota set" g quota set --wave 3 "$W/q3.csv"
check "... saying it is withdrawn" grep -q "withdrawn" "$W/err"
expect_exit 1 "a withdrawn wave cannot be amended" g --now 2022-02-16T00:00:00+07:00 wave amend --wave 3 \
	--quota 1 --reason "x"
run 0 "run-due skips the withdrawn wave" g --now 2022-03-01T00:00:00+07:00 run-due
same "... it is still DIBUKA, withdrawn, with no entries" "DIBUKA|t|0" \
	"$(sql "select state, withdrawn_at is not null, (select count(*) from gelombang.registration where wave = 3) from gelombang.wave where wave = 3")"
same "... while wave 2 went all the way" DIUMUMKAN "$(wave_col 2 state)"

# --- dry runs: select --dry-run previews the outcomes -------------------------------
cat >"$W/w4.csv" <<EOF
$HEADER
3201011506950011,3201010000000011,A,1995-06-15,L,WIRASWASTA,false,false,,,2022-02-22T10:00:00+07:00
3201011506950012,3201010000000011,B,1995-06-15,L,WIRASWASTA,false,false,,,2022-02-22T10:00:00+07:00
3201011506950013,3201010000000011,C,1995-06-15,L,WIRASWASTA,false,false,,,2022-02-22T10:00:00+07:00
3201011506950014,3201010000000014,D,1995-06-15,L,WIRASWASTA,false,true,,,2022-02-22T10:00:00+07:00
3201011506950015,3201010000000015,E,1995-06-15,L,WIRASWASTA,true,false,,,2022-02-22T10:00:00+07:00
3201011506950016,3201010000000016,F,1950-06-15,L,WIRASWASTA,false,false,,,2022-02-22T10:00:00+07:00
3201011506950017,3201010000000017,G,1995-06-15,L,WIRASWASTA,false,false,,,2022-02-21T10:00:00+07:00
3201011506950018,3201010000000018,H,1995-06-15,L,WIRASWASTA,false,false,,,2022-02-22T11:00:00+07:00
3201011506950019,3201010000000019,I,1995-06-15,L,WIRASWASTA,false,false,,,2022-02-22T12:00:00+07:00
EOF
expect_exit 0 "create wave 4 (quota 2)" g --now 2022-02-22T00:00:00+07:00 wave create --wave 4 \
	--opens 2022-02-22T00:00:00+07:00 --closes 2022-02-23T00:00:00+07:00 --quota 2
expect_exit 0 "import wave 4" g import --wave 4 "$W/w4.csv"
expect_exit 0 "close wave 4" g --now 2022-02-23T00:00:00+07:00 close --wave 4
expect_exit 0 "process wave 4" g --now 2022-02-23T00:00:00+07:00 process --wave 4
run 0 "select --dry-run" g --now 2022-02-23T00:00:00+07:00 select --wave 4 --dry-run
preview=$(awk '$1 ~ /^(TIDAK_)?LOLOS$/ { print $1, (NF == 3 ? $2 " " : "") $NF }' "$W/out")
check "... prints a count per status and reason" test "$(printf '%s\n' "$preview" | wc -l)" -ge 3
same "... stores nothing" "DIPROSES|0" \
	"$(sql "select state, (select count(*) from gelombang.outcome where wave = 4) from gelombang.wave where wave = 4")"
same "... recorded as DRY_RUN with the counts" 1 \
	"$(sql "select count(*) from gelombang.history where job = 'select' and wave = 4 and outcome = 'DRY_RUN' and message like '%LOLOS=%'")"
expect_exit 0 "select wave 4" g --now 2022-02-23T00:00:00+07:00 select --wave 4
same "the preview is what select stored" "$preview" \
	"$(sql "select case when reason is null then 'LOLOS ' else 'TIDAK_LOLOS ' || reason || ' ' end || count(*)
		from gelombang.outcome where wave = 4 group by reason order by reason nulls first")"

# --- papercuts of the command line ------------------------------------------------
run 0 "wave --help lists the wave commands" "$G" wave --help
check "... wave amend among them" grep -q "gelombang wave amend --wave N" "$W/out"
check "... and wave create" grep -q "gelombang wave create --wave N" "$W/out"
run 64 "wave with an unknown subcommand: exit 64" "$G" wave destroy
check "... listing the wave commands" grep -q "gelombang wave withdraw" "$W/err"
run 64 "a global option after the subcommand: exit 64" "$G" close --wave 1 --now 2022-02-14T00:00+07:00
check "... with a hint that global options come first" grep -q "Global options come before the subcommand" "$W/err"
run 64 "status --wave without a value: exit 64" "$G" status --wave
check "... naming the option in full" grep -q 'option "--wave" needs a value' "$W/err"
run 64 "report --format pdf: exit 64" "$G" report --wave 1 --format pdf
check "... listing the formats" grep -q "text, csv or html" "$W/err"
run 64 "an unknown global option with a value: exit 64" "$G" "--dbase=dbname=x password=s3cret" status
check "... the value (a password perhaps) is not shown" bash -c '! grep -q s3cret "$1"' _ "$W/err"
printf 'rules: {\n  min_age = ;\n};\n' >"$W/syntax.conf"
run 78 "a configuration syntax error: exit 78" "$G" -c "$W/syntax.conf" status
same "... file:line: and libconfig's text, once" "gelombang: error: $W/syntax.conf:2: syntax error" "$(cat "$W/err")"

# --- clear errors for operator mistakes -------------------------------------------
createdb "${PGDATABASE}_empty"
run 69 "a database without the schema: exit 69" "$G" --db "dbname=${PGDATABASE}_empty" wave list
check "... saying to run migrate" grep -q "schema gelombang is missing: run gelombang migrate" "$W/err"
run 69 "... also for a job" "$G" --db "dbname=${PGDATABASE}_empty" --now 2022-03-01T00:00:00+07:00 close --wave 1
check "... saying to run migrate" grep -q "run gelombang migrate" "$W/err"
dropdb "${PGDATABASE}_empty"
psql -X -q -c "drop role if exists gb_t_nobody" -c "create role gb_t_nobody login" >/dev/null 2>&1
run 1 "a role without the privileges: exit 1" "$G" --db "$TEST_DB user=gb_t_nobody" wave list
check "... naming the role" grep -q 'role "gb_t_nobody"' "$W/err"
check "... and the privileges it lacks (gelombang_batch)" grep -q "not a member of gelombang_batch" "$W/err"
check "... not an internal error" bash -c '! grep -q "SQLSTATE" "$1"' _ "$W/err"
psql -X -q -c "drop role gb_t_nobody" >/dev/null 2>&1
run 73 "report -o into a directory that does not exist: exit 73" g report --wave 2 -o "$W/no/such/dir/r.txt"
check "... naming the file" grep -q "$W/no/such/dir/r.txt" "$W/err"
printf 'timezone = "Asia/Jakarta";\n' >"$W/t.conf"
run 0 "-v names the configuration file in use" g -v -c "$W/t.conf" wave list
check "... $W/t.conf" grep -q "configuration: $W/t.conf" "$W/err"
if [ ! -e /usr/local/etc/gelombang.conf ]; then
	mkdir -p "$W/elsewhere"
	run 0 "-v says when the built-in defaults apply" \
		env -u GELOMBANG_CONFIG bash -c 'cd "$1" && shift && exec "$@"' _ "$W/elsewhere" "$G" -v --db "$TEST_DB" wave list
	check "... built-in defaults" grep -q "configuration: built-in defaults" "$W/err"
	expect_exit 0 "create wave 5" g --now 2022-02-26T00:00:00+07:00 wave create --wave 5 \
		--opens 2022-02-26T00:00:00+07:00 --closes 2022-02-27T00:00:00+07:00 --quota 5
	expect_exit 0 "close wave 5" g --now 2022-02-27T00:00:00+07:00 close --wave 5
	run 78 "process without a configuration file refuses to freeze the defaults: exit 78" \
		env -u GELOMBANG_CONFIG bash -c 'cd "$1" && shift && exec "$@"' _ "$W/elsewhere" \
		"$G" --db "$TEST_DB" --now 2022-02-27T00:00:00+07:00 process --wave 5
	check "... saying so" grep -q "no configuration file was read" "$W/err"
	same "... wave 5 is still closed, not processed" DITUTUP "$(wave_col 5 state)"
	run 0 "... with --defaults it freezes them" env -u GELOMBANG_CONFIG bash -c 'cd "$1" && shift && exec "$@"' _ "$W/elsewhere" \
		"$G" --db "$TEST_DB" --now 2022-02-27T00:00:00+07:00 process --wave 5 --defaults
	same "... wave 5 is processed (a withdrawn wave 3 does not hold it)" DIPROSES "$(wave_col 5 state)"
fi

# --- run-due --dry-run through waves that wait for each other ----------------------
expect_exit 0 "create wave 6" g --now 2022-03-01T00:00:00+07:00 wave create --wave 6 \
	--opens 2022-03-01T00:00:00+07:00 --closes 2022-03-02T00:00:00+07:00 --quota 5
expect_exit 0 "create wave 7" g --now 2022-03-02T00:00:00+07:00 wave create --wave 7 \
	--opens 2022-03-02T00:00:00+07:00 --closes 2022-03-03T00:00:00+07:00 --quota 5
expect_exit 0 "close wave 6" g --now 2022-03-02T00:00:00+07:00 close --wave 6
expect_exit 0 "close wave 7" g --now 2022-03-03T00:00:00+07:00 close --wave 7
run 0 "run-due --dry-run while wave 6 is not yet selected" g --now 2022-03-03T00:00:00+07:00 run-due --dry-run
check "... wave 7 would be processed after wave 6 is selected in the same run" \
	grep -qx "wave 7: would process (DITUTUP -> DIPROSES)" "$W/out"
check "... and would then be selected" grep -qx "wave 7: would select (DIPROSES -> DISELEKSI)" "$W/out"
check "... with no refusal on the way" bash -c '! grep -q "could not" "$1"' _ "$W/err"
same "... and nothing moved" "DITUTUP DITUTUP" "$(wave_col 6 state) $(wave_col 7 state)"

done_testing
