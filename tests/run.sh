#!/bin/sh
# run.sh - the whole test suite: cmocka unit tests (build/ and build-asan/),
# then the integration tests against build-asan; ends with
# "N passed, N failed, N skipped" (skipped: could not run here, never passed).
#   sh tests/run.sh          unit + integration
#   sh tests/run.sh faults   the fault-injection tests in tests/faults
# Env: CONVENED_BUILD overrides the build the integration runner uses.

cd "$(dirname "$0")/.." || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

passed=0
failed=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/convened-check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
start=$(date +%s)

# Sum the numbers after "[  PASSED  ]" / "[  FAILED  ]" in cmocka's output.
cmocka_count() { # $1 = PASSED|FAILED, $2 = file
	sed -n "s/^\[  $1  \] \([0-9][0-9]*\) test.*/\1/p" "$2" |
		awk '{ s += $1 } END { print s + 0 }'
}

run_unit() { # $1 = binary
	bin=$1
	out="$tmp/unit.out"
	timeout 300 "$bin" >"$out" 2>&1
	rc=$?
	p=$(cmocka_count PASSED "$out")
	f=$(cmocka_count FAILED "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, timed out or failed outside a test
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
		echo "ok    $bin ($p tests)"
	else
		[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1 && failed=$((failed + 1))
		echo "FAIL  $bin ($p ok, $f failing, exit $rc)"
		sed 's/^/    /' "$out" | tail -n 60
	fi
}

run_integration() { # $1 = runner argument (dir or "faults")
	out="$tmp/integration.out"
	"$PY" tests/integration/runner.py "$@" 2>&1 | tee "$out"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$out" | tail -n 1)
	if [ -z "$last" ]; then
		echo "FAIL  integration runner ended without a summary"
		failed=$((failed + 1))
		return
	fi
	p=${last%% passed*}
	f=${last#*passed, }
	f=${f%% failed*}
	s=0
	case $last in *skipped) s=${last##*failed, }; s=${s%% skipped} ;; esac
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

if [ "${1:-}" = faults ]; then
	CONVENED_BUILD=${CONVENED_BUILD:-build}
	# the fault tests load the machine on purpose: one file at a time
	CONVENED_TEST_JOBS=${CONVENED_TEST_JOBS:-1}
	export CONVENED_BUILD CONVENED_TEST_JOBS
	echo "== fault tests (CONVENED_BUILD=$CONVENED_BUILD)"
	run_integration faults
else
	for dir in build/tests/unit build-asan/tests/unit; do
		[ -d "$dir" ] || continue
		echo "== unit tests in $dir"
		for bin in "$dir"/test_*; do
			[ -f "$bin" ] && [ -x "$bin" ] || continue
			if [ "$dir" = build-asan/tests/unit ]; then
				ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
				UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
					run_unit "$bin"
			else
				run_unit "$bin"
			fi
		done
	done
	if [ -z "${CONVENED_BUILD:-}" ]; then
		if [ -x build-asan/convened ]; then
			CONVENED_BUILD=build-asan
		else
			CONVENED_BUILD=build
		fi
	fi
	export CONVENED_BUILD
	echo "== integration tests (CONVENED_BUILD=$CONVENED_BUILD)"
	run_integration
fi

echo "== took $(($(date +%s) - start)) s"
total=$((passed + failed))
[ "$skipped" -gt 0 ] && echo "== $skipped integration test(s) SKIPPED, not run here (listed above)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$total" -gt 0 ]
