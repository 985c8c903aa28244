"""test_metrics.py - /metrics of a real daemon after real work (a
registration, its confirmation mail through the spool plugin, feeds, a
404) meets Prometheus's conventions: `promtool check metrics` reports
nothing, and a generic check of every family (whoever added it) finds
HELP and TYPE, _total on counters only, base units in names, and complete
histograms; the example alert rules pass `promtool check rules` and their
unit tests (`promtool test rules`)."""

import os
import re
import shutil
import subprocess

import harness
import reg_fixtures as rf

RULES_DIR = os.path.join(harness.REPO, "config", "prometheus")

# Words that name a quantity with a unit: a family whose name contains one
# must carry the base unit (seconds, bytes) in its name.
_TIME_WORDS = ("lag", "latency", "duration", "delay", "age", "uptime", "time", "elapsed")
_SIZE_WORDS = ("size", "length")
_BAD_UNITS = ("_ms", "_msec", "_milliseconds", "_microseconds", "_us", "_ns", "_minutes",
              "_hours", "_days", "_kb", "_kilobytes", "_mb", "_megabytes", "_bits", "_percent")


def _promtool():
    p = shutil.which("promtool")
    if p is None:
        raise harness.Skip("promtool not installed (Debian package prometheus; make deps)")
    return p


def _families(text):
    """{name: {"help": str|None, "type": str|None, "samples": [(series, labels, value)]}}"""
    fam = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, h = line[7:].partition(" ")
            fam.setdefault(name, {"help": None, "type": None, "samples": []})["help"] = h
        elif line.startswith("# TYPE "):
            name, _, t = line[7:].partition(" ")
            fam.setdefault(name, {"help": None, "type": None, "samples": []})["type"] = t
        elif line and not line.startswith("#"):
            m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)( -?\d+)?',
                             line)
            assert m, f"not a sample line: {line!r}"
            series, labels, value = m.group(1), m.group(2) or "", float(m.group(3))
            base = series
            for suf in ("_bucket", "_sum", "_count"):
                if series.endswith(suf) and series[: -len(suf)] in fam and \
                        fam[series[: -len(suf)]]["type"] in ("histogram", "summary"):
                    base = series[: -len(suf)]
            assert base in fam, f"sample {series} without # HELP/# TYPE"
            fam[base]["samples"].append((series, labels, value))
    return fam


def check_conventions(text):
    """Every problem found in TEXT (a /metrics body) as a list of strings."""
    bad = []
    fam = _families(text)
    for name, f in fam.items():
        if not f["help"]:
            bad.append(f"{name}: no HELP")
        if f["type"] not in ("counter", "gauge", "histogram", "summary"):
            bad.append(f"{name}: TYPE {f['type']}")
        if not name.startswith("convened_"):
            bad.append(f"{name}: not under the convened_ prefix")
        if f["type"] == "counter" and not name.endswith("_total"):
            bad.append(f"{name}: a counter without _total")
        if f["type"] != "counter" and name.endswith("_total"):
            bad.append(f"{name}: _total on a {f['type']}")
        words = name.split("_")
        if any(w in words for w in _TIME_WORDS) and "seconds" not in words:
            bad.append(f"{name}: a time without _seconds")
        if any(w in words for w in _SIZE_WORDS) and "bytes" not in words:
            bad.append(f"{name}: a size without _bytes")
        for u in _BAD_UNITS:
            if name.endswith(u) or (u + "_") in name:
                bad.append(f"{name}: {u[1:]} is not a base unit")
        seen = set()
        for series, labels, _ in f["samples"]:
            if (series, labels) in seen:
                bad.append(f"{name}: duplicate series {series}{labels}")
            seen.add((series, labels))
        if f["type"] == "histogram":
            bad += _check_histogram(name, f["samples"])
    return bad


def _check_histogram(name, samples):
    bad = []
    groups = {}
    for series, labels, v in samples:
        lab = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels))
        le = lab.pop("le", None)
        key = tuple(sorted(lab.items()))
        g = groups.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if series == name + "_bucket":
            g["buckets"].append((float(le), v))
        elif series == name + "_sum":
            g["sum"] = v
        elif series == name + "_count":
            g["count"] = v
        else:
            bad.append(f"{name}: stray series {series}")
    for key, g in groups.items():
        b = g["buckets"]
        if not b or b[-1][0] != float("inf"):
            bad.append(f"{name}{key}: no +Inf bucket last")
            continue
        if [x for x, _ in b] != sorted(x for x, _ in b):
            bad.append(f"{name}{key}: buckets out of order")
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            bad.append(f"{name}{key}: buckets not cumulative")
        if g["count"] is None or g["sum"] is None or b[-1][1] != g["count"]:
            bad.append(f"{name}{key}: +Inf bucket {b[-1][1]} != _count {g['count']}")
    return bad


def test_metrics_pass_promtool_and_conventions_after_real_work():
    promtool = _promtool()
    pg, db, d = rf.start()
    p = rf.project(pg, db, slug="metrics")
    ev = rf.event(pg, db, p)
    r = rf.register(d, ev, "anna@example.org")
    assert r.status in (200, 201, 202), r
    # the confirmation mail goes out through the spool plugin
    harness.wait_until(lambda: d.maildir_messages(), timeout=20, msg="confirmation mail")
    assert d.get("/calendars/public.ics", auth=False).status == 200
    assert d.get("/no/such/page", auth=False).status == 404
    harness.wait_until(
        lambda: harness.metric_value(d.metrics(), "convened_outbox_lag_seconds_count") >= 1,
        timeout=20, msg="a delivery in the lag histogram")
    text = d.get("/metrics", auth=False).text

    run = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "" and run.stderr.strip() == "", \
        f"promtool check metrics: rc {run.returncode}\n{run.stdout}{run.stderr}"
    problems = check_conventions(text)
    assert problems == [], "\n".join(problems)

    fam = _families(text)
    # the two histograms the operators' dashboards are built on
    assert fam["convened_outbox_lag_seconds"]["type"] == "histogram"
    assert fam["convened_http_request_duration_seconds"]["type"] == "histogram"
    m = harness.parse_metrics(text)
    assert harness.metric_value(m, "convened_outbox_lag_seconds_bucket", le="+Inf") >= 1, text
    hz = harness.metric_value(m, "convened_http_request_duration_seconds_count",
                              route="/calendars/public.ics")
    assert hz is not None and hz >= 1, text
    assert harness.metric_value(m, "convened_db_up") == 1, text


def test_conventions_checker_finds_what_promtool_does_not():
    # the generic check is what catches a family another change adds
    # without a unit or with a partial histogram
    bad = check_conventions(
        "# HELP convened_reply_delay Delay.\n# TYPE convened_reply_delay gauge\n"
        "convened_reply_delay 3\n"
        "# HELP convened_x_seconds X.\n# TYPE convened_x_seconds histogram\n"
        'convened_x_seconds_bucket{le="1"} 2\nconvened_x_seconds_bucket{le="+Inf"} 1\n'
        "convened_x_seconds_sum 1\nconvened_x_seconds_count 1\n"
        "# HELP convened_sent Sent.\n# TYPE convened_sent counter\nconvened_sent 1\n")
    assert any("convened_reply_delay: a time without _seconds" in b for b in bad), bad
    assert any("buckets not cumulative" in b for b in bad), bad
    assert any("convened_sent: a counter without _total" in b for b in bad), bad
    assert len(bad) == 3, bad


def test_example_alert_rules_pass_promtool():
    promtool = _promtool()
    rules = os.path.join(RULES_DIR, "convened-alerts.yml")
    run = subprocess.run([promtool, "check", "rules", rules], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout, run.stdout
    # the rules' unit tests: each alert fires on the series it watches
    run = subprocess.run([promtool, "test", "rules", "convened-alerts.test.yml"],
                         cwd=RULES_DIR, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    # every metric the rules name is one convened exports
    names = set(re.findall(r"\b(convened_[a-z_]+)", open(rules).read()))
    exported = {"convened_db_up", "convened_db_listen_connected", "convened_outbox_due_unsent",
                "convened_outbox_lag_seconds_bucket", "convened_outbox_deliveries_total",
                "convened_inbound_total"}
    assert names <= exported, names - exported
