"""test_core.py - the foundation (issue 2): migrations, /healthz following the
database, signals, config checking, HTTP limits and errors, /metrics, auth."""

import glob
import os
import random
import re
import signal
import socket

import harness


def _sql_files():
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(harness.REPO, "sql", "*.sql")))


def _num(s):
    m = re.match(r"\d+", s)
    return int(m.group(0)) if m else None


def _assert_migrated_once(pg, db):
    rows = pg.psql(db, "SELECT version FROM schema_migrations ORDER BY version")
    versions = [r[0] for r in rows]
    files = _sql_files()
    assert files, "no sql/*.sql files"
    assert len(versions) == len(set(versions)) == len(files), (versions, files)
    assert sorted(_num(v) for v in versions) == sorted(_num(f) for f in files), (versions, files)


def _assert_alive(d):
    assert d.running(), f"convened died (exit {d.proc.returncode})"
    assert d.healthz() == 200


def test_migrations_applied_once_by_two_daemons_starting_together():
    pg = harness.cluster()
    db = pg.new_database()
    a = harness.Daemon(db)
    b = harness.Daemon(db)
    a.start(wait=False)
    b.start(wait=False)
    a.wait_ready(timeout=30)
    b.wait_ready(timeout=30)
    _assert_migrated_once(pg, db)
    # the schema really is there
    assert pg.psql(db, "SELECT to_regclass('outbox') IS NOT NULL") == [("t",)]
    assert a.stop() == 0
    assert b.stop() == 0
    # a restart applies nothing again
    c = harness.Daemon(db)
    c.start()
    _assert_migrated_once(pg, db)
    assert c.stop() == 0


def test_migrate_flag_applies_and_exits():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    r = harness.run_convened("--migrate", "-c", d.conf)
    assert r.returncode == 0, r
    _assert_migrated_once(pg, db)
    r = harness.run_convened("--migrate", "-c", d.conf)
    assert r.returncode == 0, r
    _assert_migrated_once(pg, db)


def test_healthz_follows_database_without_restart():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    pid = d.proc.pid
    assert d.healthz() == 200
    before = harness.metric_value(d.metrics(), "convened_db_reconnects_total")
    assert before is not None, "convened_db_reconnects_total missing"
    pg.stop()
    try:
        harness.wait_until(lambda: d.healthz() == 503, timeout=10, msg="/healthz 503 with PostgreSQL down")
        r = d.get("/healthz")
        assert r.status == 503
    finally:
        pg.start()
    harness.wait_until(lambda: d.healthz() == 200, timeout=20, msg="/healthz 200 after PostgreSQL is back")
    assert d.running() and d.proc.pid == pid
    after = harness.metric_value(d.metrics(), "convened_db_reconnects_total")
    assert after is not None and after > before, (before, after)
    assert d.stop() == 0


def test_sigterm_and_sigint_exit_zero_sighup_keeps_running():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    d.send_signal(signal.SIGHUP)
    for _ in range(3):
        _assert_alive(d)
    assert d.stop(signal.SIGTERM) == 0
    d2 = harness.Daemon(db)
    d2.start()
    assert d2.stop(signal.SIGINT) == 0


def _config_lines(d):
    with open(d.conf) as f:
        return f.read().splitlines()


def _write(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def test_config_check_accepts_good_and_rejects_bad_with_file_and_line():
    pg = harness.cluster()
    d = harness.Daemon(pg.conninfo("postgres"))
    r = harness.run_convened("-n", "-c", d.conf)
    assert r.returncode == 0, r

    base = _config_lines(d)
    port_line = next(i for i, l in enumerate(base) if l.startswith("port ="))
    sec_line = base.index("[convened]")
    cases = []

    # unknown key in a known section
    lines = list(base)
    lines.insert(sec_line + 1, "bogus_setting = 1")
    cases.append(("unknown key", lines, sec_line + 2, "bogus_setting"))
    # port out of range
    lines = list(base)
    lines[port_line] = "port = 70000"
    cases.append(("bad port", lines, port_line + 1, "port"))
    # port not a number
    lines = list(base)
    lines[port_line] = "port = eighty"
    cases.append(("port not a number", lines, port_line + 1, "port"))
    # unknown section (at the end): its header line or its first key's
    lines = list(base) + ["[nonsense]", "x = 1"]
    cases.append(("unknown section", lines, (len(base) + 1, len(base) + 2), "nonsense"))

    problems = []
    for what, lines, lineno, word in cases:
        path = os.path.join(d.dir, "bad.conf")
        _write(path, lines)
        r = harness.run_convened("-n", "-c", path)
        out = r.stdout + r.stderr
        if r.returncode != 1:
            problems.append(f"{what}: exit {r.returncode}, output {out!r}")
        elif not any(f"{path}:{n}:" in out for n in (lineno if isinstance(lineno, tuple) else (lineno,))):
            problems.append(f"{what}: no '{path}:{lineno}:' in {out!r}")
        elif word not in out:
            problems.append(f"{what}: {word!r} not named in {out!r}")
    # a missing file fails too
    r = harness.run_convened("-n", "-c", os.path.join(d.dir, "missing.conf"))
    if r.returncode != 1:
        problems.append(f"missing file: exit {r.returncode}")
    assert not problems, "\n".join(problems)


def _status_of(reply):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(m.group(1)) if m else None


def _raw_or_closed(d, data, timeout=5.0):
    """Send raw bytes; return the reply (b'' when the server closed or
    reset the connection without answering)."""
    try:
        return d.raw(data, timeout=timeout)
    except (ConnectionResetError, BrokenPipeError):
        return b""


def test_oversized_body_gets_413_and_daemon_stays_up():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config={"http": {"max_body_size": 4096}})
    d.start()
    auth = f"Authorization: Bearer {d.token}\r\n".encode()
    # declared length over the limit
    req = (b"POST /api/projects HTTP/1.1\r\nHost: x\r\n" + auth +
           b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
    reply = _raw_or_closed(d, req + b"{" + b" " * 8000)
    st = _status_of(reply)
    assert st == 413 or (st is not None and 400 <= st < 500), reply[:200]
    # the whole body actually sent (server may close early)
    body = b'{"title": "' + b"x" * 100000 + b'"}'
    req = (b"POST /api/projects HTTP/1.1\r\nHost: x\r\n" + auth +
           b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
           b"\r\n\r\n")
    reply = _raw_or_closed(d, req + body)
    st = _status_of(reply)
    assert reply == b"" or (st is not None and 400 <= st < 500), reply[:200]
    # chunked body over the limit
    chunk = b"y" * 8000
    req = (b"POST /api/projects HTTP/1.1\r\nHost: x\r\n" + auth +
           b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n")
    reply = _raw_or_closed(d, req)
    st = _status_of(reply)
    assert reply == b"" or (st is not None and 400 <= st < 500), reply[:200]
    _assert_alive(d)
    # a body under the limit still goes through to the route
    r = d.post("/api/no-such-route", {"a": "b" * 100})
    assert r.status == 404, r
    _assert_alive(d)


def test_oversized_header_rejected_and_daemon_stays_up():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config={"http": {"max_header_size": 4096}})
    d.start()
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
    reply = _raw_or_closed(d, req)
    st = _status_of(reply)
    assert reply == b"" or (st is not None and 400 <= st < 500), reply[:200]
    # many headers adding up over the limit
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(200)) + b"\r\n"
    reply = _raw_or_closed(d, req)
    st = _status_of(reply)
    assert reply == b"" or (st is not None and 400 <= st < 500), reply[:200]
    _assert_alive(d)


def test_malformed_http_gets_400_or_close_and_daemon_stays_up():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    rnd = random.Random(2)
    payloads = [
        b"\x00\xff\xfe garbage garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"NOT A REQUEST LINE AT ALL\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost x no colon\r\n\r\n",
        b"POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /api/projects HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        bytes(rnd.randrange(256) for _ in range(4096)),
    ]
    problems = []
    for p in payloads:
        reply = _raw_or_closed(d, p, timeout=5)
        st = _status_of(reply)
        if not (reply == b"" or (st is not None and 400 <= st < 500)):
            problems.append(f"{p[:40]!r} -> {reply[:120]!r}")
        if not d.running():
            problems.append(f"daemon died after {p[:40]!r}")
            break
    # a client that connects and hangs up at once
    s = socket.create_connection(("127.0.0.1", d.port))
    s.close()
    assert not problems, "\n".join(problems)
    _assert_alive(d)


def _assert_error_shape(r, status):
    assert r.status == status, r
    ctype = r.header("Content-Type", "")
    assert ctype.startswith("application/json"), ctype
    j = r.json()
    assert set(j) == {"error"}, j
    e = j["error"]
    assert isinstance(e.get("code"), str) and e["code"], j
    assert isinstance(e.get("message"), str) and e["message"], j


def test_unknown_route_is_404_json():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    _assert_error_shape(d.get("/no/such/page", auth=False), 404)
    _assert_error_shape(d.get("/api/no-such-thing"), 404)
    _assert_alive(d)


def test_api_requires_token():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    for path in ("/api/anything", "/api/projects"):
        _assert_error_shape(d.get(path, auth=False), 401)
        _assert_error_shape(d.get(path, auth="0" * len(d.token)), 403)
        _assert_error_shape(d.get(path, auth="short"), 403)
        r = d.get(path)
        assert r.status not in (401, 403), r
    # a non-Bearer scheme is not a token
    r = d.get("/api/projects", auth=False, headers={"Authorization": "Basic " + d.token})
    assert r.status in (401, 403), r
    _assert_alive(d)


def test_metrics_prometheus_text():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    for _ in range(3):
        assert d.healthz() == 200
    d.get("/no/such/page", auth=False)
    r = d.get("/metrics", auth=False)
    assert r.status == 200, r
    assert r.header("Content-Type", "").startswith("text/plain"), r.header("Content-Type")
    text = r.text
    assert "# TYPE convened_http_requests_total counter" in text, text
    m = harness.parse_metrics(text)
    up = harness.metric_value(m, "convened_uptime_seconds")
    assert up is not None and up >= 0, text
    hz = harness.metric_value(m, "convened_http_requests_total", route="/healthz", status="200")
    assert hz is not None and hz >= 3, text
    assert any(k.startswith("convened_http_requests_total{") and 'status="404"' in k for k in m), text
    states = [k for k in m if k.startswith("convened_db_connections{") and "state=" in k]
    assert states, text
    assert sum(m[k] for k in states) >= 1, text
    assert harness.metric_value(m, "convened_db_reconnects_total") is not None, text
    _assert_alive(d)
