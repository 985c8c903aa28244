#!/bin/sh
# deps.sh - install the Debian packages (and test npm modules) convened needs;
# idempotent: prints nothing and changes nothing when all is present.
# `deps.sh package` also installs the tools to build and check the .deb.
set -eu

# The one list of Debian packages (build, run, test).
PACKAGES="build-essential pkg-config libevent-dev libpq-dev libesmtp-dev
libical-dev libjansson-dev libinih-dev libsodium-dev libsystemd-dev libssl-dev
libcmocka-dev libcurl4-openssl-dev zlib1g-dev libgmime-3.0-dev libicu-dev postgresql postgresql-contrib
libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core fonts-noto-core
poppler-utils chromium zbar-tools
postfix dovecot-imapd
python3 python3-aiosmtpd python3-icalendar python3-vobject nodejs npm openssl curl clang
prometheus
libclang-rt-dev
clang-format"

# `scripts/deps.sh package` (make deb, make check-package, make distcheck)
# adds what building and checking the Debian package needs.
if [ "${1:-}" = package ]; then
	PACKAGES="$PACKAGES debhelper dpkg-dev fakeroot lintian bash-completion"
fi

cd "$(dirname "$0")/.."

missing=""
for p in $PACKAGES; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] && continue
	# A Node.js from elsewhere (e.g. NodeSource, which bundles npm and
	# conflicts with Debian's npm) satisfies nodejs/npm.
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=""
	elif command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps: missing packages:$missing (and no sudo; install them as root)" >&2
		exit 1
	fi
	echo "deps: installing:$missing"
	# Postfix and Dovecot (dovecot-imapd) are for tests, which run private
	# instances (postfix -c DIR, dovecot -c FILE -F on a free loopback
	# port): the system's Postfix stays unconfigured and does not take
	# port 25; the system's Dovecot is never used.  prometheus is there
	# for promtool (tests check /metrics and the example alert rules);
	# its server is never used by the tests.
	case " $missing " in
	*" postfix "*)
		echo "postfix postfix/main_mailer_type select No configuration" |
			$SUDO debconf-set-selections
		;;
	esac
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing </dev/null
fi

# npm modules used by the tests (e.g. ical.js), refreshed when the manifest
# is newer than tests/node_modules.
if [ -f tests/package.json ]; then
	stale=0
	# npm writes node_modules/.package-lock.json once an install has
	# finished: an empty or half-written node_modules counts as missing.
	if [ ! -f tests/node_modules/.package-lock.json ]; then
		stale=1
	elif [ tests/package.json -nt tests/node_modules ]; then
		stale=1
	elif [ -f tests/package-lock.json ] &&
	     [ tests/package-lock.json -nt tests/node_modules ]; then
		stale=1
	fi
	if [ "$stale" -eq 1 ]; then
		echo "deps: installing npm modules in tests/"
		if [ -f tests/package-lock.json ]; then
			(cd tests && npm ci --no-audit --no-fund </dev/null)
		else
			(cd tests && npm install --no-audit --no-fund </dev/null)
		fi
		touch tests/node_modules
	fi
fi
