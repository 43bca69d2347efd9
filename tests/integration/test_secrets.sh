#!/bin/bash
# Secrets: a password given in --db (key=value or URI, quoted or not, as
# one argument or two) or in database.conninfo never appears on stderr, in
# the history (command_line) or in --help; PGPASSWORD and PGPASSFILE work
# as libpq users expect.  The test cluster trusts local connections: one
# role of this test gets a SCRAM password line of its own in pg_hba.conf
# (TEST_PGDIR, exported by tests/run), removed at the end.
. "$(dirname "$0")/lib.sh"
db=${PGDATABASE:?}
PGDIR=${TEST_PGDIR:?tests/run exports TEST_PGDIR}
hba="$PGDIR/data/pg_hba.conf"
pw="Rahasia-9x7Q"	 # the role's password
pw2="Rahasia s'pasi 3"	 # ... and another, with a space and a quote

cp "$hba" "$W/pg_hba.conf.orig"
restore_hba() {
	cat "$W/pg_hba.conf.orig" >"$hba"
	psql -X -q -At -d "$db" -c "select pg_reload_conf()" >/dev/null
}
trap restore_hba EXIT

sql "do \$\$ begin
	if not exists (select 1 from pg_roles where rolname = 'gb_t_pw') then
		create role gb_t_pw login;
	end if; end \$\$" >/dev/null
sql "grant gelombang_batch to gb_t_pw" >/dev/null
sql "set password_encryption = 'scram-sha-256'; alter role gb_t_pw password '$pw'" >/dev/null
{
	echo "local all gb_t_pw scram-sha-256"
	cat "$W/pg_hba.conf.orig"
} >"$hba"
sql "select pg_reload_conf()" >/dev/null
same "pg_hba.conf asks gb_t_pw for a SCRAM password" "scram-sha-256" \
	"$(sql "select auth_method from pg_hba_file_rules where 'gb_t_pw' = any (user_name)")"

# none of the secrets in FILE...
no_secret() { # DESC FILE...
	local desc=$1
	shift
	if cat "$@" | grep -qF -e "$pw" -e "$pw2" -e "Salah-Sandi"; then
		_not_ok "$desc"
		cat "$@" | grep -F -e "$pw" -e "$pw2" -e "Salah-Sandi" | head -3 | sed 's/^/#   /'
	else
		_ok "$desc"
	fi
}
# ... nor in the history
history_clean() { # DESC
	sql "select coalesce(command_line, '') || ' ' || coalesce(message, '') from gelombang.history" \
		>"$W/history.txt"
	no_secret "$1" "$W/history.txt"
}

c="dbname=$db user=gb_t_pw"
expect_exit 69 "without a password: exit 69" "$G" --db "$c" status
grep -q "password" "$W/last.err"
same "... saying a password is needed" 0 $?

expect_exit 0 "PGPASSWORD works" env PGPASSWORD="$pw" "$G" --db "$c" status
printf '*:*:*:gb_t_pw:%s\n' "$pw" >"$W/pgpass"
chmod 600 "$W/pgpass"
expect_exit 0 "PGPASSFILE works" env PGPASSFILE="$W/pgpass" "$G" --db "$c" status
printf '*:*:*:gb_t_pw:%s\n' "Salah-Sandi" >"$W/pgpass.wrong"
chmod 600 "$W/pgpass.wrong"
expect_exit 69 "a wrong password in PGPASSFILE: exit 69" env PGPASSFILE="$W/pgpass.wrong" "$G" --db "$c" status
no_secret "... and the wrong password is not shown" "$W/last.out" "$W/last.err"

# --db with the password, as two arguments and as one, key=value and URI
expect_exit 0 "--db with password=: wave create" "$G" -v --db "$c password=$pw" --now 2022-02-10T12:00:00+07:00 wave create --wave 1 \
	--opens 2022-02-10T12:00:00+07:00 --closes 2022-02-13T23:59:00+07:00 --quota 5
no_secret "... stdout and stderr (-v) do not show it" "$W/last.out" "$W/last.err"
expect_exit 0 "--db=... with the password quoted" \
	"$G" -v "--db=$c password='$pw'" import --wave 1 "$FX/wave22.csv"
no_secret "... stdout and stderr do not show it" "$W/last.out" "$W/last.err"
uri="postgresql://gb_t_pw:$pw@/$db?host=$PGHOST&port=$PGPORT"
expect_exit 0 "--db URI with the password" "$G" -v --db "$uri" --now 2022-02-14T00:00:00+07:00 close --wave 1
no_secret "... stdout and stderr do not show it" "$W/last.out" "$W/last.err"

sql "alter role gb_t_pw password \$pw\$$pw2\$pw\$" >/dev/null
q=$(printf '%s' "$pw2" | sed "s/'/\\\\'/g")
expect_exit 0 "--db with a quoted password holding a space and a quote" \
	"$G" -v --db "$c password='$q'" --now 2022-02-14T00:00:00+07:00 process --wave 1
no_secret "... stdout and stderr do not show it" "$W/last.out" "$W/last.err"
expect_exit 0 "the same as one argument --db=..." \
	"$G" -v "--db=$c password='$q'" --now 2022-02-14T00:00:00+07:00 select --wave 1
no_secret "... stdout and stderr do not show it" "$W/last.out" "$W/last.err"
expect_exit 0 "--db twice, the second abbreviated (--d=...)" \
	"$G" --db "$c password=Salah-Sandi" "--d=$c password='$q'" --now 2022-02-17T00:00:00+07:00 \
	announce --wave 1 --dry-run
history_clean "the history's command lines do not show any password"
same "... but do show that a password was given" 1 \
	"$(sql "select count(*) > 0 from gelombang.history where command_line like '%password=%'" | grep -c t)"

# wrong passwords: the error names the connection, not the password
expect_exit 69 "a wrong password in --db: exit 69" "$G" --db "$c password=Salah-Sandi" status
no_secret "... the error does not show it" "$W/last.out" "$W/last.err"
grep -q 'password authentication failed' "$W/last.err"
same "... and says the authentication failed" 0 $?
expect_exit 69 "a wrong password in a URI: exit 69" "$G" --db "postgresql://gb_t_pw:Salah-Sandi@/$db?host=$PGHOST&port=$PGPORT" status
no_secret "... the error does not show it" "$W/last.out" "$W/last.err"

# database.conninfo in the configuration
# libconfig escapes backslash and double quote
esc=$(printf '%s' "$c password='$q'" | sed 's/\\/\\\\/g; s/"/\\"/g')
printf 'database: { conninfo = "%s"; };\n' "$esc" >"$W/pw.conf"
expect_exit 0 "database.conninfo with the password" "$G" -v -c "$W/pw.conf" status
no_secret "... stdout and stderr do not show it" "$W/last.out" "$W/last.err"
printf 'database: { conninfo = "%s password=Salah-Sandi"; };\n' "$c" >"$W/wrong.conf"
expect_exit 69 "a wrong password in database.conninfo: exit 69" "$G" -c "$W/wrong.conf" status
no_secret "... the error does not show it" "$W/last.out" "$W/last.err"
expect_exit 0 "a job with database.conninfo's password" \
	"$G" -c "$W/pw.conf" --now 2022-02-17T00:00:00+07:00 announce --wave 1
history_clean "the history does not show it"

# --help, with a password on the command line
expect_exit 0 "--help" "$G" --db "$c password=$pw" --help
no_secret "--help does not show it" "$W/last.out" "$W/last.err"
expect_exit 0 "close --help" "$G" --db "$c password=$pw" close --help
no_secret "close --help does not show it" "$W/last.out" "$W/last.err"
printf '*:*:*:gb_t_pw:%s\n' "$(printf '%s' "$pw2" | sed 's/[:\\]/\\&/g')" >"$W/pgpass.2"
chmod 600 "$W/pgpass.2"
expect_exit 0 "history through PGPASSFILE (a password with a space and a quote)" \
	env PGPASSFILE="$W/pgpass.2" "$G" --db "$c" history --format csv
no_secret "history's output does not show any password" "$W/last.out" "$W/last.err"
done_testing
