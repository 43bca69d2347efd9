#!/bin/bash
# The applicant's look-up (SPEC §12): gelombang.dashboard_lookup(nik) as a
# login role of gelombang_dashboard, through the states of a wave and
# through PgBouncer in transaction mode.
#   - the rows of the dashboard view for the NIK, oldest wave first; no
#     result before the announcement, for any NIK;
#   - anything that is not a NIK: no row, no error;
#   - the role can call nothing else;
#   - two clients on one pooled server connection never see each other's
#     NIK, while a session setting does leak from one to the other (which
#     is why the look-up keeps none).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
db=${PGDATABASE:?}
role=gb_t_lookup

sql "do \$\$ begin
	if not exists (select 1 from pg_roles where rolname = '$role') then
		create role $role login;
	end if; end \$\$" >/dev/null
sql "grant gelombang_dashboard to $role" >/dev/null

# psql as the dashboard role; NIK in the variable nik, never in the text
# (psql interpolates :'nik' in what it reads, not in -c)
look() { # NIK [SQL]: rows of the look-up as nik|wave|status|label|card|saldo
	printf '%s\n' "${2:-select * from gelombang.dashboard_lookup(:'nik');}" |
		psql -X -q -At -v ON_ERROR_STOP=1 -U "$role" -d "$db" -v nik="$1"
}
# the same rows from the view, as the owner
view_rows() {
	printf '%s\n' "select * from gelombang.dashboard where nik = :'nik' order by wave;" |
		psql -X -q -At -v ON_ERROR_STOP=1 -v nik="$1"
}

o1=2022-02-10T12:00:00+07:00 c1=2022-02-13T23:59:00+07:00
o2=2022-02-17T12:00:00+07:00 c2=2022-02-20T23:59:00+07:00
"$root/scripts/gen-registrations" -n 400 -s 5 --wave-opens $o1 --wave-closes $c1 >"$W/w1.csv"
expect_exit 0 "wave 1 create" g --now $o1 wave create --wave 1 --opens $o1 --closes $c1 --quota 80 \
	--seed "$(printf '%064d' 1)"
expect_exit 0 "wave 1 import" g import --wave 1 "$W/w1.csv"
a=$(sed -n 2p "$W/w1.csv" | cut -d, -f1)

same "DIBUKA: the look-up shows Menunggu Gelombang Ditutup" \
	"$a|1|MENUNGGU_GELOMBANG_DITUTUP|Menunggu Gelombang Ditutup||" "$(look "$a")"
same "... the rows of the view" "$(view_rows "$a")" "$(look "$a")"
same "a NIK never registered: no row" "" "$(look 9999999999999999)"

# every NIK's look-up, as the owner sees it through the function
all_lookups() {
	sql "select d.nik, d.wave, d.status, d.label, d.card_number, d.saldo
	     from (select distinct nik from gelombang.registration) r,
		  gelombang.dashboard_lookup(r.nik) d order by 1, 2"
}

expect_exit 0 "run-due to the selection" g --now 2022-02-15T00:00:00+07:00 run-due
same "wave 1 is selected, not announced" DISELEKSI "$(sql "select state from gelombang.wave where wave = 1")"
same "DISELEKSI: no look-up of any NIK shows a result, a card number or a saldo" \
	"400 DALAM_PROSES_SELEKSI" \
	"$(all_lookups | awk -F'|' '{ print $3 ($5 != "" || $6 != "" ? " with card" : "") }' |
		sort | uniq -c | awk '{ $1 = $1; print }')"
same "DISELEKSI: the look-up as the dashboard role too" \
	"$a|1|DALAM_PROSES_SELEKSI|Dalam Proses Seleksi||" "$(look "$a")"

expect_exit 0 "announce" g --now 2022-02-17T00:00:00+07:00 run-due
same "DIUMUMKAN: every look-up is the view's rows" \
	"$(sql "select * from gelombang.dashboard order by nik, wave")" "$(all_lookups)"
g results --wave 1 >"$W/results.csv"
same "DIUMUMKAN: every look-up agrees with results (status, card number)" \
	"$(tail -n +2 "$W/results.csv" | awk -F, '{ print $1 "|" $2 "|" $5 }')" \
	"$(all_lookups | awk -F'|' '{ print $1 "|" $3 "|" $5 }')"
winner=$(awk -F, '$2 == "LOLOS" { print $1; exit }' "$W/results.csv")
loser=$(awk -F, '$2 == "TIDAK_LOLOS" { print $1; exit }' "$W/results.csv")
card=$(awk -F, '$2 == "LOLOS" { print $5; exit }' "$W/results.csv")
same "the winner's look-up: Lolos, card number, saldo" "$winner|1|LOLOS|Lolos|$card|3550000" \
	"$(look "$winner")"

# a later wave: the NIK turned down joins again, one row per wave
expect_exit 0 "wave 2 create" g --now $o2 wave create --wave 2 --opens $o2 --closes $c2 --quota 80 \
	--seed "$(printf '%064d' 2)"
expect_exit 0 "the NIK turned down joins wave 2" g --now 2022-02-18T00:00:00+07:00 join --wave 2 --nik "$loser"
same "its look-up: both waves, oldest first" \
	"$loser|1|TIDAK_LOLOS|Tidak Lolos||
$loser|2|MENUNGGU_GELOMBANG_DITUTUP|Menunggu Gelombang Ditutup||" "$(look "$loser")"

# -- not a NIK: no row and no error ---------------------------------------------
bad=("" "123" "${a}1" "${a:0:15}" " $a" "$a " "${a:0:15}x" "$a'" "' or '1'='1"
	"$a' or '1'='1" "'; select * from gelombang.participant; --" "$a); drop table x; --"
	"\\x00" "%s%s%n" "１２３４５６７８９０１２３４５６" "$(printf '%01000d' 7)")
n_bad=0
for x in "${bad[@]}"; do
	out=$(look "$x" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		n_bad=$((n_bad + 1))
	else
		echo "# look-up of '$x': exit $rc, output: $out"
	fi
done
same "${#bad[@]} strings that are no NIK: no row and no error each" "${#bad[@]}" "$n_bad"
same "a null NIK: no row and no error" "" "$(look x 'select * from gelombang.dashboard_lookup(null)' 2>&1)"
same "the look-up with a newline after the NIK: no row" "" \
	"$(look x "select * from gelombang.dashboard_lookup(E'$a\\n')" 2>&1)"

# -- the dashboard role can do nothing else ---------------------------------
same "the role may execute dashboard_lookup and no other function of gelombang" \
	"gelombang.dashboard_lookup(text)" \
	"$(look x "select p.oid::regprocedure from pg_proc p
		where p.pronamespace = 'gelombang'::regnamespace and has_function_privilege(p.oid, 'execute')")"
same "... and read no table or view of gelombang" "" \
	"$(look x "select c.relname from pg_class c where c.relnamespace = 'gelombang'::regnamespace
		and has_table_privilege(c.oid, 'select')")"
for q in "select * from gelombang.dashboard limit 1" "select * from gelombang.registration limit 1" \
	"select gelombang.status_label('LOLOS')" "select * from gelombang.applicant limit 1"; do
	out=$(look x "$q" 2>&1)
	case $out in
	*"permission denied"*) _ok "refused: $q" ;;
	*) _not_ok "not refused: $q ($out)" ;;
	esac
done

# -- through PgBouncer in transaction mode, one server connection -----------
pgb=$W/pgbouncer
if ! command -v pgbouncer >/dev/null 2>&1; then
	echo "# pgbouncer is not installed (scripts/install-deps): skipping the pooler checks"
	done_testing
fi
trap '"$root/scripts/pg-local" pgbouncer stop "$pgb" >/dev/null 2>&1' EXIT
check "pgbouncer starts with one server connection" \
	env PG_LOCAL_POOL_SIZE=1 "$root/scripts/pg-local" pgbouncer start "$pgb" "$TEST_PGDIR"
eval "$("$root/scripts/pg-local" pgbouncer env "$pgb")"
same "the pooler runs in transaction mode" "transaction" \
	"$(grep -o '^pool_mode = .*' "$pgb/pgbouncer.ini" | cut -d' ' -f3)"

# One client sets a session setting (as bind_nik did); the next client on
# the pooled server connection finds it: session state is shared.
psql -X -q -At -U "$role" -d "$db" -c "select set_config('gelombang.nik', '$a', false)" >/dev/null
same "through the pooler a session setting of one client reaches the next" "$a" \
	"$(psql -X -q -At -U "$role" -d "$db" -c "select current_setting('gelombang.nik', true)")"

# Two clients at once, each looking up its own NIK 300 times, one
# transaction each, on the pool's single server connection.
client() { # NIK OUT
	for _ in $(seq 1 300); do
		printf "select d.nik, d.wave, d.status, pg_backend_pid() from gelombang.dashboard_lookup('%s') d;\n" "$1"
	done | psql -X -q -At -U "$role" -d "$db" >"$2" 2>&1
}
client "$winner" "$W/c1.out" &
p1=$!
client "$loser" "$W/c2.out" &
p2=$!
wait $p1 $p2
same "client 1: 300 look-ups, each its own NIK's row" "300 $winner|1|LOLOS" \
	"$(cut -d'|' -f1-3 "$W/c1.out" | sort | uniq -c | awk '{ print $1, $2 }')"
same "client 2: 600 rows (two waves), each its own NIK's" "600 $loser" \
	"$(cut -d'|' -f1 "$W/c2.out" | sort | uniq -c | awk '{ print $1, $2 }')"
same "both were served by one and the same server connection" 1 \
	"$(cat "$W/c1.out" "$W/c2.out" | cut -d'|' -f4 | sort -u | wc -l)"
check "pgbouncer stops" "$root/scripts/pg-local" pgbouncer stop "$pgb"
done_testing
