#!/bin/sh
# run.sh - run convened in the foreground on config/convened.conf, against
# CONVENED_DATABASE or a private PostgreSQL cluster under ./var/pg that is
# created on first use and stopped again on Ctrl-C / SIGTERM.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd -P)
CONF=${CONVENED_CONF:-config/convened.conf}
BIN=${CONVENED_BIN:-build/convened}
PGPORT_PRIVATE=${CONVENED_PG_PORT:-54329}

mkdir -p var/mail
# The admin API's bearer token (config: admin_token_file = var/admin_token).
if [ ! -s var/admin_token ]; then
	(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >var/admin_token &&
		echo >>var/admin_token)
fi

say() { echo "run: $*" >&2; }

if [ ! -x "$BIN" ]; then
	say "$BIN is missing: run 'make' first"
	exit 1
fi

if [ -n "${CONVENED_DATABASE:-}" ]; then
	say "using CONVENED_DATABASE"
	# demo data on first start, once the daemon (this PID after exec) is up
	(CONVENED_PID=$$ sh scripts/demo.sh || true) &
	exec "$BIN" -f -c "$CONF"
fi

# --- private cluster ---------------------------------------------------------
PGBIN=$(pg_config --bindir 2>/dev/null || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	say "initdb not found: run 'make deps'"
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	PGOS=postgres
	# from / : postgres may not be allowed into the current directory
	as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
	PGOS=$(id -un)
	as_pg() { "$@"; }
fi

# Where the cluster lives: ./var/pg, unless the postgres user cannot reach
# ./var (a clone inside a root-only directory); then a directory under
# /var/tmp named after the repository path, with ./var/pg a symlink to it.
if [ "$PGOS" = postgres ] && ! as_pg test -x "$REPO/var"; then
	hash=$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
	PGROOT=/var/tmp/convened-$hash
	mkdir -p "$PGROOT"
	if [ ! -L var/pg ] || [ "$(readlink var/pg)" != "$PGROOT" ]; then
		if [ -e var/pg ] && [ ! -L var/pg ]; then
			say "var/pg exists but postgres cannot reach it; moving it aside"
			mv var/pg "var/pg.unreachable.$(date +%s)"
		fi
		ln -sfn "$PGROOT" var/pg
	fi
else
	PGROOT=$REPO/var/pg
	if [ -L var/pg ]; then
		PGROOT=$(readlink var/pg)
	fi
	mkdir -p "$PGROOT"
fi
DATA=$PGROOT/data
SOCK=$PGROOT/sock
PGLOG=$PGROOT/postgresql.log
mkdir -p "$SOCK"
if [ "$PGOS" = postgres ]; then
	chown postgres: "$PGROOT" "$SOCK"
	[ -f "$PGLOG" ] && chown postgres: "$PGLOG"
fi
chmod 0700 "$PGROOT"

if [ ! -f "$DATA/PG_VERSION" ]; then
	say "creating a PostgreSQL cluster in $DATA"
	as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 \
		--locale=C >"$PGROOT/initdb.log" 2>&1 || {
		cat "$PGROOT/initdb.log" >&2
		exit 1
	}
	cat >>"$DATA/postgresql.conf" <<EOF

# convened: private cluster for make run
listen_addresses = ''
port = $PGPORT_PRIVATE
unix_socket_directories = '$SOCK'
EOF
fi

started_pg=0
stop_pg() {
	if [ "$started_pg" -eq 1 ]; then
		started_pg=0
		say "stopping PostgreSQL"
		as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
	fi
}
trap stop_pg EXIT

if as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
	say "PostgreSQL already running in $DATA"
else
	say "starting PostgreSQL (socket $SOCK, port $PGPORT_PRIVATE)"
	as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$PGLOG" -w -t 60 start >/dev/null || {
		tail -n 20 "$PGLOG" >&2
		exit 1
	}
fi
started_pg=1

CONNINFO="host=$SOCK port=$PGPORT_PRIVATE dbname=convened user=postgres"
ADMIN="host=$SOCK port=$PGPORT_PRIVATE dbname=postgres user=postgres"
if [ -z "$("$PGBIN/psql" -X -At -d "$ADMIN" -c \
	"SELECT 1 FROM pg_database WHERE datname = 'convened'")" ]; then
	say "creating database convened"
	"$PGBIN/psql" -X -q -d "$ADMIN" -c "CREATE DATABASE convened" >/dev/null
fi
export CONVENED_DATABASE=$CONNINFO

# --- convened in the foreground -----------------------------------------------
say "starting $BIN -f -c $CONF (Ctrl-C stops it and PostgreSQL)"
"$BIN" -f -c "$CONF" &
cpid=$!
trap 'kill -TERM "$cpid" 2>/dev/null || true' INT TERM
# demo data on first start (scripts/demo.sh waits for /healthz)
CONVENED_PID=$cpid sh scripts/demo.sh || say "demo data not loaded"
rc=0
while :; do
	wait "$cpid" && rc=0 || rc=$?
	kill -0 "$cpid" 2>/dev/null || break
done
trap - INT TERM
stop_pg
# a drain on SIGINT/SIGTERM is a clean exit
exit "$rc"
