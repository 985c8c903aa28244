"""test_reg_perf.py - the registration write path of sql/008_perf: a
confirmation schedules its own person's reminders (and brings back those a
cancellation took away), promotion schedules the promoted person's, and
registrations no longer serialise on the event row yet still meet on the
(event, person) key when the same address registers twice at once."""

import threading
import time

import harness
import reg_fixtures as F


def _reminders(pg, db, ev):
    """{(email, offset): state} of the event's reminder rows."""
    rows = pg.psql(db, """SELECT p.email, o.reminder_offset, o.state FROM outbox o
                          JOIN people p ON p.id = o.person_id
                          WHERE o.event_id = $1 AND o.kind = 'event_reminder'""", ev)
    return {(e, off): s for e, off, s in rows}


def test_confirm_schedules_own_reminders_and_reconfirm_restores_them():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=1)
    pg.psql(db, "UPDATE events SET reminders = '{P7D,P1D}' WHERE id = $1", ev)
    for who in ("a", "b"):
        assert F.register(d, ev, f"{who}@x.se", org=f"Org {who}").status == 202
    ta, tb = F.token(pg, db, ev, "a@x.se"), F.token(pg, db, ev, "b@x.se")
    assert F.confirm(d, ta).status == 303
    assert _reminders(pg, db, ev) == {("a@x.se", "P7D"): "pending", ("a@x.se", "P1D"): "pending"}
    # b waits: no reminders; a's rows stay as they were
    assert F.confirm(d, tb).status == 303
    assert F.states(pg, db, ev)["b@x.se"] == ("waitlisted", 1)
    assert _reminders(pg, db, ev) == {("a@x.se", "P7D"): "pending", ("a@x.se", "P1D"): "pending"}
    # a cancels: a's reminders cancelled, b promoted with reminders of their own
    assert F.cancel(d, ta).status == 303
    assert _reminders(pg, db, ev) == {
        ("a@x.se", "P7D"): "cancelled", ("a@x.se", "P1D"): "cancelled",
        ("b@x.se", "P7D"): "pending", ("b@x.se", "P1D"): "pending"}
    # b cancels, a registers again and confirms: a's reminders are back
    assert F.cancel(d, tb).status == 303
    r = F.register(d, ev, "a@x.se")
    assert r.status == 202, r
    assert F.states(pg, db, ev)["a@x.se"] == ("pending", None)
    assert F.confirm(d, ta).status == 303
    assert F.states(pg, db, ev)["a@x.se"] == ("confirmed", None)
    rem = _reminders(pg, db, ev)
    assert rem[("a@x.se", "P7D")] == "pending" and rem[("a@x.se", "P1D")] == "pending", rem
    assert rem[("b@x.se", "P7D")] == "cancelled" and rem[("b@x.se", "P1D")] == "cancelled", rem
    due = pg.psql(db, """SELECT count(*) FROM outbox o JOIN events e ON e.id = o.event_id
                         WHERE o.event_id = $1 AND o.kind = 'event_reminder' AND o.state = 'pending'
                           AND o.attempts = 0 AND o.due_at = o.next_attempt_at
                           AND o.due_at = cv_reminder_instant(e.start_local, e.tz, o.reminder_offset)
                           AND o.due_at < e.start_at - interval '23 hours'""", ev)
    assert due == [("2",)], due
    # the seat rows followed every change (confirm, promote, cancel): one
    # seat (the capacity), held by the one confirmed registration
    assert pg.psql(db, """SELECT count(*), count(s.registration_id),
                                 count(*) FILTER (WHERE r.state = 'confirmed')
                          FROM seats s LEFT JOIN registrations r ON r.id = s.registration_id
                          WHERE s.event_id = $1""", ev) == [("1", "1", "1")]


def test_same_address_twenty_times_at_once_is_one_registration():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db))
    n = 20
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        barrier.wait()
        try:
            out[i] = F.register(d, ev, "same@x.se", org="Same", country="SE")
        except Exception as e:  # noqa: BLE001 - reported below
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    bad = [r for r in out if not isinstance(r, harness.Response) or r.status != 202]
    assert not bad, bad[:3]
    assert len({r.body for r in out}) == 1  # one answer for all (test_strict.py)
    assert F.states(pg, db, ev) == {"same@x.se": ("pending", None)}
    assert pg.psql(db, "SELECT count(*) FROM registrations WHERE event_id = $1", ev) == [("1",)]
    assert pg.psql(db, "SELECT count(*) FROM people") == [("1",)]
    # every request (re)sent the confirmation: one row per transaction
    assert pg.psql(db, """SELECT count(*) FROM outbox
                          WHERE kind = 'registration_confirm_request'""") == [(str(n),)]


def test_confirmation_request_goes_out_at_once_without_notify():
    # The daemon's own registrations do not NOTIFY (cv_register_local): the
    # daemon kicks its scheduler after the commit.  With the rescan an hour
    # away, only that kick can deliver the request within the bound.
    pg, db, d = F.start(config={"outbox": {"rescan_seconds": 3600}})
    ev = F.event(pg, db, F.project(pg, db))
    time.sleep(0.5)  # the start-up scan is over

    def wait_for(addr):
        deadline = time.time() + 10
        while time.time() < deadline:
            msgs = [m for m in d.maildir_messages() if addr in m["To"]]
            if msgs:
                return msgs
            time.sleep(0.05)
        return []

    def sql_register(fn, addr, tok):
        pg.psql(db, f"""SELECT {fn}($1, $2, 'S', NULL, 'Org', 'SE', 'other', 'en',
                                   repeat($3, 64), repeat($3 || 'f', 32))""", ev, addr, tok)

    # cv_register_local from outside the daemon: no NOTIFY, nothing kicks
    sql_register("cv_register_local", "silent@x.se", "a")
    time.sleep(2)
    assert d.maildir_messages() == []
    # through the daemon: its kick after the commit claims both
    assert F.register(d, ev, "quick@x.se").status == 202
    msgs = wait_for("quick@x.se")
    assert len(msgs) == 1 and msgs[0]["X-Convened-Kind"] == "registration_confirm_request", msgs
    assert len(wait_for("silent@x.se")) == 1
    # SQL callers of cv_register still wake the daemon with NOTIFY
    sql_register("cv_register", "sql@x.se", "c")
    assert len(wait_for("sql@x.se")) == 1
