# shellcheck shell=sh
# lib.sh — helpers shared by the operator scripts in scripts/.
# Source it with:  . "$(dirname "$0")/lib.sh"
# POSIX sh; defines only functions and the variable PROG.

PROG=${0##*/}

# say MESSAGE...: one line on stderr, prefixed with the script's name
say() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

# die MESSAGE...: say it and exit 1
die() {
	say "$*"
	exit 1
}

# usage_die MESSAGE...: a bad command line, exit 64 (EX_USAGE, as gelombang)
usage_die() {
	say "$*"
	exit 64
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# as_user USER CMD...: run CMD as USER.  Root switches with runuser (from /,
# so that an unreadable working directory such as /root does not bother the
# command); anyone else can only run it as themselves.
as_user() {
	_u=$1
	shift
	if is_root && [ "$_u" != root ]; then
		(cd / && runuser -u "$_u" -- "$@")
	elif [ "$_u" = "$(id -un)" ]; then
		"$@"
	else
		die "cannot run '$1' as $_u (run this as root or as $_u)"
	fi
}

# as_db_owner CMD...: run CMD as the owner of a database cluster:
# postgres when we are root, ourselves otherwise.
as_db_owner() {
	if is_root; then
		as_user postgres "$@"
	else
		"$@"
	fi
}

# pg_server_bindir: the directory holding initdb, pg_ctl and postgres.
# $PG_BINDIR wins; then pg_config --bindir (libpq-dev's pg_config names the
# server's directory on Debian); then the newest /usr/lib/postgresql/*/bin;
# then wherever initdb is on PATH.
pg_server_bindir() {
	if [ -n "${PG_BINDIR:-}" ]; then
		[ -x "$PG_BINDIR/initdb" ] || die "PG_BINDIR=$PG_BINDIR has no initdb"
		printf '%s\n' "$PG_BINDIR"
		return 0
	fi
	_b=$(pg_config --bindir 2>/dev/null || true)
	if [ -n "$_b" ] && [ -x "$_b/initdb" ] && [ -x "$_b/postgres" ]; then
		printf '%s\n' "$_b"
		return 0
	fi
	# the highest major version (the glob would sort 10 before 9)
	_best=
	_bv=0
	for _b in /usr/lib/postgresql/*/bin; do
		if [ ! -x "$_b/initdb" ] || [ ! -x "$_b/postgres" ]; then
			continue
		fi
		_v=${_b%/bin}
		_v=${_v##*/}
		case $_v in '' | *[!0-9]*) continue ;; esac
		if [ "$_v" -ge "$_bv" ]; then
			_best=$_b
			_bv=$_v
		fi
	done
	if [ -n "$_best" ]; then
		printf '%s\n' "$_best"
		return 0
	fi
	_b=$(command -v initdb 2>/dev/null || true)
	if [ -n "$_b" ]; then
		_b=$(dirname "$(readlink -f "$_b")")
		printf '%s\n' "$_b"
		return 0
	fi
	die "no PostgreSQL server found (initdb); run scripts/install-deps"
}

# short_hash STRING: 12 hex digits naming STRING (for /tmp paths)
short_hash() {
	printf '%s' "$1" | sha256sum | cut -c1-12
}

# sq STRING: STRING quoted for the shell with single quotes
sq() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
