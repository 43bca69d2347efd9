#!/bin/bash
# One schema, however it was reached: a fresh database (migrate) and one
# built with psql from the frozen migrations 001-011 alone, holding a wave
# in every state (DIBUKA, DITUTUP, DIPROSES, DISELEKSI, DIUMUMKAN) made
# under that old schema and then migrated, end with the same functions
# (pg_get_functiondef), views (pg_get_viewdef), triggers of the parent
# tables, row-level security policies and privileges (functions, tables,
# views, sequences and their columns, the schema, default privileges).
# A code file of sql/ left out of the Makefile's SQL_CODE, or a function
# a migration made that no code file makes any more, shows as a diff.
# The old waves then go on to the announcement and audit identical.
. "$(dirname "$0")/lib.sh"

sqldir=$(cd "$(dirname "$0")/../../sql/migrations" && pwd)
fdb="${PGDATABASE}_fresh"
odb="${PGDATABASE}_old"
for d in "$fdb" "$odb"; do
	dropdb --if-exists "$d" >/dev/null 2>&1
	createdb "$d"
done
osql() { psql -X -At -v ON_ERROR_STOP=1 -d "$odb" "$@"; }
fx_conf "$W/fixture.conf"
# the waves of the old database are made by the program as it was when 011
# was its newest migration (today's program records its runs and formats
# its times through functions of the code files, which the old schema
# lacks), built from the repository's history
root=$(cd "$(dirname "$0")/../.." && pwd)
old_commit=89448e9ece4cff10ef0b286d8be6a10e9d6f5fe8
if ! git -C "$root" cat-file -e "$old_commit^{commit}" 2>/dev/null; then
	echo "# skip: the repository's history (commit $old_commit) is not here"
	exit 77
fi
mkdir -p "$W/old-src"
git -C "$root" archive "$old_commit" | tar -x -C "$W/old-src"
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -s -C "$W/old-src" bin/gelombang >"$W/old-build.log" 2>&1)
check "the program of migration 011 is built from the history" test -x "$W/old-src/bin/gelombang"
go() { "$W/old-src/bin/gelombang" -c "$W/fixture.conf" --db "dbname=$odb" "$@"; }
state() { osql -c "select string_agg(wave || ' ' || state, ', ' order by wave) from gelombang.wave"; }

expect_exit 0 "migrate a fresh database" "$G" --db "dbname=$fdb" migrate

# -- the old schema: 001-011 as migrate recorded them before code files ------
osql -q -c "create schema gelombang" -c "create table gelombang.schema_migration (
	version integer primary key, name text not null, checksum text not null,
	applied_at timestamptz not null default now(),
	applied_by text not null default current_user)"
old_ok=1
n_old=0
for f in "$sqldir"/0[0-9][0-9]_*.sql; do
	name=$(basename "$f" .sql)
	[ "${name%%_*}" -le 11 ] 2>/dev/null || continue
	n_old=$((n_old + 1))
	osql -q -1 -f "$f" >/dev/null 2>"$W/old.err" &&
		osql -q -c "insert into gelombang.schema_migration (version, name, checksum)
			values (${name%%_*}, '$name', '$(sha256sum "$f" | cut -d' ' -f1)')" ||
		{
			old_ok=0
			sed "s/^/# $name: /" "$W/old.err"
		}
done
same "the schema of migrations 001-011, applied with psql" "1 11" "$old_ok $n_old"

# -- a wave in every state, under the old schema -------------------------------
# fixture rows for waves 2-5, their joined_at moved into each wave's window
rows() { # FIRST COUNT DAY: COUNT rows of wave23.csv from data row FIRST, joined on DAY
	head -1 "$FX/wave23.csv"
	tail -n +$(($1 + 1)) "$FX/wave23.csv" | head -"$2" |
		sed "s/,2022-02-[0-9][0-9][T ]\([0-9:]*\)\([-+Z]\)/,$3T\1\2/"
}
rows 1 40 2022-02-18 >"$W/w2.csv"
rows 41 30 2022-02-22 >"$W/w3.csv"
rows 71 20 2022-03-01 >"$W/w4.csv"
rows 91 20 2022-03-08 >"$W/w5.csv"
seed=$FX_SEED22
expect_exit 0 "wave 1 created" go wave create --wave 1 --opens 2022-02-10T12:00:00+07:00 \
	--closes 2022-02-13T23:59:00+07:00 --announce 2022-02-16T23:59:00+07:00 --quota 20 --seed "$seed"
expect_exit 0 "wave 2 created" go wave create --wave 2 --opens 2022-02-17T12:00:00+07:00 \
	--closes 2022-02-20T23:59:00+07:00 --announce 2022-02-23T23:59:00+07:00 --quota 15
expect_exit 0 "wave 3 created" go wave create --wave 3 --opens 2022-02-20T23:59:00+07:00 \
	--closes 2022-02-27T23:59:00+07:00 --announce 2022-03-02T23:59:00+07:00 --quota 10
expect_exit 0 "wave 4 created" go wave create --wave 4 --opens 2022-02-28T00:00:00+07:00 \
	--closes 2022-03-06T23:59:00+07:00 --announce 2022-03-09T23:59:00+07:00 --quota 10
expect_exit 0 "wave 5 created" go wave create --wave 5 --opens 2022-03-07T00:00:00+07:00 \
	--closes 2022-03-13T23:59:00+07:00 --announce 2022-03-16T23:59:00+07:00 --quota 10
printf 'province,quota\n31,3\n32,4\n33,2\n35,3\n' >"$W/q2.csv"
expect_exit 0 "wave 2 has per-province quotas" go quota set --wave 2 "$W/q2.csv"
expect_exit 0 "wave 1 imported" go import --wave 1 "$FX/wave22.csv"
for n in 2 3 4 5; do
	expect_exit 0 "wave $n imported" go import --wave $n "$W/w$n.csv"
done
expect_exit 0 "run-due: wave 1 announced, wave 2 selected" go --now 2022-02-21T00:00:00+07:00 run-due
expect_exit 0 "wave 3 closed" go --now 2022-02-28T00:00:00+07:00 close --wave 3
expect_exit 0 "wave 3 processed" go --now 2022-02-28T00:00:00+07:00 process --wave 3
expect_exit 0 "wave 4 closed" go --now 2022-03-07T00:00:00+07:00 close --wave 4
before=$(state)
same "a wave in every state under the old schema" \
	"1 DIUMUMKAN, 2 DISELEKSI, 3 DIPROSES, 4 DITUTUP, 5 DIBUKA" "$before"

expect_exit 0 "migrate the old database" "$G" -c "$W/fixture.conf" --db "dbname=$odb" migrate
same "... every migration recorded" "$(ls "$sqldir"/*.sql | wc -l | tr -d ' ')" \
	"$(osql -c 'select count(*) from gelombang.schema_migration')"
same "... the waves as they were" "$before" "$(state)"

# -- the definitions, side by side -----------------------------------------------
# each query gives one line per object, sorted; $1 is the schema's oid
describe() { # DB: every definition and privilege of schema gelombang
	psql -X -At -v ON_ERROR_STOP=1 -d "$1" -F ' | ' <<-'EOF'
	\set ON_ERROR_STOP 1
	with s as (select 'gelombang'::regnamespace as oid)
	select 'schema', n.nspname, n.nspowner::regrole, n.nspacl from pg_namespace n, s
	where n.oid = s.oid;
	select 'function', p.oid::regprocedure, p.prokind, p.proacl, p.prosecdef, p.proconfig,
	       case when p.prokind in ('f', 'p') then pg_get_functiondef(p.oid) end
	from pg_proc p where p.pronamespace = 'gelombang'::regnamespace
	order by p.oid::regprocedure::text;
	select 'view', c.oid::regclass, c.relkind, pg_get_viewdef(c.oid, true), c.reloptions
	from pg_class c where c.relnamespace = 'gelombang'::regnamespace and c.relkind in ('v', 'm')
	order by c.oid::regclass::text;
	select 'trigger', t.tgrelid::regclass, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)
	from pg_trigger t join pg_class c on c.oid = t.tgrelid
	where c.relnamespace = 'gelombang'::regnamespace and not c.relispartition and not t.tgisinternal
	order by t.tgrelid::regclass::text, t.tgname;
	select 'policy', p.polrelid::regclass, p.polname, p.polcmd, p.polpermissive,
	       array(select r::regrole::text from unnest(p.polroles) r where r <> 0 order by 1),
	       0 = any (p.polroles) as to_public,
	       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
	from pg_policy p join pg_class c on c.oid = p.polrelid
	where c.relnamespace = 'gelombang'::regnamespace
	order by p.polrelid::regclass::text, p.polname;
	select 'row security', c.oid::regclass, c.relrowsecurity, c.relforcerowsecurity
	from pg_class c where c.relnamespace = 'gelombang'::regnamespace and c.relkind in ('r', 'p')
	  and not c.relispartition and (c.relrowsecurity or c.relforcerowsecurity)
	order by c.oid::regclass::text;
	select 'privileges', c.oid::regclass, c.relkind, c.relacl
	from pg_class c where c.relnamespace = 'gelombang'::regnamespace
	  and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and not c.relispartition
	order by c.oid::regclass::text;
	select 'column privileges', a.attrelid::regclass, a.attname, a.attacl
	from pg_attribute a join pg_class c on c.oid = a.attrelid
	where c.relnamespace = 'gelombang'::regnamespace and not c.relispartition
	  and a.attnum > 0 and not a.attisdropped and a.attacl is not null
	order by a.attrelid::regclass::text, a.attname;
	select 'type privileges', t.oid::regtype, t.typacl
	from pg_type t where t.typnamespace = 'gelombang'::regnamespace and t.typacl is not null
	order by t.oid::regtype::text;
	select 'default privileges', d.defaclrole::regrole, d.defaclobjtype, d.defaclacl
	from pg_default_acl d where d.defaclnamespace in (0, 'gelombang'::regnamespace)
	order by 2, 3;
	EOF
}
describe "$fdb" >"$W/fresh.txt" 2>"$W/fresh.err"
describe "$odb" >"$W/old.txt" 2>"$W/old.err"
check "the fresh database's definitions were read" test ! -s "$W/fresh.err" -a -s "$W/fresh.txt"
check "the upgraded database's definitions were read" test ! -s "$W/old.err" -a -s "$W/old.txt"
cat "$W/fresh.err" "$W/old.err" | sed 's/^/#   /' | head -5
kinds() { # FILE: "kind count" per kind of object
	grep -o '^[a-z ]* | ' "$1" | sed 's/ | $//' | sort | uniq -c | awk '{ c = $1; $1 = ""; print substr($0, 2) " " c }'
}
check "there are functions, views, triggers, policies and privileges to compare" \
	sh -c "test $(grep -c '^function | ' "$W/fresh.txt") -gt 30 -a $(grep -c '^view | ' "$W/fresh.txt") -gt 0 \
		-a $(grep -c '^trigger | ' "$W/fresh.txt") -gt 0 -a $(grep -c '^policy | ' "$W/fresh.txt") -gt 0 \
		-a $(grep -c '^privileges | .*=' "$W/fresh.txt") -gt 0"
for k in function view trigger policy 'row security' privileges 'column privileges' \
	'type privileges' 'default privileges' schema; do
	# a function's definition spans lines: compare whole records per kind
	awk -v k="$k | " 'index($0, k) == 1 { on = 1 } /^[a-z ]+ \| / && index($0, k) != 1 { on = 0 } on' \
		"$W/fresh.txt" >"$W/fresh.$k"
	awk -v k="$k | " 'index($0, k) == 1 { on = 1 } /^[a-z ]+ \| / && index($0, k) != 1 { on = 0 } on' \
		"$W/old.txt" >"$W/old.$k"
	if cmp -s "$W/fresh.$k" "$W/old.$k"; then
		_ok "$k: the same in a fresh and an upgraded database ($(grep -c "^$k | " "$W/fresh.$k"))"
	else
		_not_ok "$k: the same in a fresh and an upgraded database"
		diff -u --label "fresh (migrate)" --label "upgraded (001-011, then migrate)" \
			"$W/fresh.$k" "$W/old.$k" | head -60 | sed 's/^/#   /'
	fi
done
kinds "$W/fresh.txt" | sed 's/^/# compared: /'

# -- every code file is applied, and everything comes from a code file ----------
# (both databases run the frozen migrations, which hold old texts of many
# functions: a code file that migrate does not apply leaves them the same)
same "migrate applies every code file of sql/ (SQL_CODE in the Makefile)" \
	"$(cd "$sqldir/.." && ls *.sql | LC_ALL=C sort)" \
	"$(psql -X -At -d "$fdb" -c 'select name from gelombang.schema_code' | LC_ALL=C sort)"
psql -X -At -F ' ' -d "$fdb" >"$W/db-names.txt" <<-'EOF'
	select 'function', proname from pg_proc where pronamespace = 'gelombang'::regnamespace
	union select 'view', relname from pg_class
	      where relnamespace = 'gelombang'::regnamespace and relkind in ('v', 'm')
	union select 'trigger', t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid
	      where c.relnamespace = 'gelombang'::regnamespace and not c.relispartition and not t.tgisinternal
	union select 'policy', polname from pg_policy p join pg_class c on c.oid = p.polrelid
	      where c.relnamespace = 'gelombang'::regnamespace
	EOF
# a name is made by a code file when one creates it by name, or builds it
# with format() from a quoted table name and a quoted suffix ('_no_truncate')
same "every function, view, trigger and policy is created by a code file, not only by a migration" "" \
	"$(python3 - "$W/db-names.txt" "$sqldir"/../*.sql <<-'EOF'
	import re, sys
	code = "\n".join(open(f, encoding="utf-8").read() for f in sys.argv[2:]).lower()
	made = set(re.findall(r'create\s+(?:or\s+replace\s+)?(?:constraint\s+)?'
	                      r'(function|procedure|view|trigger|policy)\s+(?:"?gelombang"?\.)?"?(\w+)', code))
	made = {("function" if k == "procedure" else k, n) for k, n in made}
	quoted = set(re.findall(r"'(\w+)'", code))
	for line in sorted(open(sys.argv[1]).read().split("\n")):
	    if not line:
	        continue
	    kind, name = line.split(" ", 1)
	    built = any(name == stem + suffix for suffix in quoted if suffix.startswith("_")
	                for stem in [name[:-len(suffix)]] if stem in quoted)
	    if (kind, name) not in made and not built:
	        print(kind, name)
	EOF
	)"

# -- and the old waves go on, under today's program ----------------------------------
gn() { "$G" -c "$W/fixture.conf" --db "dbname=$odb" "$@"; }
expect_exit 0 "run-due after the upgrade takes every wave to the announcement" \
	gn --now 2022-04-01T00:00:00+07:00 run-due
same "... all announced, the first three past their first-training deadline too" \
	"1 SELESAI, 2 SELESAI, 3 SELESAI, 4 DIUMUMKAN, 5 DIUMUMKAN" "$(state)"
for n in 1 2 3 4 5; do
	expect_exit 0 "wave $n audits identical" gn audit --wave $n
done
dropdb "$fdb"
dropdb "$odb"
done_testing
