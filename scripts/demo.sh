#!/bin/sh
# demo.sh - load the demo data set through convenectl on first start of
# `make run`: a network's coordination meeting, three seminars in three
# countries and zones, a four-day study visit and a grant deadline, all in
# the future.  Does nothing when a project already exists.
#
# Environment: CONVENECTL (binary, default build/convenectl), CONVENED_CONF
# (default config/convened.conf: URL and token come from it), CONVENED_PID
# (stop waiting if that process exits), DEMO_WAIT (seconds to wait for
# /healthz, default 60).
set -eu

cd "$(dirname "$0")/.."
CTL=${CONVENECTL:-build/convenectl}
CONF=${CONVENED_CONF:-config/convened.conf}
WAIT=${DEMO_WAIT:-60}

say() { echo "demo: $*" >&2; }
ctl() { "$CTL" --config "$CONF" "$@"; }

if [ ! -x "$CTL" ]; then
	say "$CTL is missing: run 'make' first"
	exit 1
fi

# Wait for /healthz = 200 (the daemon is up and its database answers).
i=0
until ctl health >/dev/null 2>&1; do
	if [ -n "${CONVENED_PID:-}" ] && ! kill -0 "$CONVENED_PID" 2>/dev/null; then
		say "convened exited; no demo data loaded"
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt $((WAIT * 4)) ]; then
		say "convened did not become healthy within ${WAIT}s"
		exit 1
	fi
	sleep 0.25
done

# First start only: a project list with no rows is just its header line.
if [ "$(ctl project list | wc -l)" -gt 1 ]; then
	say "projects exist already; not loading the demo data"
	exit 0
fi

# Dates relative to today (GNU date), so everything is in the future.
day() { date -d "+$1 days" +%Y-%m-%d; }

say "loading the demo data set"
ctl project add towns-together \
	--title "Towns Together: local democracy in practice" \
	--programme "Europe for Citizens - Networks of Towns" \
	--description "A network of towns and regions exchanging practice on citizen participation." >/dev/null

ctl org add "Comune di Bologna" --country IT --city Bologna >/dev/null
ctl org add "Miasto Poznań" --country PL --city Poznań >/dev/null
ctl org add "Comune di Rimini" --country IT --city Rimini >/dev/null
ctl org add "Concello da Coruña" --country ES --city "A Coruña" >/dev/null
ctl org add "Stavanger kommune" --country NO --city Stavanger >/dev/null
ctl org add "Region Västerbotten" --country SE --city Umeå >/dev/null
ctl org add "Tampereen kaupunki" --country FI --city Tampere >/dev/null

ev() {
	ctl event add --project towns-together --publish "$@" >/dev/null
}

d=$(day 21)
ev --kind meeting --title "Coordination meeting of the network" \
	--start "${d}T09:30" --end "${d}T17:00" --tz Europe/Rome \
	--venue "Palazzo d'Accursio" --city Bologna --country IT \
	--capacity 30 --org-cap 2 --closes "$(day 14)T23:59" \
	--description "Partners agree the work plan and the seminar calendar."

d=$(day 42)
ev --kind seminar --title "Training seminar: participatory budgeting" \
	--start "${d}T09:00" --end "${d}T16:30" --tz Europe/Warsaw \
	--venue "Centrum Kultury Zamek" --city Poznań --country PL \
	--capacity 20 --org-cap 3 --closes "$(day 35)T23:59"

d=$(day 63)
ev --kind seminar --title "Training seminar: youth councils" \
	--start "${d}T09:30" --end "${d}T17:00" --tz Europe/Rome \
	--venue "Palazzo del Turismo" --city Rimini --country IT \
	--capacity 20 --org-cap 3 --closes "$(day 56)T23:59"

d=$(day 84)
ev --kind seminar --title "Training seminar: e-participation" \
	--start "${d}T10:00" --end "${d}T18:00" --tz Europe/Madrid \
	--venue "Palexco" --city "La Coruña" --country ES \
	--capacity 20 --org-cap 3 --closes "$(day 77)T23:59"

ev --kind study_visit --title "Study visit: Stavanger's neighbourhood committees" \
	--all-day --start "$(day 105)" --end "$(day 108)" --tz Europe/Oslo \
	--city Stavanger --country NO --capacity 15 --org-cap 2 \
	--closes "$(day 90)T23:59"

ctl deadline add --project towns-together --kind grant_submission \
	--title "Grant application: Networks of Towns (next round)" \
	--due "$(day 120)T12:00" --tz Europe/Brussels \
	--url "https://example.org/calls/networks-of-towns" \
	--description "Applications are due at 12:00 Brussels time." >/dev/null

say "demo data loaded: $("$CTL" --config "$CONF" event list | tail -n +2 | wc -l) events"
