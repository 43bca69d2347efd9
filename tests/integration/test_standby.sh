#!/bin/bash
# A hot standby of a private cluster (scripts/pg-local standby) serves the
# applicant's look-up, and the announcement reaches it before any SMS may go:
#   - the look-up on the standby is the primary's;
#   - with replay paused, the standby shows no result after the primary's
#     announcement; announce waits (jobs.standby_wait_seconds), saying for
#     what, and returns once replay resumes, when the standby shows what
#     the primary shows; announcement_visible_everywhere() says the same;
#   - with a short wait, announce warns, exits 0, and the function stays
#     false until the standby has replayed;
#   - the look-up through PgBouncer in front of the standby, also after the
#     standby restarted;
#   - destroying the standby drops its replication slot.
# This test runs its own primary (the shared test cluster would copy every
# other test's database into the standby).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
pl=$root/scripts/pg-local
P=$W/primary
S=$W/standby
B=$W/pgbouncer
role=gb_t_standby_dash

cleanup() {
	"$pl" pgbouncer stop "$B" >/dev/null 2>&1
	"$pl" destroy "$S" >/dev/null 2>&1
	"$pl" destroy "$P" >/dev/null 2>&1
}
trap cleanup EXIT

# run CMD with libpq's environment pointing at the cluster in DIR
on() { # DIR CMD...
	local d=$1
	shift
	(eval "$("$pl" env "$d")" && "$@")
}
q() { # DIR SQL: rows, as the cluster's owner
	on "$1" psql -X -q -At -v ON_ERROR_STOP=1 -c "$2"
}
gp() { on "$P" "$G" "$@"; }
# every NIK's look-up on the cluster in DIR, as the dashboard role
lookups() { # DIR
	on "$1" psql -X -q -At -v ON_ERROR_STOP=1 -U "$role" -c \
		"select d.* from unnest(string_to_array('$(tr '\n' ' ' <"$W/niks" | sed 's/ $//')', ' ')) n,
			gelombang.dashboard_lookup(n) d order by d.nik, d.wave"
}
# wait until the standby has replayed everything the primary has written
caught_up() {
	local lsn
	lsn=$(q "$P" "select pg_current_wal_insert_lsn()")
	for _ in $(seq 1 100); do
		[ "$(q "$S" "select pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
		sleep 0.1
	done
	echo "# the standby did not reach $lsn in 10 s (at $(q "$S" "select pg_last_wal_replay_lsn()"))"
	return 1
}

check "primary: start" env PG_LOCAL_FAST=1 "$pl" start "$P"
same "primary: wal_level replica" replica "$(q "$P" "show wal_level")"
check "primary: migrate" gp migrate
q "$P" "create role $role login in role gelombang_dashboard" >/dev/null

o1=2022-02-10T12:00:00+07:00 c1=2022-02-13T23:59:00+07:00
on "$P" "$root/scripts/gen-registrations" -n 300 -s 11 --wave-opens $o1 --wave-closes $c1 >"$W/w1.csv"
tail -n +2 "$W/w1.csv" | cut -d, -f1 >"$W/niks"
check "wave 1 create" gp --now $o1 wave create --wave 1 --opens $o1 --closes $c1 --quota 60 --seed "$(printf '%064d' 1)"
check "wave 1 import" gp import --wave 1 "$W/w1.csv"
check "wave 1 run-due to the selection" gp --now 2022-02-15T00:00:00+07:00 run-due

# -- the standby ------------------------------------------------------------
check "standby: pg-local standby PRIMARY DIR" "$pl" standby "$P" "$S"
same "standby: in recovery" t "$(q "$S" "select pg_is_in_recovery()")"
check "standby: status names it a standby" grep -q "standby of $P" <("$pl" status "$S")
same "standby: the primary streams to it through a slot" "t|streaming" \
	"$(q "$P" "select s.active, r.state from pg_replication_slots s
		join pg_stat_replication r on r.pid = s.active_pid")"
caught_up
same "standby: the look-up of every NIK is the primary's (Dalam Proses Seleksi)" \
	"$(lookups "$P")" "$(lookups "$S")"
same "... and shows no result" "300 DALAM_PROSES_SELEKSI" \
	"$(lookups "$S" | cut -d'|' -f3 | sort | uniq -c | awk '{ $1 = $1; print }')"
check "standby: stop" "$pl" stop "$S"
check "standby: start again" "$pl" start "$S"
same "standby: still a standby after a restart" t "$(q "$S" "select pg_is_in_recovery()")"

# -- replay paused: the announcement waits for the standby -----------------
printf 'jobs: { standby_wait_seconds = 60; };\n' >"$W/wait60.conf"
printf 'jobs: { standby_wait_seconds = 1; };\n' >"$W/wait1.conf"
caught_up
q "$S" "select pg_wal_replay_pause()" >/dev/null
gp -c "$W/wait60.conf" --now 2022-02-17T00:00:00+07:00 announce --wave 1 >"$W/ann.out" 2>"$W/ann.err" &
ann=$!
for _ in $(seq 1 100); do
	grep -q "waiting up to 60 s" "$W/ann.err" && break
	sleep 0.1
done
check "announce, replay paused: it says what it waits for" \
	grep -q "waiting up to 60 s for 1 standby(s) to replay the announcement of wave 1 (WAL " "$W/ann.err"
check "... and is still waiting" kill -0 "$ann"
same "... the primary has announced" DIUMUMKAN "$(q "$P" "select state from gelombang.wave where wave = 1")"
same "... announcement_visible_everywhere(1) is false" f \
	"$(q "$P" "select gelombang.announcement_visible_everywhere(1)")"
same "... the standby still shows no result" "300 DALAM_PROSES_SELEKSI" \
	"$(lookups "$S" | cut -d'|' -f3 | sort | uniq -c | awk '{ $1 = $1; print }')"
check "... while the primary shows them" test "$(lookups "$P" | grep -c '|LOLOS|')" -gt 0
q "$S" "select pg_wal_replay_resume()" >/dev/null
rc=0
wait "$ann" || rc=$?
same "replay resumed: announce returns, exit 0" 0 "$rc"
check "... saying every standby shows the announcement" \
	grep -q "every standby shows the announcement of wave 1" "$W/ann.err"
# at once, without waiting for anything more
same "... and the standby shows what the primary shows" "$(lookups "$P")" "$(lookups "$S")"
same "... announcement_visible_everywhere(1) is true" t \
	"$(q "$P" "select gelombang.announcement_visible_everywhere(1)")"
check "the announcement's WAL position is recorded" \
	test -n "$(q "$P" "select announced_lsn from gelombang.wave where wave = 1 and announced_lsn is not null")"

# -- replay paused and a short wait: a warning, the SMS must wait ---------------
o2=2022-02-17T12:00:00+07:00 c2=2022-02-20T23:59:00+07:00
check "wave 2 create" gp --now $o2 wave create --wave 2 --opens $o2 --closes $c2 --quota 1 --seed "$(printf '%064d' 2)"
loser=$(lookups "$P" | awk -F'|' '$3 == "TIDAK_LOLOS" { print $1; exit }')
check "a NIK turned down joins wave 2" gp --now 2022-02-18T00:00:00+07:00 join --wave 2 --nik "$loser"
check "wave 2 run-due to the selection" gp --now 2022-02-22T00:00:00+07:00 run-due
caught_up
q "$S" "select pg_wal_replay_pause()" >/dev/null
expect_exit 0 "announce with a 1 s wait, replay paused: exit 0" \
	gp -c "$W/wait1.conf" --now 2022-02-24T00:00:00+07:00 announce --wave 2
cp "$W/last.err" "$W/ann2.err"
check "... warning that the standby does not show it yet" \
	grep -q "warning: the announcement of wave 2 is not yet visible on 1 standby(s)" "$W/ann2.err"
check "... naming the function sms send waits for" \
	grep -q "announcement_visible_everywhere(2)" "$W/ann2.err"
same "... announcement_visible_everywhere(2) is false" f \
	"$(q "$P" "select gelombang.announcement_visible_everywhere(2)")"
same "... the standby lists as behind" "$(basename "$S")|streaming" \
	"$(q "$P" "select standby, state from gelombang.announcement_standbys_behind(2)")"
same "... and shows its second wave without a result" "DALAM_PROSES_SELEKSI" \
	"$(lookups "$S" | awk -F'|' -v n="$loser" '$1 == n && $2 == 2 { print $3 }')"
q "$S" "select pg_wal_replay_resume()" >/dev/null
visible=f
for _ in $(seq 1 100); do
	visible=$(q "$P" "select gelombang.announcement_visible_everywhere(2)")
	[ "$visible" = t ] && break
	sleep 0.1
done
same "replay resumed: announcement_visible_everywhere(2) turns true" t "$visible"
same "... and the standby shows what the primary shows" "$(lookups "$P")" "$(lookups "$S")"

# -- PgBouncer in front of the standby -----------------------------------------
if command -v pgbouncer >/dev/null 2>&1; then
	check "pgbouncer in front of the standby" env PG_LOCAL_POOL_SIZE=2 "$pl" pgbouncer start "$B" "$S"
	same "the look-up through it is the primary's" "$(lookups "$P")" \
		"$(eval "$("$pl" pgbouncer env "$B")" && psql -X -q -At -U "$role" -d gelombang -c \
			"select d.* from unnest(string_to_array('$(tr '\n' ' ' <"$W/niks" | sed 's/ $//')', ' ')) n,
				gelombang.dashboard_lookup(n) d order by d.nik, d.wave")"
	# the standby restarts under the pooler: clients get their answer
	# again through it, and never a wrong one
	# shellcheck disable=SC2016 # the arguments expand in the inner shell
	check "standby: restart under the pooler" bash -c '"$1" stop "$2" && "$1" start "$2"' _ "$pl" "$S"
	want=$(lookups "$P")
	got=
	wrong=0
	for _ in $(seq 1 20); do
		if got=$(eval "$("$pl" pgbouncer env "$B")" && psql -X -q -At -U "$role" -d gelombang -c \
			"select d.* from unnest(string_to_array('$(tr '\n' ' ' <"$W/niks" | sed 's/ $//')', ' ')) n,
				gelombang.dashboard_lookup(n) d order by d.nik, d.wave" 2>/dev/null); then
			[ "$got" = "$want" ] && break
			wrong=$((wrong + 1))
		fi
		sleep 0.5
	done
	same "... the look-up through PgBouncer works again, the primary's rows" "$want" "$got"
	same "... and no answer on the way was wrong" 0 "$wrong"
	check "pgbouncer stops" "$pl" pgbouncer stop "$B"
else
	echo "# pgbouncer is not installed (scripts/install-deps): skipping the pooler check"
fi

# -- destroy ------------------------------------------------------------------
check "standby: destroy" "$pl" destroy "$S"
same "... drops its replication slot on the primary" 0 "$(q "$P" "select count(*) from pg_replication_slots")"
done_testing
