#!/usr/bin/python3
"""reminders.py - a burst of notifications through the spool plugin
(maildir, fsync on) among BENCH_PENDING (1,000,000) pending reminders
spread over the next days: each round BENCH_DUE (10,000) rows fall due in
the same second; convened's time is from that instant until the last of
them is marked sent (claimed, rendered, written, fsynced, renamed, the
directory fsynced, the outcome recorded).  The reference in the same
rounds is build/bench/spool_ref writing the same 10,000 files (the bytes
convened wrote in the round before; an untimed warm-up round gives the
first) with the same durability as plugins/spool: its default 2 writer
threads, batches of 64, each file written, fsynced and renamed into
new/, new/ fsynced once per batch.  Goal: <= 2x the writer's time.
Also per round: the lag from the due instant to each file (p50, p99;
goal p99 < 100 ms) and convened's peak RSS (goal < 64 MB).  Indico polls
its reminders every 5 minutes, calcurse every 60 s: quoted, not run."""

import os
import shutil
import subprocess
import time

import benchlib as B

NAME = "reminders"


def burst(pg, db, d, ev, due, lead_s, i):
    """Stop convened, queue DUE rows due LEAD_S from now in one second,
    start it, wait until all are sent.  Returns (seconds from the due
    instant to the last sent_at, sorted file lags in ms)."""
    d.stop()
    newdir = os.path.join(d.maildir, "new")
    shutil.rmtree(d.maildir, ignore_errors=True)
    B.faultlib.make_due(pg, db, ev, due, prefix=f"due{i}-")
    at = pg.psql(db, """
        WITH t AS (SELECT date_trunc('second', now()) + make_interval(secs => $1::int) AS at)
        UPDATE outbox SET due_at = t.at, next_attempt_at = t.at FROM t
         WHERE state = 'pending' AND dedupe_key LIKE 'reg:%' RETURNING extract(epoch FROM t.at)""", lead_s)
    assert len(at) == due, f"{len(at)} rows made due, expected {due}"
    due_epoch = float(at[0][0])
    d.start(timeout=60)
    if time.time() > due_epoch:
        raise RuntimeError("convened started after the due instant: raise BENCH_DUE_IN")
    B.harness.wait_until(lambda: os.path.isdir(newdir) and len(os.listdir(newdir)) >= due,
                         timeout=lead_s + 600, interval=0.2, msg="all due reminders spooled")
    B.harness.wait_until(
        lambda: int(pg.psql(db, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'reg:%' "
                                "AND state IN ('pending', 'sending')")[0][0]) == 0,
        timeout=600, interval=0.2, msg="the burst's rows all sent")
    last = float(pg.psql(db, "SELECT extract(epoch FROM max(sent_at)) FROM outbox WHERE state = 'sent'")[0][0])
    lags = sorted(os.stat(os.path.join(newdir, n)).st_mtime_ns / 1e6 - due_epoch * 1000
                  for n in os.listdir(newdir))
    early = sum(1 for x in lags if x < 0)
    assert early == 0, f"{early} reminders delivered before they were due"
    assert len(lags) == due, f"{len(lags)} files for {due} rows"
    return last - due_epoch, lags


def main():
    pending = B.env_int("BENCH_PENDING", 1000000)
    due = B.env_int("BENCH_DUE", 10000)
    lead_s = B.env_int("BENCH_DUE_IN", 5)
    ref_bin = os.path.join(B.REPO, "build", "bench", "spool_ref")
    pg = B.cluster()
    d = None
    try:
        db = pg.new_database()
        d = B.daemon(db)  # applies the migrations
        d.stop()
        ev = B.faultlib.make_event(pg, db, slug="rem")
        t0 = time.monotonic()
        # BENCH_PENDING reminders spread over the next 5 days (never due here)
        pg.psql(db, """
            INSERT INTO outbox (kind, channel, recipient, recipient_name, language, reminder_offset,
                                due_at, next_attempt_at, dedupe_key)
            SELECT 'event_reminder', 'email', 'p' || i || '@example.org', 'Person ' || i, 'en', 'P1D',
                   now() + make_interval(secs => 3600 + (i % 432000)),
                   now() + make_interval(secs => 3600 + (i % 432000)),
                   'bench:pending:' || i
              FROM generate_series(1, $1::int) i""", pending, timeout=1800)
        pg.psql(db, "VACUUM ANALYZE outbox", timeout=600)
        B.say(f"made {pending:,} pending rows in {time.monotonic() - t0:.0f}s")
        src = os.path.join(B.OUT, "spool-src")
        rss, p50s, p99s = [], [], []

        def keep_files():
            # the round's messages become the next reference round's input
            shutil.rmtree(src, ignore_errors=True)
            shutil.copytree(os.path.join(d.maildir, "new"), src)

        secs, _ = burst(pg, db, d, ev, due, lead_s, "w")
        B.say(f"warm-up burst: {due:,} in {secs:.2f} s")
        keep_files()

        def ref(i):
            dst = os.path.join(d.dir, "spool-ref")  # the daemon's file system
            shutil.rmtree(dst, ignore_errors=True)
            out = subprocess.run([ref_bin, src, dst], capture_output=True, text=True, timeout=600)
            if out.returncode != 0:
                raise RuntimeError(f"spool_ref failed: {out.stderr}")
            n, _, s, _ = out.stdout.split()
            assert int(n) == due, out.stdout
            shutil.rmtree(dst, ignore_errors=True)
            return float(s)

        def conv(i):
            secs, lags = burst(pg, db, d, ev, due, lead_s, i)
            rss.append(B.peak_rss_kb(d.proc.pid) / 1024)
            p50s.append(lags[len(lags) // 2])
            p99s.append(lags[min(len(lags) - 1, int(len(lags) * 0.99))])
            keep_files()
            return secs
        r = B.rounds(ref, conv, label="spool burst")
        note = f"{pending:,} pending, {due:,} due in one second"
        B.figure_rounds(NAME, f"{due:,} due in one second through the spool plugin, time to all sent", r, "s",
                        "spool_ref (same files, same fsyncs)", ratio_goal=("<=", 2.0), note=note)
        quoted = B.Rounds()
        quoted.ref, quoted.conv = None, p99s
        B.figure_rounds(NAME, "lag p99 (due instant to file)", quoted, "ms",
                        "quoted: calcurse polls every 60 s, Indico every 5 min", value_goal=("<", 100), note=note)
        quoted.conv = p50s
        B.figure_rounds(NAME, "lag p50 (due instant to file)", quoted, "ms",
                        "quoted: calcurse polls every 60 s, Indico every 5 min", note=note)
        quoted.conv = rss
        B.figure_rounds(NAME, "peak RSS", quoted, "MB", "none (an absolute goal)", value_goal=("<", 64))
        d.stop()
    finally:
        if d:
            d.stop()
        pg.destroy()


if __name__ == "__main__":
    main()
