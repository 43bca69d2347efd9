#!/bin/bash
# audit: a clean wave audits identical; every kind of tampering is found,
# each on its own; the C check of the lottery keys does not depend on the
# SQL; the independent bundle recomputes the result without gelombang; the
# auditor role can audit and append nothing but its audit runs.
. "$(dirname "$0")/lib.sh"

fx_conf "$W/fixture.conf"
gx() { g -c "$W/fixture.conf" "$@"; }
n22=$(($(wc -l <"$FX/expected-22.csv") - 1))
n23=$(($(wc -l <"$FX/expected-23.csv") - 1))
commitment23=$(printf %s "$FX_SEED23" | sha256sum | cut -c1-64)

# as the owner, with the guard triggers off: what a tamperer with write
# access would do
tamper() { # TABLE SQL
	psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<-EOF
	begin;
	alter table gelombang.$1 disable trigger user;
	$2;
	alter table gelombang.$1 enable trigger user;
	commit;
	EOF
}

# the fixtures (tests/fixtures): wave 22, then wave 23 (earlier
# participants, per-province quotas, priority regions)
gx --now 2022-02-10T12:00:00+07:00 wave create --wave 22 --opens 2022-02-10T12:00:00+07:00 --closes 2022-02-13T23:59:00+07:00 \
	--announce 2022-02-16T23:59:00+07:00 --quota 20 --seed "$FX_SEED22" >/dev/null
gx import --wave 22 --rejects "$W/r22.csv" "$FX/wave22.csv" >/dev/null
expect_exit 1 "audit refuses a wave that is not selected yet" gx audit --wave 22
grep -q "nothing to audit before select" "$W/last.err" && _ok "and says why" || _not_ok "and says why"
expect_exit 1 "audit refuses a wave that does not exist" gx audit --wave 99
gx --now 2022-02-24T00:00:00+07:00 run-due >/dev/null
gx --now "17/2/2022 12.00 WIB" wave create --wave 23 --opens "17/2/2022 12.00 WIB" --closes 2022-02-20T23:59:00+07:00 \
	--announce 2022-02-23T23:59:00+07:00 --quota 100000 --seed "$FX_SEED23" >/dev/null
gx quota set --wave 23 "$FX/quota23.csv" >/dev/null
gx import --wave 23 --rejects "$W/r23.csv" "$FX/wave23.csv" >/dev/null
gx --now 2022-02-21T00:00:00+07:00 run-due >/dev/null
same "wave 23 is selected, not yet announced" DISELEKSI \
	"$(sql 'select state from gelombang.wave where wave = 23')"

# clean --------------------------------------------------------------------------
expect_exit 0 "a selected wave audits identical (before the announcement)" gx audit --wave 23
same "it says so" "identical: $n23 entries" "$(cat "$W/last.out")"
expect_exit 0 "wave 22 audits identical" gx audit --wave 22
same "it says so" "identical: $n22 entries" "$(cat "$W/last.out")"
same "the audit runs are in the history" "audit|22|SUCCEEDED|$n22" \
	"$(sql "select job, wave, outcome, rows from gelombang.history where job = 'audit' order by id desc limit 1")"
gx --now 2022-02-24T00:00:00+07:00 run-due >/dev/null
expect_exit 0 "still identical after the announcement" gx audit --wave 23

# tampering, one kind at a time ----------------------------------------------------
lolos=$(sql "select nik from gelombang.outcome where wave = 23 and reason is null order by nik limit 1")
penuh=$(sql "select nik from gelombang.outcome where wave = 23 and reason = 'KUOTA_PENUH' order by nik limit 1")

tamper outcome "update gelombang.outcome set reason = 'KUOTA_PENUH' where wave = 23 and nik = '$lolos'"
expect_exit 1 "a tampered reason (LOLOS -> KUOTA_PENUH) is found" gx audit --wave 23
grep -qx "$lolos: reason: stored KUOTA_PENUH, recomputed LOLOS" "$W/last.out" &&
	_ok "the difference names the entry and both values" || _not_ok "the difference names the entry and both values"
tail -1 "$W/last.out" | grep -q "^not identical: [0-9]* differences in wave 23" &&
	_ok "the last line counts the differences" || _not_ok "the last line counts the differences"
tamper outcome "update gelombang.outcome set reason = null where wave = 23 and nik = '$lolos'"
expect_exit 0 "restored: identical again" gx audit --wave 23

tamper outcome "update gelombang.outcome set reason = null where wave = 23 and nik = '$penuh'"
expect_exit 1 "a tampered reason (KUOTA_PENUH -> LOLOS, no card) is found" gx audit --wave 23
grep -q "^$penuh: reason: stored LOLOS, recomputed KUOTA_PENUH" "$W/last.out" &&
	grep -q "^$penuh: card_number (C): LOLOS without a participant" "$W/last.out" &&
	_ok "in SQL and in C" || _not_ok "in SQL and in C"
tamper outcome "update gelombang.outcome set reason = 'KUOTA_PENUH' where wave = 23 and nik = '$penuh'"

key=$(sql "select encode(lottery_key, 'hex') from gelombang.outcome where wave = 23 and nik = '$lolos'")
tamper outcome "update gelombang.outcome set lottery_key = sha256('forged') where wave = 23 and nik = '$lolos'"
expect_exit 1 "a tampered lottery key is found" gx audit --wave 23
grep -q "^$lolos: lottery_key: stored " "$W/last.out" &&
	grep -q "^$lolos: lottery_key (C): stored [0-9a-f]*, recomputed $key" "$W/last.out" &&
	_ok "by the SQL comparison and by the C recomputation" ||
	_not_ok "by the SQL comparison and by the C recomputation"
# the C check stands on its own: with the SQL comparison silenced (as if
# the server's functions had been tampered with too) it still finds it
psql -X -q -v ON_ERROR_STOP=1 -c "alter function gelombang.audit_differences(integer)
	rename to audit_differences_real" -c "create function gelombang.audit_differences(p_wave integer)
	returns table (nik text, item text, stored text, recomputed text)
	language sql as 'select null::text, null::text, null::text, null::text where false'"
expect_exit 1 "the C recomputation alone finds the forged key" gx audit --wave 23
same "and only it" "$lolos: lottery_key (C)" "$(head -1 "$W/last.out" | cut -d: -f1-2)"
psql -X -q -v ON_ERROR_STOP=1 -c "drop function gelombang.audit_differences(integer)" \
	-c "alter function gelombang.audit_differences_real(integer) rename to audit_differences"
tamper outcome "update gelombang.outcome set lottery_key = decode('$key', 'hex') where wave = 23 and nik = '$lolos'"
expect_exit 0 "restored: identical again" gx audit --wave 23

saved=$(sql "select format('(%L, %s, %L, %L, %s)', nik, wave, kk, card_number, saldo)
	from gelombang.participant where nik = '$lolos'")
tamper participant "delete from gelombang.participant where nik = '$lolos'"
expect_exit 1 "a deleted participant is found" gx audit --wave 23
grep -q "^$lolos: participant missing: stored (none), recomputed LOLOS" "$W/last.out" &&
	_ok "as a missing participant" || _not_ok "as a missing participant"
tamper participant "insert into gelombang.participant (nik, wave, kk, card_number, saldo) values $saved"
expect_exit 0 "restored: identical again" gx audit --wave 23

tamper participant "update gelombang.participant set saldo = 9999999 where nik = '$lolos'"
expect_exit 1 "a changed saldo is found" gx audit --wave 23
grep -q "^$lolos: saldo: stored 9999999, recomputed 3550000" "$W/last.out" &&
	_ok "with both values" || _not_ok "with both values"
tamper participant "update gelombang.participant set saldo = 3550000 where nik = '$lolos'"

# card numbers are drawn at random (CSPRNG): holding one card tells nothing
# of the others; in the old numbering the winners of consecutive lottery
# ranks had consecutive serials
card=$(sql "select card_number from gelombang.participant where nik = '$lolos'")
same "card numbers of consecutive lottery ranks are not close" "$(sql "select count(*) from gelombang.participant where wave = 23")|0" \
	"$(sql "select count(*), count(*) filter (where abs(d) <= 1000) from (
		select left(p.card_number, 15)::bigint - lag(left(p.card_number, 15)::bigint)
			over (order by o.lottery_key) as d
		from gelombang.participant p
		join gelombang.outcome o on o.wave = p.wave and o.nik = p.nik where p.wave = 23) x")"
same "... 16 digits, Luhn-valid, none twice in the wave" "t" \
	"$(sql "select bool_and(card_number ~ '^[0-9]{16}$' and gelombang.luhn_valid(card_number))
		and count(distinct card_number) = count(*) from gelombang.participant where wave = 23")"
other=$(sql "select card_number from gelombang.participant where wave = 23 and nik <> '$lolos' limit 1")
tamper participant "alter table gelombang.participant drop constraint participant_card_number_key;
	update gelombang.participant set card_number = '$other' where nik = '$lolos'"
expect_exit 1 "a card number also held by another participant is found" gx audit --wave 23
grep -q "^$lolos: card_number not unique: stored $other, recomputed [0-9]" "$W/last.out" &&
	_ok "with the number" || _not_ok "with the number"
tamper participant "update gelombang.participant set card_number = '$card' where nik = '$lolos';
	alter table gelombang.participant add constraint participant_card_number_key unique (card_number)"
# a check digit that is wrong: the table's own check must go first
bad=${card%?}$(((${card: -1} + 1) % 10))
tamper participant "alter table gelombang.participant drop constraint participant_card_luhn;
	update gelombang.participant set card_number = '$bad' where nik = '$lolos'"
expect_exit 1 "a card number with a wrong check digit is found" gx audit --wave 23
grep -q "^$lolos: card_number invalid: stored $bad, recomputed 16 digits, Luhn-valid" "$W/last.out" &&
	grep -q "^$lolos: card_number (C): $bad is not 16 digits with a valid Luhn check digit" "$W/last.out" &&
	_ok "by SQL and by C (not Luhn-valid)" ||
	_not_ok "by SQL and by C (not Luhn-valid)"
tamper participant "update gelombang.participant set card_number = '$card' where nik = '$lolos';
	alter table gelombang.participant add constraint participant_card_luhn
	check (gelombang.luhn_valid(card_number))"
expect_exit 0 "restored: identical again" gx audit --wave 23

frozen=$(sql "select nik from gelombang.frozen_prior where wave = 23 order by nik limit 1")
tamper frozen_prior "delete from gelombang.frozen_prior where wave = 23 and nik = '$frozen'"
expect_exit 1 "a frozen input changed after process is found" gx audit --wave 23
grep -q "^$frozen: frozen earlier participant: stored not an earlier participant" "$W/last.out" &&
	grep -q "^$frozen: reason: stored PESERTA_SEBELUMNYA" "$W/last.out" &&
	_ok "with what it changed in the result" || _not_ok "with what it changed in the result"
tamper frozen_prior "insert into gelombang.frozen_prior values (23, '$frozen')"
expect_exit 0 "restored: identical again" gx audit --wave 23

# a changed seed: the commitment check must go first (and a seed changed
# together with its commitment changes every lottery key)
cons=$(sql "select conname from pg_constraint where conrelid = 'gelombang.wave'::regclass
	and pg_get_constraintdef(oid) like '%commitment%'")
tamper wave "alter table gelombang.wave drop constraint $cons;
	update gelombang.wave set seed = repeat('0', 64) where wave = 23"
expect_exit 1 "a changed seed is found" gx audit --wave 23
grep -q "^seed: its sha256 is [0-9a-f]*, the commitment is $commitment23$" "$W/last.out" &&
	_ok "as not matching its commitment" || _not_ok "as not matching its commitment"
grep -q "^\.\.\. and [0-9]* more$" "$W/last.out" &&
	_ok "with the first 20 differences listed and the rest counted" ||
	_not_ok "with the first 20 differences listed and the rest counted"
same "20 differences listed" 20 "$(head -n -2 "$W/last.out" | wc -l)"
tamper wave "update gelombang.wave set commitment = encode(sha256(convert_to(repeat('0', 64), 'UTF8')), 'hex')
	where wave = 23"
expect_exit 1 "a seed changed together with its commitment is found" gx audit --wave 23
grep -q "^[0-9]*: lottery_key: stored " "$W/last.out" && _ok "by the lottery keys" ||
	_not_ok "by the lottery keys"
tamper wave "update gelombang.wave set seed = '$FX_SEED23',
	commitment = '$commitment23' where wave = 23;
	alter table gelombang.wave add constraint $cons
	check (commitment = encode(sha256(convert_to(seed, 'UTF8')), 'hex'))"
expect_exit 0 "restored: identical again" gx audit --wave 23
same "every mismatch is in the history as REFUSED" 11 \
	"$(sql "select count(*) from gelombang.history where job = 'audit' and outcome = 'REFUSED'
		and message like 'not identical: %'")"

# the independent bundle -----------------------------------------------------------
B=$W/bundle23
expect_exit 0 "audit --independent writes the bundle" gx audit --wave 23 --independent "$B"
same "the bundle's files" "README.md
SHA256SUMS
commitment.txt
earlier_participants.csv
household_prior.csv
quotas.csv
recompute.py
registrations.csv
results.csv
revocation.csv
rules.json
seed.txt
wave.json" "$(cd "$B" && ls | LC_ALL=C sort)"
check "sha256sum -c SHA256SUMS" sh -c "cd '$B' && sha256sum -c --quiet SHA256SUMS"
same "the seed's sha256sum is the commitment (the README's recipe)" "$(cat "$B/commitment.txt")" \
	"$(printf %s "$(cat "$B/seed.txt")" | sha256sum | cut -c1-64)"
nik=$(grep -m1 '^[0-9]*,LOLOS,' "$B/results.csv" | cut -d, -f1)
same "a lottery key by the README's recipe" \
	"$(grep "^$nik," "$B/results.csv" | cut -d, -f4)" \
	"$(printf '%s:%s' "$(cat "$B/seed.txt")" "$nik" | sha256sum | cut -c1-64)"
same "registrations.csv has the columns the rule reads: no name, no phone" \
	"nik,kk,birth_date,sex,occupation,in_school,receives_aid,region_code,joined_at" \
	"$(head -1 "$B/registrations.csv")"
phone=$(sql "select phone from gelombang.registration where wave = 23 and phone is not null limit 1")
name=$(sql "select name from gelombang.registration where wave = 23 limit 1")
same "no phone number or name anywhere in the bundle" "" \
	"$(grep -rlF -e "$phone" -e "$name" "$B")"
same "the directory is the owner's only (0700), every file too (0600)" "700 600" \
	"$(stat -c %a "$B") $(stat -c %a "$B"/* | sort -u | xargs)"
expect_exit 1 "a directory that is not empty is refused" gx audit --wave 23 --independent "$B"
grep -q "directory \"$B\" is not empty" "$W/last.err" &&
	_ok "... saying so, before the audit runs" || _not_ok "... saying so, before the audit runs"
touch -d 2000-01-01 "$B/results.csv"
printf 'keep\n' >"$B/mine.txt"
expect_exit 0 "--force writes over it" gx audit --wave 23 --independent "$B" --force
same "... the bundle anew, the other file left" "new keep" \
	"$([ "$(stat -c %Y "$B/results.csv")" -gt 946684800 ] && echo new || echo old) $(cat "$B/mine.txt")"
rm "$B/mine.txt"
same "every entry is in registrations.csv" "$n23" "$(python3 -c '
import csv, sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=""))))' "$B/registrations.csv")"
gx results --wave 23 >"$W/results23.csv"
same "results.csv is what results prints (plus saldo)" "$(cat "$W/results23.csv")" \
	"$(cut -d, -f1-5 "$B/results.csv")"
expect_exit 0 "recompute.py recomputes the result from the bundle alone" \
	env -i PATH=/usr/bin:/bin python3 "$B/recompute.py"
same "identical" "identical: $n23 entries" "$(cat "$W/last.out")"
cp -r "$B" "$W/forged"
sed -i "s/^$nik,LOLOS,,/$nik,TIDAK_LOLOS,KUOTA_PENUH,/; s/^\($nik,.*\),[0-9]\{16\},3550000\$/\1,,/" "$W/forged/results.csv"
expect_exit 1 "recompute.py finds a forged result in the bundle" python3 "$W/forged/recompute.py" "$W/forged"
grep -q "^$nik: status: stored TIDAK_LOLOS, recomputed LOLOS" "$W/last.out" &&
	_ok "and names it" || _not_ok "and names it"
# card numbers are drawn at random: recompute.py checks them, as audit does
lolos1=$(grep ',LOLOS,' "$B/results.csv" | sed -n 1p | cut -d, -f1,5)
lolos2=$(grep ',LOLOS,' "$B/results.csv" | sed -n 2p | cut -d, -f1,5)
rm -rf "$W/forged" && cp -r "$B" "$W/forged"
sed -i "s/${lolos2#*,}/${lolos1#*,}/" "$W/forged/results.csv"
expect_exit 1 "recompute.py finds a card number held twice" python3 "$W/forged/recompute.py" "$W/forged"
grep -q "^${lolos2%,*}: card_number ${lolos1#*,} also held by ${lolos1%,*}" "$W/last.out" &&
	_ok "and names both holders" || _not_ok "and names both holders"
c=${lolos1#*,}
rm -rf "$W/forged" && cp -r "$B" "$W/forged"
sed -i "s/$c/${c%?}$(((${c: -1} + 1) % 10))/" "$W/forged/results.csv"
expect_exit 1 "recompute.py finds a card number with a wrong check digit" \
	python3 "$W/forged/recompute.py" "$W/forged"
grep -q "^${lolos1%,*}: card_number .* is not 16 digits with a valid Luhn digit" "$W/last.out" &&
	_ok "and names it" || _not_ok "and names it"
expect_exit 0 "wave 22's bundle recomputes too" gx audit --wave 22 --independent "$W/bundle22"
expect_exit 0 "identical" python3 "$W/bundle22/recompute.py"
if [ -n "$(ls "$W/bundle22")" ] && ! grep -rqi "http" "$W/bundle22/README.md"; then
	_ok "the README needs no network"
else
	_not_ok "the README needs no network"
fi

# the auditor role ---------------------------------------------------------------------
psql -X -q -c "drop role if exists it_auditor" -c "create role it_auditor login in role gelombang_auditor"
ga() { "$G" -c "$W/fixture.conf" --db "$TEST_DB user=it_auditor" "$@"; }
expect_exit 0 "the auditor role can audit" ga audit --wave 23
same "and its run is recorded" "audit|SUCCEEDED" \
	"$(sql "select job, outcome from gelombang.history order by id desc limit 1")"
expect_exit 0 "and write the bundle" ga audit --wave 22 --independent "$W/bundle22a"
expect_exit 1 "but it cannot record any other job" psql -X -q -U it_auditor -v ON_ERROR_STOP=1 \
	-c "insert into gelombang.job_run (job, wave, operator) values ('announce', 24, 'x')"
expect_exit 1 "nor end another job's run" psql -X -q -U it_auditor -v ON_ERROR_STOP=1 \
	-c "insert into gelombang.job_run_end (run_id, job, wave, outcome)
	    select id, job, wave, 'SUCCEEDED' from gelombang.job_run where job = 'select' limit 1"
expect_exit 1 "nor change an outcome" psql -X -q -U it_auditor -v ON_ERROR_STOP=1 \
	-c "update gelombang.outcome set reason = null where wave = 23"
psql -X -q -c "drop owned by it_auditor" -c "drop role it_auditor"

# a busy wave: audit takes the wave's lock without waiting
psql -X -q -c "select pg_advisory_lock(1734700130, 23), pg_sleep(3)" >/dev/null &
holder=$!
for i in $(seq 1 50); do
	[ "$(sql "select count(*) from pg_locks where locktype = 'advisory' and classid = 1734700130 and objid = 23")" = 1 ] && break
	sleep 0.1
done
expect_exit 75 "audit of a wave whose lock another run holds: 75 at once" gx audit --wave 23
wait $holder
done_testing
