"""benchlib.py - what every benchmark shares: a private PostgreSQL cluster
(the test harness's, made durable: fsync and synchronous_commit on), the
real convened from build/, wrk runs, and the figure lines: each benchmark
prints "figure: convened X, reference Y, ratio Z" and appends the figure to
bench/out/results.jsonl, from which bench/run.sh writes bench/RESULTS.md.
"""

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(REPO, "tests", "faults"))

import harness  # noqa: E402
import faultlib  # noqa: E402

OUT = os.path.join(HERE, "out")
RESULTS = os.path.join(OUT, "results.jsonl")
os.makedirs(OUT, exist_ok=True)

# Sizes: BENCH_SECONDS per wrk/pgbench run (default 10).
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


def say(*a):
    print("  ", *a, flush=True)


def cluster(durable=True):
    """A started private cluster; durable: fsync and synchronous_commit on
    (as in production, unlike the test harness's defaults)."""
    pg = harness.PgCluster()
    pg._init()
    if durable:
        with open(os.path.join(pg.datadir, "postgresql.conf"), "a") as f:
            f.write("\n# benchmarks: durable commits\nfsync = on\nsynchronous_commit = on\n"
                    "full_page_writes = on\nshared_buffers = 128MB\nmax_connections = 300\n")
    pg.start()
    return pg


def daemon(db, config=None):
    """convened (build/, not the ASan build) on DB with quiet logging."""
    os.environ.setdefault("CONVENED_BUILD", os.path.join(REPO, "build"))
    d = harness.Daemon(db, config=config, verbose=False)
    d.start(timeout=60)
    return d


def figure(bench, name, convened, reference, unit, ref_name, goal=None, higher_is_better=True, note=""):
    """Print and record one figure.  reference may be None (a reference
    point quoted, not measured) with ref_name saying what it is."""
    if reference:
        ratio = convened / reference if reference else None
        rtxt = f"{ratio:.2f}"
    else:
        ratio = None
        rtxt = "-"
    if reference is not None:
        ref = f"{ref_name} {fmt(reference)} {unit}, ratio {rtxt}"
    else:
        ref = f"reference: {ref_name}"
    line = (f"{bench}: {name}: convened {fmt(convened)} {unit}, {ref}"
            + (f" (goal {goal})" if goal else "") + (f" [{note}]" if note else ""))
    print(line, flush=True)
    with open(RESULTS, "a") as f:
        f.write(json.dumps({"bench": bench, "name": name, "convened": convened, "reference": reference,
                            "unit": unit, "ref_name": ref_name, "ratio": ratio, "goal": goal,
                            "note": note, "line": line}) + "\n")


def not_run(bench, why):
    line = f"{bench}: NOT RUN: {why}"
    print(line, flush=True)
    with open(RESULTS, "a") as f:
        f.write(json.dumps({"bench": bench, "not_run": why, "line": line}) + "\n")


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.1f}" if v < 1000 else f"{v:,.0f}"
    return f"{v:,}"


_WRK_RPS = re.compile(r"Requests/sec:\s*([\d.]+)")
_WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_WRK_REQS = re.compile(r"(\d+) requests in ([\d.]+)(m?s|m)")
_WRK_ERR = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk(url, connections, seconds, script=None, threads=2, env=None):
    """Run wrk; returns {"rps", "requests", "non2xx", "errors", "out"}."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        argv += ["-s", script]
    argv.append(url)
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run(argv, capture_output=True, text=True, env=e, timeout=seconds + 120)
    out = r.stdout + r.stderr
    m = _WRK_RPS.search(out)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({r.returncode}):\n{out}")
    non2xx = int(_WRK_NON2XX.search(out).group(1)) if _WRK_NON2XX.search(out) else 0
    em = _WRK_ERR.search(out)
    errors = sum(int(x) for x in em.groups()) if em else 0
    reqs = int(_WRK_REQS.search(out).group(1)) if _WRK_REQS.search(out) else 0
    return {"rps": float(m.group(1)), "requests": reqs, "non2xx": non2xx, "errors": errors, "out": out}


def peak_rss_kb(pid):
    """VmHWM of PID in kB (peak resident set)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
