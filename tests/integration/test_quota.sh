#!/bin/bash
# quota set (SPEC §3 Quotas CSV): all or nothing, only while the wave is
# open, provinces of rules.provinces, a file with only the header removes
# the per-province quotas.
. "$(dirname "$0")/lib.sh"

# expect_exit leaves CMD's output in last.out/last.err, which the next check
# overwrites: run keeps a copy in out/err
run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
quotas() { sql "select coalesce(string_agg(province || '=' || quota, ' ' order by province), '-')
	from gelombang.wave_quota where wave = ${1:-1}"; }
n=0
# qf TEXT: write TEXT (printf escapes) to a new file $f
qf() {
	n=$((n + 1))
	f="$W/q$n.csv"
	printf "$1" >"$f"
}

expect_exit 0 "create wave 1" g --now 2022-02-10T12:00:00+07:00 wave create --wave 1 --opens 2022-02-10T12:00:00+07:00 \
	--closes 2022-02-13T23:59:00+07:00 --quota 50
qf 'province,quota\n32,10\n35,0\n'
run 0 "quota set" g quota set --wave 1 "$f"
same "... stores the quotas" "32=10 35=0" "$(quotas)"
run 0 "wave show lists them" g wave show --wave 1
check "... with province 32" grep -Eq '^ +32 +10$' "$W/out"
check "... and says the national quota is not used" \
	grep -q '^quota: *per province: 10 in 2 provinces (the national 50 is not used)$' "$W/out"

# every bad file is refused whole, the quotas stay as they were
while IFS='|' read -r desc text; do
	qf "$text"
	run 65 "refused: $desc" g quota set --wave 1 "$f"
	same "... the quotas are unchanged" "32=10 35=0" "$(quotas)"
	check "... the error names the file and line" grep -q "$W/q$n.csv:[0-9]" "$W/err"
done <<'CASES'
a province twice|province,quota\n31,1\n31,2\n
a province not in rules.provinces|province,quota\n31,1\n99,2\n
a province of one digit|province,quota\n3,1\n
a negative quota|province,quota\n31,-1\n
a fraction|province,quota\n31,1.5\n
an empty quota|province,quota\n31,\n
one field|province,quota\n31\n
three fields|province,quota\n31,1,2\n
invalid UTF-8|province,quota\n31,1\xff\n
a wrong header|provinsi,kuota\n31,1\n
the columns swapped|quota,province\n1,31\n
no header|31,1\n
an empty file|
CASES
printf 'rules: { provinces = [ "31", "32" ]; };\n' >"$W/two.conf"
qf 'province,quota\n31,1\n35,2\n'
run 65 "a province outside a configured rules.provinces" \
	"$G" -c "$W/two.conf" --db "$TEST_DB" quota set --wave 1 "$f"
check "... is named" grep -q "35" "$W/err"

qf '\xef\xbb\xbf"province","quota"\r\n"31","7"\r\n12,000\r\n'
run 0 "a CRLF file with a BOM and quoted names and values" g quota set --wave 1 \
	"$f"
same "... replaces the set" "12=0 31=7" "$(quotas)"
run 0 "from stdin" bash -c 'printf "province,quota\n33,5\n" | "$@"' _ "$G" --db "$TEST_DB" quota set --wave 1 -
same "... replaces the set" "33=5" "$(quotas)"
qf 'province,quota\n'
run 0 "a file with only the header" g quota set --wave 1 "$f"
same "... removes the per-province quotas" "-" "$(quotas)"
run 0 "wave show without per-province quotas" g wave show --wave 1
check "... shows none" bash -c '! grep -q "per-province" "$1"' _ "$W/out"
check "... and the national quota" grep -q '^quota: *50 (national)$' "$W/out"

qf 'province,quota\n31,1\n'
expect_exit 1 "quota set of a wave that does not exist: exit 1" g quota set --wave 9 "$f"
qf 'province,quota\n31,1\n'
expect_exit 0 "quota set before the close" g quota set --wave 1 "$f"
expect_exit 0 "close wave 1" g --now 2022-02-14T00:00+07:00 close --wave 1
qf 'province,quota\n31,9\n'
run 1 "quota set of a closed wave: exit 1" g quota set --wave 1 "$f"
same "... the quotas are unchanged" "31=1" "$(quotas)"
check "a direct change of a closed wave's quotas fails" \
	bash -c '! psql -X -q -v ON_ERROR_STOP=1 -c "update gelombang.wave_quota set quota = 9 where wave = 1" 2>/dev/null'
same "... the quotas are unchanged" "31=1" "$(quotas)"

done_testing
