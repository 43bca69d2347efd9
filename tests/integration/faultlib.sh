# tests/integration/faultlib.sh — what the fault tests (crash, server stop,
# concurrency, signals, dead runs) share: a scenario of two waves on
# databases of their own, and a dump of everything a run must not lose.
# Sourced after lib.sh.
#
#   fl_setup           files in $W: wave1.csv, wave2.csv (earlier applicants,
#                      new ones and a few bad rows), quota2.csv; database
#                      fl_t_import: wave 1 announced, wave 2 created, quotas set
#   fl_template J      a template database just before job J of wave 2 (import,
#                      close, process, select, announce, outbox); made once
#   fl_newdb DB J      DB = a copy of fl_template J
#   fl_job DB J [ENV]  run job J of wave 2 on DB (env assignments first)
#   fl_dump DB         what must survive, as text: registrations, outcomes,
#                      participants and card numbers, quotas, frozen inputs,
#                      waves, outbox and its exports, the SUCCEEDED history
#   fl_finish DB       re-run what is left after a job: run-due, export
#   fl_wait_gone DB PID wait until no server session of client PID remains
FL_NOW=2022-02-24T00:00:00+07:00 # every job of both waves runs "at" this time
FL_SEED1=5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e
FL_SEED2=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
FL_JOBS="import close process select announce outbox"

fl_g() { # DB ARGS...
	local db=$1
	shift
	"$G" --db "dbname=$db" "$@"
}

fl_createdb() { # DB [TEMPLATE]
	if [ -n "${2:-}" ]; then
		psql -X -q -d postgres -c "drop database if exists \"$1\"" \
			-c "create database \"$1\" template \"$2\"" 2>/dev/null
	else
		dropdb --if-exists "$1" >/dev/null 2>&1
		createdb "$1" && fl_g "$1" -q migrate >/dev/null
	fi
}

fl_has_outbox() { # outbox export is built (not one of pending.c's commands)
	! grep -qs 'cmd_outbox_export' "$(dirname "${BASH_SOURCE[0]}")/../../batch/pending.c"
}

fl_setup() {
	local gen
	gen="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/gen-registrations"
	"$gen" -n 300 -s 23 --wave-opens 2022-01-03T08:00:00+07:00 \
		--wave-closes 2022-01-09T23:59:00+07:00 >"$W/wave1.csv"
	{
		head -1 "$W/wave1.csv"
		# earlier applicants again (some became participants of wave 1)
		sed -n '2,151p' "$W/wave1.csv" | sed -E 's/,2022-01-0[0-9]T([^,]*)$/,2022-02-18T\1/'
		"$gen" -n 150 -s 24 | tail -n +2
		# bad rows: a broken NIK, a repeated NIK, a wrong field count,
		# invalid UTF-8
		echo '12345,3201010101010001,Salah NIK,1990-01-01,L,PETANI,false,false,,,2022-02-18T10:00:00+07:00'
		sed -n '160p' "$W/wave1.csv" | sed -E 's/,2022-01-0[0-9]T([^,]*)$/,2022-02-19T\1/'
		echo '3201014101900001,3201010101010001,Kurang Kolom,1990-01-01,P'
		printf '3201010101900002,3201010101010001,Bad \xff\xfe UTF,1990-01-01,L,PETANI,false,false,,,2022-02-18T10:00:00+07:00\n'
	} >"$W/wave2.csv"
	printf 'province,quota\n31,12\n32,20\n33,15\n35,20\n36,8\n51,3\n73,4\n' >"$W/quota2.csv"

	fl_createdb fl_t_import || return 1
	# wave 1 stays announced: its revocation is not due at FL_NOW
	fl_g fl_t_import -q --now 2022-01-03T08:00:00+07:00 wave create --wave 1 --opens 2022-01-03T08:00:00+07:00 \
		--closes 2022-01-09T23:59:00+07:00 --quota 100 --seed "$FL_SEED1" \
		--revoke-at 2022-12-31T23:59:00+07:00 >/dev/null &&
		fl_g fl_t_import -q import --wave 1 "$W/wave1.csv" >/dev/null &&
		fl_g fl_t_import -q --now "$FL_NOW" run-due >/dev/null &&
		fl_g fl_t_import -q --now 2022-02-17T12:00:00+07:00 wave create --wave 2 --opens 2022-02-17T12:00:00+07:00 \
			--closes 2022-02-20T23:59:00+07:00 --quota 60 --seed "$FL_SEED2" >/dev/null &&
		fl_g fl_t_import -q quota set --wave 2 "$W/quota2.csv" >/dev/null || return 1
	[ "$(psql -X -At -d fl_t_import -c "select state from gelombang.wave where wave = 1")" = DIUMUMKAN ]
}

fl_job() { # DB JOB [VAR=VALUE...]: run job JOB of wave 2
	local db=$1 job=$2
	shift 2
	case $job in
	import)
		env "$@" "$G" --db "dbname=$db" import --wave 2 --rejects "$W/$db.rejects.csv" "$W/wave2.csv" ;;
	outbox)
		env "$@" "$G" --db "dbname=$db" outbox export --wave 2 >>"$W/$db.outbox.csv" ;;
	*)
		env "$@" "$G" --db "dbname=$db" --now "$FL_NOW" "$job" --wave 2 ;;
	esac
}

fl_template() { # JOB: the template database before JOB of wave 2
	local prev="" j
	for j in $FL_JOBS; do
		if [ "$j" = "$1" ]; then
			[ -z "$prev" ] && return 0 # fl_t_import is made by fl_setup
			psql -X -At -d postgres -c "select 1 from pg_database where datname = 'fl_t_$j'" |
				grep -q 1 && return 0
			fl_template "$prev" || return 1
			fl_createdb "fl_t_$j" "fl_t_$prev" || return 1
			fl_job "fl_t_$j" "$prev" >/dev/null 2>&1
			case $? in 0 | 65) return 0 ;; *) return 1 ;; esac
		fi
		prev=$j
	done
	return 1
}

fl_newdb() { # DB JOB
	fl_template "$2" && fl_createdb "$1" "fl_t_$2" && rm -f "$W/$1".rejects.csv "$W/$1".outbox.*
}

fl_finish() { # DB: what is left after the job under test, without faults
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		fl_g "$1" -q --now "$FL_NOW" run-due && break
		sleep 0.2
	done
	if fl_has_outbox; then
		fl_job "$1" outbox >/dev/null
	fi
}

fl_wait_gone() { # DB PID: until the server sessions of client PID are gone
	local i
	for i in $(seq 1 100); do
		[ "$(psql -X -At -d "$1" -c "select count(*) from pg_stat_activity
			where datname = current_database() and pid in
			(select backend_pid from gelombang.job_run where client_pid = $2)")" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}

fl_q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

fl_dump() { # DB: one session, sections separated by "-- name" lines
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<-'EOF'
	\echo -- registration
	copy (select wave, nik, kk, name, birth_date, sex, occupation, in_school,
		receives_aid, region_code, phone, joined_at, source_line
		from gelombang.registration order by wave, nik) to stdout;
	\echo -- outcome
	copy (select wave, nik, reason, encode(lottery_key, 'hex')
		from gelombang.outcome order by wave, nik) to stdout;
	\echo -- participant (card numbers are drawn at random: their form, and unique)
	copy (select nik, wave, kk, card_number ~ '^8[0-9]{15}$' and gelombang.luhn_valid(card_number),
		saldo from gelombang.participant order by nik) to stdout;
	copy (select count(distinct card_number) = count(*) from gelombang.participant) to stdout;
	\echo -- wave_quota, frozen_prior, frozen_kk_prior
	copy (select * from gelombang.wave_quota order by 1, 2) to stdout;
	copy (select * from gelombang.frozen_prior order by 1, 2) to stdout;
	copy (select * from gelombang.frozen_kk_prior order by 1, 2) to stdout;
	\echo -- wave
	copy (select wave, state, opens_at, closes_at, announce_at, quota, seed,
		commitment, closed_at, processed_at, selection_started_at, selected_at,
		announced_at, rules, rules_digest, close_date, sms
		from gelombang.wave order by wave) to stdout;
	\echo -- outbox
	copy (select o.wave, o.nik, o.phone, o.status, replace(o.message, p.card_number, '<card>'),
		o.pending from gelombang.outbox o left join gelombang.participant p on p.nik = o.nik
		and p.wave = o.wave order by o.wave, o.nik) to stdout;
	\echo -- outbox_export
	copy (select wave, first_nik, last_nik, messages
		from gelombang.outbox_export order by wave, first_nik) to stdout;
	\echo -- history: SUCCEEDED (imports: rows stored in all)
	copy (select job, wave, rows, message from gelombang.history
		where outcome = 'SUCCEEDED' and job <> 'import'
		order by job, wave) to stdout;
	copy (select wave, sum(rows) from gelombang.history
		where outcome = 'SUCCEEDED' and job = 'import' group by wave order by wave) to stdout;
	\echo -- runs without an end
	copy (select job, wave from gelombang.history where outcome = 'RUNNING'
		order by id) to stdout;
	EOF
}

# the fault points of a job, from the sources: "job:<job>:<moment>"
fl_points() { # JOB
	local src
	src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/batch"
	{
		case $1 in
		outbox) ;; # takes its own lock, not jr_begin()'s
		*) grep -ho 'fault_job_point(job, "[a-z-]*")' "$src/jobrun.c" | sed -E 's/.*"(.*)"\)/\1/' ;;
		esac
		case $1 in close | process | select | announce | revoke)
			grep -ho 'fault_job_point(def->name, "[a-z-]*")' "$src/job.c" |
				sed -E 's/.*"(.*)"\)/\1/' ;;
		esac
		grep -ho "fault_job_point(\"$1\", \"[a-z-]*\")" "$src"/*.c | sed -E 's/.*, "(.*)"\)/\1/'
		grep -ho "fault_point(\"job:$1:[a-z-]*\")" "$src"/*.c | sed -E 's/.*:(.*)"\)/\1/'
	} | awk '!seen[$0]++' | sed "s/^/job:$1:/" |
		# reached only every 10,000 rows: more than the scenario has
		grep -vx 'job:outbox:row'
}
