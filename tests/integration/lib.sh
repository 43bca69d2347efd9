# tests/integration/lib.sh — what every integration test sources.
#
# tests/run gives each test file a fresh migrated database (TEST_DB, also
# PGDATABASE with the PG* variables of the throwaway cluster) and a scratch
# directory (TEST_WORK).  A test prints TAP-like lines and exits non-zero
# when any check failed:
#   g ARGS...                 run gelombang on the test database
#   expect_exit CODE DESC CMD...   run CMD, check its exit code
#   check DESC CMD...         CMD must succeed
#   same DESC EXPECTED ACTUAL two strings must be equal (diff shown if not)
#   sql QUERY                 one value from the test database (psql -At)
#   done_testing              exit with the right status
#   fx_conf FILE              write a configuration with the fixtures' rules
# $FX is the project's own fixtures (tests/fixtures: waves 22 and 23, their
# scenario and expected outcomes), with $FX_SEED22 and $FX_SEED23 their
# seeds; $EX the worked example of the contract beside the repository
# (../shared/examples), which only test_example.sh reads, when it is there.
set -u
G=${GELOMBANG:?tests/run sets GELOMBANG}
FX=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)
EX=${EXAMPLES:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/../shared/examples}
FX_SEED22=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["waves"][0]["seed"])' "$FX/scenario.json")
FX_SEED23=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["waves"][1]["seed"])' "$FX/scenario.json")
W=${TEST_WORK:?tests/run sets TEST_WORK}
T_N=0
T_FAILED=0

g() { "$G" --db "$TEST_DB" "$@"; }

_ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}
_not_ok() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
}

expect_exit() {
	local want=$1 desc=$2 rc
	shift 2
	"$@" >"$W/last.out" 2>"$W/last.err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		_ok "$desc"
	else
		_not_ok "$desc (exit $rc, expected $want)"
		sed 's/^/#   stdout: /' "$W/last.out" | head -10
		sed 's/^/#   stderr: /' "$W/last.err" | head -10
	fi
}

check() {
	local desc=$1
	shift
	if "$@" >"$W/last.out" 2>"$W/last.err"; then
		_ok "$desc"
	else
		_not_ok "$desc"
		sed 's/^/#   /' "$W/last.err" | head -10
	fi
}

same() {
	if [ "$2" = "$3" ]; then
		_ok "$1"
	else
		_not_ok "$1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -20 | sed 's/^/#   /'
	fi
}

sql() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }

fx_conf() { # FILE: the rules of the fixtures' scenario as a configuration
	python3 - "$FX/scenario.json" >"$1" <<-'EOF'
	import json, sys
	r = json.load(open(sys.argv[1]))["rules"]
	def lst(v): return "[ " + ", ".join('"%s"' % x for x in v) + " ]"
	print("rules: {")
	for k in ("min_age", "max_age", "household_cap"):
	    print("  %s = %d;" % (k, r[k]))
	print("  exclude_aid_recipients = %s;" % str(r["exclude_aid_recipients"]).lower())
	for k in ("excluded_occupations", "priority_regions", "provinces"):
	    print("  %s = %s;" % (k, lst(r[k])))
	print("};")
	print("benefit: { saldo = %d; };" % r["saldo"])
	EOF
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ] || echo "# $T_FAILED of $T_N failed"
	exit $((T_FAILED > 0))
}
