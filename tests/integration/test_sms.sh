#!/bin/bash
# SMS through a real Kannel (bearerbox, smsbox, fakesmsc from kannel-extras;
# scripts/kannel-local), with delivery reports through sms listen:
# - a wave of a few hundred messages arrives exactly once each with the
#   rendered text (a template with % and Indonesian text outside the GSM
#   alphabet, sent as UCS-2); sms status ends with every message DELIVERED;
# - reports 2, 16, 8 after 1, duplicates, a forged id, malformed reports and
#   a client that is not the gateway, called the way smsbox calls a dlr-url;
# - sms listen down, or killed, while reports arrive: Kannel's retries are
#   recorded;
# - a password the gateway refuses: exit 78, nothing marked;
# - a phone Kannel refuses: FAILED with the answer, the rest goes on;
#   sms retry puts FAILED messages back;
# - the gateway stopped mid-run: exit 69, the rest PENDING; restarted, the
#   next run completes;
# - SIGTERM stops sms send cleanly (exit 1, INTERRUPTED, what was accepted
#   recorded); --rate caps the messages a second;
# - SIGKILL at each fault point of sms send, then a re-run: no message
#   missing at fakesmsc, repeats at most one page (4 x sms.in_flight).
. "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
KL=$root/scripts/kannel-local
MSGS="python3 $root/tests/integration/fakesmsc-messages"
for b in /usr/sbin/bearerbox /usr/sbin/smsbox /usr/lib/kannel/test/fakesmsc; do
	if [ ! -x "$b" ]; then
		echo "# skip: $b is missing (apt-get install kannel kannel-extras)"
		exit 77
	fi
done

export KANNEL_LOCAL_PORT=14030
K=$W/kannel
LISTEN_PID=
cleanup() {
	[ -n "$LISTEN_PID" ] && kill $LISTEN_PID 2>/dev/null
	"$KL" stop "$K" >/dev/null 2>&1
}
trap cleanup EXIT
"$KL" start "$K" || { echo "not ok - kannel-local start"; exit 1; }
eval "$("$KL" env "$K")"
DLR_PORT=$KANNEL_DLR_PORT

IN_FLIGHT=4 # a page is 16 messages: several pages, a small repeat bound
cat >"$W/sms.conf" <<EOF
sms: {
  lolos = "Selamat {nama}! Anda LOLOS “Kartu Prakerja” gelombang {gelombang} — 100% kartu {kartu}.";
  tidak_lolos = "Maaf {nama}, kuota gelombang {gelombang} 100% terisi; coba lagi dalam {hari} hari.";
  gateway_url = "$KANNEL_SENDSMS_URL";
  username = "$KANNEL_USERNAME"; password = "$KANNEL_PASSWORD"; sender = "PRAKERJA";
  dlr_url = "http://127.0.0.1:$DLR_PORT/dlr";
  gateway_address = "127.0.0.1";
  in_flight = $IN_FLIGHT; timeout = 5; retries = 2;
};
EOF
gs() { g -c "$W/sms.conf" "$@"; }
start_listen() {
	# not through a function: $! must be the program's pid
	"$G" --db "$TEST_DB" -c "$W/sms.conf" sms listen --port "${1:-$DLR_PORT}" >>"$W/listen.log" 2>&1 &
	LISTEN_PID="$LISTEN_PID $!"
	for _ in $(seq 1 50); do
		curl -s -o /dev/null "http://127.0.0.1:${1:-$DLR_PORT}/" && return 0
		sleep 0.1
	done
}
stop_listen() { # every sms listen of this test
	local p
	for p in $LISTEN_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	LISTEN_PID=
}
# wave N with about $2 registrations, announced
make_wave() {
	local w=$1 n=$2 d0 d1 d5
	d0=$(printf '2022-03-%02d' $((1 + 6 * (w - 30))))
	d1=$(printf '2022-03-%02d' $((2 + 6 * (w - 30))))
	d5=$(printf '2022-03-%02d' $((6 + 6 * (w - 30))))
	gs --now "${d0}T09:00:00+07:00" wave create --wave "$w" --opens "${d0}T12:00:00+07:00" \
		--closes "${d1}T23:59:00+07:00" --quota $((n / 4)) >/dev/null 2>&1
	"$root/scripts/gen-registrations" -n "$n" -s "$w" --wave-opens "${d0}T12:00:00+07:00" \
		--wave-closes "${d1}T23:59:00+07:00" >"$W/w$w.csv"
	gs import --wave "$w" --rejects "$W/r$w.csv" "$W/w$w.csv" >/dev/null 2>&1
	gs --now "${d5}T23:59:00+07:00" run-due >/dev/null 2>&1
}
received() { $MSGS "$K/fakesmsc.log"; }
# what fakesmsc received for the phones of wave $1
received_for() {
	awk -F'\t' 'NR == FNR { p[$0] = 1; next } ($1 in p)' \
		<(sql "select distinct phone from gelombang.sms_message where wave = $1") <(received)
}
expected() {
	sql "select phone || E'\t' || message from gelombang.sms_message
	     where wave = $1 and phone <> '0812abc' order by id"
}
wait_states() { # wave want: until sms status is want (30 s at most)
	local i
	for i in $(seq 1 150); do
		[ "$(g sms status --wave "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

# a wave of a few hundred ---------------------------------------------------------------
make_wave 30 360
n30=$(sql "select count(*) from gelombang.outbox where wave = 30")
[ "$n30" -ge 250 ] && _ok "wave 30 has $n30 messages in its outbox" || _not_ok "wave 30 has $n30 messages"
start_listen
expect_exit 0 "sms send" gs sms send
same "every message queued and sent" "$n30" "$(sql "select count(*) from gelombang.sms_message where wave = 30 and state >= 'SENT'")"
same "the rendered texts are those of the outbox" "" \
	"$(sql "select o.nik from gelombang.outbox o join gelombang.sms_message m using (wave, nik)
		where o.wave = 30 and o.message <> m.message")"
sleep 1
same "every message arrived at fakesmsc exactly once, with its text" \
	"$(expected 30 | sort)" "$(received | sort)"
same "LOLOS first" "LOLOS" "$(sql "select status from gelombang.sms_message where wave = 30
	order by sent_at, id limit 1")"
received >"$W/got30"
grep -q "Anda LOLOS “Kartu Prakerja” gelombang 30 — 100% kartu" "$W/got30" &&
	_ok "“ ” — and % arrived as written (UCS-2)" || _not_ok "the text outside GSM arrived changed"
grep -q "kuota gelombang 30 100% terisi; coba lagi dalam 30 hari" "$W/got30" &&
	_ok "the GSM text with % arrived as written" || _not_ok "the GSM text arrived changed"
wait_states 30 "$(printf 'wave,state,messages\n30,DELIVERED,%s' "$n30")" &&
	_ok "sms status: every message DELIVERED" || _not_ok "sms status: $(g sms status --wave 30 | tr '\n' ' ')"
# dlr-mask 19: delivered, failed, refused by the SMSC; no report of the
# SMSC's acceptance (8), which would say no more than SENT
same "one report (1, delivered) for each" "1 1" \
	"$(sql "select min(reports) || ' ' || max(reports) from gelombang.sms_message where wave = 30")"
same "history: sms send SUCCEEDED with the count" "SUCCEEDED $n30" \
	"$(sql "select outcome || ' ' || rows from gelombang.history where job = 'sms send' order by id desc limit 1")"
expect_exit 0 "a second sms send" gs sms send
same "... sends nothing" "NOTHING_TO_DO" \
	"$(sql "select outcome from gelombang.history where job = 'sms send' order by id desc limit 1")"
grep -q "local-secret" "$W/last.err" "$W/listen.log" 2>/dev/null &&
	_not_ok "the password was printed" || _ok "the password is not printed"
[ -z "$(sql "select 1 from gelombang.history where command_line like '%local-secret%' or message like '%local-secret%'")" ] &&
	_ok "nor in the history" || _not_ok "the password is in the history"

# reports as smsbox sends them --------------------------------------------------------------
dlr() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
id1=$(sql "select min(id) from gelombang.sms_message where wave = 30")
same "8 after 1 answered 200" 200 "$(dlr "http://127.0.0.1:$DLR_PORT/dlr?id=$id1&status=8")"
same "8 after 1: the message stays DELIVERED" DELIVERED "$(sql "select state from gelombang.sms_message where id = $id1")"
same "a report 2 after DELIVERED changes nothing" 200 "$(dlr "http://127.0.0.1:$DLR_PORT/dlr?id=$id1&status=2")"
same "... the message stays DELIVERED" DELIVERED "$(sql "select state from gelombang.sms_message where id = $id1")"
before=$(sql "select md5(string_agg(id || state::text || coalesce(report, 0) || reports, ',' order by id)) from gelombang.sms_message")
same "a forged id is answered 200" 200 "$(dlr "http://127.0.0.1:$DLR_PORT/dlr?id=987654321&status=1")"
same "malformed: answered 200" 200 "$(dlr "http://127.0.0.1:$DLR_PORT/dlr?id=1%3Bdrop&status=1")"
same "no status: answered 200" 200 "$(dlr "http://127.0.0.1:$DLR_PORT/dlr?id=$id1")"
same "from 127.0.0.2, not the gateway: 403" 403 "$(dlr --interface 127.0.0.2 "http://127.0.0.1:$DLR_PORT/dlr?id=$((id1 + 1))&status=2")"
same "another path: 404" 404 "$(dlr "http://127.0.0.1:$DLR_PORT/other?id=$((id1 + 1))&status=2")"
same "... none of them stored anything" "$before" \
	"$(sql "select md5(string_agg(id || state::text || coalesce(report, 0) || reports, ',' order by id)) from gelombang.sms_message")"
grep -q "no such message" "$W/listen.log" && grep -q "malformed" "$W/listen.log" && grep -q "not the gateway" "$W/listen.log" &&
	_ok "the forged, malformed and refused reports are logged" || _not_ok "not logged: $(tail -3 "$W/listen.log")"

# sms listen down while reports arrive; 2 and 16 on SENT messages -----------------------------
make_wave 31 200
sed 's/password = "[^"]*"/password = "not-the-password"/' "$W/sms.conf" >"$W/wrong.conf"
expect_exit 78 "a password the gateway refuses: exit 78" g -c "$W/wrong.conf" sms send --wave 31 --limit 5
grep -q "the gateway refused the credentials (HTTP 403" "$W/last.err" && _ok "... saying so" || _not_ok "$(cat "$W/last.err")"
same "... and nothing marked" "0" "$(sql "select count(*) from gelombang.sms_message where wave = 31 and (state <> 'PENDING' or attempts > 0)")"
stop_listen
expect_exit 0 "sms send --limit 40 while sms listen is down" gs sms send --wave 31 --limit 40
same "40 SENT, no report yet" "40" "$(sql "select count(*) from gelombang.sms_message where wave = 31 and state = 'SENT'")"
read -r a b c <<<"$(sql "select string_agg(id::text, ' ' order by id) from (select id from gelombang.sms_message
	where wave = 31 and state = 'SENT' order by id limit 3) x")"
start_listen $((DLR_PORT - 1)) # a second endpoint, which Kannel does not know
same "report 2 (failed at the phone) through POST" 200 "$(dlr -d "id=$a&status=2" "http://127.0.0.1:$((DLR_PORT - 1))/dlr")"
same "report 16 (refused by the SMSC)" 200 "$(dlr "http://127.0.0.1:$((DLR_PORT - 1))/dlr?id=$b&status=16")"
dlr "http://127.0.0.1:$((DLR_PORT - 1))/dlr?id=$c&status=1" >/dev/null
dlr "http://127.0.0.1:$((DLR_PORT - 1))/dlr?id=$c&status=8" >/dev/null
dlr "http://127.0.0.1:$((DLR_PORT - 1))/dlr?id=$c&status=1" >/dev/null
same "2 and 16 are FAILED; 1, 8, 1 is DELIVERED with three reports" "FAILED 2 1
FAILED 16 1
DELIVERED 1 3" "$(sql "select state || ' ' || report || ' ' || reports from gelombang.sms_message
	where id in ($a, $b, $c) order by id")"
stop_listen
start_listen
wait_states 31 "$(printf 'wave,state,messages\n31,PENDING,%s\n31,DELIVERED,38\n31,FAILED,2' \
	"$(sql "select count(*) - 40 from gelombang.sms_message where wave = 31")")" &&
	_ok "what Kannel retried once sms listen was back is recorded; FAILED stays FAILED" ||
	_not_ok "after listen restart: $(g sms status --wave 31 | tr '\n' ' ')"

# a phone Kannel refuses, and sms retry ----------------------------------------------------
sql "insert into gelombang.sms_message (wave, nik, kind, phone, status, message)
     values (31, '0000000000000001', 'announcement', '0812abc', 'LOLOS', 'nomor salah')" >/dev/null
expect_exit 0 "sms send --wave 31 with a phone Kannel refuses" gs sms send --wave 31
same "that message is FAILED with Kannel's answer" \
	"FAILED HTTP 400: Number(s) has/have been denied by white- and/or black-lists." \
	"$(sql "select state || ' ' || answer from gelombang.sms_message where phone = '0812abc'")"
same "every other message was sent" "0" "$(sql "select count(*) from gelombang.sms_message where wave = 31 and state = 'PENDING'")"
expect_exit 0 "sms retry --wave 31" gs sms retry --wave 31
same "the three FAILED are PENDING again" 3 "$(sql "select count(*) from gelombang.sms_message where wave = 31 and state = 'PENDING'")"
same "sms retry is in the history" "SUCCEEDED 3" \
	"$(sql "select outcome || ' ' || rows from gelombang.history where job = 'sms retry' order by id desc limit 1")"
expect_exit 0 "sms send after the retry" gs sms send --wave 31
wait_states 31 "$(printf 'wave,state,messages\n31,DELIVERED,%s\n31,FAILED,1' \
	"$(sql "select count(*) - 1 from gelombang.sms_message where wave = 31")")" &&
	_ok "retried messages delivered; the refused phone FAILED again" || _not_ok "$(g sms status --wave 31 | tr '\n' ' ')"
sleep 1
same "wave 31 at fakesmsc: each once, the two retried twice" \
	"$( (expected 31; sql "select phone || E'\t' || message from gelombang.sms_message where id in ($a, $b)") | sort)" \
	"$(received_for 31 | sort)"

# the gateway stopped mid-run --------------------------------------------------------------
make_wave 32 300
n32=$(sql "select count(*) from gelombang.outbox where wave = 32")
GELOMBANG_FAULT_SLEEP=job:sms:committed:300 gs sms send --wave 32 >"$W/stop.out" 2>"$W/stop.err" &
send_pid=$!
sleep 1.5
"$KL" stop-bearerbox "$K"
wait "$send_pid"
same "bearerbox stopped mid-run: sms send exits 69" 69 "$?"
grep -q "could not send SMS: the gateway could not take a message" "$W/stop.err" &&
	_ok "... saying the gateway could not take messages" || _not_ok "$(cat "$W/stop.err")"
p32=$(sql "select count(*) from gelombang.sms_message where wave = 32 and state = 'PENDING'")
[ "$p32" -gt 0 ] && [ "$p32" -lt "$n32" ] && _ok "some sent, $p32 left PENDING" || _not_ok "PENDING after the stop: $p32 of $n32"
same "history: FAILED" FAILED "$(sql "select outcome from gelombang.history where job = 'sms send' order by id desc limit 1")"
"$KL" start "$K"
expect_exit 0 "gateway back: the re-run completes" gs sms send --wave 32
same "wave 32: nothing PENDING" 0 "$(sql "select count(*) from gelombang.sms_message where wave = 32 and state = 'PENDING'")"
sleep 2
same "wave 32: every message at fakesmsc exactly once" "$(expected 32 | sort)" \
	"$(received_for 32 | sort)"

# SIGKILL at each fault point (and --rate first) ------------------------------------------------
make_wave 33 1000
t0=$(date +%s%N)
expect_exit 0 "sms send --rate 20 --limit 40" gs sms send --wave 33 --rate 20 --limit 40
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 1900 ] && [ "$ms" -lt 15000 ] && _ok "--rate 20: 40 messages took $ms ms (at least 1950 by the rate)" ||
	_not_ok "--rate 20: 40 messages took $ms ms"
PAGE=$((4 * IN_FLIGHT))
# without sms listen: a report arriving before the re-run would make a
# message DELIVERED and spare it the repeat this part is meant to count
stop_listen
points=$(grep -o 'fault_job_point("sms", "[a-z-]*")' "$root"/batch/sms_*.c | sed 's/.*, "\(.*\)")/\1/' | sort -u)
npoints=$(echo "$points" | wc -l)
[ "$npoints" -ge 6 ] && _ok "sms send has $npoints fault points" || _not_ok "only $npoints fault points"
kills=0
for p in $points; do
	case $p in page-read | submitted | recorded | committed) at=job:sms:$p:2 ;; *) at=job:sms:$p ;; esac
	GELOMBANG_FAULT=$at gs sms send --wave 33 --limit 48 >/dev/null 2>"$W/kill.err"
	rc=$?
	if [ "$rc" = 137 ] || grep -q "fault: kill" "$W/kill.err"; then
		kills=$((kills + 1))
	else
		_not_ok "no kill at $at (exit $rc)"
	fi
	gs sms send --wave 33 --limit 20 >/dev/null 2>&1 || _not_ok "the run after the kill at $p failed"
done
same "killed once at each point" "$npoints" "$kills"
expect_exit 0 "the last run sends the rest" gs sms send --wave 33
same "wave 33: nothing PENDING" 0 "$(sql "select count(*) from gelombang.sms_message where wave = 33 and state = 'PENDING'")"
same "no sms send run is left without an end" 0 \
	"$(sql "select count(*) from gelombang.job_run j where job = 'sms send'
		and not exists (select 1 from gelombang.job_run_end e where e.run_id = j.id)")"
same "the runs killed between their start row and their end row are DEAD (6)" 6 \
	"$(sql "select count(*) from gelombang.history where job = 'sms send' and outcome = 'DEAD'")"
sleep 2
received_for 33 | sort >"$W/got33"
expected 33 | sort >"$W/want33"
same "no message of wave 33 is missing at fakesmsc" "" "$(comm -23 <(sort -u "$W/got33") "$W/want33")$(comm -13 <(sort -u "$W/got33") "$W/want33")"
repeats=$(($(wc -l <"$W/got33") - $(sort -u "$W/got33" | wc -l)))
bound=$((kills * PAGE))
[ "$repeats" -le "$bound" ] && _ok "repeats: $repeats, at most one page ($PAGE) a kill ($bound)" ||
	_not_ok "repeats: $repeats > $bound"
[ "$(sort "$W/got33" | uniq -c | awk '$1 > 2' | wc -l)" = 0 ] && _ok "no message more than twice" ||
	_not_ok "a message arrived three times or more"
[ "$repeats" -gt 0 ] && _ok "the kills between the gateway's answer and the commit did repeat messages" ||
	_not_ok "no repeats: the kills did not hit a page in flight"
start_listen

# sms listen killed (SIGKILL) while reports arrive ------------------------------------------
make_wave 34 300
n34=$(sql "select count(*) from gelombang.outbox where wave = 34")
GELOMBANG_FAULT_SLEEP=job:sms:committed:300 "$G" --db "$TEST_DB" -c "$W/sms.conf" sms send --wave 34 \
	>/dev/null 2>"$W/term.err" &
send_pid=$!
sleep 1
kill -TERM "$send_pid"
wait "$send_pid"
same "SIGTERM: sms send stops with exit 1" 1 "$?"
same "... recorded INTERRUPTED with what it sent" "INTERRUPTED $(sql "select count(*) from gelombang.sms_message where wave = 34 and state >= 'SENT'")" \
	"$(sql "select outcome || ' ' || rows from gelombang.history where job = 'sms send' order by id desc limit 1")"
gs sms send --wave 34 >/dev/null 2>&1 &
send_pid=$!
sleep 0.7
kill -9 $LISTEN_PID
wait $LISTEN_PID 2>/dev/null
LISTEN_PID=
sleep 1
start_listen
wait "$send_pid"
same "sms send while sms listen was killed: exit 0" 0 "$?"
wait_states 34 "$(printf 'wave,state,messages\n34,DELIVERED,%s' "$n34")" &&
	_ok "every report of wave 34 recorded: those refused while it was down came again" ||
	_not_ok "wave 34 after the kill: $(g sms status --wave 34 | tr '\n' ' ')"
sleep 1
same "wave 34 at fakesmsc: every message exactly once" "$(expected 34 | sort)" "$(received_for 34 | sort)"

stop_listen
grep -q "stopped: " "$W/listen.log" && _ok "sms listen stops cleanly on SIGTERM" || _not_ok "sms listen did not say it stopped"
done_testing
