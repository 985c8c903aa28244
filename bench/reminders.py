#!/usr/bin/python3
"""reminders.py - reminders at scale: 1,000,000 pending reminders spread
over the next days plus 10,000 due in the same second, delivered through
the spool plugin (maildir, fsync on): lag from the due instant to the
message in new/ (p50, p99, max), time to deliver all 10,000, convened's
peak RSS.  Goals: p99 < 100 ms, RSS < 64 MB.  References quoted beside it:
Indico checks reminders every 5 minutes, calcurse every 60 s."""

import os
import time

import benchlib as B

NAME = "reminders"


def main():
    pending = B.env_int("BENCH_PENDING", 1000000)
    due = B.env_int("BENCH_DUE", 10000)
    lead_s = B.env_int("BENCH_DUE_IN", 15)
    pg = B.cluster()
    try:
        db = pg.new_database()
        d = B.daemon(db)  # applies the migrations
        d.stop()
        ev = B.faultlib.make_event(pg, db, slug="rem")
        t0 = time.monotonic()
        # the 10,000: real registrations, each with its outbox row
        B.faultlib.make_due(pg, db, ev, due, prefix="due")
        # 1,000,000 pending reminders spread over the next 5 days
        pg.psql(db, """
            INSERT INTO outbox (kind, channel, recipient, recipient_name, language, reminder_offset,
                                due_at, next_attempt_at, dedupe_key)
            SELECT 'event_reminder', 'email', 'p' || i || '@example.org', 'Person ' || i, 'en', 'P1D',
                   now() + make_interval(secs => 3600 + (i % 432000)),
                   now() + make_interval(secs => 3600 + (i % 432000)),
                   'bench:pending:' || i
              FROM generate_series(1, $1::int) i""", pending, timeout=1800)
        pg.psql(db, "VACUUM ANALYZE outbox", timeout=600)
        B.say(f"made {pending:,} pending + {due:,} due rows in {time.monotonic() - t0:.0f}s")
        # all 10,000 due in the same second, LEAD_S from now
        at = pg.psql(db, """
            WITH t AS (SELECT date_trunc('second', now()) + make_interval(secs => $1::int) AS at)
            UPDATE outbox SET due_at = t.at, next_attempt_at = t.at FROM t
             WHERE dedupe_key LIKE 'reg:%' RETURNING extract(epoch FROM t.at)""", lead_s)
        due_epoch = float(at[0][0])
        d.start(timeout=60)
        B.say(f"convened started; the {due:,} are due in {due_epoch - time.time():.1f}s")
        newdir = os.path.join(d.maildir, "new")

        def all_there():
            return os.path.isdir(newdir) and len(os.listdir(newdir)) >= due
        B.harness.wait_until(all_there, timeout=lead_s + 600, interval=0.2, msg="all due reminders spooled")
        time.sleep(1)
        rss_kb = B.peak_rss_kb(d.proc.pid)
        lags = []
        for name in os.listdir(newdir):
            st = os.stat(os.path.join(newdir, name))
            lags.append(st.st_mtime_ns / 1e9 - due_epoch)
        lags.sort()
        n = len(lags)
        early = sum(1 for x in lags if x < 0)
        p50, p99, mx = lags[n // 2] * 1000, lags[min(n - 1, int(n * 0.99))] * 1000, lags[-1] * 1000
        states = B.faultlib.outbox_states(pg, db)
        B.say(f"{n} spooled ({early} before their due second), outbox states {states}")
        assert early == 0, f"{early} reminders delivered before they were due"
        note = f"{pending:,} pending, {due:,} due in one second"
        B.figure(NAME, "lag p50", p50, 60000.0, "ms", "calcurse (60 s poll, worst case)", "p99 < 100 ms",
                 higher_is_better=False, note=note)
        B.figure(NAME, "lag p99", p99, 300000.0, "ms", "Indico (5 min poll, worst case)", "< 100 ms",
                 higher_is_better=False, note=note)
        B.figure(NAME, "lag max", mx, 300000.0, "ms", "Indico (5 min poll, worst case)", None,
                 higher_is_better=False, note=note)
        B.figure(NAME, f"time to deliver all {due:,}", mx / 1000, None, "s",
                 "Indico/calcurse: next poll (up to 300 s / 60 s) plus their sending time")
        B.figure(NAME, "peak RSS", rss_kb / 1024, None, "MB", "goal < 64 MB")
        d.stop()
    finally:
        pg.destroy()


if __name__ == "__main__":
    main()
