#!/bin/bash
# Every command of a full lifecycle run under valgrind: no memory error and
# no leak (definite, indirect or possible; what libraries keep reachable
# until exit is not a leak).  Skipped (SKIP) without valgrind, and for a
# build with a sanitizer (make sanitize), which valgrind cannot run.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "# SKIP valgrind is not installed"
	done_testing
fi
if ldd "$G" | grep -q 'libasan\|libtsan\|libubsan'; then
	echo "# SKIP the program is built with a sanitizer"
	done_testing
fi

# exit code 99 for valgrind's findings, apart from the program's own
vg() { # WANT DESC ARGS...
	local want=$1 desc=$2
	shift 2
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--log-file="$W/vg.log" "$G" "$@" >"$W/vg.out" 2>"$W/vg.err"
	local rc=$?
	if [ "$rc" = "$want" ] && [ ! -s "$W/vg.log" ]; then
		_ok "valgrind: $desc"
	else
		_not_ok "valgrind: $desc (exit $rc, expected $want)"
		head -30 "$W/vg.log" | sed 's/^/#   /'
		head -5 "$W/vg.err" | sed 's/^/#   /'
	fi
}
vgd() { # WANT DESC ARGS...: on the test database
	local want=$1 desc=$2
	shift 2
	vg "$want" "$desc" --db "$TEST_DB" "$@"
}

dropdb --if-exists vg_fresh >/dev/null 2>&1
createdb vg_fresh
vg 0 "migrate a fresh database" --db "dbname=vg_fresh" migrate
vg 0 "migrate again (nothing to do)" --db "dbname=vg_fresh" migrate
vg 0 "--help" --help
vg 0 "close --help" close --help
vg 0 "--version" --version
vg 64 "a bad option" close --wave x
vg 78 "a configuration file that cannot be read" -c /nonexistent.conf status
vg 69 "a database that is not there" --db "dbname=vg_nonexistent password=x" status

t1=2022-02-10T12:00:00+07:00
t2=2022-02-13T23:59:00+07:00
seed=acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6
vgd 0 "wave create" --now $t1 wave create --wave 22 --opens $t1 --closes $t2 --announce 2022-02-16T23:59:00+07:00 \
	--quota 22 --seed $seed
vgd 0 "wave list" wave list
vgd 0 "wave show" wave show --wave 22
printf 'province,quota\n31,10\n32,12\n' >"$W/q.csv"
vgd 0 "quota set" quota set --wave 22 "$W/q.csv"
printf 'province,quota\n31,10\n99,1\n' >"$W/q-bad.csv"
vgd 65 "quota set with a bad file" quota set --wave 22 "$W/q-bad.csv"
printf 'province,quota\n' >"$W/q-none.csv"
vgd 0 "quota set: back to the national quota" quota set --wave 22 "$W/q-none.csv"
vgd 0 "import" import --wave 22 --rejects "$W/r22.csv" "$FX/wave22.csv"
{
	cat "$FX/wave22.csv"
	echo 'bad,row'
	printf '3171011201900999,3171000000000001,Nama \xff,1990-01-01,L,PETANI,false,false,,,2022-02-11T10:00:00+07:00\n'
} >"$W/bad22.csv"
vgd 65 "import with rejects (duplicates, field count, invalid UTF-8)" import --wave 22 "$W/bad22.csv"
vgd 65 "import of an empty stdin" import --wave 22 --rejects "$W/r.csv" - </dev/null
nik=$(sed -n 2p "$FX/wave22.csv" | cut -d, -f1)
vgd 0 "status" status
vgd 1 "close before its time" --now 2022-02-12T00:00:00+07:00 close --wave 22
vgd 0 "close --dry-run" --now 2022-02-14T00:00:00+07:00 close --wave 22 --dry-run
vgd 0 "close" --now 2022-02-14T00:00:00+07:00 close --wave 22
vgd 0 "close again (nothing to do)" --now 2022-02-14T00:00:00+07:00 close --wave 22
vgd 1 "select before process" --now 2022-02-14T00:00:00+07:00 select --wave 22
vgd 0 "process" --now 2022-02-14T00:00:00+07:00 process --wave 22
vgd 0 "select" --now 2022-02-14T00:00:00+07:00 select --wave 22
vgd 0 "results" results --wave 22
vgd 0 "announce" --now 2022-02-17T00:00:00+07:00 announce --wave 22
vgd 0 "audit" audit --wave 22
vgd 0 "audit --independent" audit --wave 22 --independent "$W/bundle"
for f in text csv html; do
	vgd 0 "report --format $f" report --wave 22 --format $f -o "$W/report.$f"
done
vgd 0 "history" history
vgd 0 "history --format csv --failed" history --format csv --failed
vgd 0 "outbox export --limit 5" outbox export --limit 5
vgd 0 "outbox export" outbox export
vgd 0 "wave create 23" --now 2022-02-17T12:00:00+07:00 wave create --wave 23 --opens 2022-02-17T12:00:00+07:00 \
	--closes 2022-02-20T23:59:00+07:00 --quota 100 --seed ${seed%?}7
vgd 0 "join" --now 2022-02-18T00:00:00+07:00 join --wave 23 --nik "$nik"
vgd 0 "run-due" --now 2022-02-24T00:00:00+07:00 run-due
vgd 0 "run-due with nothing due" --now 2022-02-24T00:00:00+07:00 run-due
vgd 0 "status after the lifecycle" status --wave 23
done_testing
