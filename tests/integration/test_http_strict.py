"""test_http_strict.py - issue 12 item 4, on raw sockets against the real
daemon: slow clients are cut at the head and body deadlines however they
trickle, a cap on open connections refuses cleanly with 503, and request
framing a proxy could read otherwise (duplicate or malformed
Content-Length, Transfer-Encoding with Content-Length, whitespace before a
colon) is a 400 that closes the connection and changes nothing."""

import select
import socket
import time

import harness
import reg_fixtures as rf


def _daemon(**http):
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config={"http": http} if http else None)
    d.start()
    return pg, db, d


def _closed(s):
    """Read what is there without blocking; (closed, bytes)."""
    data = b""
    while True:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            return False, data
        try:
            chunk = s.recv(4096)
        except OSError:
            return True, data
        if not chunk:
            return True, data
        data += chunk


def _trickle(d, socks, first, line, duration, step=0.5, probe=None):
    """Send FIRST on every socket, then LINE every STEP seconds for up to
    DURATION seconds.  Returns ({index: (seconds until closed, bytes)},
    probe results).  PROBE() runs between rounds (a normal client)."""
    t0 = time.monotonic()
    for s in socks:
        s.sendall(first)
    done, probes = {}, []
    while len(done) < len(socks) and time.monotonic() - t0 < duration:
        time.sleep(step)
        for i, s in enumerate(socks):
            if i in done:
                continue
            closed, data = _closed(s)
            if not closed:
                try:
                    s.sendall(line)
                except OSError:
                    closed = True
            if closed:
                done[i] = (time.monotonic() - t0, data)
        if probe:
            probes.append(probe())
    return done, probes


def test_slowloris_50_connections_cut_at_the_head_deadline_normal_client_served():
    pg, db, d = _daemon(header_timeout=2, body_timeout=30, timeout=60)
    socks = [socket.create_connection(("127.0.0.1", d.port)) for _ in range(50)]
    trickle_for = 30  # seconds the attacker would keep every head open
    done, probes = _trickle(d, socks, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Slow: 1\r\n",
                            trickle_for, probe=lambda: d.get("/healthz", auth=False).status)
    assert len(done) == 50, f"{50 - len(done)} connections still open after {trickle_for}s"
    times = sorted(t for t, _ in done.values())
    # never before the deadline, all long before the trickle ends
    assert times[0] >= 2, times
    assert times[-1] < trickle_for, times
    for t, data in done.values():
        assert data.startswith(b"HTTP/1.1 408"), data
    # a normal client was served all along
    assert probes and all(p == 200 for p in probes), probes
    m = harness.parse_metrics(d.get("/metrics", auth=False).text)
    assert harness.metric_value(m, "convened_http_timeouts_total", phase="head") == 50
    for s in socks:
        s.close()
    d.stop()


def test_slow_body_cut_at_the_body_deadline_and_nothing_written():
    pg, db, d = _daemon(header_timeout=30, body_timeout=2, timeout=60)
    ev = rf.event(pg, db, rf.project(pg, db))
    body = (b'{"email":"slow@example.org","name":"S","organisation":"O","country":"SE"}')
    head = (f"POST /api/public/events/{ev}/registrations HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", d.port))
    # the head at once, then the body a byte at a time (never finished)
    done, _ = _trickle(d, [s], head + body[:1], b" ", 30)
    assert 0 in done, "the slow body was never cut"
    t, data = done[0]
    assert 2 <= t < 30, t
    assert data.startswith(b"HTTP/1.1 408"), data
    assert int(pg.psql(db, "SELECT count(*) FROM registrations")[0][0]) == 0
    s.close()
    d.stop()


def test_connection_cap_refuses_cleanly_and_frees_slots():
    pg, db, d = _daemon(max_connections=5, header_timeout=60, timeout=60)
    idle = [socket.create_connection(("127.0.0.1", d.port)) for _ in range(5)]
    # the kernel queues connections in order: the five idle ones are
    # accepted first, the sixth is refused
    r = harness.wait_until(lambda: (lambda b: b if b.startswith(b"HTTP/1.1 503") else None)(
        harness.raw_request(d.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")),
        msg="a sixth connection refused")
    assert b"too_many_connections" in r and b"Retry-After: 5" in r, r
    for s in idle:
        s.close()
    # the slots come back once the idle connections are gone
    harness.wait_until(lambda: d.get("/healthz", auth=False).status == 200,
                       msg="served again after the idle connections closed")
    m = harness.parse_metrics(d.get("/metrics", auth=False).text)
    assert harness.metric_value(m, "convened_http_connections_refused_total") >= 1
    d.stop()


BAD_FRAMING = {
    "duplicate Content-Length": "Content-Length: {n}\r\nContent-Length: {n}\r\n",
    "two different Content-Length": "Content-Length: {n}\r\nContent-Length: 2\r\n",
    "Content-Length with a sign": "Content-Length: +{n}\r\n",
    "Content-Length list": "Content-Length: {n}, {n}\r\n",
    "Content-Length not a number": "Content-Length: 0x10\r\n",
    "Transfer-Encoding and Content-Length":
        "Transfer-Encoding: chunked\r\nContent-Length: {n}\r\n",
    "space before colon": "Content-Length : {n}\r\n",
    "tab before colon": "Content-Length\t: {n}\r\n",
    "space before colon, other header": "Content-Length: {n}\r\nX-Test : 1\r\n",
}


def test_bad_framing_is_400_closes_and_changes_nothing():
    pg, db, d = _daemon()
    ev = rf.event(pg, db, rf.project(pg, db))
    for name, hdr in BAD_FRAMING.items():
        body = (f'{{"email":"f{abs(hash(name))}@example.org","name":"F",'
                f'"organisation":"O","country":"SE"}}').encode()
        if "chunked" in hdr:
            payload = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        else:
            payload = body
        req = (f"POST /api/public/events/{ev}/registrations HTTP/1.1\r\nHost: x\r\n"
               f"Content-Type: application/json\r\n" + hdr.format(n=len(body)) + "\r\n").encode()
        # a second, valid request pipelined behind: it must not be read as
        # part of the first (the connection closes after the 400)
        smuggled = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        r = harness.raw_request(d.port, req + payload + smuggled, timeout=10)
        assert r.startswith(b"HTTP/1.1 400"), (name, r)
        assert r.count(b"HTTP/1.1") == 1, (name, r)
        assert b"Connection: close" in r, (name, r)
    assert int(pg.psql(db, "SELECT count(*) FROM registrations")[0][0]) == 0
    # the same request framed once and properly is accepted
    r = rf.register(d, ev, "good@example.org")
    assert r.status == 202, r
    d.stop()
