#!/bin/bash
# After the selection: approval before the announcement (SPEC §9), then the
# thirty days (SPEC §10) — first trainings imported, the reminder SMS, revoke
# at revoke_at (killed at each of its fault points and run again), what
# results, status, the dashboard and audit show, a revoked NIK in the next
# wave, and the revoked places recovered by a later wave.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faultlib.sh"
db=${PGDATABASE:?}

run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
state() { sql "select state from gelombang.wave where wave = $1"; }
SEED=acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6
printf 'lifecycle: { require_approval = true; };\n' >"$W/approve.conf"
ga() { "$G" -c "$W/approve.conf" --db "$TEST_DB" "$@"; }

# roles are cluster-wide: names of this test's own
sql "do \$\$ declare r text; begin
	foreach r in array array['gb_t_approver', 'gb_t_nobody'] loop
		if not exists (select 1 from pg_roles where rolname = r) then
			execute format('create role %I login', r);
		end if;
	end loop; end \$\$" >/dev/null
sql "grant gelombang_approver to gb_t_approver" >/dev/null
as_approver() { "$G" -c "$W/approve.conf" --db "dbname=$db user=gb_t_approver" "$@"; }
as_nobody() { "$G" -c "$W/approve.conf" --db "dbname=$db user=gb_t_nobody" "$@"; }

# the registrations: generated, so that the test needs nothing beside the
# repository
"$(cd "$(dirname "$0")/../.." && pwd)/scripts/gen-registrations" -n 300 -s 13 \
	--wave-opens 2022-02-10T12:00:00+07:00 --wave-closes 2022-02-13T23:59:00+07:00 >"$W/wave1.csv"
expect_exit 0 "create wave 1" g --now 2022-02-10T12:00:00+07:00 wave create --wave 1 --opens 2022-02-10T12:00:00+07:00 \
	--closes 2022-02-13T23:59:00+07:00 --announce 2022-02-16T23:59:00+07:00 --quota 22 --seed "$SEED"
same "revoke_at defaults to 23:59 WIB on the 29th day after the announcement date" \
	"2022-03-17 23:59:00" "$(sql "select revoke_at at time zone 'Asia/Jakarta' from gelombang.wave where wave = 1")"
expect_exit 0 "import wave 1" g import --wave 1 "$W/wave1.csv"

# --- approval -------------------------------------------------------------------
run 0 "run-due with approval required: exit 0 at the announcement time" \
	ga --now 2022-02-17T00:00+07:00 run-due
same "... the wave is selected, not announced" DISELEKSI "$(state 1)"
check "... and run-due says it waits for approval" grep -q "waits for approval" "$W/err"
run 1 "announce without approval: exit 1" ga --now 2022-02-17T00:00+07:00 announce --wave 1
check "... \"not approved\"" grep -q "not approved" "$W/err"
same "... still DISELEKSI" DISELEKSI "$(state 1)"
run 0 "without lifecycle.require_approval announce would not wait (dry run)" \
	g --now 2022-02-17T00:00+07:00 announce --wave 1 --dry-run

run 1 "revoke before the announcement: exit 1" g --now 2022-04-01T00:00+07:00 revoke --wave 1
check "... naming announce as the step that must come first" grep -q "announce" "$W/err"
run 1 "approve by the role that ran select: exit 1" ga approve --wave 1
check "... saying another role must approve" grep -q "ran the select of wave 1" "$W/err"
same "... recorded as REFUSED" REFUSED \
	"$(sql "select outcome from gelombang.history where job = 'approve' order by id desc limit 1")"
run 1 "approve by a role that is not a member of gelombang_approver: exit 1" \
	as_nobody approve --wave 1
check "... naming the group role" grep -q "not a member of gelombang_approver" "$W/err"
same "no approval stored" 0 "$(sql "select count(*) from gelombang.approval")"

P1=$(sql "select nik from gelombang.participant where wave = 1 order by nik limit 1")
printf 'nik,first_training_at\n%s,2022-02-20T10:00:00+07:00\n' "$P1" >"$W/early.csv"
run 65 "training import before the announcement: exit 65" g training import "$W/early.csv"
check "... the row is rejected: the wave is not DIUMUMKAN" \
	grep -q "^$P1,2022-02-20T10:00:00+07:00,2,\"nik: a participant of wave 1, which is DISELEKSI, not DIUMUMKAN\"\$" \
	"$W/early.csv.rejects.csv"

run 0 "approve by a member of gelombang_approver: exit 0" \
	as_approver approve --wave 1 --note "laporan keadilan diperiksa"
digest=$(g results --wave 1 | sha256sum | cut -d' ' -f1)
same "the approval binds the SHA-256 of what results prints" \
	"gb_t_approver|$digest|laporan keadilan diperiksa" \
	"$(sql "select approved_by, results_digest, note from gelombang.approval where wave = 1")"
check "... and says so" grep -q "approved by gb_t_approver .*results digest $digest" "$W/out"
run 0 "approve --wave 1 again: a second approval is recorded" as_approver approve --wave 1
g wave show --wave 1 >"$W/show" 2>&1
check "wave show prints the approval" grep -q "^approved: .* by gb_t_approver, results digest $digest" "$W/show"
same "history shows the approval" "approve|SUCCEEDED" \
	"$(sql "select job, outcome from gelombang.history where job = 'approve' order by id desc limit 1")"

# an outcome changed after the approval (as the owner, with its guard off)
victim=$(sql "select nik from gelombang.outcome where wave = 1 and reason = 'KUOTA_PENUH' order by nik limit 1")
tamper() { # the lottery key of the victim: set to $1 (hex)
	sql "alter table gelombang.outcome disable trigger outcome_no_change;
		update gelombang.outcome set lottery_key = decode('$1', 'hex') where wave = 1 and nik = '$victim';
		alter table gelombang.outcome enable trigger outcome_no_change" >/dev/null
}
key=$(sql "select encode(lottery_key, 'hex') from gelombang.outcome where wave = 1 and nik = '$victim'")
tamper "$(printf '%064d' 0)"
run 1 "an outcome changed after the approval: announce refused" \
	ga --now 2022-02-17T00:00+07:00 announce --wave 1
check "... \"not approved\": the results changed" grep -q "not approved: the results of wave 1 changed" "$W/err"
run 0 "... run-due exits 0" ga --now 2022-02-17T00:00+07:00 run-due
same "... and the wave waits" DISELEKSI "$(state 1)"
run 1 "... the same role as select cannot approve the changed results either" ga approve --wave 1
tamper "$key"
run 0 "the outcome restored: run-due announces" ga --now 2022-02-17T00:00+07:00 run-due
same "... DIUMUMKAN" DIUMUMKAN "$(state 1)"
run 1 "approve after the announcement: exit 1" as_approver approve --wave 1
check "... only a selected wave" grep -q "only a selected wave" "$W/err"
g report --wave 1 --format csv >"$W/report.csv"
same "report lists the approvals" 2 "$(grep -c '^approval,[0-9]*,approved_by,gb_t_approver$' "$W/report.csv")"

# --- first trainings ------------------------------------------------------------
# P1 bought before the deadline (twice: the earlier counts), P2 at exactly
# revoke_at, P3 one second after, P4 never; a NIK that is no participant
# and a malformed time are rejected with their lines
mapfile -t P < <(sql "select nik from gelombang.participant where wave = 1 order by nik")
NP=$(sql "select nik from gelombang.outcome where wave = 1 and reason is not null order by nik limit 1")
{
	echo "nik,first_training_at"
	echo "${P[0]},2022-03-05T10:00:00+07:00"
	echo "${P[1]},2022-03-17T23:59:00+07:00"
	echo "${P[2]},2022-03-17T23:59:01+07:00"
	echo "${P[5]},2022-02-20T08:00:00+07:00"
	echo "$NP,2022-03-02T10:00:00+07:00"
	echo "${P[4]},2022-03-32T10:00:00+07:00"
	echo "${P[0]},2022-03-01T09:30:00+07:00"
} >"$W/training.csv"
run 65 "training import: exit 65 with two rejects" g training import "$W/training.csv"
check "... \"5 accepted, 2 rejected\"" grep -q "^5 accepted, 2 rejected" "$W/out"
same "... the reject file names line and error" \
	"nik,first_training_at,line,error
$NP,2022-03-02T10:00:00+07:00,6,nik: not a participant of any wave
${P[4]},2022-03-32T10:00:00+07:00,7,first_training_at: must be an ISO 8601 time with an offset" \
	"$(cat "$W/training.csv.rejects.csv")"
ft() { sql "select nik || ' ' || (first_training_at at time zone 'Asia/Jakarta') || ' ' || source_line
	from gelombang.first_training order by nik"; }
before=$(ft)
same "... the earliest purchase per NIK is kept" \
	"${P[0]} 2022-03-01 09:30:00 8
${P[1]} 2022-03-17 23:59:00 3
${P[2]} 2022-03-17 23:59:01 4
${P[5]} 2022-02-20 08:00:00 5" "$before"
run 65 "the same file again: exit 65 again" g training import "$W/training.csv"
same "... and nothing changed" "$before" "$(ft)"
head -5 "$W/training.csv" | g training import --rejects "$W/stdin.rejects" - >"$W/out" 2>&1
same "training import - reads stdin" 0 "$?"

# --- the reminder ------------------------------------------------------------------
# 7 days before revoke_at: participants with a phone and no first training yet
want=$(sql "select count(*) from gelombang.participant p
	join gelombang.registration r on r.wave = p.wave and r.nik = p.nik
	where p.wave = 1 and r.phone is not null and not exists (select 1 from gelombang.first_training t
		where t.nik = p.nik and t.first_training_at <= '2022-03-12T00:00:00+07:00')")
run 0 "run-due 8 days before revoke_at: nothing due" g --now 2022-03-09T00:00+07:00 run-due
same "... no reminder" 0 "$(sql "select count(*) from gelombang.reminder")"
run 0 "run-due 6 days before revoke_at: the reminders" g --now 2022-03-12T00:00+07:00 run-due
same "... one per participant with a phone and without a first training" "$want" \
	"$(sql "select count(*) from gelombang.reminder where wave = 1 and kind = 'PENGINGAT'")"
same "... none for the one who bought already" 0 \
	"$(sql "select count(*) from gelombang.reminder where nik in ('${P[0]}', '${P[5]}')")"
run 0 "run-due a day later" g --now 2022-03-13T00:00+07:00 run-due
same "... no second reminder" "$want" "$(sql "select count(*) from gelombang.reminder")"
same "... the reminder job succeeded once" 1 \
	"$(sql "select count(*) from gelombang.history where job = 'remind' and outcome = 'SUCCEEDED'")"
# whatever sends the announcement sends the reminders: sms send's queue
# (gelombang.sms_enqueue) takes each wave's reminders once, as messages
# of kind reminder (rolled back: the test sends nothing)
same "sms send queues each reminder once, as a message of kind reminder" "$want|$want|0" \
	"$(psql -X -q -At -v ON_ERROR_STOP=1 <<-'EOF'
	begin;
	select gelombang.sms_enqueue(1, null) > 0 as first \gset
	select (select count(*) from gelombang.sms_message where wave = 1 and kind = 'reminder')
		|| '|' || (select count(*) from gelombang.sms_message m join gelombang.reminder r
			   on r.nik = m.nik and r.wave = m.wave and r.message = m.message
			   where m.kind = 'reminder' and m.state = 'PENDING')
		|| '|' || (select gelombang.sms_enqueue(1, null));
	rollback;
	EOF
	)"

# --- revoke ---------------------------------------------------------------------------
run 1 "revoke a second before revoke_at: exit 1" g --now 2022-03-17T23:58:59+07:00 revoke --wave 1
check "... not yet due, naming the time" grep -q "2022-03-17 23:59:00 WIB" "$W/err"
run 0 "revoke --dry-run after revoke_at: exit 0" g --now 2022-03-18T00:00+07:00 revoke --wave 1 --dry-run
same "... still DIUMUMKAN" DIUMUMKAN "$(state 1)"
same "... recorded as DRY_RUN" DRY_RUN \
	"$(sql "select outcome from gelombang.history where job = 'revoke' order by id desc limit 1")"

# killed at each fault point, then run again: the same result each time
sql "select pg_terminate_backend(pid) from pg_stat_activity
	where datname = current_database() and pid <> pg_backend_pid()" >/dev/null
psql -X -q -d postgres -c "drop database if exists rv_template" -c "create database rv_template template \"$db\"" ||
	echo "not ok - could not copy the database"
rv_dump() {
	psql -X -q -At -d "$1" -c "set timezone = 'Asia/Jakarta'" \
		-c "select wave, state, revoked, revoked_at from gelombang.wave order by wave" \
		-c "select wave, nik from gelombang.revoked order by nik" \
		-c "select count(*) from gelombang.job_run_end where job = 'revoke' and outcome = 'SUCCEEDED'"
}
rv_revoke() { "$G" --db "dbname=$1" --now 2022-03-18T00:00+07:00 revoke --wave 1; }
psql -X -q -d postgres -c "drop database if exists rv_ref" -c "create database rv_ref template rv_template"
expect_exit 0 "revoke without faults" rv_revoke rv_ref
ref=$(rv_dump rv_ref)
points=$(fl_points revoke)
n=0
for p in $points; do
	n=$((n + 1))
	psql -X -q -d postgres -c "drop database if exists rv_k with (force)" -c "create database rv_k template rv_template"
	GELOMBANG_FAULT=$p rv_revoke rv_k >/dev/null 2>"$W/kill.err"
	rc=$?
	if [ "$rc" != 137 ] || ! grep -q "fault: kill at $p\$" "$W/kill.err"; then
		_not_ok "revoke killed at $p (exit $rc)"
		continue
	fi
	for i in $(seq 1 50); do
		rv_revoke rv_k >/dev/null 2>"$W/rerun.err"
		rc=$?
		[ "$rc" = 75 ] || break
		sleep 0.1
	done
	same "revoke killed at $p, run again (exit $rc): the same result" "$ref" "$(rv_dump rv_k)"
done
[ "$n" -ge 10 ] && _ok "revoke has $n fault points" || _not_ok "revoke has $n fault points"
psql -X -q -d postgres -c "drop database if exists rv_k with (force)" -c "drop database if exists rv_ref with (force)" \
	-c "drop database if exists rv_template"

run 0 "run-due at revoke_at revokes" g --now 2022-03-17T23:59:00+07:00 run-due
same "... SELESAI" SELESAI "$(state 1)"
same "... the same revocations as the reference" "$ref" "$(rv_dump "$db" | sed 's/|2022-03-17 23:59:00+07$/|2022-03-18 00:00:00+07/')"
revoked=$(sql "select count(*) from gelombang.revoked where wave = 1")
same "every participant but the three who bought by revoke_at is revoked" \
	"$(( ${#P[@]} - 3 ))" "$revoked"
run 0 "revoke again: exit 0, nothing to do" g --now 2022-03-19T00:00+07:00 revoke --wave 1
check "... saying so" grep -q "already SELESAI" "$W/out"
same "one SUCCEEDED revoke" 1 \
	"$(sql "select count(*) from gelombang.history where job = 'revoke' and outcome = 'SUCCEEDED'")"
run 65 "training import after revoke: rejected" g training import "$W/early.csv"
check "... the wave is SELESAI" grep -q "which is SELESAI, not DIUMUMKAN" "$W/early.csv.rejects.csv"

dash() { sql "select status || '|' || label || '|' || coalesce(card_number, '-') || '|' || coalesce(saldo::text, '-')
	from gelombang.dashboard where nik = '$1' and wave = 1"; }
card() { sql "select card_number from gelombang.participant where nik = '$1'"; }
same "dashboard: bought at exactly revoke_at: LOLOS with card and saldo" \
	"LOLOS|Lolos|$(card "${P[1]}")|3550000" "$(dash "${P[1]}")"
same "dashboard: a second after: DICABUT, no card, no saldo" \
	"DICABUT|Kepesertaan Dicabut|-|-" "$(dash "${P[2]}")"
same "dashboard: never: DICABUT" "DICABUT|Kepesertaan Dicabut|-|-" "$(dash "${P[3]}")"
g results --wave 1 >"$W/results.csv"
key2=$(sql "select encode(lottery_key, 'hex') from gelombang.outcome where nik = '${P[2]}'")
check "results: DICABUT, reason empty, key and card kept" \
	grep -qx "${P[2]},DICABUT,,$key2,$(card "${P[2]}")" "$W/results.csv"
same "results: as many DICABUT as revoked" "$revoked" "$(grep -c ',DICABUT,' "$W/results.csv")"
run 0 "status" g status --wave 1
check "... counts DICABUT" grep -Eq "^1 +SELESAI +DICABUT +Kepesertaan Dicabut +$revoked\$" "$W/out"
g report --wave 1 --format csv >"$W/report.csv"
same "report: the revoked per province add up" "$revoked" \
	"$(awk -F, '$1 == "revocation" && $2 != "wave" && $3 == "revoked" { s += $4 } END { print s }' "$W/report.csv")"
run 0 "audit of the SELESAI wave: identical" g audit --wave 1
sql "alter table gelombang.revoked disable trigger revoked_no_change;
	delete from gelombang.revoked where nik = '${P[3]}';
	alter table gelombang.revoked enable trigger revoked_no_change" >/dev/null
run 1 "audit after a revocation was removed: exit 1" g audit --wave 1
check "... naming the NIK" grep -q "${P[3]}: revoked" "$W/out"
sql "insert into gelombang.revoked (nik, wave) values ('${P[3]}', 1)" >/dev/null
run 0 "... restored: identical again" g audit --wave 1
entries=$(sql "select count(*) from gelombang.registration where wave = 1")
expect_exit 0 "audit --independent of the SELESAI wave" g audit --wave 1 --independent "$W/bundle"
same "... revocation.csv: every participant, the revoked marked" "${#P[@]} $revoked" \
	"$(tail -n +2 "$W/bundle/revocation.csv" | wc -l) $(grep -c ',true$' "$W/bundle/revocation.csv")"
same "... its recompute.py agrees" "identical: $entries entries" "$(python3 "$W/bundle/recompute.py" 2>&1)"
sed -i "s/^${P[1]},\(.*\),false\$/${P[1]},\1,true/" "$W/bundle/revocation.csv"
run 1 "... and finds a revocation that does not follow from the first trainings" \
	python3 "$W/bundle/recompute.py"
check "... naming the NIK" grep -q "^${P[1]}: revoked: stored true, recomputed false" "$W/out"

# --- the next wave: recovered places, a revoked NIK again ------------------------------
run 1 "--recover of a wave that is not SELESAI: exit 1" \
	g --now 2022-03-20T12:00:00+07:00 wave create --wave 2 --opens 2022-03-20T12:00:00+07:00 --closes 2022-03-23T23:59:00+07:00 --recover 1,2
run 0 "wave create --recover 1: the revoked places become the quota" \
	g --now 2022-03-20T12:00:00+07:00 wave create --wave 2 --opens 2022-03-20T12:00:00+07:00 --closes 2022-03-23T23:59:00+07:00 \
	--recover 1 --seed "$(printf '%064d' 2)"
same "... quota = the revoked of wave 1" "$revoked|$revoked" \
	"$(sql "select quota, recovered from gelombang.wave where wave = 2")"
g wave show --wave 2 >"$W/show"
check "wave show names the source" grep -q "recovered from wave 1: $revoked places" "$W/show"
run 1 "wave 1 cannot be recovered twice" \
	g --now 2022-03-24T12:00:00+07:00 wave create --wave 3 --opens 2022-03-24T12:00:00+07:00 --closes 2022-03-25T23:59:00+07:00 \
	--recover 1 --quota 5
check "... saying where its places went" grep -q "went to wave 2" "$W/err"
# the revoked P3 joins wave 2; a new NIK of the same family card too
row=$(grep "^${P[3]}," "$W/wave1.csv")
new="${P[3]:0:12}9999${row#"${P[3]}"}"
printf '%s\n%s\n' "$(head -1 "$W/wave1.csv")" \
	"$(printf '%s' "$new" | sed -E 's/,[^,]*$/,2022-03-21T10:00:00+07:00/')" >"$W/wave2.csv"
expect_exit 0 "import a new NIK of the revoked one's family card" g import --wave 2 "$W/wave2.csv"
expect_exit 0 "the revoked NIK joins wave 2" g --now 2022-03-21T11:00+07:00 join --wave 2 --nik "${P[3]}"
printf 'rules: { household_cap = 1; };\n' >"$W/cap1.conf"
expect_exit 0 "wave 2 to the selection (household cap 1)" \
	"$G" -c "$W/cap1.conf" --db "$TEST_DB" --now 2022-03-24T00:05+07:00 run-due
same "the revoked NIK: PESERTA_SEBELUMNYA" PESERTA_SEBELUMNYA \
	"$(sql "select reason from gelombang.outcome where wave = 2 and nik = '${P[3]}'")"
same "the family card counts the revoked participant: KUOTA_KELUARGA" KUOTA_KELUARGA \
	"$(sql "select reason from gelombang.outcome where wave = 2 and nik = '${P[3]:0:12}9999'")"

done_testing
