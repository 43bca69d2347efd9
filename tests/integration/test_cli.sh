#!/bin/bash
# The command line of SPEC §2 as a user meets it: exit codes for bad
# options, bad values, bad configuration and an unreachable database, the
# order of those checks, --help of every command, --version.
. "$(dirname "$0")/lib.sh"

# a configuration that is bad in several ways, and one that cannot be read
printf 'rules: {\n  min_agee = 18;\n};\n' >"$W/bad.conf"
nofile="$W/does-not-exist.conf"
gbad() { "$G" -c "$W/bad.conf" --db "$TEST_DB" "$@"; }
gnone() { "$G" -c "$nofile" --db "$TEST_DB" "$@"; }
# expect_exit leaves CMD's output in last.out/last.err, which the next check
# overwrites: run keeps a copy in out/err
run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
in_dir() {
	local d=$1
	shift
	(cd "$d" && unset GELOMBANG_CONFIG && exec "$@")
}
T1=2022-02-10T12:00:00+07:00
T2=2022-02-13T23:59:00+07:00
SEED=acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6

# --- bad command lines: 64, before the configuration is read --------------
# each line: a description, then the arguments, separated by |
usage_cases() {
	cat <<EOF
no command
unknown global option|--bogus|status
global option without its value|--now
unknown command|frobnicate
unknown second word|wave|destroy|--wave|1
unknown command option|close|--wave|1|--bogus
option of another command|status|--nik|3201010101900001
option given twice|close|--wave|1|--wave|2
unexpected argument|close|--wave|1|extra
wave create without --wave|wave|create|--opens|$T1|--closes|$T2|--quota|5
wave create without --opens|wave|create|--wave|1|--closes|$T2|--quota|5
wave create without --closes|wave|create|--wave|1|--opens|$T1|--quota|5
wave create without --quota|wave|create|--wave|1|--opens|$T1|--closes|$T2
wave show without --wave|wave|show
quota set without FILE|quota|set|--wave|1
import without FILE|import|--wave|1
import without --wave|import|f.csv
import from stdin without --rejects|import|--wave|1|-
join without --nik|join|--wave|1
join without --wave|join|--nik|3201010101900001
close without --wave|close
process without --wave|process
select without --wave|select
announce without --wave|announce
results without --wave|results
audit without --wave|audit
report without --wave|report
--wave not a number|wave|show|--wave|x
--wave zero|wave|show|--wave|0
--wave negative|wave|show|--wave|-1
--wave fraction|wave|show|--wave|1.5
--wave too large|wave|show|--wave|10000
--wave empty|wave|show|--wave=
--wave with trailing text|wave|show|--wave|1x
--quota negative|wave|create|--wave|1|--opens|$T1|--closes|$T2|--quota|-1
--quota not a number|wave|create|--wave|1|--opens|$T1|--closes|$T2|--quota|many
--quota fraction|wave|create|--wave|1|--opens|$T1|--closes|$T2|--quota|2.5
--seed of 63 digits|wave|create|--wave|1|--opens|$T1|--closes|$T2|--quota|5|--seed|${SEED:1}
--seed of 65 digits|wave|create|--wave|1|--opens|$T1|--closes|$T2|--quota|5|--seed|${SEED}0
--seed not hexadecimal|wave|create|--wave|1|--opens|$T1|--closes|$T2|--quota|5|--seed|${SEED:1}g
--nik of 15 digits|join|--wave|1|--nik|320101010190000
--nik of 17 digits|join|--wave|1|--nik|32010101019000011
--nik with letters|join|--wave|1|--nik|320101010190000A
--opens not a time|wave|create|--wave|1|--opens|soon|--closes|$T2|--quota|5
--closes hour 24|wave|create|--wave|1|--opens|$T1|--closes|2022-02-13T24:00:00+07:00|--quota|5
--announce 30 February|wave|create|--wave|1|--opens|$T1|--closes|$T2|--announce|2022-02-30T10:00+07:00|--quota|5
--now month 13|--now|2022-13-01T10:00Z|status
--now 29 February of a common year|--now|29/2/2021 10.00 WIB|status
--now second 60|--now|2022-02-20T23:59:60Z|status
--now offset beyond 14 hours|--now|2022-02-20T23:59+15:00|status
--now unknown zone|--now|20/2/2022 23.59 WITB|status
--now day name not matching the date|--now|Senin (20/2/2022) pukul 23.59 WIB|status
--now date without time|--now|2022-02-20|status
--now one-digit month|--now|2022-2-20T10:00Z|status
--now seven fraction digits|--now|2022-02-20T10:00:00.1234567Z|status
--now trailing text|--now|2022-02-20T23:59+07:00 later|status
--now empty|--now||status
--format unknown|history|--format|xml
--format html outside report|history|--format|html
EOF
}

while IFS='|' read -r -a args; do
	desc=${args[0]}
	args=("${args[@]:1}")
	expect_exit 64 "$desc: exit 64" g "${args[@]}"
	expect_exit 64 "$desc: exit 64 with an unreadable -c file" gnone "${args[@]}"
	expect_exit 64 "$desc: exit 64 with a bad -c file" gbad "${args[@]}"
	expect_exit 64 "$desc: exit 64 with a bad \$GELOMBANG_CONFIG" \
		env GELOMBANG_CONFIG="$W/bad.conf" "$G" --db "$TEST_DB" "${args[@]}"
done < <(usage_cases)

run 64 "a bad option with an unreadable database is 64 too" \
	"$G" --db "host=/nonexistent dbname=x" close --wave x
check "a usage error says what is wrong" grep -q -- '--wave' "$W/err"
same "a usage error writes nothing on stdout" "" "$(cat "$W/out")"

# --- bad configuration: 78, naming file, line and key ---------------------
# file contents (\n for new lines) and the line and key the error must name
config_cases() {
	cat <<'EOF'
unknown key in a section	rules: {\n  min_agee = 18;\n};	2	min_agee
unknown top-level key	timezone = "Asia/Jakarta";\nbogus = 1;	2	bogus
unknown section	\n\nlogging: { level = 1; };	3	logging
wrong type: text for an integer	rules: {\n  min_age = "18";\n};	2	min_age
wrong type: integer for a boolean	rules: {\n  exclude_aid_recipients = 1;\n};	2	exclude_aid_recipients
wrong type: integer for a list	rules: {\n\n  excluded_occupations = 5;\n};	3	excluded_occupations
wrong type: number for text	timezone = 7;	1	timezone
out of range: min_age 200	rules: {\n  min_age = 200;\n};	2	min_age
out of range: negative household_cap	rules: {\n  household_cap = -1;\n};	2	household_cap
out of range: negative saldo	benefit: {\n  saldo = -5;\n};	2	saldo
EOF
}
n=0
while IFS=$'\t' read -r desc text line key; do
	n=$((n + 1))
	f="$W/conf$n.conf"
	printf '%b\n' "$text" >"$f"
	run 78 "config $desc: exit 78" "$G" -c "$f" --db "$TEST_DB" status
	check "config $desc: stderr names $f:$line and $key" \
		grep -Eq "$f:$line:.*\\b$key\\b" "$W/err"
	run 78 "config $desc through \$GELOMBANG_CONFIG: exit 78" \
		env GELOMBANG_CONFIG="$f" "$G" --db "$TEST_DB" status
	check "config $desc through \$GELOMBANG_CONFIG: stderr names $f:$line" \
		grep -q "$f:$line:" "$W/err"
done < <(config_cases)

run 78 "-c naming a missing file: exit 78" gnone status
check "the missing file is named" grep -qF "$nofile" "$W/err"
run 78 "\$GELOMBANG_CONFIG naming a missing file: exit 78" \
	env GELOMBANG_CONFIG="$nofile" "$G" --db "$TEST_DB" status
check "the missing file is named" grep -qF "$nofile" "$W/err"
mkdir -p "$W/unreadable.conf"
expect_exit 78 "-c naming a directory: exit 78" "$G" -c "$W/unreadable.conf" --db "$TEST_DB" status
expect_exit 78 "a bad configuration is found before the database is tried" \
	"$G" -c "$W/bad.conf" --db "host=/nonexistent dbname=x" status

# which file is read: -c over $GELOMBANG_CONFIG over conf/gelombang.conf
printf 'timezone = "Asia/Jayapura";\n' >"$W/good.conf"
mkdir -p "$W/here/conf" "$W/nowhere"
cp "$W/bad.conf" "$W/here/conf/gelombang.conf"
expect_exit 78 "without -c, conf/gelombang.conf of the working directory is read" \
	in_dir "$W/here" "$G" --db "$TEST_DB" status
expect_exit 0 "\$GELOMBANG_CONFIG wins over conf/gelombang.conf" \
	in_dir "$W/here" env GELOMBANG_CONFIG="$W/good.conf" "$G" --db "$TEST_DB" status
expect_exit 0 "-c wins over \$GELOMBANG_CONFIG" \
	env GELOMBANG_CONFIG="$W/bad.conf" "$G" -c "$W/good.conf" --db "$TEST_DB" status
expect_exit 0 "no file named and no conf/gelombang.conf: the built-in defaults apply" \
	in_dir "$W/nowhere" "$G" --db "$TEST_DB" status
expect_exit 0 "an empty \$GELOMBANG_CONFIG counts as not set" \
	in_dir "$W/nowhere" env GELOMBANG_CONFIG= "$G" --db "$TEST_DB" status

# --- the database cannot be reached: 69, and no password shown -------------
for db in "host=/nonexistent dbname=x password=s3cret" \
	"host=/nonexistent dbname=x user=someone password='s3cret'" \
	"postgresql://someone:s3cret@/x?host=/nonexistent"; do
	for cmd in status "close --wave 1" "wave list" migrate; do
		# shellcheck disable=SC2086
		run 69 "unreachable database ($cmd): exit 69" "$G" -v --db "$db" $cmd
		check "unreachable database ($cmd): the password is not in stderr" \
			bash -c '! grep -q s3cret "$1"' _ "$W/err"
		check "unreachable database ($cmd): the message says so" \
			grep -qi "could not connect" "$W/err"
	done
done
printf 'database: { conninfo = "host=/nonexistent dbname=x password=s3cret"; };\n' >"$W/db.conf"
run 69 "unreachable database from the configuration: exit 69" "$G" -c "$W/db.conf" status
check "unreachable database from the configuration: the password is not in stderr" \
	bash -c '! grep -q s3cret "$1"' _ "$W/err"
# with trust authentication the password is ignored, so the run is recorded
expect_exit 1 "a run with a password in --db is recorded (refused: no wave 7)" \
	"$G" --db "$TEST_DB password=s3cret" close --wave 7
same "the history keeps the command line, without the password" "1|0" \
	"$(sql "select count(*), count(*) filter (where command_line like '%s3cret%')
		from gelombang.job_run where job = 'close' and wave = 7")"

# --- --help and --version ---------------------------------------------------
help_cases() {
	cat <<'EOF'
migrate
wave create	--wave --opens --closes --announce --quota --seed
wave list
wave show	--wave
wave amend	--wave --closes --announce --quota --reason
wave withdraw	--wave --reason
quota set	--wave FILE
import	--wave --rejects FILE
join	--wave --nik
close	--wave --dry-run
process	--wave --dry-run
select	--wave --dry-run
announce	--wave --dry-run
run-due	--dry-run
status	--wave
results	--wave
audit	--wave
report	--wave --format -o
history	--wave --format
EOF
}
while IFS=$'\t' read -r cmd opts; do
	# shellcheck disable=SC2086
	run 0 "$cmd --help: exit 0 (no configuration or database needed)" \
		"$G" -c "$nofile" --db "host=/nonexistent" $cmd --help
	check "$cmd --help names the command" grep -qF "$cmd" "$W/out"
	check "$cmd --help explains it (more than the usage line)" \
		test "$(wc -l <"$W/out")" -ge 3
	for o in $opts; do
		check "$cmd --help mentions $o" grep -qF -- "$o" "$W/out"
	done
	# shellcheck disable=SC2086
	expect_exit 0 "$cmd -h: exit 0" "$G" $cmd -h
done < <(help_cases)

run 0 "--help: exit 0" "$G" --help
for cmd in migrate "wave create" "wave list" "wave show" "wave amend" "wave withdraw" "quota set" import join close \
	process select announce run-due status results audit report history; do
	check "--help lists $cmd" grep -qF "$cmd" "$W/out"
done
run 0 "--version: exit 0" "$G" --version
check "--version prints the program and a version" grep -Eq '^gelombang [0-9]+\.[0-9]+' "$W/out"
same "--version prints one line" 1 "$(wc -l <"$W/out")"
expect_exit 0 "-V: exit 0" "$G" -V
expect_exit 0 "--version needs no configuration" "$G" -c "$nofile" --version

# --- valid times: every form of SPEC §2 is the same instant -----------------
# a close of a wave that does not exist is refused (1) but recorded with
# its --now, which shows how the time was read
time_cases() {
	cat <<'EOF'
2022-02-20T23:59:00+07:00	2022-02-20 16:59:00
2022-02-20 23:59+07:00	2022-02-20 16:59:00
2022-02-20T23:59:00.250000+0700	2022-02-20 16:59:00.25
2022-02-20T23:59+07	2022-02-20 16:59:00
2022-02-20T16:59Z	2022-02-20 16:59:00
2022-02-20T12:59-04:00	2022-02-20 16:59:00
20/2/2022 23.59 WIB	2022-02-20 16:59:00
Minggu (20/2/2022) pukul 23.59 WIB	2022-02-20 16:59:00
minggu (20/2/2022) pukul 23.59 WIB	2022-02-20 16:59:00
20/2/2022 pukul 23.59 WITA	2022-02-20 15:59:00
Minggu 20/2/2022 23.59 WIT	2022-02-20 14:59:00
2022-02-20T23:59	2022-02-20 16:59:00
EOF
}
while IFS=$'\t' read -r t want; do
	expect_exit 1 "--now \"$t\" is accepted" g --now "$t" close --wave 9
	same "--now \"$t\" is $want" "$want" \
		"$(sql "select now_override at time zone 'UTC' from gelombang.job_run order by id desc limit 1")"
done < <(time_cases)
printf 'timezone = "Asia/Makassar";\n' >"$W/wita.conf"
expect_exit 1 "a time without zone with timezone Asia/Makassar" \
	"$G" -c "$W/wita.conf" --db "$TEST_DB" --now 2022-02-20T23:59 close --wave 9
same "... is read in that zone" "2022-02-20 15:59:00" \
	"$(sql "select now_override at time zone 'UTC' from gelombang.job_run order by id desc limit 1")"

done_testing
