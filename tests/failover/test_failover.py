"""test_failover.py - convened on PostgreSQL's own streaming replication
when the primary dies (`make check-failover`; not in `make check`).

Two private clusters started as the postgres user on private socket
directories and ports: a primary and a standby made with
`pg_basebackup -R`.  Three daemons share one database through a conninfo
naming both hosts with target_session_attrs=read-write.  A and B deliver
through the spool plugin (a maildir each); C's relay hangs (tests/plugins/
hold.c), so the rows it claims stay under its lease.  Under load
(registrations through all three, their confirmation mails delivered by
A and B) the primary and daemon C are killed with SIGKILL (the machine
holding both is lost), the standby is promoted with `pg_ctl promote`, and:

- A and B answer 503 while no primary is up, reconnect by themselves and
  answer 200 again (the time after the promotion is printed);
- their LISTEN connections follow the new primary (a change made there
  reaches their feed caches, which only a NOTIFY invalidates);
- the rows C held are returned to the queue when its lease runs out and
  delivered once by A or B;
- synchronous replication (synchronous_commit = remote_apply): no
  acknowledged registration and no notification is lost; a mail sent twice
  belongs to a row that was in flight (claimed, outcome not recorded) at
  the failure;
- asynchronous replication: the acknowledged writes lost are counted and
  printed (the trade-off docs/OPERATIONS.md states).
"""

import atexit
import email.parser
import email.policy
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))

import harness  # noqa: E402
import reg_fixtures as rf  # noqa: E402

REPO = harness.REPO
LEASE_S = 10  # [outbox] lease_seconds: how long C's claims block their rows
OUTAGE_S = 8  # from the kill to `pg_ctl promote`
LAG_S = 1.0  # the standby receives nothing for this long before the kill


def _build_plugin(name):
    d = tempfile.mkdtemp(prefix="convened-fo-")
    out = os.path.join(d, name + ".so")
    subprocess.run(["cc", "-std=gnu11", "-shared", "-fPIC", "-I", os.path.join(REPO, "plugins"),
                    "-o", out, os.path.join(REPO, "tests", "plugins", name + ".c")], check=True)
    return out


class Node(harness.PgCluster):
    """One PostgreSQL server of the pair (unix socket only, as postgres)."""

    def _append_conf(self, text):
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as f:
            f.write(text)

    def init_primary(self, sync):
        self._init()
        # later lines win over the harness's test settings (fsync and
        # synchronous_commit off): this pair is configured as in production
        self._append_conf(
            "\n# failover test: primary\n"
            "fsync = on\n"
            "full_page_writes = on\n"
            "wal_level = replica\n"
            "max_wal_senders = 4\n"
            "wal_keep_size = '512MB'\n"
            "hot_standby = on\n"
            + ("synchronous_standby_names = '*'\n"
               "synchronous_commit = remote_apply\n"
               if sync else
               "synchronous_standby_names = ''\n"
               "synchronous_commit = on\n"))
        atexit.register(self.destroy)
        return self.start()

    def init_standby(self, primary):
        import pwd

        self.dir = tempfile.mkdtemp(prefix="convened-pg-", dir="/tmp")
        os.mkdir(self.sockdir)
        if harness.IS_ROOT:
            pw = pwd.getpwnam(harness.PG_OS_USER)
            for p in (self.dir, self.sockdir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self.port = harness.free_port()
        r = self._as_pg([os.path.join(self.bindir, "pg_basebackup"), "-D", self.datadir,
                         "-h", primary.sockdir, "-p", str(primary.port),
                         "-U", harness.PG_SUPERUSER, "-R", "-X", "stream", "-c", "fast"])
        assert r.returncode == 0, f"pg_basebackup failed:\n{r.stdout}\n{r.stderr}"
        # Promoted, this server has no standby of its own: with the
        # primary's synchronous_standby_names every commit would wait
        # forever.  Patroni clears it at failover (unless
        # synchronous_mode_strict); here it is set for the standby's life.
        self._append_conf(f"\n# failover test: standby\nport = {self.port}\n"
                          f"unix_socket_directories = '{self.sockdir}'\n"
                          "synchronous_standby_names = ''\n")
        atexit.register(self.destroy)
        return self.start()

    def kill9(self):
        """SIGKILL the postmaster and every process it started, at once."""
        with open(os.path.join(self.datadir, "postmaster.pid")) as f:
            pm = int(f.readline())
        kids = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        st = f.read()
                except OSError:
                    continue
                if int(st.rsplit(")", 1)[1].split()[1]) == pm:
                    kids.append(int(d))
        for pid in [pm] + kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.running = False

    def promote(self):
        r = self._as_pg([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-w", "-t", "60",
                         "promote"])
        assert r.returncode == 0, f"pg_ctl promote failed:\n{r.stdout}\n{r.stderr}"

    def sql(self, sql, *params, dbname="postgres"):
        return self.psql(self.conninfo(dbname), sql, *params)


class Load:
    """Registration clients: each thread registers new addresses in turn
    through the live daemons and keeps what each request got."""

    def __init__(self, daemons, event_id, threads=6):
        self.daemons = list(daemons)
        self.event_id = event_id
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = {}  # email -> daemon name, 202 received
        self.ack_times = {}  # daemon name -> monotonic times of its 201s
        self.refused = {}  # status -> count (503 while the database is away)
        self.errors = 0  # no answer (daemon killed, connection reset)
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def _run(self, k):
        i = 0
        while not self.stop.is_set():
            name, d = self.daemons[(k + i) % len(self.daemons)]
            email = f"p{k}-{i}@example.org"
            i += 1
            try:
                r = d.post(f"/api/public/events/{self.event_id}/registrations",
                           {"email": email, "name": f"P {k} {i}", "organisation": "Comune",
                            "country": "IT", "role": "official", "language": "it"},
                           auth=False, timeout=5)
            except Exception:  # noqa: BLE001 - a killed daemon answers nothing
                with self.lock:
                    self.errors += 1
                time.sleep(0.02)
                continue
            with self.lock:
                if r.status == 202:
                    self.acked[email] = name
                    self.ack_times.setdefault(name, []).append(time.monotonic())
                else:
                    self.refused[r.status] = self.refused.get(r.status, 0) + 1
            if r.status != 202:
                time.sleep(0.02)


def _mails(daemons):
    """[(outbox id, recipient address)] of every mail in the daemons' spool
    maildirs (X-Convened-Outbox-Id and To: of each)."""
    out = []
    p = email.parser.BytesParser(policy=email.policy.default)
    for d in daemons:
        nd = os.path.join(d.maildir, "new")
        for name in os.listdir(nd) if os.path.isdir(nd) else []:
            with open(os.path.join(nd, name), "rb") as f:
                h = p.parse(f, headersonly=True)
            out.append((int(h["X-Convened-Outbox-Id"]), h["To"].addresses[0].addr_spec.lower()))
    return out


def _healthz(d):
    try:
        return d.request("GET", "/healthz", auth=False, timeout=5).status
    except Exception:  # noqa: BLE001
        return None


def run_failover(sync):
    mode = "synchronous (remote_apply)" if sync else "asynchronous"
    primary = Node().init_primary(sync)
    standby = Node().init_standby(primary)
    harness.wait_until(
        lambda: primary.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                            + (" AND sync_state = 'sync'" if sync else ""))[0][0] == "1",
        timeout=30, msg="the standby streaming")
    dbname = "convened"
    primary.sql(f'CREATE DATABASE "{dbname}"')
    conninfo = (f"host={primary.sockdir},{standby.sockdir} port={primary.port},{standby.port} "
                f"dbname={dbname} user={harness.PG_SUPERUSER} target_session_attrs=read-write")
    # the daemons run on convened's own reconnect defaults (250 ms doubling
    # to 10 s), not the harness's faster ones
    base = {"database": {"reconnect_min_ms": None, "reconnect_max_ms": None},
            "outbox": {"lease_seconds": LEASE_S}}
    a = harness.Daemon(conninfo, config=dict(base, **{"plugin spool": {"fsync": "yes"}}))
    b = harness.Daemon(conninfo, config=dict(base, **{"plugin spool": {"fsync": "yes"}}))
    held_log = os.path.join(tempfile.mkdtemp(prefix="convened-fo-"), "held.log")
    c = harness.Daemon(conninfo, config=dict(base, **{
        "plugin spool": None,
        "plugin hold": {"file": _build_plugin("hold"), "channels": "email",
                        "log_file": held_log}}))
    for d in (a, b, c):
        d.start()
    pdb = primary.conninfo(dbname)
    pid = rf.project(primary, pdb, slug="failover")
    ev = rf.event(primary, pdb, pid, title="Coordination meeting", city="Bologna")
    load = Load([("A", a), ("B", b), ("C", c)], ev).start()

    harness.wait_until(lambda: len(load.acked) >= 300, timeout=60, msg="300 registrations")
    harness.wait_until(lambda: os.path.exists(held_log) and os.path.getsize(held_log) > 0,
                       timeout=30, msg="C holding claimed rows")
    acked_before = len(load.acked)

    # The standby falls behind (a congested link, a busy disk): its WAL
    # receiver is stopped for LAG_S.  Asynchronous: the primary goes on
    # acknowledging what the standby does not have.  Synchronous: commits
    # wait for the standby instead (nothing is acknowledged meanwhile).
    wr = standby.psql(standby.conninfo(), "SELECT pid FROM pg_stat_wal_receiver")
    assert wr and wr[0][0], wr
    walreceiver = int(wr[0][0])
    os.kill(walreceiver, signal.SIGSTOP)
    n_lag = len(load.acked)
    time.sleep(LAG_S)
    acked_in_lag = len(load.acked) - n_lag

    # the machine with the primary and daemon C is lost
    t_kill = time.monotonic()
    primary.kill9()
    c.kill9()
    os.kill(walreceiver, signal.SIGCONT)

    # what the database had in flight: rows claimed and not recorded
    sdb = standby.conninfo(dbname)
    harness.wait_until(
        lambda: not standby.psql(sdb, "SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'"),
        timeout=30, msg="the standby's WAL receiver to see the primary gone")
    harness.wait_until(
        lambda: standby.psql(sdb, "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
                             )[0][0] == "t", timeout=30, msg="standby replay caught up")
    in_flight = {int(r[0]) for r in standby.psql(
        sdb, "SELECT id FROM outbox WHERE state = 'sending'")}
    held = {int(line.split()[0]) for line in open(held_log)}

    # A and B answer 503 while there is no primary
    for d in (a, b):
        harness.wait_until(lambda: _healthz(d) == 503, timeout=30, msg="503 without a primary")
    reg503 = rf.register(b, ev, "during-outage@example.org")
    assert reg503.status == 503, reg503
    # the time a failover manager takes to decide (Patroni: about ttl, 30 s
    # by default; here shorter): the daemons' reconnect backoff grows meanwhile
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - t_kill)))
    t_promote0 = time.monotonic()
    standby.promote()
    t_promoted = time.monotonic()
    back = {}
    while len(back) < 2 and time.monotonic() - t_promoted < 60:
        for name, d in (("A", a), ("B", b)):
            if name not in back and _healthz(d) == 200:
                back[name] = time.monotonic() - t_promoted
        time.sleep(0.02)
    assert len(back) == 2, f"not back to 200 within 60 s of the promotion: {back}"

    # load goes on against the new primary
    n = len(load.acked)
    harness.wait_until(lambda: len(load.acked) >= n + 300, timeout=60,
                       msg="300 more registrations after the failover")
    load.finish()

    ndb = standby.conninfo(dbname)
    # the LISTEN connections follow the new primary: a change made there
    # reaches A's and B's feed caches (invalidated only by NOTIFY)
    listens = int(standby.psql(ndb, "SELECT count(*) FROM pg_stat_activity "
                                    "WHERE query LIKE 'LISTEN %'")[0][0])
    assert listens >= 2, listens
    for d in (a, b):
        assert harness.metric_value(d.metrics(), "convened_db_listen_connected") == 1
        assert "Coordination meeting" in d.get("/calendars/projects/failover.ics", auth=False).text
    standby.psql(ndb, "UPDATE events SET title = 'Coordination meeting (moved)' WHERE id = $1", ev)
    for d in (a, b):
        harness.wait_until(
            lambda: "Coordination meeting (moved)" in d.get("/calendars/projects/failover.ics",
                                                             auth=False).text,
            timeout=20, msg="the feed to follow a change made on the new primary")

    # every notification goes out: C's leases run out and A or B take them
    harness.wait_until(
        lambda: standby.psql(ndb, "SELECT count(*) FROM outbox WHERE state IN "
                                  "('pending', 'sending')")[0][0] == "0",
        timeout=LEASE_S * 6, msg="the outbox to drain")
    rows = {int(i): (s, e) for i, s, e in standby.psql(ndb, "SELECT id, state, last_error FROM outbox")}
    regs = {e: int(i) if i is not None else None for e, i in standby.psql(
        ndb, "SELECT p.email, o.id FROM registrations r JOIN people p ON p.id = r.person_id "
             "LEFT JOIN outbox o ON o.registration_id = r.id "
             " AND o.kind = 'registration_confirm_request'")}
    sent = _mails([a, b])
    mails = {}  # outbox id -> mails
    to = {}  # address -> mails
    for i, addr in sent:
        mails[i] = mails.get(i, 0) + 1
        to[addr] = to.get(addr, 0) + 1

    acked = load.acked
    lost_regs = sorted(e for e in acked if e not in regs)
    # an acknowledged registration whose address never got its mail
    lost_notes = sorted(e for e in acked if to.get(e, 0) == 0)
    # asynchronous: a lost registration may have been mailed already (its
    # confirmation link now leads nowhere)
    lost_mailed = sorted(e for e in lost_regs if to.get(e, 0) > 0)
    twice_to = sorted(e for e, k in to.items() if k > 1)
    dups = {i: k for i, k in mails.items() if k > 1}
    dups_outside = sorted(i for i in dups if i not in in_flight)
    unknown_mails = sorted(i for i in mails if i not in rows)
    held_on_new = held & set(rows)
    rescued_ok = sorted(i for i in held_on_new if rows[i][0] == "sent" and mails.get(i, 0) >= 1)
    outage = t_promote0 - t_kill
    first_write = {n: min((t for t in load.ack_times.get(n, []) if t > t_promoted),
                          default=float("nan")) - t_promoted for n in ("A", "B")}

    print(f"failover, {mode}: {len(acked)} registrations acknowledged "
          f"({acked_before} before the kill, {acked_in_lag} while the standby lagged "
          f"{LAG_S:.1f} s), lost {len(lost_regs)} ({len(lost_mailed)} of them already mailed); "
          f"{len(rows)} notifications on the new primary, {len(sent)} mails, lost "
          f"{len(lost_notes)} (acknowledged registrations never mailed), "
          f"{len(twice_to)} addresses mailed twice; {len(dups)} outbox ids mailed twice "
          f"({len(dups_outside)} outside the {len(in_flight)} rows in flight), "
          f"{len(unknown_mails)} mails for rows the new primary lacks; "
          f"C held {len(held)} rows, {len(held_on_new)} on the new primary, "
          f"{len(rescued_ok)} rescued and delivered; "
          f"503 for {outage:.1f} s before the promotion; back to 200 after the promotion: "
          f"A {back['A']:.2f} s, B {back['B']:.2f} s (/healthz), first registration "
          f"acknowledged A {first_write['A']:.2f} s, B {first_write['B']:.2f} s; "
          f"requests refused {load.refused}, unanswered {load.errors}", flush=True)

    # in both modes: nothing stuck, every row the new primary has went out
    assert all(s == "sent" for s, _ in rows.values()), \
        {i: r for i, r in rows.items() if r[0] != "sent"}
    assert all(mails.get(i, 0) >= 1 for i in rows), sorted(i for i in rows if i not in mails)
    assert load.refused.get(503, 0) >= 1 or load.errors >= 1, load.refused
    if sync:
        assert lost_regs == [], lost_regs
        assert lost_notes == [], lost_notes
        assert all(mails.get(regs[e], 0) >= 1 for e in acked), "a row without its mail"
        assert dups_outside == [], (dups_outside, sorted(in_flight))
        assert unknown_mails == [], unknown_mails
        # C's claims were rescued: every row it held went out, once
        assert held and held_on_new == held, (held, held_on_new)
        assert rescued_ok == sorted(held), (rescued_ok, sorted(held))
        assert all(mails[i] == 1 for i in held), {i: mails[i] for i in held}
    assert first_write["A"] < 60 and first_write["B"] < 60, first_write
    return {"acked": len(acked), "lost_regs": len(lost_regs), "lost_notes": len(lost_notes),
            "back": back, "first_write": first_write}


def test_failover_synchronous_replication_loses_nothing():
    run_failover(sync=True)


def test_failover_asynchronous_replication_counts_what_is_lost():
    run_failover(sync=False)
