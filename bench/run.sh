#!/bin/sh
# bench/run.sh - `make bench`: install the reference tools (bench/deps.sh),
# run every benchmark (BENCH="registrations reminders feeds smtp inbound" selects),
# print one line per figure and write bench/RESULTS.md from this run (a
# partial run, BENCH set, writes bench/out/RESULTS-partial.md instead).
# Every figure is the median of BENCH_ROUNDS (5) interleaved rounds.
# Sizes: BENCH_SECONDS (one wrk/pgbench round, 4), BENCH_CONNECTIONS
# ("16 64"), BENCH_PENDING (1000000), BENCH_DUE (10000 per round),
# BENCH_FEED_EVENTS (10000), BENCH_SMTP_MESSAGES (5000 per round),
# BENCH_INBOUND_MESSAGES (1000 per round).
set -u
cd "$(dirname "$0")/.." || exit 1
PY=/usr/bin/python3
sh bench/deps.sh || { echo "bench: could not install wrk/nginx/postfix"; exit 1; }
[ -x build/convened ] || { echo "bench: build/convened missing (make all)"; exit 1; }
for t in spool_ref ical_ref; do
	[ -x build/bench/$t ] || { echo "bench: build/bench/$t missing (make bench-refs)"; exit 1; }
done
mkdir -p bench/out
: >bench/out/results.jsonl
: >bench/out/output.txt
rm -f bench/out/rounds-*.jsonl
load() { cut -d' ' -f1-3 /proc/loadavg; }
run_start=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(load)
echo "bench: load average at the start: $load_start"
status=0
for b in ${BENCH:-registrations reminders feeds smtp inbound}; do
	echo "== $b"
	start=$(date +%s)
	if ! $PY "bench/$b.py" 2>&1 | tee -a bench/out/output.txt; then
		status=1
	fi
	# a script that died without a figure says so in the results
	if ! grep -q "\"bench\": \"$b\"" bench/out/results.jsonl; then
		echo "{\"bench\": \"$b\", \"not_run\": \"failed: see bench/out/output.txt\", \"line\": \"$b: FAILED (no figure)\"}" \
			>>bench/out/results.jsonl
		status=1
	fi
	echo "   ($b took $(($(date +%s) - start)) s)"
done
load_end=$(load)
echo "bench: load average at the end: $load_end"
printf '{"start": "%s", "end": "%s", "load_start": "%s", "load_end": "%s", "commit": "%s"}\n' \
	"$run_start" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$load_start" "$load_end" \
	"$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')" \
	>bench/out/run.json
# Only a run of every benchmark replaces bench/RESULTS.md.
md=bench/RESULTS.md
[ -n "${BENCH:-}" ] && md=bench/out/RESULTS-partial.md
$PY bench/results_md.py bench/out/results.jsonl >"$md" && echo "bench: wrote $md"
exit $status
