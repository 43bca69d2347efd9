#!/bin/bash
# import (SPEC §3): every kind of bad row is rejected with its line and the
# field at fault, every good row is stored exactly as written, the reject
# file's shape, the header, stdin, and the wave's state.
. "$(dirname "$0")/lib.sh"

# expect_exit leaves CMD's output in last.out/last.err, which the next check
# overwrites: run keeps a copy in out/err
run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
HEADER=nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at
# the stored rows of wave $1 as CSV, times in UTC, ordered by nik
stored() {
	psql -X -q -v ON_ERROR_STOP=1 -c "copy (select nik, kk, name, birth_date, sex, occupation,
		in_school::text, receives_aid::text, region_code, phone,
		to_char(joined_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
		from gelombang.registration where wave = $1 order by nik) to stdout with (format csv)"
}
# "line field" for every row of a reject file: the last two columns, and
# the error up to its first ':'
reject_lines() {
	python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape")))
for r in rows[1:]:
    print(r[-2], r[-1].split(":")[0])' "$1"
}

expect_exit 0 "create wave 5" g --now 2022-02-17T12:00:00+07:00 wave create --wave 5 --opens 2022-02-17T12:00:00+07:00 \
	--closes 2022-02-20T23:59:00+07:00 --quota 100

# --- an earlier import into the same wave ----------------------------------
printf '%s\n%s\n' "$HEADER" \
	'3201011506950009,3201010000000009,Sudah Ada,1995-06-15,L,BURUH,false,false,3201,,2022-02-18T10:00:00+07:00' \
	>"$W/first.csv"
run 0 "an import without rejects" g import --wave 5 "$W/first.csv"
same "it reports the counts" "1 accepted, 0 rejected" "$(cat "$W/out")"
check "no reject file is written when nothing is rejected" test ! -e "$W/first.csv.rejects.csv"
check "... nor a temporary one" test ! -e "$W/first.csv.rejects.csv.tmp"

# --- the file with every kind of bad row ------------------------------------
# gen.py writes bad.csv, expected-rejects.txt ("line field" per reject) and
# expected-stored.csv (what stored() must print for the good rows)
cat >"$W/gen.py" <<'PY'
import sys, os
w = sys.argv[1]
HEADER = "nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at"
COLS = HEADER.split(",")
base = dict(nik="3201011506950001", kk="3201010000000001", name="Budi Santoso",
            birth_date="1995-06-15", sex="L", occupation="WIRASWASTA", in_school="false",
            receives_aid="false", region_code="3201", phone="081234567890",
            joined_at="2022-02-18T10:00:00+07:00")
serial = [1000]

def nik():
    # a fresh, valid NIK (born 15-06-1995, male) for every row
    serial[0] += 1
    return "320101150695%04d" % serial[0]

def q(v):
    if any(c in v for c in ',"\n\r') or v != v.strip():
        return '"' + v.replace('"', '""') + '"'
    return v

def copy_q(v):
    # as COPY writes a field: quoted only for a comma, quote or line break
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n\r') else v

def row(**over):
    r = dict(base, nik=nik())
    r.update(over)
    return r

def line(r, end=b"\n"):
    return ",".join(q(r[c]) for c in COLS).encode() + end

records = []   # (bytes, expected field of the reject or None, stored row or None, utc)

def good(r, utc="2022-02-18 03:00:00.000000", end=b"\n", raw=None):
    stored = dict(r)
    if stored["region_code"] == "":
        stored["region_code"] = stored["nik"][:4]
    records.append((raw if raw is not None else line(r, end), None, stored, utc))

def bad(field, r=None, raw=None, end=b"\n"):
    records.append((raw if raw is not None else line(r, end), field, None, None))

good(row())
good(row(name="Robert'); DROP TABLE registrations;--"))
good(row(name='Siti "Ica" Aminah, S.Pd'))
good(row(name="Baris satu\nbaris dua, lanjut"))          # two lines: later numbers shift
good(row(region_code="", phone=""))                       # region from the NIK, no phone
good(row(region_code="3173", phone="+6281234567"))        # another domicile; 8 digits after +62
good(row(phone="081234567890123"))                        # 13 digits after 08
good(row(name="  Budi  Spasi  ", occupation="wiraswasta"))  # as written, case too
good(row(name="Ni Luh Putu Śrī Ayu"), end=b"\r\n")        # a CRLF line
good(row(joined_at="2022-02-20 23:59:00+0700"), utc="2022-02-20 16:59:00.000000")
good(row(joined_at="2022-02-20T16:59Z"), utc="2022-02-20 16:59:00.000000")
good(row(joined_at="2022-02-20T23:59:30.5+07"), utc="2022-02-20 16:59:30.500000")
good(row(nik="3201016902000001", birth_date="2000-02-29", sex="P", name="Lahir Kabisat"))
good(row(in_school="true", receives_aid="true", occupation="ASN"))  # stored; rules decide later
# quoted fields that need no quoting are fine too
r = row(); good(r, raw=('"%s","%s",' % (r["nik"], r["kk"])).encode()
                + line(r)[len(r["nik"]) + len(r["kk"]) + 2:])

bad("nik", row(nik="320101150695001"))
bad("nik", row(nik="32010115069500011"))
bad("nik", row(nik="320101150695000A"))
bad("nik", row(nik=""))
bad("kk", row(kk="320101000000001"))
bad("kk", row(kk="32010100000000011"))
bad("kk", row(kk="KK01010000000001"))
bad("kk", row(kk="1", name='Siti "Ica", S.Pd'))     # the reject file quotes it again
bad("sex", row(sex="W", name="Dua\nbaris"))          # a rejected record of two lines
bad("name", row(name=""))
bad("name", row(name="   "))
bad("birth_date", row(birth_date="2021-02-29"))
bad("birth_date", row(birth_date="2020-13-01"))
bad("birth_date", row(birth_date="20-01-2001"))
bad("birth_date", row(birth_date="2001-1-20"))
bad("sex", row(sex="x"))
bad("sex", row(sex="l"))
bad("sex", row(sex=""))
bad("occupation", row(occupation=""))
bad("occupation", row(occupation="  "))
for v in ("TRUE", "1", "yes", "t", ""):
    bad("in_school", row(in_school=v))
for v in ("TRUE", "1", "yes", "False"):
    bad("receives_aid", row(receives_aid=v))
bad("region_code", row(region_code="320"))
bad("region_code", row(region_code="32O1"))
bad("region_code", row(region_code="32011"))
bad("phone", row(phone="81234567890"))
bad("phone", row(phone="0812345"))                 # 7 digits after 08
bad("phone", row(phone="+6281234567890123"))       # 14 digits after +62
bad("phone", row(phone="+6381234567890"))
bad("phone", row(phone="0812-3456-7890"))
bad("joined_at", row(joined_at="2022-02-18T10:00:00"))
bad("joined_at", row(joined_at="2022-02-18T24:00:00+07:00"))
bad("joined_at", row(joined_at="kemarin sore"))
bad("joined_at", row(joined_at="2022-02-30T10:00:00+07:00"))
bad("joined_at", row(joined_at="18/2/2022 10.00 WIB"))
r = row(); bad("field count", raw=line(r).replace(b",false,false,", b",false,", 1))
r = row(); bad("field count", raw=line(r)[:-1] + b",extra\n")
# an empty line holds no registration: it is skipped, neither stored nor rejected
records.append((b"\n", None, None, None))
r = row(); bad("field count", raw=line(r).replace(b",false,false,", b',"false\nfalse",', 1))
dup = row(name="Pertama")
good(dup)
bad("duplicate nik", row(nik=dup["nik"], name="Kedua"))
bad("duplicate nik", row(nik=dup["nik"], name="Ketiga"), end=b"\r\n")
bad("duplicate nik", row(nik="3201011506950009"))  # stored by the earlier import
# the first of two rows with one NIK is bad: the second is the only one
first_bad = row(sex="X")
bad("sex", first_bad)
good(row(nik=first_bad["nik"]))
r = row(name="Ä"); bad("encoding", raw=line(r).replace("Ä".encode(), b"\xc3\x28"))
r = row(name="B"); bad("encoding", raw=line(r).replace(b",B,", b",B\xff,"))
r = row(name="Nul"); bad("encoding", raw=line(r).replace(b",Nul,", b",N\x00ul,"))
good(row(name="Setelah\nbaris\nbaru"))
good(row(name="Terakhir yang baik"))
r = row(); bad("record", raw=line(r).replace(b",WIRASWASTA,", b',"WIRASWASTA,') + line(row()))

out = open(os.path.join(w, "bad.csv"), "wb")
out.write(b"\xef\xbb\xbf" + HEADER.encode() + b"\n")
exp_rej = open(os.path.join(w, "expected-rejects.txt"), "w")
exp_st = []
lineno = 2
for raw, field, stored, utc in records:
    out.write(raw)
    if field:
        exp_rej.write("%d %s\n" % (lineno, field))
    elif stored is not None:
        exp_st.append(",".join(copy_q(stored[c]) for c in COLS[:-1]) + "," + utc)
    lineno += raw.count(b"\n")
out.close()
exp_rej.close()
exp_st.sort()
open(os.path.join(w, "expected-stored.csv"), "w").write("".join(s + "\n" for s in exp_st))
print(sum(1 for r in records if r[2] is not None), sum(1 for r in records if r[1]))
PY
read -r n_good n_bad < <(python3 "$W/gen.py" "$W")

run 65 "import of a file with bad rows: exit 65" g import --wave 5 "$W/bad.csv"
same "it reports the counts" "$n_good accepted, $n_bad rejected" "$(cat "$W/out")"
check "the reject file is FILE.rejects.csv" test -f "$W/bad.csv.rejects.csv"
same "every bad row is rejected with its line and the field at fault" \
	"$(cat "$W/expected-rejects.txt")" "$(reject_lines "$W/bad.csv.rejects.csv")"
same "the reject file starts with the input's header plus line,error" "$HEADER,line,error" \
	"$(head -1 "$W/bad.csv.rejects.csv")"
same "every good row is stored exactly as written" "$(cat "$W/expected-stored.csv")" \
	"$(stored 5 | grep -v '^3201011506950009,')"
same "the wave holds the earlier import and the good rows" "$((n_good + 1))" \
	"$(sql 'select count(*) from gelombang.registration where wave = 5')"
check "the registrations table survived Robert'); DROP TABLE" \
	sql "select 1 from gelombang.registration where name = 'Robert''); DROP TABLE registrations;--'"
same "the duplicate NIK kept the first good row" "Pertama" \
	"$(sql "select name from gelombang.registration where wave = 5 and nik =
		(select nik from gelombang.registration where name = 'Pertama')")"

# the reject file: each row holds the original fields, then line and error
python3 - "$W/bad.csv" "$W/bad.csv.rejects.csv" >"$W/reject-fields.txt" <<'PY'
import csv, io, sys
src = open(sys.argv[1], "rb").read()[3:]          # without the BOM
rej = list(csv.reader(io.StringIO(open(sys.argv[2], "rb").read().decode("utf-8", "surrogateescape"),
                                  newline="")))
# the records of the input by their first line
text = src.decode("utf-8", "surrogateescape")
reader = csv.reader(io.StringIO(text, newline=""))
starts = {}
prev = 1
try:
    for rec in reader:
        starts[prev] = rec or [""]      # an empty line is skipped by import
        prev = reader.line_num + 1
except csv.Error:
    pass                # the unterminated quote at the end
for r in rej[1:]:
    line, fields = int(r[-2]), r[:-2]
    want = starts.get(line)
    if r[-1].startswith("record:"):
        continue          # the unterminated quote: its fields are not defined
    if fields != want:
        print("line %d: reject has %r, input has %r" % (line, fields, want))
PY
same "each reject row holds the input's fields as they were" "" "$(cat "$W/reject-fields.txt")"
check "every reject row has at least line and error after the fields" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape")))
sys.exit(any(len(r) < 3 or not r[-2].isdigit() for r in rows[1:]))' "$W/bad.csv.rejects.csv"
same "the reject file's row count is the number rejected" "$n_bad" \
	"$(python3 -c '
import csv, sys
print(len(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape")))) - 1)' \
		"$W/bad.csv.rejects.csv")"

# --- CRLF throughout, with a BOM and a multi-line record ---------------------
{
	printf '\xef\xbb\xbf%s\r\n' "$HEADER"
	printf '3201011506950201,3201010000000201,"Dua\r\nBaris",1995-06-15,L,PETANI,false,false,,,2022-02-18T10:00:00+07:00\r\n'
	printf '3201011506950203,3201010000000203,Satu,1995-06-15,X,PETANI,false,false,,,2022-02-18T10:00:00+07:00\r\n'
	printf '3201011506950202,3201010000000202,Satu,1995-06-15,L,PETANI,false,false,,,2022-02-18T10:00:00+07:00'
} >"$W/crlf.csv"
run 65 "a CRLF file with a BOM" g import --wave 5 --rejects "$W/crlf-rejects.csv" "$W/crlf.csv"
same "... reports the counts" "2 accepted, 1 rejected" "$(cat "$W/out")"
same "... rejects line 4 for sex" "4 sex" "$(reject_lines "$W/crlf-rejects.csv")"
same "... stores the last field of a CRLF line without the CR" "Dua\r\nBaris|3201" \
	"$(sql "select replace(replace(name, E'\\r', '\\r'), E'\\n', '\\n'), region_code
		from gelombang.registration where nik = '3201011506950201'")"
same "... stores the last row, which has no line break" "2022-02-18 03:00:00|3201" \
	"$(sql "select joined_at at time zone 'UTC', region_code from gelombang.registration
		where nik = '3201011506950202'")"
check "--rejects PATH is where the reject file goes" test ! -e "$W/crlf.csv.rejects.csv"

# --- a line starting with \. (COPY's end-of-data marker) ------------------------
# inside a quoted field it is data (a name may hold any text): stored like
# any other, wherever it falls; here the backslash is the last byte of the
# first 64 KiB that import reads, then a second one well inside the file
python3 - "$W/marker.csv" <<'PY'
import sys
HEADER = b"nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at\n"
def row(i, name=b"Budi"):
    return (b"320101150695%04d,3201010000000001,%s,1995-06-15,L,PETANI,false,false,,,"
            b"2022-02-18T10:00:00+07:00\n" % (i, name))
def marker(i):
    return b'320101150695%04d,3201010000000001,"x\n' % i, \
        b'\\.\ny",1995-06-15,L,PETANI,false,false,,,2022-02-18T10:00:00+07:00\n'
out, i = HEADER, 5001
while 65535 - len(out) > 300:
    out += row(i); i += 1
pre, post = marker(i + 1)
need = 65535 - len(out) - len(pre)
out += row(i, b"P" * (need - len(row(i, b"")))); i += 2
assert len(out) + len(pre) == 65535
out += pre + post
for k in range(3):
    out += row(i); i += 1
pre, post = marker(i)
out += pre + post + row(i + 1)
open(sys.argv[1], "wb").write(out)
PY
lines=$(wc -l <"$W/marker.csv")
run 0 "quoted lines starting with \\. are data" g import --wave 5 "$W/marker.csv"
same "... every record is stored" "$((lines - 1 - 2 * 2)) accepted, 0 rejected" "$(cat "$W/out")"
same "... with the name as written" 'x|\.|y
x|\.|y' "$(sql "select replace(name, E'\n', '|') from gelombang.registration where name like 'x%'")"

# --- the header -------------------------------------------------------------
good_row='3201011506950301,3201010000000301,Kepala,1995-06-15,L,PETANI,false,false,,,2022-02-18T10:00:00+07:00'
before=$(sql 'select count(*) from gelombang.registration')
n=0
while IFS= read -r header; do
	n=$((n + 1))
	printf '%s\n%s\n' "$header" "$good_row" >"$W/header$n.csv"
	expect_exit 65 "wrong header \"$header\": exit 65" g import --wave 5 "$W/header$n.csv"
done <<EOF
nik,name,kk,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at
nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone
nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at,extra
NIK,KK,NAME,BIRTH_DATE,SEX,OCCUPATION,IN_SCHOOL,RECEIVES_AID,REGION_CODE,PHONE,JOINED_AT
nik, kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at
$good_row
"nik,kk","name",birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at
"nik"x,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at
EOF
printf '%s\n' "$good_row" >"$W/noheader.csv"
expect_exit 65 "a file without header (data on line 1): exit 65" g import --wave 5 "$W/noheader.csv"
: >"$W/empty.csv"
expect_exit 65 "an empty file: exit 65" g import --wave 5 "$W/empty.csv"
same "a wrong header stores nothing" "$before" "$(sql 'select count(*) from gelombang.registration')"
check "... and writes no reject file" test ! -e "$W/header1.csv.rejects.csv"
# RFC 4180 allows the names in quotes (R's write.csv, pandas QUOTE_ALL)
quoted=$(printf '%s' "$HEADER" | sed 's/[a-z_]*/"&"/g')
n=0
for header in "$quoted" "${HEADER/name,/\"name\",}"; do
	n=$((n + 1))
	printf '%s\n%s\n' "$header" "${good_row/0301,/040$n,}" >"$W/quoted$n.csv"
	expect_exit 0 "the header in quotes: $header" g import --wave 5 "$W/quoted$n.csv"
	same "... stores the row" 1 "$(sql "select count(*) from gelombang.registration where nik = '320101150695040$n'")"
done
printf '%s\n' "$HEADER" >"$W/onlyheader.csv"
run 0 "a file with only the header: exit 0" g import --wave 5 "$W/onlyheader.csv"
same "... 0 accepted, 0 rejected" "0 accepted, 0 rejected" "$(cat "$W/out")"
check "a file that does not exist: an error" bash -c '! "$@"' _ "$G" --db "$TEST_DB" import --wave 5 "$W/nothing.csv"

# --- stdin -------------------------------------------------------------------
expect_exit 64 "import from stdin without --rejects: exit 64" \
	bash -c '"$@" <"$0"' "$W/crlf.csv" "$G" --db "$TEST_DB" import --wave 5 -
printf '%s\n%s\n%s\n' "$HEADER" "$good_row" "${good_row/,L,/,Q,}" >"$W/stdin.csv"
run 65 "import from stdin with --rejects" \
	bash -c '"$@" <"$0"' "$W/stdin.csv" "$G" --db "$TEST_DB" import --wave 5 --rejects "$W/stdin-rejects.csv" -
same "... reports the counts" "1 accepted, 1 rejected" "$(cat "$W/out")"
same "... writes the rejects where asked" "3 sex" "$(reject_lines "$W/stdin-rejects.csv")"
same "... stores the good row" "Kepala" \
	"$(sql "select name from gelombang.registration where nik = '3201011506950301'")"

# --- a reject file that cannot be written --------------------------------------
# 65 promises that the good rows were kept: a reject file that cannot be
# written must stop the import before it stores anything, with another code
before=$(sql 'select count(*) from gelombang.registration')
printf '%s\n%s\n%s\n' "$HEADER" "${good_row/0301,/0501,}" "${good_row/0301,L,/0502,Q,}" >"$W/unwritable.csv"
run 73 "--rejects in a directory that does not exist: exit 73 (cannot create)" \
	g import --wave 5 --rejects "$W/no/such/dir/r.csv" "$W/unwritable.csv"
check "... saying the reject file cannot be written" grep -q "$W/no/such/dir/r.csv" "$W/err"
same "... and stores nothing" "$before" "$(sql 'select count(*) from gelombang.registration')"

# --- the wave's state ---------------------------------------------------------
expect_exit 1 "import into a wave that does not exist: exit 1" g import --wave 6 "$W/stdin.csv"
expect_exit 0 "close wave 5" g --now 2022-02-21T00:00+07:00 close --wave 5
before=$(sql 'select count(*) from gelombang.registration')
printf '%s\n%s\n' "$HEADER" "${good_row/0301,/0302,}" >"$W/late.csv"
expect_exit 1 "import into a closed wave: exit 1" g import --wave 5 "$W/late.csv"
same "... stores nothing" "$before" "$(sql 'select count(*) from gelombang.registration')"
check "... and writes no reject file" test ! -e "$W/late.csv.rejects.csv"

done_testing
