"""benchlib.py - what every benchmark shares: a private PostgreSQL cluster
(the test harness's, made durable: fsync and synchronous_commit on), the
real convened from build/, wrk and pgbench runs, interleaved rounds
(rounds(): reference, convened, reference, convened ...) and the figure
lines: each benchmark prints "figure: convened X, reference Y, ratio
median Z (min-max)" and appends the figure, with every round's raw values,
to bench/out/results.jsonl, from which bench/run.sh writes bench/RESULTS.md.
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

# Sizes: BENCH_SECONDS per wrk/pgbench round (default 4), BENCH_ROUNDS
# interleaved rounds per figure (default 5, at least 5 for a figure
# RESULTS.md calls measured).
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


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


# ---- rounds: reference and convened interleaved, ratio as median and spread ----

def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return None
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


class Rounds:
    """Per-round raw values: ref[i], conv[i], and also[name][i] for any
    further references run in the same round."""

    def __init__(self):
        self.ref, self.conv, self.also = [], [], {}

    def ratios(self, ref=None):
        """convened / reference per round (REF: a name in also, else the
        main reference)."""
        refs = self.ref if ref is None else self.also[ref]
        return [c / r if r else None for c, r in zip(self.conv, refs)]


def rounds(ref_fn, conv_fn, n=None, also=None, label=""):
    """Run N (BENCH_ROUNDS) interleaved rounds: ref_fn(i), each of ALSO's
    functions (a dict name -> fn(i)), then conv_fn(i); each returns one
    number (a rate or a time).  Prints every round; returns a Rounds."""
    n = ROUNDS if n is None else n
    r = Rounds()
    for name in (also or {}):
        r.also[name] = []
    for i in range(n):
        r.ref.append(ref_fn(i))
        for name, fn in (also or {}).items():
            r.also[name].append(fn(i))
        r.conv.append(conv_fn(i))
        extra = "".join(f", {k} {fmt(v[-1])}" for k, v in r.also.items())
        say(f"{label} round {i + 1}/{n}: reference {fmt(r.ref[-1])}{extra}, convened {fmt(r.conv[-1])}")
    return r


def _met(goal, value):
    """GOAL is (op, bound) with op one of >=, <=, <, >; None: no goal."""
    if not goal or value is None:
        return None
    op, bound = goal
    return {">=": value >= bound, "<=": value <= bound, "<": value < bound, ">": value > bound}[op]


def _goal_text(goal, what):
    if not goal:
        return ""
    op, bound = goal
    return f"{what} {op} {bound:g}"


def figure_rounds(bench, name, r, unit, ref_name, ratio_goal=None, value_goal=None, note="",
                  ref=None, ref_unit=None, conv=None):
    """Record a figure measured in rounds R: medians of both sides, the
    median of the per-round ratios (convened / reference) and their spread
    (min-max).  RATIO_GOAL (op, bound) is judged on the median ratio;
    VALUE_GOAL on convened's median.  REF: a name in r.also to compare
    with instead of the main reference; CONV: other convened values."""
    refs = r.ref if ref is None else r.also[ref]
    convs = r.conv if conv is None else conv
    if refs is None:  # a quoted reference (ref_name says what): no ratio
        refs = [None] * len(convs)
    ratios = [c / x if x else None for c, x in zip(convs, refs)]
    ok = [x for x in ratios if x is not None]
    rm, rmin, rmax = (median(ok), min(ok), max(ok)) if ok else (None, None, None)
    cm = median(convs)
    rfm = median([x for x in refs if x is not None]) if any(x is not None for x in refs) else None
    goal = " and ".join(g for g in (_goal_text(ratio_goal, "ratio"), _goal_text(value_goal, "convened")) if g)
    checks = [m for m in (_met(ratio_goal, rm), _met(value_goal, cm)) if m is not None]
    met = all(checks) if checks else None
    if rm is not None:
        rtxt = f"{ref_name} {fmt(rfm)} {ref_unit or unit}, ratio median {rm:.2f} ({rmin:.2f}-{rmax:.2f})"
    else:
        rtxt = f"convened's spread {fmt(min(convs))}-{fmt(max(convs))} {unit}; reference: {ref_name}"
    line = (f"{bench}: {name}: convened {fmt(cm)} {unit}, {rtxt}"
            f" over {len(convs)} rounds" + (f" (goal {goal}: {'met' if met else 'MISSED'})" if goal else "")
            + (f" [{note}]" if note else ""))
    print(line, flush=True)
    rec = {"bench": bench, "name": name, "rounds": len(convs), "unit": unit, "ref_unit": ref_unit or unit,
           "ref_name": ref_name,
           "convened": cm, "convened_min": min(convs), "convened_max": max(convs),
           "reference": rfm,
           "reference_min": min(x for x in refs if x is not None) if rfm is not None else None,
           "reference_max": max(x for x in refs if x is not None) if rfm is not None else None,
           "ratio": rm, "ratio_min": rmin, "ratio_max": rmax, "goal": goal or None, "met": met,
           "raw": {"convened": convs, "reference": refs, "ratios": ratios}, "note": note, "line": line}
    with open(RESULTS, "a") as f:
        f.write(json.dumps(rec) + "\n")
    with open(os.path.join(OUT, f"rounds-{bench}.jsonl"), "a") as f:
        f.write(json.dumps({"name": name, **rec["raw"], "unit": unit}) + "\n")
    return rec


def pgbench(pg, db, clients, seconds, script, defines=None):
    """pgbench -n running SCRIPT (text) with CLIENTS for SECONDS on DB;
    returns {"tps", "transactions", "failed", "out"}."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
        path = f.name
    os.chmod(path, 0o644)
    dbname = db.split("dbname=")[1].split()[0]
    argv = ["pgbench", "-n", "-h", pg.sockdir, "-p", str(pg.port), "-U", "postgres",
            "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", path]
    for k, v in (defines or {}).items():
        argv += ["-D", f"{k}={v}"]
    argv.append(dbname)
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    finally:
        os.unlink(path)
    out = r.stdout + r.stderr
    tps = re.search(r"^tps = ([\d.]+)", r.stdout, re.M)
    done = re.search(r"number of transactions actually processed: (\d+)", r.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", r.stdout)
    if r.returncode != 0 or not tps:
        raise RuntimeError(f"pgbench failed ({r.returncode}):\n{out}")
    return {"tps": float(tps.group(1)), "transactions": int(done.group(1)) if done else 0,
            "failed": int(failed.group(1)) if failed else 0, "out": out}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
