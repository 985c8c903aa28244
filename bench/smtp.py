#!/usr/bin/python3
"""smtp.py - a burst through convened's email plugin to Postfix's
smtp-sink, end to end: each round BENCH_SMTP_MESSAGES (5,000) rows fall
due in one instant and convened claims, renders, sends over SMTP and marks
them sent (its rate: the rows over the time from the due instant to the
last sent_at).  The reference in the same interleaved rounds: Postfix's
smtp-source sending the same number of messages of the same size over the
same number of parallel sessions to the same smtp-sink.  Goal: >= 0.7 of
smtp-source's rate (issue 18)."""

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
    n = B.env_int("BENCH_SMTP_MESSAGES", 5000)
    workers = B.env_int("BENCH_SMTP_SESSIONS", 4)
    per_session = B.env_int("BENCH_SMTP_PER_SESSION", 100)
    lead_s = B.env_int("BENCH_DUE_IN", 5)
    if not shutil.which("smtp-sink") and not os.path.exists("/usr/sbin/smtp-sink"):
        B.not_run(NAME, "Postfix's smtp-sink/smtp-source not installed (sh bench/deps.sh)")
        return
    tmp = tempfile.mkdtemp(prefix="convened-smtpbench-")
    pg = B.cluster()
    sk = d2 = None
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
        port = B.harness.free_port()
        sk = sink(port, tmp)
        d2 = B.harness.Daemon(db, config=email_config(port, workers, per_session), verbose=False)

        def conv(i):
            # N rows due in one instant LEAD_S from now, queued while
            # convened is stopped, then delivered
            d2.stop()
            B.faultlib.make_due(pg, db, ev, n, prefix=f"bulk{i}-")
            at = pg.psql(db, """
                WITH t AS (SELECT now() + make_interval(secs => $1::int) AS at)
                UPDATE outbox SET due_at = t.at, next_attempt_at = t.at FROM t
                 WHERE state = 'pending' RETURNING extract(epoch FROM t.at)""", lead_s)
            assert len(at) == n, f"{len(at)} rows made due, expected {n}"
            due_epoch = float(at[0][0])
            d2.start(timeout=60)
            if time.time() > due_epoch:
                raise RuntimeError("convened started after the due instant: raise BENCH_DUE_IN")
            states = B.faultlib.wait_all_sent(pg, db, timeout=600)
            if states.get("failed"):
                raise RuntimeError(f"outbox rows failed: {states}")
            last = float(pg.psql(db, "SELECT extract(epoch FROM max(sent_at)) FROM outbox")[0][0])
            return n / (last - due_epoch)

        def ref(i):
            t = time.monotonic()
            r = subprocess.run(["smtp-source", "-d", "-s", str(workers), "-l", str(size), "-m", str(n),
                                "-f", "office@example.org", "-t", "anna@example.org", f"127.0.0.1:{port}"],
                               capture_output=True, text=True, timeout=600)
            dt = time.monotonic() - t
            if r.returncode != 0:
                raise RuntimeError(f"smtp-source failed: {r.stderr}")
            return n / dt
        r = B.rounds(ref, conv, label="smtp")
        B.figure_rounds(NAME, f"{n:,} messages of {size:,} B due at once, {workers} sessions in parallel", r,
                        "msg/s", "smtp-source", ratio_goal=(">=", 0.7),
                        note=f"convened {per_session} per SMTP session, smtp-source one connection per session")
    finally:
        if d2:
            d2.stop()
        if sk:
            sk.terminate()
            sk.wait(10)
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
