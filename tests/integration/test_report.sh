#!/bin/bash
# report: the numbers of text, csv and html agree with the database; a
# fair generated wave passes the fairness check; a result rewritten so
# that the winners all registered first, or all have a NIK ending in 0-4,
# is flagged; the html is one self-contained page.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

"$root/scripts/gen-registrations" -n 5000 -s 11 >"$W/wave1.csv"
g --now 2022-02-17T12:00:00+07:00 wave create --wave 1 --opens 2022-02-17T12:00:00+07:00 --closes 2022-02-20T23:59:00+07:00 \
	--announce 2022-02-23T23:59:00+07:00 --quota 1500 \
	--seed 5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e >/dev/null
g import --wave 1 --rejects "$W/r1.csv" "$W/wave1.csv" >/dev/null
expect_exit 1 "no report before select" g report --wave 1
grep -q "nothing to report before select" "$W/last.err" && _ok "and says why" || _not_ok "and says why"
expect_exit 1 "no report of a wave that does not exist" g report --wave 7
g --now 2022-02-24T00:00:00+07:00 run-due >/dev/null 2>&1
same "wave 1 is announced" DIUMUMKAN "$(sql 'select state from gelombang.wave where wave = 1')"

# csv: every number against the database ------------------------------------------
expect_exit 0 "report --format csv" g report --wave 1 --format csv
cp "$W/last.out" "$W/fair.csv"
same "csv header" "section,key,measure,value" "$(head -1 "$W/fair.csv")"
# the same numbers, from the tables themselves
sql "select 'status,' || s || ',entries,' || count(*) from (select case when reason is null
	then 'LOLOS' else 'TIDAK_LOLOS' end as s from gelombang.outcome where wave = 1) x
	group by s order by s" >"$W/db.txt"
sql "select 'reason,' || r || ',entries,' || (select count(*) from gelombang.outcome o
	where o.wave = 1 and o.reason = r) from unnest(enum_range(null::gelombang.reason)) r" >>"$W/db.txt"
sql "select 'province,' || p || ',' || m || ',' || v from (
	select left(r.region_code, 2) as p, count(*) as entries,
		count(*) filter (where o.reason is null or o.reason in ('KUOTA_KELUARGA', 'KUOTA_PENUH')) as eligible,
		count(*) filter (where o.reason is null) as selected
	from gelombang.registration r join gelombang.outcome o using (wave, nik)
	where r.wave = 1 group by 1) x,
	lateral (values ('entries', entries), ('eligible', eligible), ('selected', selected)) as v(m, v)
	order by p, array_position(array['entries', 'eligible', 'selected'], m)" >>"$W/db.txt"
sql "select 'wave,1,' || m || ',' || v from (values
	('entries', (select count(*) from gelombang.registration where wave = 1)),
	('eligible', (select count(*) from gelombang.outcome where wave = 1
		and (reason is null or reason in ('KUOTA_KELUARGA', 'KUOTA_PENUH')))),
	('selected', (select count(*) from gelombang.outcome where wave = 1 and reason is null)),
	('quota', 1500)) as t(m, v)" >>"$W/db.txt"
sql "select 'day,' || d || ',selected,' || count(*) filter (where selected) from (
	select to_char(r.joined_at at time zone interval '+07:00', 'YYYY-MM-DD') as d,
		o.reason is null as selected
	from gelombang.registration r join gelombang.outcome o using (wave, nik)
	where r.wave = 1 and (o.reason is null or o.reason in ('KUOTA_KELUARGA', 'KUOTA_PENUH'))) x
	group by d order by d" >>"$W/db.txt"
python3 - "$W/fair.csv" "$W/db.txt" >"$W/cmp.txt" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
have = {(r["section"], r["key"], r["measure"]): r["value"] for r in rows}
bad = 0
for line in open(sys.argv[2]):
    section, key, measure, value = line.strip().split(",")
    if have.get((section, key, measure)) != value:
        print(f"{section},{key},{measure}: report {have.get((section, key, measure))}, database {value}")
        bad += 1
print(f"{bad} differ")
EOF
same "every count of the csv equals the database's" "0 differ" "$(tail -1 "$W/cmp.txt")"
head -5 "$W/cmp.txt" | sed 's/^/# /'
same "status counts add up to the entries" "$(sql 'select count(*) from gelombang.registration where wave = 1')" \
	"$(awk -F, '$1 == "status" { s += $4 } END { print s }' "$W/fair.csv")"
same "a fair draw is not flagged (day, hour, NIK digit)" "false false false" \
	"$(awk -F, '$1 == "fairness" && $3 == "warning" { printf "%s%s", sep, $4; sep = " " }' "$W/fair.csv")"
awk -F, '$1 == "fairness" && $3 == "p_value" { print "# p(" $2 ") = " $4 }' "$W/fair.csv"
same "the fairness check tested every dimension" "3" \
	"$(awk -F, '$1 == "fairness" && $3 == "dof" && $4 > 0' "$W/fair.csv" | wc -l | tr -d ' ')"

# text -----------------------------------------------------------------------------
expect_exit 0 "report (text)" g report --wave 1
cp "$W/last.out" "$W/fair.txt"
lolos=$(awk -F, '$1 == "status" && $2 == "LOLOS" { print $4 }' "$W/fair.csv")
usia=$(awk -F, '$1 == "reason" && $2 == "USIA" { print $4 }' "$W/fair.csv")
same "text: the LOLOS count" "$lolos" "$(awk '$1 == "LOLOS" { print $2 }' "$W/fair.txt")"
same "text: no two columns share a heading" "" \
	"$(grep -E -m1 '^ +eligible ' "$W/fair.txt" | tr -s ' ' '\n' | sed '/^$/d' | sort | uniq -d)"
check "text: the revealed seed" grep -q "seed (revealed at close) $(sql 'select seed from gelombang.wave where wave = 1')" "$W/fair.txt"
same "text: the USIA count" "$usia" "$(awk '$1 == "USIA" { print $2 }' "$W/fair.txt")"
same "text: the totals line" \
	"$(awk -F, '$1 == "wave" && $3 == "entries" { e = $4 } $1 == "wave" && $3 == "eligible" { l = $4 } $1 == "wave" && $3 == "selected" { s = $4 } END { print e " entries, " l " eligible for the draw, " s " selected" }' "$W/fair.csv")" \
	"$(grep -o '[0-9]* entries, [0-9]* eligible for the draw, [0-9]* selected' "$W/fair.txt")"
same "text: consistent with a uniform draw, three times" 3 "$(grep -c 'consistent with a uniform draw' "$W/fair.txt")"
if grep -q WARNING "$W/fair.txt"; then _not_ok "text: no warning"; else _ok "text: no warning"; fi

# html -----------------------------------------------------------------------------
expect_exit 0 "report --format html -o FILE" g report --wave 1 --format html -o "$W/fair.html"
same "nothing on stdout with -o" "" "$(cat "$W/last.out")"
check "the page exists" test -s "$W/fair.html"
check "it has inline SVG charts" grep -q "<svg" "$W/fair.html"
if grep -qi "http" "$W/fair.html" || grep -qiE "<script|<link|src=|@import|url\(" "$W/fair.html"; then
	_not_ok "it references nothing outside itself"
else
	_ok "it references nothing outside itself"
fi
check "it prints well (@media print)" grep -q "@media print" "$W/fair.html"
check "it prints on A4 (@page size)" grep -q "@page{size:A4" "$W/fair.html"
check "... with the wave number in the margin of every page" grep -q '@top-right{content:"gelombang [^"]*wave 1"' "$W/fair.html"
same "... table headers repeat on every page (thead), each naming the wave" \
	"$(grep -c '<table>' "$W/fair.html")" "$(grep -c '<table><thead><tr class="running"><th colspan="[0-9]*">Wave 1 ' "$W/fair.html")"
check "... thead is a header group in print" grep -q "thead{display:table-header-group}" "$W/fair.html"
check "... a table is kept with its chart" grep -q "\.keep{break-inside:avoid" "$W/fair.html"
check "provinces by name, not only by code" grep -q "<td>32 Jawa Barat</td>" "$W/fair.html"
check "the revealed seed is on the page" grep -q "$(sql 'select seed from gelombang.wave where wave = 1')" "$W/fair.html"
same "html: four charts at least (status, reasons, provinces, day)" yes \
	"$([ "$(grep -c '<svg' "$W/fair.html")" -ge 4 ] && echo yes)"
python3 - "$W/fair.html" "$W/fair.csv" >"$W/html.txt" <<'EOF'
import csv, html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.cells = []; self.errors = 0; self.cell = None
    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "rect", "line"):
            self.stack.append(tag)
        if tag in ("td", "th"):
            self.cell = ""
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors += 1
        else:
            self.stack.pop()
        if tag in ("td", "th") and self.cell is not None:
            self.cells.append(self.cell.strip()); self.cell = None
    def handle_data(self, d):
        if self.cell is not None:
            self.cell += d
p = P(); p.feed(open(sys.argv[1]).read())
print("balanced" if p.errors == 0 and not p.stack else f"unbalanced: {p.errors} {p.stack}")
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
want = [r["value"] for r in rows if r["section"] in ("status", "reason") and r["measure"] == "entries"]
missing = [w for w in want if w not in p.cells]
print("all counts in the tables" if not missing else f"missing: {missing}")
EOF
same "html: the tags are balanced" balanced "$(sed -n 1p "$W/html.txt")"
same "html: every status and reason count is in its tables" "all counts in the tables" "$(sed -n 2p "$W/html.txt")"

# a biased result ----------------------------------------------------------------------
# keep the real outcome, then rewrite it: the same number of winners, but
# the first to register among the eligible (the 2011 lottery's failure)
psql -X -q -v ON_ERROR_STOP=1 <<'EOF'
create table public.saved_outcome as select * from gelombang.outcome where wave = 1;
begin;
alter table gelombang.outcome disable trigger user;
with drawn as (
	select o.nik, row_number() over (order by r.joined_at, o.nik) as n
	from gelombang.outcome o join gelombang.registration r using (wave, nik)
	where o.wave = 1 and (o.reason is null or o.reason in ('KUOTA_KELUARGA', 'KUOTA_PENUH'))
)
update gelombang.outcome o
set reason = case when d.n <= (select count(*) from public.saved_outcome where reason is null)
		  then null else 'KUOTA_PENUH'::gelombang.reason end
from drawn d where o.wave = 1 and o.nik = d.nik;
alter table gelombang.outcome enable trigger user;
commit;
EOF
expect_exit 0 "report --format csv of the first-come result" g report --wave 1 --format csv
cp "$W/last.out" "$W/early.csv"
same "the day is flagged" true "$(awk -F, '$1 == "fairness" && $2 == "day" && $3 == "warning" { print $4 }' "$W/early.csv")"
awk -F, '$1 == "fairness" && $3 == "p_value" { print "# p(" $2 ") = " $4 }' "$W/early.csv"
same "the same number selected as before" "$lolos" \
	"$(awk -F, '$1 == "status" && $2 == "LOLOS" { print $4 }' "$W/early.csv")"
grep -q "warning: wave 1: the selection depends on the registration day" "$W/last.err" &&
	_ok "a warning on stderr too" || _not_ok "a warning on stderr too"
expect_exit 0 "report (text) of the first-come result" g report --wave 1
grep -q "WARNING: the selection depends on the registration day far more than chance allows" "$W/last.out" &&
	_ok "text: a plain warning" || _not_ok "text: a plain warning"
g report --wave 1 --format html -o "$W/early.html" 2>/dev/null
check "html: the warning is on the page" grep -q 'class="verdict warn"' "$W/early.html"
expect_exit 1 "audit finds the rewritten result too" g audit --wave 1

# winners by NIK digit: a broken hash would do this
psql -X -q -v ON_ERROR_STOP=1 <<'EOF'
begin;
alter table gelombang.outcome disable trigger user;
update gelombang.outcome o set reason = s.reason from public.saved_outcome s
	where o.wave = 1 and s.nik = o.nik;
with drawn as (
	select o.nik, row_number() over (order by right(o.nik, 1) < '5' desc, o.lottery_key) as n
	from gelombang.outcome o
	where o.wave = 1 and (o.reason is null or o.reason in ('KUOTA_KELUARGA', 'KUOTA_PENUH'))
)
update gelombang.outcome o
set reason = case when d.n <= (select count(*) from public.saved_outcome where reason is null)
		  then null else 'KUOTA_PENUH'::gelombang.reason end
from drawn d where o.wave = 1 and o.nik = d.nik;
alter table gelombang.outcome enable trigger user;
commit;
EOF
g report --wave 1 --format csv >"$W/digit.csv" 2>/dev/null
same "winners by NIK digit: the digit is flagged" true \
	"$(awk -F, '$1 == "fairness" && $2 == "nik_digit" && $3 == "warning" { print $4 }' "$W/digit.csv")"

psql -X -q -v ON_ERROR_STOP=1 <<'EOF'
begin;
alter table gelombang.outcome disable trigger user;
update gelombang.outcome o set reason = s.reason from public.saved_outcome s
	where o.wave = 1 and s.nik = o.nik;
alter table gelombang.outcome enable trigger user;
commit;
drop table public.saved_outcome;
EOF
expect_exit 0 "restored: audit identical" g audit --wave 1
g report --wave 1 --format csv >"$W/again.csv"
same "restored: the report is the fair one again" "$(grep -v '^wave,1,commitment' "$W/fair.csv")" \
	"$(grep -v '^wave,1,commitment' "$W/again.csv")"

# per-province quotas and priority regions: strata ---------------------------------------
printf 'rules: { priority_regions = [ "3171", "3273" ]; };\n' >"$W/prio.conf"
"$root/scripts/gen-registrations" -n 3000 -s 12 --wave-opens 2022-03-01T08:00:00+07:00 \
	--wave-closes 2022-03-05T23:59:00+07:00 >"$W/wave2.csv"
g -c "$W/prio.conf" --now 2022-03-01T08:00:00+07:00 wave create --wave 2 --opens 2022-03-01T08:00:00+07:00 \
	--closes 2022-03-05T23:59:00+07:00 --quota 0 \
	--seed 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >/dev/null
printf 'province,quota\n31,150\n32,200\n33,120\n35,150\n' >"$W/q2.csv"
g quota set --wave 2 "$W/q2.csv" >/dev/null
g import --wave 2 --rejects "$W/r2.csv" "$W/wave2.csv" >/dev/null
g -c "$W/prio.conf" --now 2022-03-09T00:00:00+07:00 run-due >/dev/null 2>&1
expect_exit 0 "report of a wave with per-province quotas" g report --wave 2 --format csv
cp "$W/last.out" "$W/w2.csv"
same "a province's quota and fill rate" "31,150,$(sql "select round(count(*) / 150.0, 6)::float8
	from gelombang.outcome o join gelombang.registration r using (wave, nik)
	where o.wave = 2 and o.reason is null and left(r.region_code, 2) = '31'")" \
	"$(awk -F, '$1 == "province" && $2 == "31" && $3 == "quota" { q = $4 } $1 == "province" && $2 == "31" && $3 == "fill_rate" { f = $4 } END { printf "31,%s,%.6g", q, f }' "$W/w2.csv")"
same "a province without a quota row has quota 0" 0 \
	"$(awk -F, '$1 == "province" && $2 == "11" && $3 == "quota" { print $4 }' "$W/w2.csv")"
same "not flagged" "false false false" \
	"$(awk -F, '$1 == "fairness" && $3 == "warning" { printf "%s%s", sep, $4; sep = " " }' "$W/w2.csv")"
# 31 and the priority tier fill below their quotas: nothing to compare there
same "strata: the provinces where the draw decided" 3 \
	"$(awk -F, '$1 == "fairness" && $2 == "day" && $3 == "strata" { print $4 }' "$W/w2.csv")"
done_testing
