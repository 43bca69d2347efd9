#!/usr/bin/env python3
"""Recompute a gelombang wave's selection (SPEC section 4) from this bundle
alone and compare it with results.csv, entry by entry.

    python3 recompute.py [BUNDLE_DIR]

Prints "identical: N entries" and exits 0, or the differences (the first
20, then their count) and exits 1.  Needs only the Python standard library.

The rule itself is select() below; the rest reads the bundle and compares.
(gelombang's own tests also import this file to compute the expected
outcomes of their fixtures: tests/fixtures/expected.)
"""
import csv
import datetime
import hashlib
import json
import os
import sys


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def add_years(day, years):
    """29 February plus years lands on 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def nik_matches(nik, birth, sex):
    """SPEC section 5: DDMMYY in the NIK, 40 added to DD for women."""
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if sex == "P":
        dd -= 40
    return dd == birth.day and mm == birth.month and yy == birth.year % 100


def luhn_digit(payload):
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def lottery_key(seed, nik):
    return hashlib.sha256(f"{seed}:{nik}".encode("ascii")).hexdigest()


def exclusion(r, wave, rules, earlier):
    """Step 1: the first reason that applies, or None (eligible)."""
    joined = instant(r["joined_at"])
    if joined < wave["opens"] or joined >= wave["closes"]:
        return "DI_LUAR_JADWAL"
    birth = datetime.date.fromisoformat(r["birth_date"])
    if r["nik"][:2] not in rules["provinces"] or not nik_matches(r["nik"], birth, r["sex"]):
        return "DATA_TIDAK_VALID"
    if r["nik"] in earlier:
        return "PESERTA_SEBELUMNYA"
    if r["occupation"] in rules["excluded_occupations"]:
        return "PEKERJAAN_DIKECUALIKAN"
    close_date = wave["close_date"]
    old_enough = add_years(birth, rules["min_age"]) <= close_date
    young_enough = rules["max_age"] == 0 or close_date < add_years(birth, rules["max_age"] + 1)
    if not (old_enough and young_enough):
        return "USIA"
    if r["in_school"] == "true":
        return "SEDANG_SEKOLAH"
    if r["receives_aid"] == "true" and rules["exclude_aid_recipients"]:
        return "PENERIMA_BANSOS"
    return None


def select(registrations, seed, wave, rules, earlier, kk_prior, quotas):
    """SPEC section 4, steps 1-5, for one wave.

    registrations: dicts with the columns of SPEC section 3, region_code
    filled in (an empty one is the NIK's first 4 digits); wave: "opens",
    "closes" (aware datetimes), "close_date" (a date), "quota"; earlier:
    the NIKs that are participants of an earlier wave; kk_prior: {kk:
    participants of earlier waves}; quotas: {province: quota}, or None for
    the wave's national quota.  Returns (reason, key): {nik: reason or
    None (LOLOS)} and {nik: lottery key, or None before the draw}.
    """
    reason, key, draw = {}, {}, []
    for r in registrations:
        nik = r["nik"]
        reason[nik] = exclusion(r, wave, rules, earlier)
        key[nik] = None
        if reason[nik] is None:
            # step 2: the lottery key; step 3: the order (tier, key)
            key[nik] = lottery_key(seed, nik)
            tier = 0 if r["region_code"] in rules["priority_regions"] else 1
            unit = r["region_code"][:2] if quotas is not None else ""
            draw.append((tier, key[nik], nik, r["kk"], unit))
    draw.sort()

    kept_per_kk, survivors = {}, []
    for tier, k, nik, kk, unit in draw:  # step 4: the household cap
        n = kept_per_kk.get(kk, 0)
        if n >= max(0, rules["household_cap"] - kk_prior.get(kk, 0)):
            reason[nik] = "KUOTA_KELUARGA"
        else:
            kept_per_kk[kk] = n + 1
            survivors.append((nik, unit))

    filled = {}
    for nik, unit in survivors:  # step 5: the quota of the unit
        quota = quotas.get(unit, 0) if quotas is not None else wave["quota"]
        if filled.get(unit, 0) >= quota:
            reason[nik] = "KUOTA_PENUH"
        else:
            filled[unit] = filled.get(unit, 0) + 1
    return reason, key


def check_bundle(here):
    """Recompute the bundle in directory here; the list of differences."""

    def read(name):
        with open(os.path.join(here, name), encoding="utf-8") as f:
            return f.read().strip()

    def table(name):
        with open(os.path.join(here, name), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    seed = read("seed.txt")
    commitment = read("commitment.txt")
    rules = json.loads(read("rules.json"))
    w = json.loads(read("wave.json"))
    wave = {
        "opens": instant(w["opens_at"]),
        "closes": instant(w["closes_at"]),
        "close_date": datetime.date.fromisoformat(w["close_date"]),
        "quota": w["quota"],
    }
    earlier = {r["nik"] for r in table("earlier_participants.csv")}
    kk_prior = {r["kk"]: int(r["prior"]) for r in table("household_prior.csv")}
    quotas = None
    if w["per_province_quotas"]:
        quotas = {r["province"]: int(r["quota"]) for r in table("quotas.csv")}

    problems = []
    if hashlib.sha256(seed.encode("ascii")).hexdigest() != commitment:
        problems.append("seed: its sha256 is not the commitment in commitment.txt")

    reason, key = select(table("registrations.csv"), seed, wave, rules, earlier, kk_prior, quotas)
    # step 6: gelombang draws the winners' card numbers at random (so that
    # one card tells nothing of the others); they are checked below (one
    # per LOLOS entry, 16 digits, Luhn, none twice), not recomputed

    seen = set()
    stored_cards = {}
    for row in table("results.csv"):
        nik = row["nik"]
        seen.add(nik)
        if nik not in reason:
            problems.append(f"{nik}: in results.csv but not a registration")
            continue
        want = {
            "status": "LOLOS" if reason[nik] is None else "TIDAK_LOLOS",
            "reason": reason[nik] or "",
            "lottery_key": key[nik] or "",
            "saldo": str(rules["saldo"]) if reason[nik] is None else "",
        }
        if (row["card_number"] != "") != (reason[nik] is None):
            problems.append(f"{nik}: card_number: stored {row['card_number'] or '(none)'}, "
                            f"recomputed {'a card' if reason[nik] is None else '(none)'}")
        for column, value in want.items():
            if row[column] != value:
                problems.append(f"{nik}: {column}: stored {row[column] or '(none)'}, "
                                f"recomputed {value or '(none)'}")
        c = row["card_number"]
        if c:
            if len(c) != 16 or not c.isdigit() or luhn_digit(c[:-1]) != int(c[-1]):
                problems.append(f"{nik}: card_number {c} is not 16 digits with a valid Luhn digit")
            if c in stored_cards:
                problems.append(f"{nik}: card_number {c} also held by {stored_cards[c]}")
            stored_cards[c] = nik
    for nik in sorted(set(reason) - seen):
        problems.append(f"{nik}: registration without a result in results.csv")

    # SPEC section 10: revoke revoked every participant of a SELESAI wave
    # without a first training at or before revoke_at, and no other
    if os.path.exists(os.path.join(here, "revocation.csv")):
        for row in table("revocation.csv"):
            nik = row["nik"]
            if reason.get(nik, "not a registration") is not None:
                problems.append(f"{nik}: in revocation.csv but not a participant")
                continue
            ft = row["first_training_at"]
            want = "false" if ft and instant(ft) <= instant(row["revoke_at"]) else "true"
            if row["revoked"] != want:
                problems.append(f"{nik}: revoked: stored {row['revoked']}, recomputed {want}")
    return len(reason), problems


def main(argv):
    here = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    entries, problems = check_bundle(here)
    if problems:
        for p in problems[:20]:
            print(p)
        if len(problems) > 20:
            print(f"... and {len(problems) - 20} more")
        print(f"not identical: {len(problems)} differences")
        return 1
    print(f"identical: {entries} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
