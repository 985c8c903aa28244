"""faultlib.py - shared pieces of the fault tests (tests/faults/test_*.py and
tests/integration/test_faults_short.py): a published event made in SQL, due
notifications made through cv_register, a registration load over HTTP that
remembers what was acknowledged, and counters over the outbox and the spool
maildir.  Everything real: the harness's PostgreSQL and the convened binary.
"""

import json
import os
import random
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))

import harness  # noqa: E402

REPO = harness.REPO


def say(*a):
    """Progress lines: each fault test prints what it did and counted."""
    print("   ", *a, flush=True)


def outbox_scheduler_present():
    """True when the daemon under test has the outbox scheduler."""
    try:
        with open(harness.convened_bin(), "rb") as f:
            return b"outbox_start" in f.read()
    except OSError:
        return False


def fast_outbox(extra=None):
    """Config sections for quick rescue and retry in tests."""
    c = {
        "outbox": {
            "batch_size": 50,
            "lease_seconds": 5,
            "retry_base_seconds": 1,
            "retry_max_seconds": 2,
            "max_attempts": 100,
            "rescan_seconds": 1,
        }
    }
    for k, v in (extra or {}).items():
        c.setdefault(k, {}).update(v)
    return c


def make_event(pg, db, slug="faults", capacity=None):
    """A published event (in Europe/Rome, a month from now) made with the
    same SQL functions the API uses; returns its id."""
    pg.psql(db, "SELECT cv_project_create($1::jsonb)", json.dumps({"slug": slug, "title": "Fault tests"}))
    start = time.strftime("%Y-%m-%dT10:00", time.gmtime(time.time() + 30 * 86400))
    end = time.strftime("%Y-%m-%dT17:00", time.gmtime(time.time() + 30 * 86400))
    body = {
        "project": slug, "kind": "seminar", "title": "Load seminar", "tz": "Europe/Rome",
        "start": start, "end": end, "status": "published", "venue": "Sala", "city": "Roma",
        "country": "IT",
    }
    if capacity is not None:
        body["capacity"] = capacity
    rows = pg.psql(db, "SELECT (cv_event_write(NULL, $1::jsonb, 'faults.example')->>'id')", json.dumps(body))
    return int(rows[0][0])


def make_due(pg, db, event_id, n, prefix="due"):
    """N registrations made in SQL (cv_register), each queueing one
    registration_confirm_request due now.  Returns the outbox row count."""
    pg.psql(
        db,
        "SELECT count(cv_register($1::bigint, $2 || i || '@example.org', 'Person ' || i, NULL, NULL, NULL,"
        " 'other', 'en', md5($2 || i || 'a') || md5($2 || i || 'b'), md5($2 || i || 'c') || md5($2 || i || 'd')))"
        " FROM generate_series(1, $3::int) i",
        event_id, prefix, n, timeout=600,
    )
    return outbox_total(pg, db)


def outbox_states(pg, db):
    return {r[0]: int(r[1]) for r in pg.psql(db, "SELECT state::text, count(*) FROM outbox GROUP BY 1")}


def outbox_total(pg, db):
    return int(pg.psql(db, "SELECT count(*) FROM outbox")[0][0])


def wait_all_sent(pg, db, timeout, what="every outbox row sent"):
    """Wait until no row is pending or sending; return the state counts."""
    def done():
        s = outbox_states(pg, db)
        return s if not s.get("pending") and not s.get("sending") else None
    return harness.wait_until(done, timeout=timeout, interval=0.5, msg=what)


MSGID = re.compile(rb"^Message-ID:\s*<outbox-(\d+)\.", re.I | re.M)


def spool_ids(maildir):
    """{outbox id: copies} over the maildir's new/ (read from each file's
    Message-ID, which the outbox derives from the row id)."""
    d = os.path.join(maildir, "new")
    out = {}
    if not os.path.isdir(d):
        return out
    for name in os.listdir(d):
        with open(os.path.join(d, name), "rb") as f:
            head = f.read(8192)
        m = MSGID.search(head)
        if not m:
            raise AssertionError(f"spooled message {name} has no outbox Message-ID: {head[:300]!r}")
        i = int(m.group(1))
        out[i] = out.get(i, 0) + 1
    return out


def check_delivery(pg, db, ids, max_dupes, label):
    """Every outbox row sent and spooled at least once; duplicates bounded.
    Returns (rows, duplicates)."""
    want = {int(r[0]) for r in pg.psql(db, "SELECT id FROM outbox")}
    states = outbox_states(pg, db)
    missing = sorted(want - set(ids))
    dupes = sum(c - 1 for c in ids.values())
    say(f"{label}: {len(want)} outbox rows, states {states}, {len(ids)} delivered, "
        f"{len(missing)} missing, {dupes} duplicate copies (bound {max_dupes})")
    assert not missing, f"{len(missing)} notifications never delivered, e.g. {missing[:10]}"
    assert states.get("sent", 0) == len(want), f"not all rows marked sent: {states}"
    assert dupes <= max_dupes, f"{dupes} duplicates > bound {max_dupes}"
    return len(want), dupes


def reg_body(email, name):
    """A public registration body the API accepts."""
    return {"email": email, "name": name, "organisation": "Kommun", "country": "SE",
            "role": "official", "language": "en"}


class Registrar:
    """Background registrations over HTTP (one connection at a time, a new
    address each): counts acknowledged (201), 503 and connection errors and
    keeps the acknowledged addresses.  port_fn gives the current port (a
    restarted daemon keeps its port)."""

    def __init__(self, port, event_id, prefix="load", pause=0.0):
        self.port, self.event_id, self.prefix, self.pause = port, event_id, prefix, pause
        self.acked = []
        self.status = {}
        self.errors = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self.n = 0

    def start(self):
        self._t.start()
        return self

    def _run(self):
        path = f"/api/public/events/{self.event_id}/registrations"
        while not self._stop.is_set():
            self.n += 1
            email = f"{self.prefix}{self.n}@example.org"
            try:
                r = harness.http_request(self.port, "POST", path,
                                         body=reg_body(email, f"Load {self.n}"),
                                         timeout=10)
                self.status[r.status] = self.status.get(r.status, 0) + 1
                if r.status == 202:
                    self.acked.append(email)
            except OSError:
                self.errors += 1
                time.sleep(0.05)
            if self.pause:
                time.sleep(self.pause)

    def stop(self):
        self._stop.set()
        self._t.join(15)

    def summary(self):
        return f"{self.n} sent, {len(self.acked)} acknowledged, statuses {self.status}, {self.errors} connection errors"


def registration_route_present(d, event_id):
    """True when POST /api/public/events/{id}/registrations is routed (a
    valid registration answers 202)."""
    r = d.post(f"/api/public/events/{event_id}/registrations",
               reg_body("probe@example.org", "Probe"), auth=False)
    return r.status == 202


def check_registrations(pg, db, emails, label):
    """Every acknowledged address has a registration row."""
    if not emails:
        return 0
    # read every registered address back (a list of 10,000 addresses as one
    # psql argument is longer than the kernel allows)
    rows = pg.psql(db, "SELECT DISTINCT lower(p.email) FROM registrations r"
                       " JOIN people p ON p.id = r.person_id")
    have = {r[0] for r in rows}
    want = {e.lower() for e in emails}
    present = len(want & have)
    say(f"{label}: {len(want)} acknowledged registrations, {present} present in the database")
    assert present == len(want), f"{len(want) - present} acknowledged registrations lost"
    return present


def random_moments(n, lo, hi, seed=None):
    rnd = random.Random(seed)
    return [rnd.uniform(lo, hi) for _ in range(n)]


# ------------------------------------------------------------ the scenarios
# Each takes its sizes so the full (tests/faults) and the short
# (tests/integration/test_faults_short.py) versions share one body.


def scenario_pg_outage(outage_s, due, settle_s=2.0):
    """PostgreSQL stopped OUTAGE_S seconds while registrations arrive and
    DUE notifications are being delivered: convened stays up, answers 503
    meanwhile, recovers by itself; nothing acknowledged or due is lost."""
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=fast_outbox({"database": {"query_timeout_ms": 2000}}))
    d.start()
    ev = make_event(pg, db)
    reg = None
    if registration_route_present(d, ev):
        reg = Registrar(d.port, ev).start()
    else:
        say("registration route not wired in this build: load is /healthz only")
    sched = outbox_scheduler_present()
    if sched:
        make_due(pg, db, ev, due)
        say(f"queued {due} due notifications")
    else:
        say("outbox scheduler not in this build: delivery not checked")
    time.sleep(settle_s)
    pg.stop()
    t0 = time.monotonic()
    say(f"PostgreSQL stopped for {outage_s}s")
    seen = {}
    refused = 0
    while time.monotonic() - t0 < outage_s:
        assert d.running(), f"convened died during the outage:\n{d.log_tail()}"
        st = d.healthz()
        if st is None:
            refused += 1
        elif time.monotonic() - t0 > 1.0:  # the first second may still be answered from a live query
            seen[st] = seen.get(st, 0) + 1
        time.sleep(0.5)
    pg.start()
    say(f"PostgreSQL started again; /healthz during the outage: {seen}, {refused} unanswered")
    assert d.running(), "convened died during the outage"
    assert seen.get(503, 0) > 0 and set(seen) == {503}, f"expected only 503 during the outage, got {seen}"
    assert refused == 0, f"{refused} health checks got no answer during the outage"
    t1 = time.monotonic()
    harness.wait_until(lambda: d.healthz() == 200, timeout=30, msg="/healthz 200 after the restart")
    say(f"recovered {time.monotonic() - t1:.1f}s after PostgreSQL came back")
    if reg:
        time.sleep(settle_s)
        reg.stop()
        say("registrations: " + reg.summary())
        assert reg.errors == 0, f"{reg.errors} registrations got no HTTP answer during the outage"
        assert reg.status.get(503, 0) > 0, f"no registration was refused with 503 during the outage: {reg.status}"
        check_registrations(pg, db, reg.acked, "pg outage")
    if sched:
        wait_all_sent(pg, db, timeout=120)
        check_delivery(pg, db, spool_ids(d.maildir), max_dupes=2 * 50, label="pg outage")
    assert d.running()


def scenario_kill9(kills, due, seed=None):
    """kill -9 of convened at random moments, KILLS times, while DUE
    notifications are due and registrations keep arriving."""
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=fast_outbox())
    d.start()
    ev = make_event(pg, db)
    make_due(pg, db, ev, due)
    say(f"queued {due} due notifications")
    reg = Registrar(d.port, ev).start() if registration_route_present(d, ev) else None
    if reg is None:
        say("registration route not wired in this build: no registrations during the kills")
    pauses = random_moments(kills, 0.1, 1.5, seed)
    for i, p in enumerate(pauses):
        time.sleep(p)
        d.kill9()
        d.start(timeout=30)
    say(f"killed convened {kills} times at random moments ({min(pauses):.2f}-{max(pauses):.2f}s apart)")
    if reg:
        time.sleep(1)
        reg.stop()
        say("registrations: " + reg.summary())
    wait_all_sent(pg, db, timeout=60 + due / 50)
    batch = 50
    check_delivery(pg, db, spool_ids(d.maildir), max_dupes=kills * batch, label="kill -9")
    if reg:
        check_registrations(pg, db, reg.acked, "kill -9")


def scenario_two_daemons(due):
    """Two convened processes on one database: nothing delivered twice."""
    pg = harness.cluster()
    db = pg.new_database()
    d1 = harness.Daemon(db, config=fast_outbox({"outbox": {"batch_size": 10}}))
    d1.start()
    d2 = harness.Daemon(db, config=fast_outbox({"outbox": {"batch_size": 10}}))
    d2.start()
    ev = make_event(pg, db)
    make_due(pg, db, ev, due)
    wait_all_sent(pg, db, timeout=60 + due / 50)
    a, b = spool_ids(d1.maildir), spool_ids(d2.maildir)
    both = {}
    for m in (a, b):
        for k, v in m.items():
            both[k] = both.get(k, 0) + v
    say(f"two daemons: {sum(a.values())} delivered by the first, {sum(b.values())} by the second")
    check_delivery(pg, db, both, max_dupes=0, label="two daemons")


def _mount_small(path, size):
    """A tmpfs of SIZE on PATH; returns True, or False when mounting is not
    permitted here."""
    import subprocess
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0


def _fill(path):
    """Fill the file system holding PATH; returns the filler's path."""
    filler = os.path.join(path, "filler")
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    # top up the last bytes
    try:
        with open(filler, "ab") as f:
            while True:
                f.write(b"\0")
                f.flush()
    except OSError:
        pass
    return filler


def scenario_spool_full(due, full_s):
    """The spool directory's disk full for FULL_S seconds: rows are retried,
    not lost or failed; all are delivered once there is room."""
    import subprocess
    import tempfile
    pg = harness.cluster()
    db = pg.new_database()
    mnt = tempfile.mkdtemp(prefix="convened-full-")
    mounted = _mount_small(mnt, "16m")
    maildir = os.path.join(mnt, "mail")
    os.makedirs(os.path.join(maildir, "tmp"))
    os.makedirs(os.path.join(maildir, "new"))
    os.makedirs(os.path.join(maildir, "cur"))
    try:
        d = harness.Daemon(db, config=fast_outbox({"plugin spool": {"maildir": maildir}}))
        d.maildir = maildir
        d.start()
        ev = make_event(pg, db)
        if mounted:
            filler = _fill(mnt)
            say(f"spool on a 16 MB tmpfs, filled ({os.path.getsize(filler)} bytes of filler)")
        else:
            os.chmod(os.path.join(maildir, "tmp"), 0o500)
            os.chmod(os.path.join(maildir, "new"), 0o500)
            say("mounting a tmpfs is not permitted here: the spool is made unwritable instead")
        make_due(pg, db, ev, due)
        time.sleep(full_s)
        states = outbox_states(pg, db)
        tried = int(pg.psql(db, "SELECT count(*) FROM outbox WHERE attempts > 0 AND state = 'pending'")[0][0])
        say(f"after {full_s}s of a full disk: states {states}, {tried} rows waiting for a retry")
        assert not states.get("failed"), f"rows failed instead of retrying: {states}"
        assert states.get("sent", 0) == 0, f"rows marked sent while the disk was full: {states}"
        assert tried > 0, "no delivery was attempted while the disk was full"
        if mounted:
            os.unlink(filler)
        else:
            os.chmod(os.path.join(maildir, "tmp"), 0o700)
            os.chmod(os.path.join(maildir, "new"), 0o700)
        say("room made again")
        wait_all_sent(pg, db, timeout=60 + due / 20)
        check_delivery(pg, db, spool_ids(maildir), max_dupes=0, label="spool full")
        d.stop()
    finally:
        if mounted:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
        harness._rmtree(mnt)


class SmtpServer:
    """tests/integration/smtpd.py as a subprocess on a fixed port."""

    def __init__(self, port, directory):
        self.port, self.dir, self.proc = port, directory, None

    def start(self):
        import subprocess
        ready = os.path.join(self.dir, "ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(REPO, "tests", "integration", "smtpd.py"),
             "--port", str(self.port), "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        harness.wait_until(lambda: os.path.exists(ready), timeout=15, msg="smtpd.py ready")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def ids(self):
        out = {}
        for name in os.listdir(self.dir):
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(self.dir, name), "rb") as f:
                m = MSGID.search(f.read(8192))
            if not m:
                raise AssertionError(f"{name}: no outbox Message-ID")
            i = int(m.group(1))
            out[i] = out.get(i, 0) + 1
        return out


def scenario_smtp_down(due, down_s):
    """The SMTP server down for DOWN_S seconds: nothing lost, everything
    delivered once it is back."""
    import tempfile
    pg = harness.cluster()
    db = pg.new_database()
    port = harness.free_port()
    sdir = tempfile.mkdtemp(prefix="convened-smtp-")
    cfg = fast_outbox({"plugin email": {"channels": "email", "host": "127.0.0.1", "port": port,
                                         "from": "office@example.org", "timeout_ms": 2000,
                                         "starttls": "off"}})
    cfg["plugin spool"] = None
    srv = SmtpServer(port, sdir)
    try:
        d = harness.Daemon(db, config=cfg)
        d.start()
        ev = make_event(pg, db)
        make_due(pg, db, ev, due)
        say(f"queued {due} due notifications with the SMTP server down")
        time.sleep(down_s)
        states = outbox_states(pg, db)
        say(f"after {down_s}s down: {states}")
        assert not states.get("failed"), f"rows failed while the server was down: {states}"
        srv.start()
        say("SMTP server started")
        wait_all_sent(pg, db, timeout=60 + due / 20)
        check_delivery(pg, db, srv.ids(), max_dupes=0, label="smtp down")
    finally:
        srv.stop()
        harness._rmtree(sdir)
