"""runner.py - runs integration tests: every test_* function of every
test_*.py in a directory.  Files run in parallel, each whole file in one
worker process (with its own PostgreSQL cluster and its own range of TCP
ports); the tests of a file run in file order.  Each file's PASS/FAIL/SKIP
lines, tracebacks and daemon log tails are printed together when the file
is done.  Ends with "N passed, N failed, N skipped" (exit 1 on any failure).

usage: runner.py [DIR | faults] [-k SUBSTR] [-x] [-j N]
  DIR     directory of test_*.py (default tests/integration; 'faults' means
          tests/faults)
  -k S    run only tests whose "file::name" contains S
  -x      stop at the first failure (files still running are stopped)
  -j N    worker processes (default CONVENED_TEST_JOBS, else 4); -j 1 runs
          everything in this process, one test after the other
Env: CONVENED_TEST_TIMEOUT (seconds per test, default 300),
     CONVENED_TEST_JOBS (workers, default 4).

A test that raises harness.Skip is reported as SKIP with its reason, listed
again before the summary, and never counted as passed.  Files are started
longest first, by the durations of the last run (kept in
<build>/integration-times.json).
"""

import importlib.util
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import harness  # noqa: E402

DEFAULT_JOBS = 4  # measured on the 2-core CI machine: -j2 133 s, -j3 96 s, -j4 79 s
DONE = "\x1e@@runner-file-done@@ "  # a worker's end-of-file record
PORT_BASE = 20000  # below the kernel's ephemeral range (32768-60999)
PORT_SPAN = 1000  # ports per worker


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


# ------------------------------------------------------ one file, in-process


def run_file(path, filt, stop_first):
    """Run the selected tests of one file in this process, printing their
    lines; returns {"passed": n, "failed": n, "skipped": [[tid, why]]}."""
    res = {"passed": 0, "failed": 0, "skipped": []}
    fname = os.path.basename(path)
    per_test = int(os.environ.get("CONVENED_TEST_TIMEOUT", "300"))
    try:
        mod = load(path)
    except Exception:  # noqa: BLE001
        if filt and filt not in fname:
            return res
        res["failed"] += 1
        print(f"FAIL {fname}::<import>", flush=True)
        traceback.print_exc(file=sys.stdout)
        return res
    for name, fn in tests_of(mod):
        tid = f"{fname}::{name}"
        if filt and filt not in tid:
            continue
        harness.begin_test()
        t0 = time.monotonic()
        err = skip = None
        signal.alarm(per_test)
        try:
            fn()
        except harness.Skip as e:
            skip = str(e) or "skipped"
        except (Exception, TestTimeout):  # noqa: BLE001
            err = traceback.format_exc()
        finally:
            signal.alarm(0)
        dt = time.monotonic() - t0
        if skip is not None:
            res["skipped"].append([tid, skip])
            print(f"SKIP {tid} ({dt:.1f}s): {skip}", flush=True)
        elif err is None:
            res["passed"] += 1
            print(f"PASS {tid} ({dt:.1f}s)", flush=True)
        else:
            res["failed"] += 1
            print(f"FAIL {tid} ({dt:.1f}s)", flush=True)
            print(err.rstrip(), flush=True)
            for d in harness.used_daemons():
                print(f"--- daemon log {d.logfile} (tail) ---")
                print(d.log_tail(60))
                print("--- end of daemon log ---", flush=True)
        harness.end_test()
        if stop_first and res["failed"]:
            break
    return res


def worker(filt, stop_first):
    """Read file paths from stdin, one a line; run each, then print DONE
    and its result as JSON.  Ends at end of input."""
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        t0 = time.monotonic()
        res = run_file(path, filt, stop_first)
        res["seconds"] = round(time.monotonic() - t0, 1)
        sys.stdout.flush()
        sys.stderr.flush()
        print("\n" + DONE + json.dumps(res), flush=True)
    return 0


# --------------------------------------------------------------- scheduling


def _times_path():
    return os.path.join(harness.build_dir(), "integration-times.json")


def _load_times():
    try:
        with open(_times_path()) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _save_times(times):
    times = {k: v for k, v in times.items() if os.path.exists(os.path.join(REPO, k))}
    try:
        with open(_times_path() + ".tmp", "w") as f:
            json.dump(times, f, indent=1, sort_keys=True)
        os.replace(_times_path() + ".tmp", _times_path())
    except OSError:
        pass


def _port_range(jobs):
    """(base, span) of the workers' port ranges: PORT_BASE/PORT_SPAN, or,
    for a runner started inside a worker (the runner's own test), a share
    of that worker's range."""
    base = int(os.environ.get("CONVENED_PORT_BASE") or 0)
    if base:
        return base, int(os.environ.get("CONVENED_PORT_SPAN") or PORT_SPAN) // jobs
    return PORT_BASE, PORT_SPAN


class Worker:
    def __init__(self, index, filt, stop_first, ports):
        argv = [sys.executable, os.path.abspath(__file__), "--worker"]
        if filt:
            argv += ["-k", filt]
        if stop_first:
            argv.append("-x")
        env = dict(os.environ)
        env["CONVENED_PORT_BASE"] = str(ports[0] + index * ports[1])
        env["CONVENED_PORT_SPAN"] = str(ports[1])
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, cwd=REPO, start_new_session=True,
        )
        self.file = None
        self.buf = b""
        self.out = []

    def give(self, path):
        self.file = path
        self.out = []
        self.proc.stdin.write((path + "\n").encode())
        self.proc.stdin.flush()

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def stop(self):
        """Stop the worker and what it started (its daemons, its cluster)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def run_parallel(files, filt, stop_first, jobs):
    times = _load_times()
    names = {f: os.path.basename(f) for f in files}
    keys = {f: os.path.relpath(f, REPO) for f in files}
    queue = sorted(files, key=lambda f: -times.get(keys[f], 1e9))  # unknown first
    total = {"passed": 0, "failed": 0, "skipped": []}
    sel = selectors.DefaultSelector()
    workers = []
    stopping = False
    ports = _port_range(jobs)

    def start_worker(i):
        w = Worker(i, filt, stop_first, ports)
        sel.register(w.proc.stdout, selectors.EVENT_READ, w)
        workers.append(w)
        return w

    def feed(w):
        if queue and not stopping:
            w.give(queue.pop(0))
        else:
            w.file = None
            w.close()

    def emit(w, res):
        sys.stdout.write("".join(w.out))
        sys.stdout.flush()
        total["passed"] += res["passed"]
        total["failed"] += res["failed"]
        total["skipped"] += res["skipped"]

    for i in range(min(jobs, len(queue))):
        feed(start_worker(i))

    try:
        while sel.get_map():
            for key, _ in sel.select():
                w = key.data
                chunk = os.read(w.proc.stdout.fileno(), 65536)
                if chunk:
                    w.buf += chunk
                    while b"\n" in w.buf:
                        line, w.buf = w.buf.split(b"\n", 1)
                        text = line.decode("utf-8", "replace")
                        if text.startswith(DONE):
                            res = json.loads(text[len(DONE):])
                            # drop the blank line the worker wrote before DONE
                            if w.out and w.out[-1] == "\n":
                                w.out.pop()
                            emit(w, res)
                            times[keys[w.file]] = res["seconds"]
                            if stop_first and res["failed"]:
                                stopping = True
                            feed(w)
                        else:
                            w.out.append(text + "\n")
                    continue
                # end of output: the worker exited
                sel.unregister(w.proc.stdout)
                w.proc.wait()
                if w.file is not None:  # it died inside a file
                    if w.buf:
                        w.out.append(w.buf.decode("utf-8", "replace") + "\n")
                    w.out.append(f"FAIL {names[w.file]}::<worker> (the worker process ended "
                                 f"with status {w.proc.returncode} in this file)\n")
                    emit(w, {"passed": 0, "failed": 1, "skipped": []})
                    w.file = None
                    if stop_first:
                        stopping = True
                    elif queue:
                        feed(start_worker(workers.index(w)))
            if stopping:
                for w in workers:
                    if w.file is not None and w.proc.poll() is None:
                        print(f"---- stopped {names[w.file]} (-x: a test failed)", flush=True)
                        w.file = None
                        w.stop()
    finally:
        for w in workers:
            w.stop()
    if not filt and not stopping and not keys[files[0]].startswith(".."):
        _save_times(times)
    return total


def run_serial(files, filt, stop_first):
    total = {"passed": 0, "failed": 0, "skipped": []}
    for path in files:
        res = run_file(path, filt, stop_first)
        total["passed"] += res["passed"]
        total["failed"] += res["failed"]
        total["skipped"] += res["skipped"]
        if stop_first and res["failed"]:
            break
    return total


def main(argv):
    directory = os.path.join(REPO, "tests", "integration")
    filt = None
    stop_first = False
    is_worker = False
    jobs = int(os.environ.get("CONVENED_TEST_JOBS") or DEFAULT_JOBS)
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-k":
            i += 1
            filt = argv[i]
        elif a == "-x":
            stop_first = True
        elif a == "-j":
            i += 1
            jobs = int(argv[i])
        elif a.startswith("-j") and a[2:].isdigit():
            jobs = int(a[2:])
        elif a == "--worker":
            is_worker = True
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
    if is_worker:
        return worker(filt, stop_first)

    if not os.path.isdir(directory):
        print(f"runner: no directory {directory}")
        print("0 passed, 0 failed, 0 skipped")
        return 0
    files = discover(directory)
    t0 = time.monotonic()
    if jobs <= 1 or len(files) <= 1:
        total = run_serial(files, filt, stop_first)
    else:
        total = run_parallel(files, filt, stop_first, jobs)
    skipped = total["skipped"]
    if skipped:
        print(f"==== {len(skipped)} TEST(S) SKIPPED: NOT RUN HERE, NOT PASSED ====")
        for tid, why in skipped:
            print(f"SKIP {tid}: {why}")
    print(f"== integration: {time.monotonic() - t0:.0f} s with {max(1, min(jobs, len(files)))} "
          "worker(s)", flush=True)
    print(f"{total['passed']} passed, {total['failed']} failed, {len(skipped)} skipped", flush=True)
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
