"""test_itip.py - the invitations (METHOD:REQUEST) and cancellations
(METHOD:CANCEL) a person is mailed about one event, read from the spool
maildir with python-icalendar (issue 11, parts 6 and 7): the SEQUENCE a
person sees never goes down (withdraw, register again, the event moves, the
event is cancelled), each message's DTSTAMP is the time it was made, only a
cancelled event's CANCEL says STATUS:CANCELLED, and after a change only
confirmed participants get a REQUEST."""

import datetime
import os
import re
import shutil
import tempfile

import icalendar

import harness
import reg_fixtures as F

CONFIG = {
    "plugin spool": {"fsync": "no"},
    "calendar": {"organizer": "secretariat@example.org", "organizer_name": "Secretariat"},
}


def _start():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=CONFIG)
    d.start()
    return pg, db, d


def _event(d, **over):
    body = {"project": "net", "kind": "seminar", "title": "Seminar on ferries",
            "venue": "Stadshuset", "city": "Malmö", "country": "SE",
            "tz": "Europe/Stockholm", "start": "2027-09-14T09:00",
            "end": "2027-09-14T12:00", "status": "published"}
    body.update(over)
    r = d.post("/api/events", body)
    assert r.status == 201, r
    return r.json()


def _outbox_id(msg):
    m = re.match(r"<outbox-(\d+)\.", msg["Message-ID"])
    assert m, msg["Message-ID"]
    return int(m.group(1))


def _itip(msg):
    """(METHOD, the VEVENT) of MSG's text/calendar part, or None."""
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    if not parts:
        return None
    assert len(parts) == 1, msg
    cal = icalendar.Calendar.from_ical(parts[0].get_content())
    assert parts[0].get_param("method") == str(cal["METHOD"])
    vevs = [c for c in cal.walk("VEVENT")]
    assert len(vevs) == 1, cal
    return str(cal["METHOD"]), vevs[0]


def _mails_to(d, email):
    """{outbox id: message} of every mail to EMAIL so far."""
    return {_outbox_id(m): m for m in d.maildir_messages() if email in m["To"]}


def _wait_mails(d, email, n):
    harness.wait_until(lambda: len(_mails_to(d, email)) >= n, timeout=20,
                       msg=lambda: f"mails to {email}: {sorted(_mails_to(d, email))}")
    mails = _mails_to(d, email)
    assert len(mails) == n, sorted(mails)
    return mails


def _created(pg, db, outbox_id):
    """The outbox row's creation time, whole seconds, UTC."""
    rows = pg.psql(db, "SELECT floor(extract(epoch FROM created_at))::bigint FROM outbox"
                       " WHERE id = $1", outbox_id)
    return datetime.datetime.fromtimestamp(int(rows[0][0]), datetime.timezone.utc)


def test_withdraw_and_register_again_never_lowers_the_sequence():
    pg, db, d = _start()
    assert d.post("/api/projects", {"slug": "net", "title": "Net"}).status == 201
    ev = _event(d)
    uid = ev["uid"]
    who = "anna@example.se"

    # each step waits for its mail, as a person reads one before the next
    # registered and confirmed: a REQUEST
    assert F.register(d, ev["id"], who).status == 202
    tok = F.token(pg, db, ev["id"], who)
    _wait_mails(d, who, 1)
    assert F.confirm(d, tok).status == 303
    _wait_mails(d, who, 2)
    # withdrawn: a CANCEL of this attendee only
    assert F.cancel(d, tok).status == 303
    _wait_mails(d, who, 3)
    # registered and confirmed again: a REQUEST again
    assert F.register(d, ev["id"], who).status == 202
    _wait_mails(d, who, 4)
    assert F.confirm(d, tok).status == 303
    _wait_mails(d, who, 5)
    # the event moves: an updated REQUEST
    r = d.patch(f"/api/events/{ev['id']}", {"start": "2027-09-14T10:00", "end": "2027-09-14T13:00"})
    assert r.status == 200 and r.json()["sequence"] == 1, r
    _wait_mails(d, who, 6)
    # the event is cancelled: a CANCEL of the whole event
    r = d.post(f"/api/events/{ev['id']}/cancel")
    assert r.status == 200 and r.json()["sequence"] == 2, r

    # two confirmation requests without a calendar, five iTIP messages
    mails = _wait_mails(d, who, 7)
    itips = [(i, m["X-Convened-Kind"], _itip(m)) for i, m in sorted(mails.items())]
    itips = [(i, k, x) for i, k, x in itips if x is not None]
    kinds = [k for _, k, _ in itips]
    assert kinds == ["registration_confirmed", "registration_cancelled", "registration_confirmed",
                     "event_updated", "event_cancelled"], kinds
    methods = [x[0] for _, _, x in itips]
    assert methods == ["REQUEST", "CANCEL", "REQUEST", "REQUEST", "CANCEL"], methods
    assert all(str(x[1]["UID"]) == uid for _, _, x in itips)
    seqs = [int(x[1]["SEQUENCE"]) for _, _, x in itips]
    # every message is above the one before: the second REQUEST is above the
    # CANCEL (RFC 5546 2.1.5), and never below the event's own SEQUENCE
    assert seqs == sorted(set(seqs)), seqs
    assert seqs[2] > seqs[1] > seqs[0], seqs
    assert seqs[3] >= 1 and seqs[4] >= 2, seqs
    rows = pg.psql(db, "SELECT id, itip_sequence FROM outbox WHERE itip_sequence IS NOT NULL"
                       " ORDER BY id")
    assert [int(s) for _, s in rows] == seqs, rows
    assert pg.psql(db, "SELECT itip_sequence FROM registrations") == [(str(seqs[-1]),)]

    # DTSTAMP is when each message was made (its outbox row), not the
    # event's last change; the Date header says the same
    stamps = []
    for i, _, (_, vev) in itips:
        stamp = vev["DTSTAMP"].dt
        assert stamp == _created(pg, db, i), (i, stamp)
        assert stamp == mails[i]["Date"].datetime, (stamp, mails[i]["Date"])
        stamps.append(stamp)
    assert stamps == sorted(stamps), stamps

    # STATUS:CANCELLED only where the whole event is cancelled
    status = [str(x[1].get("STATUS")) if x[1].get("STATUS") is not None else None
              for _, _, x in itips]
    assert status == ["CONFIRMED", None, "CONFIRMED", "CONFIRMED", "CANCELLED"], status
    # a CANCEL names the attendee it removes
    for _, _, (method, vev) in itips:
        assert str(vev["ATTENDEE"]).lower() == "mailto:" + who, vev["ATTENDEE"]
    d.stop()


def test_dtstamp_differs_from_the_events_last_change():
    """An invitation mailed after the event last changed carries its own
    time, so clients can order two messages of one SEQUENCE."""
    pg, db, d = _start()
    assert d.post("/api/projects", {"slug": "net", "title": "Net"}).status == 201
    ev = _event(d)
    # the event's last change lies an hour back; the invitation is made now
    pg.psql(db, "UPDATE events SET updated_at = now() - interval '1 hour' WHERE id = $1", ev["id"])
    who = "marco@example.it"
    assert F.register(d, ev["id"], who, language="it").status == 202
    assert F.confirm(d, F.token(pg, db, ev["id"], who)).status == 303
    mails = _wait_mails(d, who, 2)
    (i, m), = [(i, m) for i, m in mails.items() if _itip(m)]
    _, vev = _itip(m)
    assert vev["DTSTAMP"].dt == _created(pg, db, i)
    assert vev["LAST-MODIFIED"].dt < vev["DTSTAMP"].dt - datetime.timedelta(minutes=59)
    d.stop()


def test_only_confirmed_participants_get_a_request_after_a_move():
    pg, db, d = _start()
    assert d.post("/api/projects", {"slug": "net", "title": "Net"}).status == 201
    ev = _event(d, capacity=1)
    seat, waiting, unconfirmed = "seat@example.se", "wait@example.se", "pending@example.se"
    for who in (seat, waiting, unconfirmed):
        assert F.register(d, ev["id"], who).status == 202
    for who in (seat, waiting):
        assert F.confirm(d, F.token(pg, db, ev["id"], who)).status == 303
    assert F.states(pg, db, ev["id"]) == {seat: ("confirmed", None), waiting: ("waitlisted", 1),
                                          unconfirmed: ("pending", None)}
    # everything mailed so far has gone out
    harness.wait_until(lambda: pg.psql(db, "SELECT count(*) FROM outbox WHERE state <> 'sent'"
                                           " AND kind LIKE 'registration%'") == [("0",)],
                       timeout=20)
    before = {who: set(_mails_to(d, who)) for who in (seat, waiting, unconfirmed)}
    assert not any(_itip(m) for who in (waiting, unconfirmed) for m in _mails_to(d, who).values())

    r = d.patch(f"/api/events/{ev['id']}", {"city": "Lund", "venue": "Rådhuset"})
    assert r.status == 200 and r.json()["sequence"] == 1, r
    rows = pg.psql(db, "SELECT recipient FROM outbox WHERE kind = 'event_updated'")
    assert rows == [(seat,)], rows
    mails = _wait_mails(d, seat, len(before[seat]) + 1)
    (new,) = set(mails) - before[seat]
    method, vev = _itip(mails[new])
    assert method == "REQUEST" and str(vev["LOCATION"]).startswith("Rådhuset, Lund")
    assert "PARTSTAT=ACCEPTED" in vev.to_ical().decode()
    # the others got nothing: no calendar object, no mail
    for who in (waiting, unconfirmed):
        assert set(_mails_to(d, who)) == before[who], who
    # the waiting person promoted later gets the current details
    r = d.patch(f"/api/events/{ev['id']}", {"capacity": 2})
    assert r.status == 200, r
    mails = _wait_mails(d, waiting, len(before[waiting]) + 1)
    (new,) = set(mails) - before[waiting]
    assert mails[new]["X-Convened-Kind"] == "registration_promoted"
    method, vev = _itip(mails[new])
    assert method == "REQUEST" and int(vev["SEQUENCE"]) == 1
    assert str(vev["LOCATION"]).startswith("Rådhuset, Lund")
    d.stop()


def test_migration_gives_rows_in_flight_their_sequence():
    """002_itip_sequence.sql on a database with notifications queued: a
    pending invitation or cancellation keeps the SEQUENCE it would have had,
    and each registration that was mailed one starts above the event's."""
    pg = harness.cluster()
    db = pg.new_database()
    tmp = tempfile.mkdtemp(prefix="convened-sql-")
    sql = os.path.join(tmp, "sql")
    shutil.copytree(os.path.join(harness.REPO, "sql"), sql)
    held = os.path.join(tmp, "002_itip_sequence.sql")
    shutil.move(os.path.join(sql, "002_itip_sequence.sql"), held)
    d = harness.Daemon(db, config={"convened": {"sql_dir": sql}})
    assert harness.run_convened("--migrate", "-c", d.conf).returncode == 0
    ev = pg.psql(db, """
        WITH p AS (INSERT INTO projects (slug, title) VALUES ('m', 'M') RETURNING id)
        INSERT INTO events (project_id, kind, title, tz, start_local, end_local, start_at, end_at,
                            status, uid, sequence)
        SELECT p.id, 'seminar', 'S', 'Europe/Rome', '2027-05-01 09:00', '2027-05-01 12:00',
               '2027-05-01 07:00Z', '2027-05-01 10:00Z', 'published', 'm@test', 3 FROM p
        RETURNING id""")[0][0]
    regs = {}
    for who, state in (("seat", "confirmed"), ("gone", "cancelled"), ("new", "pending")):
        regs[who] = pg.psql(db, """
            WITH p AS (INSERT INTO people (email, name, feed_token) VALUES ($1, $1, md5($1))
                       RETURNING id)
            INSERT INTO registrations (event_id, person_id, state, token)
            SELECT $2, p.id, $3::registration_state, md5($1 || 'r') FROM p RETURNING id""",
            who + "@example.org", ev, state)[0][0]
    for key, kind, who, state in (("a", "registration_confirmed", "seat", "sent"),
                                  ("b", "event_updated", "seat", "pending"),
                                  ("c", "registration_cancelled", "gone", "pending"),
                                  ("d", "registration_confirm_request", "new", "sent")):
        pg.psql(db, """INSERT INTO outbox (kind, recipient, event_id, registration_id, state,
                                           dedupe_key)
                       VALUES ($1, 'x@example.org', $2, $3, $4::outbox_state, $5)""",
                kind, ev, regs[who], state, key)
    shutil.move(held, os.path.join(sql, "002_itip_sequence.sql"))
    assert harness.run_convened("--migrate", "-c", d.conf).returncode == 0
    assert pg.psql(db, "SELECT dedupe_key, itip_sequence FROM outbox ORDER BY 1") == [
        ("a", None), ("b", "3"), ("c", "4"), ("d", None)]
    got = dict(pg.psql(db, "SELECT id, itip_sequence FROM registrations"))
    assert got == {regs["seat"]: "4", regs["gone"]: "4", regs["new"]: None}, got
    shutil.rmtree(tmp)
