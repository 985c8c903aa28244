"""runner.py - runs integration tests: every test_* function of every
test_*.py in a directory, in file order; prints PASS/FAIL lines and ends
with "N passed, N failed" (exit 1 on any failure).

usage: runner.py [DIR | faults] [-k SUBSTR] [-x]
  DIR     directory of test_*.py (default tests/integration; 'faults' means
          tests/faults)
  -k S    run only tests whose "file::name" contains S
  -x      stop at the first failure
Env: CONVENED_TEST_TIMEOUT (seconds per test, default 300).
"""

import importlib.util
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import harness  # noqa: E402


class TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise TestTimeout("test exceeded CONVENED_TEST_TIMEOUT")


def _on_term(signum, frame):
    raise SystemExit(130)


def discover(directory):
    files = sorted(
        f for f in os.listdir(directory) if f.startswith("test_") and f.endswith(".py")
    )
    return [os.path.join(directory, f) for f in files]


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    d = os.path.dirname(path)
    if d not in sys.path:
        sys.path.insert(0, d)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def tests_of(mod):
    out = []
    for name, fn in vars(mod).items():
        if name.startswith("test_") and callable(fn) and getattr(fn, "__module__", None) == mod.__name__:
            out.append((name, fn))
    return out


def main(argv):
    directory = os.path.join(REPO, "tests", "integration")
    filt = None
    stop_first = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-k":
            i += 1
            filt = argv[i]
        elif a == "-x":
            stop_first = True
        elif a == "faults":
            directory = os.path.join(REPO, "tests", "faults")
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            directory = os.path.abspath(a)
        i += 1

    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    per_test = int(os.environ.get("CONVENED_TEST_TIMEOUT", "300"))

    passed = failed = 0
    if not os.path.isdir(directory):
        print(f"runner: no directory {directory}")
        print("0 passed, 0 failed")
        return 0
    for path in discover(directory):
        fname = os.path.basename(path)
        try:
            mod = load(path)
        except Exception:  # noqa: BLE001
            if filt and filt not in fname:
                continue
            failed += 1
            print(f"FAIL {fname}::<import>", flush=True)
            traceback.print_exc(file=sys.stdout)
            continue
        for name, fn in tests_of(mod):
            tid = f"{fname}::{name}"
            if filt and filt not in tid:
                continue
            harness.begin_test()
            t0 = time.monotonic()
            err = None
            signal.alarm(per_test)
            try:
                fn()
            except (Exception, TestTimeout):  # noqa: BLE001
                err = traceback.format_exc()
            finally:
                signal.alarm(0)
            dt = time.monotonic() - t0
            if err is None:
                passed += 1
                print(f"PASS {tid} ({dt:.1f}s)", flush=True)
            else:
                failed += 1
                print(f"FAIL {tid} ({dt:.1f}s)", flush=True)
                print(err.rstrip(), flush=True)
                for d in harness.used_daemons():
                    print(f"--- daemon log {d.logfile} (tail) ---")
                    print(d.log_tail(60))
                    print("--- end of daemon log ---", flush=True)
            harness.end_test()
            if stop_first and failed:
                break
        if stop_first and failed:
            break
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
