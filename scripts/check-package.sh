#!/bin/sh
# check-package.sh - `make check-package`: build the Debian packages (make
# deb: from the `make dist` tarball, lintian-clean), install them on this
# machine with dpkg -i, check what they installed, run `convened -n` on the
# installed config, start convened as the user convened against a private
# PostgreSQL (its own socket directory and port, peer authentication, as an
# operator would set it up), ask /healthz and the admin API, stop it, then
# dpkg -r (only the configuration and /var/lib/convened may stay) and
# dpkg -P (nothing may stay).  Prints the time it took.  Root only (dpkg);
# leaves the machine as it found it (also the user convened, which the
# package itself keeps on purge, as Debian does), even when a step fails.
# Refuses to run when convened is installed already.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -euo pipefail

cd "$(dirname "$0")/.."
T0=$(date +%s)
say() { echo "check-package: $*" >&2; }
fail() {
	say "FAIL: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (dpkg -i, a user, PostgreSQL as postgres)"
for p in convened convened-dev; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	case $st in '' | not-installed) ;; *) fail "package $p is on this machine ($st): not touching it" ;; esac
done
[ ! -e /etc/convened ] || fail "/etc/convened exists: not touching it"
[ ! -e /var/lib/convened ] || fail "/var/lib/convened exists: not touching it"

# --- build -------------------------------------------------------------------
sh scripts/dist.sh deb
T1=$(date +%s)
VERSION=$(cat VERSION)
DEBVER=$(dpkg-parsechangelog -S Version)
ARCH=$(dpkg-architecture -q DEB_HOST_ARCH)
DEB=dist/convened_${DEBVER}_$ARCH.deb
DEVDEB=dist/convened-dev_${DEBVER}_all.deb
[ -f "$DEB" ] && [ -f "$DEVDEB" ] || fail "make deb did not write $DEB and $DEVDEB"

# --- what is here before -------------------------------------------------------
# Every path with "convened" in it (and so all below /etc/convened,
# /var/lib/convened...) outside the clones, temp dirs and dpkg's own
# database: what the package adds must be gone again after purge.
snapshot() {
	find /etc /usr /lib /var -xdev \( -path /var/lib/dpkg -o -path /var/tmp \
		-o -path /var/cache -o -path /var/log/journal \) -prune \
		-o -path '*convened*' -print 2>/dev/null | LC_ALL=C sort
}
WORK=$(mktemp -d /tmp/convened-pkg-XXXXXX)
snapshot >"$WORK/before"
USER_EXISTED=0
getent passwd convened >/dev/null && USER_EXISTED=1
GROUP_EXISTED=0
getent group convened >/dev/null && GROUP_EXISTED=1

DAEMON_PID=
PG_STARTED=0
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGDIR=$WORK/pg
as_pg() { (cd / && runuser -u postgres -- "$@"); }

cleanup() {
	rc=$?
	set +e
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -TERM "$DAEMON_PID"
		wait "$DAEMON_PID" 2>/dev/null
	fi
	[ "$PG_STARTED" -eq 1 ] && as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1
	for p in convened-dev convened; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		case $st in '' | not-installed) ;; *) dpkg -P "$p" >/dev/null 2>&1 ;; esac
	done
	if [ "$USER_EXISTED" -eq 0 ] && getent passwd convened >/dev/null; then
		userdel convened 2>/dev/null
	fi
	if [ "$GROUP_EXISTED" -eq 0 ] && getent group convened >/dev/null; then
		groupdel convened 2>/dev/null
	fi
	if [ "$rc" -ne 0 ]; then
		say "logs: $WORK (kept)"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- install -------------------------------------------------------------------
say "dpkg -i $DEB $DEVDEB"
dpkg -i "$DEB" "$DEVDEB" >"$WORK/dpkg-i.log" 2>&1 || {
	cat "$WORK/dpkg-i.log" >&2
	fail "dpkg -i"
}
check() { # check DESCRIPTION COMMAND...: run it, fail naming it
	local what=$1
	shift
	"$@" || fail "$what"
}
for f in /usr/sbin/convened /usr/bin/convenectl /usr/lib/convened/plugins/spool.so \
	/usr/lib/convened/plugins/email.so /usr/share/convened/sql/001_baseline.sql \
	/usr/share/convened/templates/en/event_reminder.txt /usr/include/convened/plugin.h \
	/usr/share/man/man8/convened.8.gz /usr/share/man/man5/convened.conf.5.gz \
	/usr/share/man/man1/convenectl.1.gz /usr/share/bash-completion/completions/convenectl \
	/lib/systemd/system/convened.service /usr/lib/sysusers.d/convened.conf \
	/usr/lib/tmpfiles.d/convened.conf /usr/share/doc/convened/README.Debian \
	/usr/share/doc/convened/OPERATIONS.md.gz \
	/usr/share/doc/convened/examples/convened-alerts.yml; do
	check "$f is not installed" test -e "$f"
done
[ -n "$(ls /usr/share/convened/sql/functions/*.sql)" ] || fail "no sql/functions installed"
# the SQL and templates are the tree's, byte for byte
diff -r sql /usr/share/convened/sql >/dev/null || fail "/usr/share/convened/sql differs from sql/"
diff -r config/templates /usr/share/convened/templates >/dev/null ||
	fail "/usr/share/convened/templates differs from config/templates/"
check "convened --version" test "$(/usr/sbin/convened --version)" = "convened $VERSION"
dpkg-query -W -f='${Conffiles}\n' convened | grep -q '^ /etc/convened/convened.conf ' ||
	fail "/etc/convened/convened.conf is not a conffile"
# the system user, its state directory, the token
pw=$(getent passwd convened) || fail "no user convened"
uid=$(echo "$pw" | cut -d: -f3)
[ "$uid" -lt 1000 ] || fail "convened is not a system user (uid $uid)"
echo "$pw" | grep -q ':/var/lib/convened:/usr/sbin/nologin$' ||
	fail "user convened: home or shell: $pw"
check "/var/lib/convened: owner or mode ($(stat -c '%U:%G %a' /var/lib/convened))" \
	test "$(stat -c '%U:%G %a' /var/lib/convened)" = "convened:convened 700"
check "admin_token: owner or mode ($(stat -c '%U:%G %a' /etc/convened/admin_token))" \
	test "$(stat -c '%U:%G %a' /etc/convened/admin_token)" = "root:convened 640"
grep -Eqx '[0-9a-f]{64}' /etc/convened/admin_token || fail "admin_token is not 64 hex characters"
# enabled (the symlink deb-systemd-helper makes) but not started
check "convened.service is not enabled" \
	test -L /etc/systemd/system/multi-user.target.wants/convened.service
if pgrep -u convened -x convened >/dev/null; then fail "convened was started at install"; fi
if command -v systemd-analyze >/dev/null; then
	# unit + drop-in as systemd reads them (man pages checked too)
	systemd-analyze verify convened.service >"$WORK/verify.log" 2>&1 || {
		cat "$WORK/verify.log" >&2
		fail "systemd-analyze verify convened.service"
	}
	grep -q '^User=convened' /lib/systemd/system/convened.service.d/debian.conf
fi
# bash completion: the commands come from convenectl --help
out=$(bash -c '. /usr/share/bash-completion/bash_completion
	. /usr/share/bash-completion/completions/convenectl
	COMP_WORDS=(convenectl ev); COMP_CWORD=1; COMP_LINE="convenectl ev"; COMP_POINT=13
	_convenectl convenectl ev convenectl; echo "${COMPREPLY[*]}"
	COMP_WORDS=(convenectl event ""); COMP_CWORD=2; COMP_LINE="convenectl event "; COMP_POINT=17
	_convenectl convenectl "" event; echo "${COMPREPLY[*]}"
	COMP_WORDS=(convenectl event add --ti); COMP_CWORD=3; COMP_LINE="convenectl event add --ti"; COMP_POINT=25
	_convenectl convenectl --ti add; echo "${COMPREPLY[*]}"')
[ "$out" = "event
add cancel list show update
--title" ] || fail "bash completion of convenectl: got: $out"
# a third-party plugin builds against the -dev package's header alone
printf '#include <convened/plugin.h>\nstatic const struct cv_plugin p = {.abi = CV_PLUGIN_ABI, .size = sizeof(struct cv_plugin), .name = "x"};\nconst struct cv_plugin *cv_plugin_entry(void) { return &p; }\n' >"$WORK/third_party.c"
cc -std=gnu11 -Wall -Werror -fsyntax-only "$WORK/third_party.c" || fail "plugin.h from convened-dev"

# --- configure and run it, as an operator would ------------------------------
check "convened -n on the installed config" \
	runuser -u convened -- /usr/sbin/convened -n -c /etc/convened/convened.conf

mkdir -p "$PGDIR/sock"
chown -R postgres: "$PGDIR"
chmod 0755 "$WORK"
PGPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth-local=peer --auth-host=reject \
	-E UTF8 --locale=C --no-sync >"$WORK/initdb.log" 2>&1 || fail "initdb (log: $WORK/initdb.log)"
cat >>"$PGDIR/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$PGDIR/sock'
fsync = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 60 start >/dev/null ||
	fail "PostgreSQL did not start ($PGDIR/log)"
PG_STARTED=1
# README.Debian's recipe: a role and a database named convened
as_pg "$PGBIN/createuser" -h "$PGDIR/sock" -p "$PGPORT" convened
as_pg "$PGBIN/createdb" -h "$PGDIR/sock" -p "$PGPORT" -O convened convened
# The operator's edit of the conffile: conninfo (peer authentication as
# the system user convened) and a free port for HTTP.
HTTP_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i -e "s|^conninfo = dbname=convened\$|conninfo = host=$PGDIR/sock port=$PGPORT dbname=convened|" \
	-e "s|^port = 8080\$|port = $HTTP_PORT|" \
	-e "s|^base_url = http://127.0.0.1:8080\$|base_url = http://127.0.0.1:$HTTP_PORT|" \
	/etc/convened/convened.conf
grep -q "^conninfo = host=$PGDIR/sock" /etc/convened/convened.conf || fail "conninfo not set"
check "convened -n after setting conninfo" \
	runuser -u convened -- /usr/sbin/convened -n -c /etc/convened/convened.conf

say "starting convened as the user convened (HTTP port $HTTP_PORT, PostgreSQL port $PGPORT)"
(cd /var/lib/convened && exec setpriv --reuid=convened --regid=convened --init-groups \
	/usr/sbin/convened -f -c /etc/convened/convened.conf) >"$WORK/convened.log" 2>&1 &
DAEMON_PID=$!
code=000
for _ in $(seq 1 300); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/healthz" || true)
	[ "$code" = 200 ] && break
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
[ "$code" = 200 ] || {
	cat "$WORK/convened.log" >&2
	fail "/healthz answered $code, not 200"
}
say "/healthz = 200"
[ "$(ps -o user= -p "$DAEMON_PID")" = convened ] || fail "convened does not run as convened"
# the schema from /usr/share/convened/sql, owned by the role convened
n=$(as_pg "$PGBIN/psql" -h "$PGDIR/sock" -p "$PGPORT" -d convened -XAtc \
	"SELECT count(*) FROM pg_tables WHERE tableowner = 'convened'")
[ "$n" -gt 5 ] || fail "the schema was not created ($n tables)"
# the admin API with the generated token, through the installed convenectl
# (which finds URL and token in /etc/convened/convened.conf)
convenectl health >/dev/null || fail "convenectl health"
convenectl project add towns-together --title "Towns together" >/dev/null ||
	fail "convenectl project add (admin token)"
convenectl project list | grep -q towns-together || fail "convenectl project list"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token-wrong-token-wrong-token' \
	"http://127.0.0.1:$HTTP_PORT/api/projects")
[ "$code" = 403 ] || fail "a wrong token got $code"
kill -TERM "$DAEMON_PID"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "convened exited $rc after SIGTERM"
say "convened stopped (SIGTERM, exit 0)"
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null
PG_STARTED=0

# --- remove, purge -----------------------------------------------------------
snapshot >"$WORK/installed"
dpkg -r convened-dev convened >"$WORK/dpkg-r.log" 2>&1 || {
	cat "$WORK/dpkg-r.log" >&2
	fail "dpkg -r"
}
snapshot >"$WORK/removed"
# What remove keeps, as Debian does: the configuration (the conffile, the
# generated token, /etc/convened), the state directory, and the unit's
# "enabled" symlink with deb-systemd-helper's record of it (so that a
# reinstall keeps the operator's choice; purge removes them).
left=$(LC_ALL=C comm -13 "$WORK/before" "$WORK/removed" | grep -vxE \
	'/etc/convened|/etc/convened/convened.conf|/etc/convened/admin_token|/var/lib/convened(/.*)?|/etc/systemd/system/multi-user.target.wants/convened.service|/var/lib/systemd/deb-systemd-helper-enabled/(multi-user.target.wants/)?convened.service|/var/lib/systemd/deb-systemd-helper-enabled/convened.service.dsh-also' || true)
[ -z "$left" ] || fail "dpkg -r left: $left"
[ -f /etc/convened/convened.conf ] || fail "dpkg -r removed the conffile"
say "dpkg -r kept only:" $(LC_ALL=C comm -13 "$WORK/before" "$WORK/removed" |
	grep -v '^/var/lib/convened/') "(and /var/lib/convened's contents)"
dpkg -P convened-dev convened >"$WORK/dpkg-P.log" 2>&1 || {
	cat "$WORK/dpkg-P.log" >&2
	fail "dpkg -P"
}
snapshot >"$WORK/purged"
left=$(LC_ALL=C comm -13 "$WORK/before" "$WORK/purged" || true)
[ -z "$left" ] || fail "dpkg -P left: $left"
say "dpkg -P: nothing left (the user convened stays, as Debian keeps system users; this test removes it)"

T2=$(date +%s)
say "ok: built in $((T1 - T0)) s, installed, ran, removed and purged in $((T2 - T1)) s; $((T2 - T0)) s in all"
