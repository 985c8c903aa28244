#!/usr/bin/python3
"""smtp.py - N due reminders (default 20,000) through convened's email
plugin to Postfix's smtp-sink, end to end (claim, render, SMTP, mark
sent), and in the same run the same number of same-size messages sent by
Postfix's smtp-source over the same number of parallel sessions.  Goal:
convened >= 50 % of smtp-source's rate."""

import os
import shutil
import subprocess
import tempfile
import time

import benchlib as B

NAME = "smtp"


def sink(port, tmp):
    argv = ["smtp-sink", "-c", "-m", "1000", f"127.0.0.1:{port}", "1000"]
    if os.geteuid() == 0:
        argv[1:1] = ["-u", "nobody"]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "sink.err"), "wb"))
    B.harness.wait_until(lambda: _connects(port), timeout=10, msg="smtp-sink up")
    return p


def _connects(port):
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def email_config(port, workers, per_session):
    return {"plugin spool": None,
            "plugin email": {"channels": "email", "host": "127.0.0.1", "port": port,
                             "from": "office@example.org", "starttls": "off",
                             "workers": workers, "per_session": per_session}}


def main():
    n = B.env_int("BENCH_SMTP_MESSAGES", 20000)
    workers = B.env_int("BENCH_SMTP_SESSIONS", 4)
    per_session = B.env_int("BENCH_SMTP_PER_SESSION", 100)
    if not shutil.which("smtp-sink") and not os.path.exists("/usr/sbin/smtp-sink"):
        B.not_run(NAME, "Postfix's smtp-sink/smtp-source not installed (sh bench/deps.sh)")
        return
    tmp = tempfile.mkdtemp(prefix="convened-smtpbench-")
    pg = B.cluster()
    sk = None
    try:
        db = pg.new_database()
        # 1. the size of one message, through the test SMTP server
        sport = B.harness.free_port()
        srv = B.faultlib.SmtpServer(sport, tmp).start()
        d = B.daemon(db, config=email_config(sport, 1, 1))
        ev = B.faultlib.make_event(pg, db, slug="smtp")
        B.faultlib.make_due(pg, db, ev, 1, prefix="size")
        B.faultlib.wait_all_sent(pg, db, timeout=60)
        d.stop()
        srv.stop()
        size = max(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp) if f.endswith(".eml"))
        B.say(f"one rendered message is {size} bytes")
        # 2. convened: N rows due in one instant, then delivered
        port = B.harness.free_port()
        sk = sink(port, tmp)
        B.faultlib.make_due(pg, db, ev, n, prefix="bulk")
        at = pg.psql(db, """
            WITH t AS (SELECT now() + interval '8 seconds' AS at)
            UPDATE outbox SET due_at = t.at, next_attempt_at = t.at FROM t
             WHERE state = 'pending' RETURNING extract(epoch FROM t.at)""")
        due_epoch = float(at[0][0])
        d2 = B.daemon(db, config=email_config(port, workers, per_session))
        B.faultlib.wait_all_sent(pg, db, timeout=600)
        last = float(pg.psql(db, "SELECT extract(epoch FROM max(sent_at)) FROM outbox")[0][0])
        states = B.faultlib.outbox_states(pg, db)
        conv = n / (last - due_epoch)
        B.say(f"convened: {n} in {last - due_epoch:.2f}s from the due instant, states {states}")
        d2.stop()
        # 3. smtp-source: same count, size and parallel sessions
        t = time.monotonic()
        r = subprocess.run(["smtp-source", "-d", "-s", str(workers), "-l", str(size), "-m", str(n),
                            "-f", "office@example.org", "-t", "anna@example.org", f"127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=600)
        dt = time.monotonic() - t
        if r.returncode != 0:
            raise RuntimeError(f"smtp-source failed: {r.stderr}")
        ref = n / dt
        B.say(f"smtp-source: {n} in {dt:.2f}s")
        B.figure(NAME, f"{n:,} messages of {size:,} B, {workers} sessions in parallel", conv, ref, "msg/s",
                 "smtp-source", ">= 0.50",
                 note=f"convened {per_session} per SMTP session, smtp-source one connection per session")
    finally:
        if sk:
            sk.terminate()
            sk.wait(10)
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
