#!/bin/sh
# bench/run.sh - `make bench`: install the reference tools (bench/deps.sh),
# run every benchmark (BENCH="registrations reminders feeds smtp inbound" selects),
# print one line per figure and write bench/RESULTS.md from this run (a
# partial run, BENCH set, writes bench/out/RESULTS-partial.md instead).
# Sizes: BENCH_SECONDS (wrk/pgbench, 10), BENCH_CONNECTIONS ("16 64"),
# BENCH_PENDING (1000000), BENCH_DUE (10000), BENCH_FEED_EVENTS (10000),
# BENCH_SMTP_MESSAGES (20000), BENCH_INBOUND_MESSAGES (2000).
set -u
cd "$(dirname "$0")/.." || exit 1
PY=/usr/bin/python3
sh bench/deps.sh || { echo "bench: could not install wrk/nginx/postfix"; exit 1; }
[ -x build/convened ] || { echo "bench: build/convened missing (make all)"; exit 1; }
mkdir -p bench/out
: >bench/out/results.jsonl
: >bench/out/output.txt
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
# Only a run of every benchmark replaces bench/RESULTS.md.
md=bench/RESULTS.md
[ -n "${BENCH:-}" ] && md=bench/out/RESULTS-partial.md
$PY bench/results_md.py bench/out/results.jsonl >"$md" && echo "bench: wrote $md"
exit $status
