#!/bin/bash
# join (an earlier applicant joins a new wave with the data on file) and
# status (counts per wave and status through the lifecycle).
. "$(dirname "$0")/lib.sh"

# expect_exit leaves CMD's output in last.out/last.err, which the next check
# overwrites: run keeps a copy in out/err
run() {
	expect_exit "$@"
	cp "$W/last.out" "$W/out"
	cp "$W/last.err" "$W/err"
}
HEADER=nik,kk,name,birth_date,sex,occupation,in_school,receives_aid,region_code,phone,joined_at
COLS="kk, name, birth_date, sex, occupation, in_school, receives_aid, region_code, phone"
# the data of NIK $1 in wave $2, without joined_at
data() { sql "select $COLS from gelombang.registration where nik = '$1' and wave = $2"; }
# status as "wave state status entries" lines, spaces squeezed
status_of() { g status "$@" | tail -n +2 | awk '{ print $1, $2, $3, $NF }'; }

X1=3201011506950001
X2=3201015506950002
X3=3273012002900003
X4=3273016002900004
cat >"$W/w1.csv" <<EOF
$HEADER
$X1,3201010000000001,"Budi ""Bud"" Santoso, S.E.",1995-06-15,L,WIRASWASTA,false,false,,081234567890,2022-02-11T10:00:00+07:00
$X2,3201010000000002,Siti Aminah,1995-06-15,P,BURUH,false,false,3171,,2022-02-11T10:00:00+07:00
$X3,3273010000000003,Joko,1990-02-20,L,PETANI,false,false,3273,+6281234567890,2022-02-11T10:00:00+07:00
$X4,3273010000000004,Dewi,1990-02-20,P,BURUH,true,false,3273,,2022-02-11T10:00:00+07:00
EOF

# --- wave 1 through its whole lifecycle, status at each step ----------------
expect_exit 0 "create wave 1 (quota 1)" g --now 2022-02-10T12:00:00+07:00 wave create --wave 1 --opens 2022-02-10T12:00:00+07:00 \
	--closes 2022-02-13T23:59:00+07:00 --announce 2022-02-16T23:59:00+07:00 --quota 1 \
	--seed acb944284ed1e79e6907b6a4b880c19876318720dda4fc3a9fd05249285eefb6
same "status of an empty open wave" "1 DIBUKA MENUNGGU_GELOMBANG_DITUTUP 0" "$(status_of)"
expect_exit 0 "import wave 1" g import --wave 1 "$W/w1.csv"
same "status before close" "1 DIBUKA MENUNGGU_GELOMBANG_DITUTUP 4" "$(status_of)"
run 0 "status shows the dashboard label" g status --wave 1
check "... Menunggu Gelombang Ditutup" grep -q "Menunggu Gelombang Ditutup" "$W/out"
expect_exit 0 "close wave 1" g --now 2022-02-13T23:59:00+07:00 close --wave 1
same "status after close" "1 DITUTUP SEDANG_DIPROSES 4" "$(status_of)"
expect_exit 0 "process wave 1" g --now 2022-02-14T00:00:00+07:00 process --wave 1
same "status after process" "1 DIPROSES SEDANG_DIPROSES 4" "$(status_of)"
expect_exit 0 "select wave 1" g --now 2022-02-14T00:01:00+07:00 select --wave 1
same "status after select: no result yet" "1 DISELEKSI DALAM_PROSES_SELEKSI 4" "$(status_of)"
run 0 "status --wave 1 after select" g status --wave 1
check "... shows no LOLOS or TIDAK_LOLOS" bash -c '! grep -Eq "\\b(TIDAK_)?LOLOS\\b|Lolos" "$1"' _ "$W/out"
check "... shows Dalam Proses Seleksi" grep -q "Dalam Proses Seleksi" "$W/out"
expect_exit 0 "announce wave 1" g --now 2022-02-16T23:59:00+07:00 announce --wave 1
same "status after announce: LOLOS and TIDAK_LOLOS counts" \
	"1 DIUMUMKAN LOLOS 1
1 DIUMUMKAN TIDAK_LOLOS 3" "$(status_of)"
same "... which are the stored outcomes" "1|3" \
	"$(sql "select count(*) filter (where reason is null), count(*) filter (where reason is not null)
		from gelombang.outcome where wave = 1")"
run 0 "status after announce shows the labels" g status --wave 1
check "... Lolos and Tidak Lolos" bash -c 'grep -q " Lolos " "$1" && grep -q "Tidak Lolos" "$1"' _ "$W/out"

# --- wave 2: join with the data on file ---------------------------------------
expect_exit 0 "create wave 2" g --now 2022-02-17T12:00:00+07:00 wave create --wave 2 --opens 2022-02-17T12:00:00+07:00 \
	--closes 2022-02-20T23:59:00+07:00 --quota 10
run 0 "join: X1 joins wave 2 inside its window" g --now "Jumat (18/2/2022) pukul 09.30 WIB" join --wave 2 --nik $X1
check "... and says so" grep -q "$X1" "$W/out"
same "the joined registration holds wave 1's data" "$(data $X1 1)" "$(data $X1 2)"
check "... which is not empty" test -n "$(data $X1 2)"
same "... joined at the clock (--now)" "2022-02-18 02:30:00" \
	"$(sql "select joined_at at time zone 'UTC' from gelombang.registration where nik = '$X1' and wave = 2")"
same "... region_code as stored (from the NIK)" "3201" \
	"$(sql "select region_code from gelombang.registration where nik = '$X1' and wave = 2")"
same "wave 1's registration is unchanged" "2022-02-11 03:00:00" \
	"$(sql "select joined_at at time zone 'UTC' from gelombang.registration where nik = '$X1' and wave = 1")"
# X2 registers again in wave 2 with new data (a new phone and occupation)
printf '%s\n%s\n' "$HEADER" \
	"$X2,3201010000000022,Siti Aminah,1995-06-15,P,PEDAGANG,false,false,3171,089876543210,2022-02-18T10:00:00+07:00" \
	>"$W/w2.csv"
expect_exit 0 "X2 imports new data into wave 2" g import --wave 2 "$W/w2.csv"

run 1 "join of an unknown NIK: exit 1" g --now 2022-02-18T10:00+07:00 join --wave 2 --nik 3201011506959999
check "... saying there is no earlier registration" grep -qi "no earlier registration\|no applicant" "$W/err"
run 1 "join twice: exit 1" g --now 2022-02-18T10:05+07:00 join --wave 2 --nik $X1
check "... saying the NIK is already in the wave" grep -q "already" "$W/err"
same "... and the first join stands" "2022-02-18 02:30:00" \
	"$(sql "select joined_at at time zone 'UTC' from gelombang.registration where nik = '$X1' and wave = 2")"
expect_exit 1 "join of an imported NIK into the same wave: exit 1" g --now 2022-02-18T10:05+07:00 join --wave 2 --nik $X2
expect_exit 1 "join into a wave that does not exist: exit 1" g join --wave 9 --nik $X3
expect_exit 1 "join into a closed wave (wave 1): exit 1" g join --wave 1 --nik $X3
same "the refusals are recorded as REFUSED" 5 \
	"$(sql "select count(*) from gelombang.job_run_end where job = 'join' and outcome = 'REFUSED'")"
same "the join is recorded as SUCCEEDED" 1 \
	"$(sql "select count(*) from gelombang.job_run_end where job = 'join' and outcome = 'SUCCEEDED'")"
same "status of both waves" "1 DIUMUMKAN LOLOS 1
1 DIUMUMKAN TIDAK_LOLOS 3
2 DIBUKA MENUNGGU_GELOMBANG_DITUTUP 2" "$(status_of)"
same "status --wave 2" "2 DIBUKA MENUNGGU_GELOMBANG_DITUTUP 2" "$(status_of --wave 2)"
expect_exit 1 "status of a wave that does not exist: exit 1" g status --wave 9

for j in close process select; do
	expect_exit 0 "$j wave 2" g --now 2022-02-21T00:00+07:00 $j --wave 2
done
expect_exit 0 "announce wave 2" g --now 2022-02-24T00:00+07:00 announce --wave 2

# --- wave 3: the newest registration's data -----------------------------------
# wave 3 closes in 2030: the clock of its jobs is ahead of the real one,
# which only a configuration for drills and tests allows
printf 'lifecycle: { allow_simulated_clock = true; };\n' >"$W/drill.conf"
gd() { "$G" -c "$W/drill.conf" --db "$TEST_DB" "$@"; }
expect_exit 0 "create wave 3" g --now 2022-02-24T12:00:00+07:00 wave create --wave 3 --opens 2022-02-24T12:00:00+07:00 \
	--closes 2030-01-01T00:00:00+07:00 --quota 10
expect_exit 0 "X2 joins wave 3" g --now 2022-02-25T08:00+07:00 join --wave 3 --nik $X2
same "X2's data is the newest registration's (wave 2), not wave 1's" "$(data $X2 2)" "$(data $X2 3)"
check "... which differs from wave 1's" test "$(data $X2 1)" != "$(data $X2 3)"
expect_exit 0 "X1 (joined wave 2) joins wave 3" g --now 2022-02-25T08:00+07:00 join --wave 3 --nik $X1
same "X1's data is still the imported row of wave 1" "$(data $X1 1)" "$(data $X1 3)"
t0=$(sql "select now()")
expect_exit 0 "X3 joins wave 3 without --now" g join --wave 3 --nik $X3
t1=$(sql "select now()")
same "... joined at the real clock" "t" \
	"$(sql "select joined_at between '$t0' and '$t1' from gelombang.registration where nik = '$X3' and wave = 3")"
same "a joined registration has no source line" "3|0" \
	"$(sql "select count(*), count(source_line) from gelombang.registration where wave = 3")"

# --- after close the database itself refuses joins ----------------------------
check "while an open wave takes a direct INSERT (the refusal is the closed wave's)" sql "
	begin;
	insert into gelombang.registration (wave, nik, kk, name, birth_date, sex, occupation,
		in_school, receives_aid, region_code, phone, joined_at)
	select 3, '3201011506950777', kk, name, birth_date, sex, occupation, in_school, receives_aid,
		region_code, phone, joined_at
	from gelombang.registration where wave = 1 and nik = '$X4';
	rollback"
expect_exit 0 "close wave 3 (at --now past its closing time)" gd --now 2030-01-01T00:00+07:00 close --wave 3
run 1 "join after close: exit 1" gd --now 2030-01-01T00:00+07:00 join --wave 3 --nik $X4
check "... saying the wave is no longer open" grep -q "no longer open" "$W/err"
same "... and stores nothing" 3 "$(sql 'select count(*) from gelombang.registration where wave = 3')"
check "a direct INSERT into the closed wave fails" bash -c '! psql -X -q -v ON_ERROR_STOP=1 -c "
	insert into gelombang.registration (wave, nik, kk, name, birth_date, sex, occupation,
		in_school, receives_aid, region_code, phone, joined_at)
	select 3, nik, kk, name, birth_date, sex, occupation, in_school, receives_aid,
		region_code, phone, joined_at
	from gelombang.registration where wave = 1 and nik = '"'$X4'"'" 2>/dev/null'
check "... also into its partition" bash -c '! psql -X -q -v ON_ERROR_STOP=1 -c "
	insert into gelombang.registration_3 (wave, nik, kk, name, birth_date, sex, occupation,
		in_school, receives_aid, region_code, phone, joined_at)
	select 3, nik, kk, name, birth_date, sex, occupation, in_school, receives_aid,
		region_code, phone, joined_at
	from gelombang.registration where wave = 1 and nik = '"'$X4'"'" 2>/dev/null'
same "... so wave 3 still has 3 entries" 3 "$(sql 'select count(*) from gelombang.registration where wave = 3')"

# --- the status of a selection that is running, and of an empty wave -----------
expect_exit 0 "process wave 3" gd --now 2030-01-01T00:01+07:00 process --wave 3
sql "update gelombang.wave set selection_started_at = now() where wave = 3" >/dev/null
same "a wave whose selection has started is DALAM_PROSES_SELEKSI" \
	"3 DIPROSES DALAM_PROSES_SELEKSI 3" "$(status_of --wave 3)"
expect_exit 0 "select wave 3" gd --now 2030-01-01T00:02+07:00 select --wave 3
expect_exit 0 "create wave 4, which nobody joins" gd --now 2030-01-02T00:00+07:00 wave create --wave 4 \
	--opens 2030-01-02T00:00+07:00 --closes 2030-01-03T00:00+07:00 --announce 2030-01-03T00:00+07:00 --quota 10
expect_exit 0 "run-due takes waves 3 and 4 to the announcement" gd --now 2030-01-04T00:00+07:00 run-due
same "status of an announced wave without entries" "4 DIUMUMKAN - 0" "$(status_of --wave 4)"
run 0 "status --wave 4 of the announced, empty wave: exit 0" g status --wave 4
same "status lists every wave" "1 2 3 4" "$(g status | awk 'NR > 1 { print $1 }' | sort -un | xargs)"

done_testing
