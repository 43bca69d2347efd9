#!/bin/bash
# The independent check: two generated waves (per-province quotas and
# priority regions in wave 1; a national quota, joins and families with
# earlier participants in wave 2) run through the lifecycle, and every
# outcome recomputed by a short Python program written from the rule text of
# SPEC §4-§6 alone (hashlib.sha256, nothing of gelombang), compared line for
# line with `results`.
. "$(dirname "$0")/lib.sh"

GEN="$(cd "$(dirname "$0")/../.." && pwd)/scripts/gen-registrations"
SEED1=5f2b0c8e6a4d1f3b9e7c5a3d1f0b8e6c4a2d0f9e7b5c3a1d8f6e4c2a0b9d7f5e
SEED2=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
OPENS1=2022-02-10T12:00:00+07:00 CLOSES1=2022-02-13T23:59:00+07:00 ANN1=2022-02-16T23:59:00+07:00
OPENS2=2022-02-17T12:00:00+07:00 CLOSES2=2022-02-20T23:59:00+07:00 ANN2=2022-02-23T23:59:00+07:00
PRIORITY='"3215", "3204", "3273", "3316", "3523", "7371", "1271"'

# the rules in force: the defaults of SPEC §7 except the priority regions
# (max_age stays 64: the generator puts birth dates on the 18- and 65-year
# boundaries)
cat >"$W/rules.conf" <<EOF
rules: {
  priority_regions = [ $PRIORITY ];
};
EOF
gi() { g -c "$W/rules.conf" "$@"; }
printf 'province,quota\n32,200\n35,150\n33,500\n36,0\n12,40\n31,90\n73,20\n' >"$W/quota1.csv"

"$GEN" -n 3000 -s 7 --wave-opens "$OPENS1" --wave-closes "$CLOSES1" >"$W/wave1.csv"
# the same families a week later: new NIKs (birth dates move with the close
# date), the same family cards, so wave 1's participants count in wave 2
"$GEN" -n 3000 -s 7 --wave-opens "$OPENS2" --wave-closes "$CLOSES2" >"$W/wave2.csv"
same "the generator wrote 3000 rows per wave" "3001 3001" \
	"$(wc -l <"$W/wave1.csv") $(wc -l <"$W/wave2.csv")"

expect_exit 0 "create wave 1" gi --now "$OPENS1" wave create --wave 1 --opens "$OPENS1" --closes "$CLOSES1" \
	--announce "$ANN1" --quota 999999 --seed "$SEED1"
expect_exit 0 "per-province quotas for wave 1" gi quota set --wave 1 "$W/quota1.csv"
expect_exit 0 "import wave 1" gi import --wave 1 "$W/wave1.csv"
expect_exit 0 "run-due takes wave 1 to the announcement" gi --now "$ANN1" run-due
gi results --wave 1 >"$W/results1.csv"

expect_exit 0 "create wave 2" gi --now "$OPENS2" wave create --wave 2 --opens "$OPENS2" --closes "$CLOSES2" \
	--announce "$ANN2" --quota 700 --seed "$SEED2"
expect_exit 0 "import wave 2" gi import --wave 2 "$W/wave2.csv"
# wave 1 applicants join wave 2: winners, losers of the draw, others turned
# down; one exactly at the opening, one before it; one exactly at the close
# is refused (the deadline has come)
: >"$W/joins.txt"
{
	grep ',LOLOS,' "$W/results1.csv" | head -25
	grep ',KUOTA_PENUH,' "$W/results1.csv" | head -25
	grep ',KUOTA_KELUARGA,' "$W/results1.csv" | head -5
	grep ',USIA,' "$W/results1.csv" | head -5
} | cut -d, -f1 >"$W/joiners.txt"
i=0
while read -r nik; do
	i=$((i + 1))
	case $i in
	1) t=$OPENS2 ;;
	2) t=2022-02-17T11:59:59+07:00 ;;
	3) t=$CLOSES2 ;;
	*) t=2022-02-18T08:$(printf %02d $((i % 60))):00+07:00 ;;
	esac
	if [ "$i" = 3 ]; then
		gi --now "$t" join --wave 2 --nik "$nik" >/dev/null 2>&1 && echo "join $nik at the close accepted"
		continue
	fi
	gi --now "$t" join --wave 2 --nik "$nik" >/dev/null 2>&1 || echo "join $nik failed"
	printf '%s %s\n' "$nik" "$t" >>"$W/joins.txt"
done <"$W/joiners.txt" >"$W/join-failures.txt"
same "every join before the close succeeded, the one at the close was refused" "" "$(cat "$W/join-failures.txt")"
same "wave 2 holds the imported and the joined" "$((3000 + $(wc -l <"$W/joiners.txt") - 1))" \
	"$(sql 'select count(*) from gelombang.registration where wave = 2')"
expect_exit 0 "close wave 2" gi --now "$CLOSES2" close --wave 2
expect_exit 0 "process wave 2" gi --now "$CLOSES2" process --wave 2
# a changed configuration after process changes nothing (SPEC §4)
printf 'rules: { priority_regions = [ ]; household_cap = 5; max_age = 0; };\n' >"$W/later.conf"
expect_exit 0 "select wave 2 with a configuration changed after process" \
	g -c "$W/later.conf" --now "$CLOSES2" select --wave 2
expect_exit 0 "announce wave 2" gi --now "$ANN2" announce --wave 2
gi results --wave 2 >"$W/results2.csv"

# --- the recomputation ----------------------------------------------------------
cat >"$W/recompute.py" <<'PY'
# SPEC §4-§6 from the rule text; stdlib only.
import csv, hashlib, json, sys
from datetime import date, datetime, timedelta, timezone

w = sys.argv[1]
cfg = json.load(open(w + "/rules.json"))
PROVINCES = set(cfg["provinces"])
EXCLUDED = set(cfg["excluded_occupations"])
PRIORITY = set(cfg["priority_regions"])
WIB = timedelta(hours=7)          # timezone Asia/Jakarta: UTC+7, no DST

def instant(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))

def add_years(d, n):
    try:
        return d.replace(year=d.year + n)
    except ValueError:            # 29 February in a common year
        return d.replace(year=d.year + n, day=28)

def nik_matches(r):
    n, b = r["nik"], date.fromisoformat(r["birth_date"])
    dd = int(n[6:8]) - (40 if r["sex"] == "P" else 0)
    return dd == b.day and int(n[8:10]) == b.month and int(n[10:12]) == b.year % 100

def exclusion(r, wave, participants):
    j = instant(r["joined_at"])
    if j < wave["opens"] or j >= wave["closes"]:
        return "DI_LUAR_JADWAL"
    if r["nik"][:2] not in PROVINCES or not nik_matches(r):
        return "DATA_TIDAK_VALID"
    if r["nik"] in participants:
        return "PESERTA_SEBELUMNYA"
    if r["occupation"] in EXCLUDED:
        return "PEKERJAAN_DIKECUALIKAN"
    b = date.fromisoformat(r["birth_date"])
    close = wave["closes"].astimezone(timezone(WIB)).date()
    if not (add_years(b, cfg["min_age"]) <= close and
            (cfg["max_age"] == 0 or close < add_years(b, cfg["max_age"] + 1))):
        return "USIA"
    if r["in_school"] == "true":
        return "SEDANG_SEKOLAH"
    if r["receives_aid"] == "true" and cfg["exclude_aid_recipients"]:
        return "PENERIMA_BANSOS"
    return None

def select(rows, wave, participants):
    """participants: nik -> kk of the selected registration, earlier waves"""
    out = {}
    eligible = []
    for r in rows:
        reason = exclusion(r, wave, participants)
        if reason:
            out[r["nik"]] = (reason, "")
            continue
        key = hashlib.sha256(("%s:%s" % (wave["seed"], r["nik"])).encode("ascii")).hexdigest()
        region = r["region_code"] or r["nik"][:4]
        eligible.append((0 if region in PRIORITY else 1, key, r, region))
    eligible.sort(key=lambda e: (e[0], e[1]))
    prior = {}
    for kk in participants.values():
        prior[kk] = prior.get(kk, 0) + 1
    kept_kk, kept_unit = {}, {}
    for tier, key, r, region in eligible:
        kk = r["kk"]
        if kept_kk.get(kk, 0) >= max(0, cfg["household_cap"] - prior.get(kk, 0)):
            out[r["nik"]] = ("KUOTA_KELUARGA", key)
            continue
        kept_kk[kk] = kept_kk.get(kk, 0) + 1
        if wave["quotas"] is not None:
            unit, quota = region[:2], wave["quotas"].get(region[:2], 0)
        else:
            unit, quota = "", wave["quota"]
        if kept_unit.get(unit, 0) >= quota:
            out[r["nik"]] = ("KUOTA_PENUH", key)
            continue
        kept_unit[unit] = kept_unit.get(unit, 0) + 1
        out[r["nik"]] = (None, key)
    for r in rows:
        if out[r["nik"]][0] is None:
            participants[r["nik"]] = r["kk"]
    return out

def write(out, path):
    with open(path, "w") as f:
        for nik in sorted(out):
            reason, key = out[nik]
            f.write("%s,%s,%s,%s\n" % (nik, "LOLOS" if reason is None else "TIDAK_LOLOS",
                                       reason or "", key))

def read(path):
    return list(csv.DictReader(open(path, newline="", encoding="utf-8")))

participants = {}
rows1 = read(w + "/wave1.csv")
quotas1 = {r["province"]: int(r["quota"]) for r in read(w + "/quota1.csv")}
wave1 = dict(seed=sys.argv[2], opens=instant(sys.argv[3]), closes=instant(sys.argv[4]),
             quotas=quotas1, quota=None)
write(select(rows1, wave1, participants), w + "/expected1.csv")

# wave 2: its own rows, and the joiners with their newest registration's
# data (wave 1's row) joined at the clock of the join
newest = {r["nik"]: r for r in rows1}
rows2 = read(w + "/wave2.csv")
for line in open(w + "/joins.txt"):
    nik, t = line.split()
    rows2.append(dict(newest[nik], joined_at=t))
wave2 = dict(seed=sys.argv[5], opens=instant(sys.argv[6]), closes=instant(sys.argv[7]),
             quotas=None, quota=int(sys.argv[8]))
write(select(rows2, wave2, participants), w + "/expected2.csv")
PY
# the same rules as JSON for Python
cat >"$W/rules.json" <<EOF
{ "min_age": 18, "max_age": 64, "household_cap": 2, "exclude_aid_recipients": true,
  "excluded_occupations": [ "PEJABAT_NEGARA", "ANGGOTA_DPR", "ANGGOTA_DPRD",
    "ASN", "TNI", "POLRI", "KEPALA_DESA", "PERANGKAT_DESA",
    "DIREKSI_BUMN_BUMD", "KOMISARIS_BUMN_BUMD", "DEWAN_PENGAWAS_BUMN_BUMD" ],
  "priority_regions": [ $PRIORITY ],
  "provinces": [ "11","12","13","14","15","16","17","18","19","21",
    "31","32","33","34","35","36","51","52","53",
    "61","62","63","64","65","71","72","73","74","75","76",
    "81","82","91","92","93","94","95","96" ] }
EOF
check "the recomputation ran" python3 "$W/recompute.py" "$W" "$SEED1" "$OPENS1" "$CLOSES1" \
	"$SEED2" "$OPENS2" "$CLOSES2" 700

for n in 1 2; do
	same "wave $n: every outcome equals the recomputation (nik,status,reason,lottery_key)" \
		"$(cat "$W/expected$n.csv")" "$(tail -n +2 "$W/results$n.csv" | cut -d, -f1-4)"
	same "wave $n: a card number exactly for each LOLOS" "" \
		"$(tail -n +2 "$W/results$n.csv" | awk -F, '($2 == "LOLOS") != ($5 != "")')"
done

# the recomputation must have met every rule, or the comparison proves little
for reason in DI_LUAR_JADWAL DATA_TIDAK_VALID PEKERJAAN_DIKECUALIKAN USIA SEDANG_SEKOLAH \
	PENERIMA_BANSOS KUOTA_KELUARGA KUOTA_PENUH; do
	check "wave 1 has $reason entries" grep -q ",$reason," "$W/expected1.csv"
done
for reason in DI_LUAR_JADWAL PESERTA_SEBELUMNYA KUOTA_KELUARGA KUOTA_PENUH; do
	check "wave 2 has $reason entries" grep -q ",$reason," "$W/expected2.csv"
done
check "wave 1: a tier-0 (priority region) entry won" python3 -c '
import csv, sys
prio = set(sys.argv[2].replace("\"", "").replace(" ", "").split(","))
rows = {r["nik"]: r for r in csv.DictReader(open(sys.argv[1] + "/wave1.csv"))}
won = [l.split(",")[0] for l in open(sys.argv[1] + "/expected1.csv") if ",LOLOS," in l]
sys.exit(not any((rows[n]["region_code"] or n[:4]) in prio for n in won))' "$W" "$PRIORITY"
same "wave 1: a province without a quota row has no winner" "" \
	"$(python3 -c '
import csv, sys
q = {r["province"] for r in csv.DictReader(open(sys.argv[1] + "/quota1.csv")) if r["quota"] != "0"}
rows = {r["nik"]: r for r in csv.DictReader(open(sys.argv[1] + "/wave1.csv"))}
for l in open(sys.argv[1] + "/results1.csv"):
    f = l.strip().split(",")
    if f[1] == "LOLOS" and (rows[f[0]]["region_code"] or f[0][:4])[:2] not in q:
        print(f[0])' "$W")"
same "wave 2: the national quota is filled" 700 "$(grep -c ',LOLOS,' "$W/results2.csv")"
check "wave 2: a family with a wave 1 participant was capped by it" python3 -c '
import csv, sys
w = sys.argv[1]
kk1 = {}
r1 = {r["nik"]: r for r in csv.DictReader(open(w + "/wave1.csv"))}
for l in open(w + "/expected1.csv"):
    f = l.split(",")
    if f[1] == "LOLOS":
        kk1[r1[f[0]]["kk"]] = kk1.get(r1[f[0]]["kk"], 0) + 1
r2 = {r["nik"]: r for r in csv.DictReader(open(w + "/wave2.csv"))}
capped = [l for l in open(w + "/expected2.csv")
          if ",KUOTA_KELUARGA," in l and l.split(",")[0] in r2 and r2[l.split(",")[0]]["kk"] in kk1]
sys.exit(not capped)' "$W"
same "the join before the opening is DI_LUAR_JADWAL; the one refused at the close has no outcome" \
	"DI_LUAR_JADWAL" \
	"$(for n in 2 3; do grep "^$(sed -n ${n}p "$W/joiners.txt")," "$W/results2.csv" | cut -d, -f3; done | xargs)"
check "the join at the opening is not DI_LUAR_JADWAL" \
	bash -c '! grep -q "^$1,TIDAK_LOLOS,DI_LUAR_JADWAL" "$2"' _ "$(sed -n 1p "$W/joiners.txt")" "$W/results2.csv"
expect_exit 0 "audit wave 1 agrees" gi audit --wave 1
expect_exit 0 "audit wave 2 agrees" gi audit --wave 2

done_testing
