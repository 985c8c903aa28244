#!/bin/sh
# make-conf.sh CONF - print config/convened.conf with the Debian package's
# paths (the conffile /etc/convened/convened.conf); fails when a line it
# rewrites is missing, so the two cannot drift apart silently.
set -eu
conf=$1
for line in 'admin_token_file = var/admin_token' 'plugin_dir = build/plugins' \
	'template_dir = config/templates' 'sql_dir = sql' 'maildir = var/mail' \
	'#dir = var/ics' '^# This file is the documented example' \
	'^# the repository for `make run`)\.  Every key' \
	'^# File holding the admin token on its first line (scripts/run.sh creates$' \
	'^# var/admin_token with 64 random hex characters when it is missing).$'; do
	if ! grep -q -- "$line" "$conf"; then
		echo "make-conf.sh: '$line' is not in $conf any more" >&2
		exit 1
	fi
done
sed -e '/^# This file is the documented example/,/^# the repository for `make run`)\./c\
# This is the configuration of the Debian package convened; the documented\
# example it is made from is /usr/share/doc/convened/examples/convened.conf.\
# Relative paths would be relative to /var/lib/convened (the service'"'"'s\
# working directory).  Every key convened accepts is listed;' \
	-e 's|^admin_token_file = var/admin_token$|admin_token_file = /etc/convened/admin_token|' \
	-e 's|^# File holding the admin token on its first line (scripts/run.sh creates$|# File holding the admin token on its first line (the package creates|' \
	-e 's|^# var/admin_token with 64 random hex characters when it is missing).$|# it with 64 random hex characters, mode 0640 root:convened).|' \
	-e 's|^plugin_dir = build/plugins$|plugin_dir = /usr/lib/convened/plugins|' \
	-e 's|^template_dir = config/templates$|template_dir = /usr/share/convened/templates|' \
	-e 's|^sql_dir = sql$|sql_dir = /usr/share/convened/sql|' \
	-e 's|^maildir = var/mail$|maildir = /var/lib/convened/mail|' \
	-e 's|^#dir = var/ics$|#dir = /var/lib/convened/ics|' \
	"$conf"
