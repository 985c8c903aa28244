#!/bin/sh
# bench/deps.sh - Debian packages the benchmarks need (idempotent): wrk,
# nginx-light (static reference), Postfix for smtp-sink/smtp-source (its
# debconf set to "No configuration" so nothing is set up or started).
set -e
need=""
command -v wrk >/dev/null 2>&1 || need="$need wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ] || need="$need postfix"
command -v pgbench >/dev/null 2>&1 || need="$need postgresql-contrib"
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
# nginx-light and postfix try to start their services on install; no.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d.bench >/dev/null
$SUDO chmod +x /usr/sbin/policy-rc.d.bench
[ -e /usr/sbin/policy-rc.d ] || { $SUDO cp /usr/sbin/policy-rc.d.bench /usr/sbin/policy-rc.d; rm_policy=1; }
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends $need
[ -n "${rm_policy:-}" ] && $SUDO rm -f /usr/sbin/policy-rc.d
$SUDO rm -f /usr/sbin/policy-rc.d.bench
