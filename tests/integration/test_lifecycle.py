"""test_lifecycle.py - the daemon's lifecycle table: SIGTERM drains, then
runs every plugin's shutdown exactly once and stops the modules in reverse
order with a clean exit (under ASan: no leak); a failed start stops what had
started; plugins' typed config values reach them and bad ones name
file:line and key; --version."""

import os
import re
import subprocess
import tempfile

import harness

REPO = harness.REPO
_plugins = {}

# LeakSanitizer on for these daemons (the harness turns it off elsewhere).
LSAN = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1"}
SANITIZER_WORDS = ("LeakSanitizer", "AddressSanitizer", "runtime error:")


def _plugin(name):
    """Build tests/plugins/NAME.c once per run; return the .so path."""
    if name not in _plugins:
        d = tempfile.mkdtemp(prefix="convened-tp-")
        out = os.path.join(d, name + ".so")
        subprocess.run(
            ["cc", "-std=gnu11", "-shared", "-fPIC", "-I", os.path.join(REPO, "plugins"),
             "-o", out, os.path.join(REPO, "tests", "plugins", name + ".c")],
            check=True,
        )
        _plugins[name] = out
    return _plugins[name]


def _lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def _assert_clean(log):
    for w in SANITIZER_WORDS:
        assert w not in log, f"{w} in the daemon's log:\n{log[-4000:]}"


def test_sigterm_runs_each_plugin_shutdown_once_and_exits_clean():
    pg = harness.cluster()
    db = pg.new_database()
    rec = os.path.join(tempfile.mkdtemp(prefix="convened-rec-"), "record")
    d = harness.Daemon(db, config={"plugin recorder": {
        "file": _plugin("recorder"), "record_file": rec,
        "count": 3, "flag": "on", "buffer": "64k", "every": "5m"}}, extra_env=LSAN)
    d.start()
    # the typed getters handed the plugin its values, units applied
    assert _lines(rec) == ["init count=3 flag=1 buffer=65536 every=300"]
    # some work that leaves state to free: a feed in the cache, metrics
    assert d.get("/calendars/public.ics", auth=False).status == 200
    assert d.get("/metrics", auth=False).status == 200
    rc = d.stop()
    log = d.log_text()
    assert rc == 0, f"exit status {rc}; log:\n{log[-4000:]}"
    assert _lines(rec) == ["init count=3 flag=1 buffer=65536 every=300", "shutdown"], _lines(rec)
    _assert_clean(log)
    # the table walked backwards: each started module stopped once, in order
    stops = re.findall(r"debug: stopping (.+)$", log, re.M)
    assert stops == ["signals", "queries", "http", "throttle", "retention", "outbox", "plugins",
                     "inbound",
                     "templates", "feeds", "render thread", "mail parser", "calendar zones",
                     "database", "event loop"], stops
    assert log.rstrip().endswith("stopped"), log[-2000:]


def test_failed_start_stops_what_started_and_skips_the_failed_plugin():
    pg = harness.cluster()
    db = pg.new_database()
    tmp = tempfile.mkdtemp(prefix="convened-rec-")
    good, bad = os.path.join(tmp, "good"), os.path.join(tmp, "bad")
    d = harness.Daemon(db, config={
        "plugin recorder": {"file": _plugin("recorder"), "record_file": good},
        "plugin broken": {"file": _plugin("recorder"), "record_file": bad, "count": 500},
    }, extra_env=LSAN)
    d.start(wait=False)
    assert d.wait(timeout=60) == 1
    log = d.log_text()
    m = re.search(r"cannot start plugins: .*/recorder\.so: plugin broken failed to start: "
                  r"(\S+):(\d+): \[plugin broken\] count: 500 is out of range \(0\.\.100\)", log)
    assert m, log[-4000:]
    # file:line point at the bad line of the config the daemon read
    assert m.group(1) == d.conf
    with open(d.conf) as f:
        assert f.read().splitlines()[int(m.group(2)) - 1] == "count = 500"
    # the plugin that started got its shutdown once; the failed one none
    assert _lines(good) == ["init count=1 flag=0 buffer=4096 every=60", "shutdown"], _lines(good)
    assert _lines(bad) == []
    _assert_clean(log)
    stops = re.findall(r"debug: stopping (.+)$", log, re.M)
    assert stops == ["inbound", "templates", "feeds", "render thread", "mail parser", "calendar zones",
                     "database", "event loop"], stops


def test_version_flag():
    with open(os.path.join(REPO, "VERSION")) as f:
        version = f.read().strip()
    for flag in ("--version", "-V"):
        r = harness.run_convened(flag)
        assert r.returncode == 0, r
        assert r.stdout == f"convened {version}\n", r.stdout
    r = harness.run_convened("--help")
    assert r.returncode == 0 and "-V, --version" in r.stdout, r.stdout
