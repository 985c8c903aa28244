"""test_items.py - the admin API for projects, organisations, events and
deadlines (issue 3): CRUD, local times + zones + UTC instants, DST gaps and
folds, SEQUENCE, notifications on change and cancellation, and table-driven
rejections that leave the database unchanged."""

import datetime
import json
import re
from zoneinfo import ZoneInfo

import harness


def _start(config=None):
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=config)
    d.start()
    return pg, db, d


def _utc(local, tz, fold=0):
    """Independent UTC instant of LOCAL ('YYYY-MM-DDTHH:MM') in TZ."""
    t = datetime.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz), fold=fold)
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _snapshot(pg, db):
    """Everything the item API may write, as comparable text."""
    return pg.psql(
        db,
        "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM organisations),"
        " (SELECT count(*) FROM events), (SELECT count(*) FROM deadlines),"
        " (SELECT count(*) FROM outbox),"
        " (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY id), '')) FROM projects p),"
        " (SELECT md5(coalesce(string_agg(o::text, ',' ORDER BY id), '')) FROM organisations o),"
        " (SELECT md5(coalesce(string_agg(e::text, ',' ORDER BY id), '')) FROM events e),"
        " (SELECT md5(coalesce(string_agg(d::text, ',' ORDER BY id), '')) FROM deadlines d),"
        # outbox rows without their delivery progress (the scheduler runs)
        " (SELECT md5(coalesce(string_agg(concat_ws('|', id, kind, recipient, event_id, deadline_id,"
        "  registration_id, due_at, dedupe_key, state = 'cancelled'), ',' ORDER BY id), '')) FROM outbox x)",
    )


def _ok(r, status=200):
    assert r.status == status, r
    assert r.header("Content-Type", "").startswith("application/json"), r
    return r.json()


def _error(r, status, field=None):
    assert r.status == status, r
    e = r.json()["error"]
    assert e["code"] and e["message"], e
    if field is not None:
        assert e.get("field") == field, (field, e)
        assert field in e["message"], e
    return e


def _project(d, slug="net", title="The network"):
    return _ok(d.post("/api/projects", {"slug": slug, "title": title}), 201)


EVENT = {
    "project": "net",
    "kind": "seminar",
    "title": "Seminar on rural transport",
    "description": "Second of three.",
    "venue": "Palazzo Valentini",
    "city": "Roma",
    "country": "IT",
    "tz": "Europe/Rome",
    "start": "2027-03-01T09:00",
    "end": "2027-03-01T17:30",
    "capacity": 40,
}


def _event(d, **over):
    body = dict(EVENT)
    body.update(over)
    return _ok(d.post("/api/events", body), 201)


# ------------------------------------------------------------------ projects


def test_projects_and_organisations():
    pg, db, d = _start()
    p = _project(d, "erasmus-2027", "Erasmus+ partnership")
    assert p["slug"] == "erasmus-2027" and p["title"] == "Erasmus+ partnership"
    assert isinstance(p["id"], int)
    _project(d, "alpha", "Alpha")
    lst = _ok(d.get("/api/projects"))
    assert [x["slug"] for x in lst] == ["alpha", "erasmus-2027"]
    one = _ok(d.get("/api/projects/erasmus-2027"))
    assert one["id"] == p["id"] and one["events"] == [] and one["deadlines"] == []
    _error(d.get("/api/projects/nope"), 404)

    before = _snapshot(pg, db)
    _error(d.post("/api/projects", {"slug": "alpha", "title": "Again"}), 409, "slug")
    assert _snapshot(pg, db) == before

    o = _ok(d.post("/api/organisations", {"name": "Comune di Roma", "country": "IT", "city": "Roma"}), 201)
    assert o["country"] == "IT" and o["city"] == "Roma"
    _ok(d.post("/api/organisations", {"name": "Region Skåne", "country": "SE"}), 201)
    # the same name in another country is another organisation
    _ok(d.post("/api/organisations", {"name": "Comune di Roma", "country": "SE"}), 201)
    before = _snapshot(pg, db)
    _error(d.post("/api/organisations", {"name": "comune di roma", "country": "IT"}), 409, "name")
    assert _snapshot(pg, db) == before
    orgs = _ok(d.get("/api/organisations"))["organisations"]
    assert [(x["name"], x["country"]) for x in orgs] == [
        ("Comune di Roma", "IT"), ("Comune di Roma", "SE"), ("Region Skåne", "SE")]
    assert [x["name"] for x in _ok(d.get("/api/organisations?country=SE"))["organisations"]] == [
        "Comune di Roma", "Region Skåne"]


# -------------------------------------------------------------------- events


def test_event_crud_times_and_sequence():
    pg, db, d = _start()
    _project(d)
    _project(d, "other", "Other")
    e = _event(d, reg_opens="2027-01-10T09:00", reg_closes="2027-02-20T18:00")
    assert e["sequence"] == 0 and e["status"] == "draft"
    assert re.fullmatch(r"[0-9a-f-]{36}@127\.0\.0\.1", e["uid"]), e["uid"]
    assert e["start"] == {"local": "2027-03-01T09:00:00", "tz": "Europe/Rome",
                          "utc": _utc("2027-03-01T09:00", "Europe/Rome"), "ambiguous": False}
    assert e["end"]["utc"] == "2027-03-01T16:30:00Z"
    assert e["reg_opens"]["local"] == "2027-01-10T09:00:00"
    assert e["reg_opens"]["utc"] == _utc("2027-01-10T09:00", "Europe/Rome")
    assert e["reg_closes"]["utc"] == _utc("2027-02-20T18:00", "Europe/Rome")
    assert e["ambiguous_time"] is False and e["warnings"] == []
    assert e["capacity"] == 40 and e["country"] == "IT" and e["project"] == "net"
    # stored as the schema says: local wall clock plus instants
    row = pg.psql(db, "SELECT start_local, tz, start_at AT TIME ZONE 'UTC', uid FROM events WHERE id = $1", e["id"])
    assert row == [("2027-03-01 09:00:00", "Europe/Rome", "2027-03-01 08:00:00", e["uid"])]

    got = _ok(d.get(f"/api/events/{e['id']}"))
    assert got["uid"] == e["uid"] and got["start"] == e["start"]
    other = _event(d, project="other", start="2027-02-01T10:00", end="2027-02-01T12:00",
                   tz="Europe/Stockholm")
    assert other["start"]["utc"] == "2027-02-01T09:00:00Z"
    assert [x["id"] for x in _ok(d.get("/api/events"))["events"]] == [other["id"], e["id"]]
    assert [x["id"] for x in _ok(d.get("/api/events?project=net"))["events"]] == [e["id"]]
    _error(d.get("/api/events?project=missing"), 404, "project")

    # a change of title, description or capacity keeps SEQUENCE
    p = _ok(d.patch(f"/api/events/{e['id']}", {"title": "Renamed", "capacity": 50}))
    assert p["title"] == "Renamed" and p["capacity"] == 50 and p["sequence"] == 0
    assert p["uid"] == e["uid"]
    # time, place and status each raise it
    p = _ok(d.patch(f"/api/events/{e['id']}", {"start": "2027-03-01T10:00"}))
    assert p["sequence"] == 1 and p["start"]["utc"] == "2027-03-01T09:00:00Z"
    assert p["end"]["local"] == "2027-03-01T17:30:00"
    p = _ok(d.patch(f"/api/events/{e['id']}", {"venue": "Sala Giulio Cesare"}))
    assert p["sequence"] == 2
    p = _ok(d.patch(f"/api/events/{e['id']}", {"status": "published"}))
    assert p["sequence"] == 3 and p["status"] == "published"
    # a new zone keeps the wall-clock times and moves the instants
    p = _ok(d.patch(f"/api/events/{e['id']}", {"tz": "Europe/Helsinki"}))
    assert p["sequence"] == 4
    assert p["start"] == {"local": "2027-03-01T10:00:00", "tz": "Europe/Helsinki",
                          "utc": _utc("2027-03-01T10:00", "Europe/Helsinki"), "ambiguous": False}
    assert p["reg_opens"]["local"] == "2027-01-10T09:00:00"
    assert p["reg_opens"]["utc"] == _utc("2027-01-10T09:00", "Europe/Helsinki")
    # clearing nullable fields
    p = _ok(d.patch(f"/api/events/{e['id']}", {"capacity": None, "reg_opens": None, "country": None}))
    assert p["capacity"] is None and p["reg_opens"] is None and p["country"] is None
    assert p["sequence"] == 5  # country is part of the place
    assert pg.psql(db, "SELECT sequence, capacity FROM events WHERE id = $1", e["id"]) == [("5", None)]


def test_all_day_event_end_is_inclusive_in_the_api():
    pg, db, d = _start()
    _project(d)
    e = _event(d, all_day=True, start="2027-06-14", end="2027-06-16", tz="Europe/Warsaw")
    assert e["all_day"] is True
    assert e["start"]["local"] == "2027-06-14" and e["end"]["local"] == "2027-06-16"
    assert e["start"]["utc"] == _utc("2027-06-14T00:00", "Europe/Warsaw")
    assert e["end"]["utc"] == _utc("2027-06-17T00:00", "Europe/Warsaw")
    assert pg.psql(db, "SELECT start_local, end_local FROM events WHERE id = $1", e["id"]) == [
        ("2027-06-14 00:00:00", "2027-06-17 00:00:00")]
    one = _event(d, all_day=True, start="2027-06-20", end="2027-06-20", tz="Europe/Warsaw")
    assert one["end"]["local"] == "2027-06-20"
    before = _snapshot(pg, db)
    _error(d.post("/api/events", dict(EVENT, all_day=True, start="2027-06-14", end="2027-06-13")), 422, "end")
    _error(d.post("/api/events", dict(EVENT, all_day=True)), 422, "start")  # times, not dates
    _error(d.post("/api/events", dict(EVENT, start="2027-06-14", end="2027-06-15")), 422, "start")
    # all_day cannot change without new start and end
    _error(d.patch(f"/api/events/{e['id']}", {"all_day": False}), 422, "start")
    assert _snapshot(pg, db) == before
    p = _ok(d.patch(f"/api/events/{e['id']}", {"all_day": False, "start": "2027-06-14T09:00",
                                                "end": "2027-06-16T13:00"}))
    assert p["all_day"] is False and p["sequence"] == 1
    assert p["end"]["local"] == "2027-06-16T13:00:00"


def test_dst_gap_is_rejected():
    pg, db, d = _start()
    _project(d)
    ok = _event(d, tz="Europe/Stockholm", start="2027-03-27T10:00", end="2027-03-27T12:00")
    before = _snapshot(pg, db)
    # 02:00-03:00 on 2027-03-28 does not exist in Stockholm
    e = _error(d.post("/api/events", dict(EVENT, tz="Europe/Stockholm", start="2027-03-28T02:30",
                                          end="2027-03-28T04:00")), 422, "start")
    assert "2027-03-28T02:30" in e["message"] and "Europe/Stockholm" in e["message"], e
    _error(d.post("/api/events", dict(EVENT, tz="Europe/Stockholm", start="2027-03-28T01:00",
                                      end="2027-03-28T02:00")), 422, "end")
    _error(d.post("/api/events", dict(EVENT, tz="Europe/Stockholm", reg_closes="2027-03-28T02:59")),
           422, "reg_closes")
    _error(d.patch(f"/api/events/{ok['id']}", {"start": "2027-03-28T02:00", "end": "2027-03-28T05:00"}),
           422, "start")
    _error(d.post("/api/deadlines", {"project": "net", "kind": "report", "title": "Report",
                                     "tz": "Europe/Stockholm", "due": "2027-03-28T02:30"}), 422, "due")
    # moving a stored time into a gap by changing only the zone is refused too
    gap_ny = _event(d, tz="Europe/Rome", start="2027-03-14T02:30", end="2027-03-14T04:00")
    before = _snapshot(pg, db)
    _error(d.patch(f"/api/events/{gap_ny['id']}", {"tz": "America/New_York"}), 422, "start")
    assert _snapshot(pg, db) == before
    # the minute after the gap is fine
    e = _event(d, tz="Europe/Stockholm", start="2027-03-28T03:00", end="2027-03-28T04:00")
    assert e["start"]["utc"] == "2027-03-28T01:00:00Z"


def test_dst_fold_takes_the_first_occurrence_and_says_so():
    pg, db, d = _start()
    _project(d)
    # 02:00-03:00 on 2027-10-31 happens twice in Stockholm
    e = _event(d, tz="Europe/Stockholm", start="2027-10-31T02:30", end="2027-10-31T05:00")
    first = _utc("2027-10-31T02:30", "Europe/Stockholm", fold=0)
    assert first == "2027-10-31T00:30:00Z"  # CEST, not the CET repeat at 01:30Z
    assert e["start"] == {"local": "2027-10-31T02:30:00", "tz": "Europe/Stockholm",
                          "utc": first, "ambiguous": True}
    assert e["end"]["ambiguous"] is False
    assert e["ambiguous_time"] is True
    assert len(e["warnings"]) == 1 and "start" in e["warnings"][0] and "twice" in e["warnings"][0]
    assert pg.psql(db, "SELECT start_at AT TIME ZONE 'UTC' FROM events WHERE id = $1", e["id"]) == [
        ("2027-10-31 00:30:00",)]
    # GET says so too
    got = _ok(d.get(f"/api/events/{e['id']}"))
    assert got["start"]["ambiguous"] is True and got["ambiguous_time"] is True
    # the fold also on the other side of the Atlantic (first = EDT)
    ny = _event(d, tz="America/New_York", start="2027-11-07T01:30", end="2027-11-07T03:00")
    assert ny["start"]["utc"] == _utc("2027-11-07T01:30", "America/New_York", fold=0) == "2027-11-07T05:30:00Z"
    # an end in the fold after a start in it: 02:10 (first) .. 02:20 (first)
    short = _event(d, tz="Europe/Stockholm", start="2027-10-31T02:10", end="2027-10-31T02:20")
    assert short["end"]["utc"] == "2027-10-31T00:20:00Z"
    # deadlines too
    dl = _ok(d.post("/api/deadlines", {"project": "net", "kind": "other", "title": "Night owl",
                                       "tz": "Europe/Stockholm", "due": "2027-10-31T02:45"}), 201)
    assert dl["due"]["utc"] == "2027-10-31T00:45:00Z" and dl["due"]["ambiguous"] is True
    assert dl["ambiguous_time"] is True and dl["warnings"]
    # an unambiguous time carries no warning
    plain = _event(d, tz="Europe/Stockholm", start="2027-10-31T03:30", end="2027-10-31T05:00")
    assert plain["ambiguous_time"] is False and plain["warnings"] == []
    assert plain["start"]["utc"] == "2027-10-31T02:30:00Z"


SENT_OR_NOT = ("pending", "sending", "sent")


def _people_and_registrations(pg, db, event_id):
    """Four people registered in each state; returns {state: registration id}."""
    ids = {}
    for i, state in enumerate(("pending", "confirmed", "waitlisted", "cancelled")):
        rows = pg.psql(
            db,
            "WITH p AS (INSERT INTO people (email, name, language, feed_token)"
            " VALUES ($1, $2, 'sv', md5($1)) RETURNING id)"
            " INSERT INTO registrations (event_id, person_id, state, token, waitlist_pos)"
            " SELECT $3, p.id, $4::registration_state, md5($1 || 'r'),"
            " CASE WHEN $4 = 'waitlisted' THEN 1 END FROM p RETURNING id",
            f"p{i}@example.org", f"Person {i}", event_id, state,
        )
        ids[state] = int(rows[0][0])
    return ids


def _outbox(pg, db, event_id, kind):
    return pg.psql(
        db,
        "SELECT registration_id, recipient, language, state, dedupe_key FROM outbox"
        " WHERE event_id = $1 AND kind = $2 ORDER BY registration_id, id",
        event_id, kind,
    )


def test_changes_notify_registered_people_and_cancel_cancels():
    pg, db, d = _start()
    _project(d)
    e = _event(d, status="published", start="2027-09-01T09:00", end="2027-09-01T12:00")
    regs = _people_and_registrations(pg, db, e["id"])
    live = sorted((regs["pending"], regs["confirmed"], regs["waitlisted"]))

    # a title change tells nobody
    _ok(d.patch(f"/api/events/{e['id']}", {"title": "New title"}))
    assert _outbox(pg, db, e["id"], "event_updated") == []
    # a new time tells the confirmed participant, once, in their language;
    # pending and waiting people hold no invitation and get none
    p = _ok(d.patch(f"/api/events/{e['id']}", {"start": "2027-09-01T10:00", "end": "2027-09-01T13:00"}))
    assert p["sequence"] == 1
    rows = _outbox(pg, db, e["id"], "event_updated")
    assert [int(r[0]) for r in rows] == [regs["confirmed"]], rows
    # (the scheduler may already be delivering them)
    assert all(r[2] == "sv" and r[3] in SENT_OR_NOT for r in rows), rows
    assert {r[4] for r in rows} == {f"upd:{e['id']}:{regs['confirmed']}:1"}
    # a new place: another round with the new sequence
    _ok(d.patch(f"/api/events/{e['id']}", {"city": "Napoli"}))
    assert len(_outbox(pg, db, e["id"], "event_updated")) == 2

    # pending rows about the event, due later, to be cancelled with it
    for key, kind in (("test-rem", "event_reminder"), ("test-upd", "event_updated")):
        pg.psql(db, "INSERT INTO outbox (kind, recipient, event_id, due_at, next_attempt_at, dedupe_key)"
                    " VALUES ($2, 'p1@example.org', $1, '2027-08-31', '2027-08-31', $3)", e["id"], kind, key)
    c = _ok(d.post(f"/api/events/{e['id']}/cancel"))
    assert c["status"] == "cancelled" and c["sequence"] == 3
    rows = _outbox(pg, db, e["id"], "event_cancelled")
    assert [int(r[0]) for r in rows] == live and all(r[3] in SENT_OR_NOT for r in rows), rows
    assert {r[4] for r in rows} == {f"cxl:{e['id']}:{rid}" for rid in live}
    assert pg.psql(db, "SELECT dedupe_key, state FROM outbox WHERE dedupe_key LIKE 'test-%' ORDER BY 1") == [
        ("test-rem", "cancelled"), ("test-upd", "cancelled")]
    # cancelling again changes nothing; a cancelled event cannot change
    before = _snapshot(pg, db)
    again = _ok(d.post(f"/api/events/{e['id']}/cancel", {}))
    assert again["sequence"] == 3 and again["status"] == "cancelled"
    _error(d.patch(f"/api/events/{e['id']}", {"title": "Back"}), 409, "status")
    _error(d.post(f"/api/events/{e['id']}/cancel", {"reason": "x"}), 400, "reason")
    _error(d.post("/api/events/999999/cancel"), 404)
    assert _snapshot(pg, db) == before


def test_capacity_raise_promotes_the_waiting_list():
    pg, db, d = _start()
    _project(d)
    e = _event(d, status="published", capacity=1, start="2030-09-01T09:00", end="2030-09-01T12:00")
    ids = []
    for i, state in enumerate(("confirmed", "waitlisted", "waitlisted")):
        rows = pg.psql(
            db,
            "WITH p AS (INSERT INTO people (email, name, feed_token) VALUES ($1, 'P', md5($1)) RETURNING id)"
            " INSERT INTO registrations (event_id, person_id, state, token, waitlist_pos)"
            " SELECT $2, p.id, $3::registration_state, md5($1 || 'r'), $4 FROM p RETURNING id",
            f"w{i}@example.org", e["id"], state, None if state == "confirmed" else i,
        )
        ids.append(int(rows[0][0]))
    if pg.psql(db, "SELECT to_regprocedure('cv_promote_waitlist(bigint)') IS NOT NULL") != [("t",)]:
        raise AssertionError("cv_promote_waitlist (sql/004) is missing")
    p = _ok(d.patch(f"/api/events/{e['id']}", {"capacity": 2}))
    assert p["capacity"] == 2
    states = pg.psql(db, "SELECT id, state FROM registrations WHERE event_id = $1 ORDER BY id", e["id"])
    assert states == [(str(ids[0]), "confirmed"), (str(ids[1]), "confirmed"), (str(ids[2]), "waitlisted")]
    assert p["sequence"] == 0  # capacity is not time, place or status
    # lowering capacity promotes nobody
    _ok(d.patch(f"/api/events/{e['id']}", {"capacity": 1}))
    assert pg.psql(db, "SELECT count(*) FROM registrations WHERE event_id = $1 AND state = 'confirmed'",
                   e["id"]) == [("2",)]


# ----------------------------------------------------------------- deadlines


def test_deadline_crud_and_sequence():
    pg, db, d = _start()
    _project(d)
    body = {"project": "net", "kind": "grant_submission", "title": "Erasmus+ KA2",
            "description": "Final submission.", "url": "https://example.org/call",
            "tz": "Europe/Brussels", "due": "2027-03-05T12:00", "reminders": ["P14D", "P1D", "PT2H"]}
    dl = _ok(d.post("/api/deadlines", body), 201)
    assert dl["due"] == {"local": "2027-03-05T12:00:00", "tz": "Europe/Brussels",
                         "utc": _utc("2027-03-05T12:00", "Europe/Brussels"), "ambiguous": False}
    assert dl["reminders"] == ["P14D", "P1D", "PT2H"] and dl["status"] == "published"
    assert dl["sequence"] == 0 and dl["uid"].endswith("@127.0.0.1")
    assert _ok(d.get(f"/api/deadlines/{dl['id']}"))["title"] == "Erasmus+ KA2"
    _project(d, "b", "B")
    other = _ok(d.post("/api/deadlines", dict(body, project="b", due="2027-01-01T00:00")), 201)
    assert [x["id"] for x in _ok(d.get("/api/deadlines"))["deadlines"]] == [other["id"], dl["id"]]
    assert [x["id"] for x in _ok(d.get("/api/deadlines?project=net"))["deadlines"]] == [dl["id"]]
    p = _ok(d.patch(f"/api/deadlines/{dl['id']}", {"title": "KA2 submission", "url": ""}))
    assert p["sequence"] == 0 and p["url"] == ""
    p = _ok(d.patch(f"/api/deadlines/{dl['id']}", {"due": "2027-03-06T12:00"}))
    assert p["sequence"] == 1 and p["due"]["utc"] == "2027-03-06T11:00:00Z"
    p = _ok(d.patch(f"/api/deadlines/{dl['id']}", {"status": "cancelled"}))
    assert p["sequence"] == 2
    p = _ok(d.patch(f"/api/deadlines/{dl['id']}", {"reminders": None}))
    assert p["reminders"] is None
    proj = _ok(d.get("/api/projects/net"))
    assert [x["id"] for x in proj["deadlines"]] == [dl["id"]]


# ---------------------------------------------------------------- rejections

LONG = "x" * 201

# (method, path, body, status, field); bodies are JSON unless bytes/str
REJECTIONS = [
    # malformed bodies
    ("POST", "/api/projects", b"{\"slug\": ", 400, None),
    ("POST", "/api/projects", b"", 400, None),
    ("POST", "/api/projects", b"[1, 2]", 400, None),
    ("POST", "/api/projects", b"{\"slug\":\"a\",\"slug\":\"b\",\"title\":\"T\"}", 400, None),
    ("POST", "/api/projects", b"{\"slug\":\"ok\",\"title\":\"\xff\xfe\"}", 400, None),  # invalid UTF-8
    ("POST", "/api/events", b"{\"title\": \"a\\u0000b\"}", 400, None),
    # projects
    ("POST", "/api/projects", {"title": "T"}, 400, "slug"),
    ("POST", "/api/projects", {"slug": "x", "title": "T", "colour": "red"}, 400, "colour"),
    ("POST", "/api/projects", {"slug": 5, "title": "T"}, 400, "slug"),
    ("POST", "/api/projects", {"slug": "Bad Slug", "title": "T"}, 422, "slug"),
    ("POST", "/api/projects", {"slug": "x", "title": LONG}, 422, "title"),
    ("POST", "/api/projects", {"slug": "x", "title": "   "}, 422, "title"),
    ("POST", "/api/projects", {"slug": "net", "title": "Duplicate"}, 409, "slug"),
    ("GET", "/api/projects/none", None, 404, None),
    # organisations
    ("POST", "/api/organisations", {"name": "X"}, 400, "country"),
    ("POST", "/api/organisations", {"name": "X", "country": "Italy"}, 422, "country"),
    ("POST", "/api/organisations", {"name": "X", "country": "it"}, 422, "country"),
    ("POST", "/api/organisations", {"name": LONG, "country": "IT"}, 422, "name"),
    ("POST", "/api/organisations", {"name": "X", "country": "IT", "email": "a@b.se"}, 400, "email"),
    ("POST", "/api/organisations", {"name": "Comune di Roma", "country": "IT"}, 409, "name"),
    # events: create
    ("POST", "/api/events", dict(EVENT, project="missing"), 422, "project"),
    ("POST", "/api/events", {k: v for k, v in EVENT.items() if k != "tz"}, 400, "tz"),
    ("POST", "/api/events", {k: v for k, v in EVENT.items() if k != "start"}, 400, "start"),
    ("POST", "/api/events", dict(EVENT, id=5), 400, "id"),
    ("POST", "/api/events", dict(EVENT, capacity="40"), 400, "capacity"),
    ("POST", "/api/events", dict(EVENT, capacity=-1), 422, "capacity"),
    ("POST", "/api/events", dict(EVENT, org_cap=0), 422, "org_cap"),
    ("POST", "/api/events", dict(EVENT, all_day="yes"), 400, "all_day"),
    ("POST", "/api/events", dict(EVENT, kind="party"), 422, "kind"),
    ("POST", "/api/events", dict(EVENT, status="cancelled"), 422, "status"),
    ("POST", "/api/events", dict(EVENT, title=LONG), 422, "title"),
    ("POST", "/api/events", dict(EVENT, title="å" * 201), 422, "title"),
    ("POST", "/api/events", dict(EVENT, venue=LONG), 422, "venue"),
    ("POST", "/api/events", dict(EVENT, description="x" * 10001), 422, "description"),
    ("POST", "/api/events", dict(EVENT, country="ITA"), 422, "country"),
    ("POST", "/api/events", dict(EVENT, tz="Europe/Atlantis"), 422, "tz"),
    ("POST", "/api/events", dict(EVENT, tz="CEST"), 422, "tz"),
    ("POST", "/api/events", dict(EVENT, tz="posix/Europe/Rome"), 422, "tz"),
    ("POST", "/api/events", dict(EVENT, tz="+02:00"), 422, "tz"),
    ("POST", "/api/events", dict(EVENT, start="2027-02-30T09:00"), 422, "start"),
    ("POST", "/api/events", dict(EVENT, end="2027-03-01T25:00"), 422, "end"),
    ("POST", "/api/events", dict(EVENT, start="2027-03-01T09:00+01:00"), 422, "start"),
    ("POST", "/api/events", dict(EVENT, start="1 March 2027"), 422, "start"),
    ("POST", "/api/events", dict(EVENT, end="2027-03-01T08:00"), 422, "end"),
    ("POST", "/api/events", dict(EVENT, end="2027-03-01T09:00"), 422, "end"),
    ("POST", "/api/events", dict(EVENT, tz="Europe/Stockholm", start="2027-03-28T02:30",
                                 end="2027-03-28T05:00"), 422, "start"),
    ("POST", "/api/events", dict(EVENT, reg_opens="2027-02-01T09:00", reg_closes="2027-01-01T09:00"),
     422, "reg_closes"),
    ("POST", "/api/events", dict(EVENT, reg_opens="2027-02-01"), 422, "reg_opens"),
    ("POST", "/api/events", dict(EVENT, reminders=["P7X"]), 422, "reminders"),
    ("POST", "/api/events", dict(EVENT, reminders=[7]), 422, "reminders"),
    ("POST", "/api/events", dict(EVENT, reminders="P7D"), 400, "reminders"),
    # events: by id
    ("GET", "/api/events/999999", None, 404, None),
    ("GET", "/api/events/abc", None, 404, None),
    ("GET", "/api/events/0", None, 404, None),
    ("GET", "/api/events/99999999999999999999", None, 404, None),
    ("PATCH", "/api/events/999999", {"title": "x"}, 404, None),
    ("PATCH", "/api/events/{event}", {}, 400, None),
    ("PATCH", "/api/events/{event}", {"project": "net"}, 400, "project"),
    ("PATCH", "/api/events/{event}", {"title": None}, 400, "title"),
    ("PATCH", "/api/events/{event}", {"tz": "Nowhere/City"}, 422, "tz"),
    ("PATCH", "/api/events/{event}", {"end": "2027-02-01T09:00"}, 422, "end"),
    ("PATCH", "/api/events/{event}", {"start": "2027-02-29T09:00"}, 422, "start"),
    ("PATCH", "/api/events/{event}", {"status": "cancelled"}, 422, "status"),
    ("PATCH", "/api/events/{event}", {"title": "ok", "kind": "gala"}, 422, "kind"),
    ("PATCH", "/api/events/{event}", b"{\"title\": ", 400, None),
    ("POST", "/api/events/999999/cancel", None, 404, None),
    ("POST", "/api/events/{event}/cancel", {"why": "rain"}, 400, "why"),
    ("DELETE", "/api/events/{event}", None, 405, None),
    # deadlines
    ("POST", "/api/deadlines", {"project": "net", "kind": "report", "title": "R", "tz": "Europe/Rome"},
     400, "due"),
    ("POST", "/api/deadlines", {"project": "net", "kind": "report", "title": "R", "tz": "Europe/Rome",
                                "due": "2027-13-01T09:00"}, 422, "due"),
    ("POST", "/api/deadlines", {"project": "net", "kind": "report", "title": "R", "tz": "Mars/Base",
                                "due": "2027-03-01T09:00"}, 422, "tz"),
    ("POST", "/api/deadlines", {"project": "net", "kind": "payday", "title": "R", "tz": "Europe/Rome",
                                "due": "2027-03-01T09:00"}, 422, "kind"),
    ("POST", "/api/deadlines", {"project": "net", "kind": "report", "title": "R", "tz": "Europe/Rome",
                                "due": "2027-03-01T09:00", "url": "javascript:alert(1)"}, 422, "url"),
    ("POST", "/api/deadlines", {"project": "zzz", "kind": "report", "title": "R", "tz": "Europe/Rome",
                                "due": "2027-03-01T09:00"}, 422, "project"),
    ("GET", "/api/deadlines/424242", None, 404, None),
    ("GET", "/api/deadlines?project=zzz", None, 404, "project"),
    ("PATCH", "/api/deadlines/424242", {"title": "x"}, 404, None),
    ("PATCH", "/api/deadlines/{deadline}", {"due": "2027-10-31"}, 422, "due"),
    ("PATCH", "/api/deadlines/{deadline}", {"tz": "Europe/Stockholm", "due": "2027-03-28T02:15"}, 422, "due"),
    ("PATCH", "/api/deadlines/{deadline}", {"project": "net"}, 400, "project"),
]


def test_rejections_leave_the_database_unchanged():
    pg, db, d = _start()
    _project(d)
    _ok(d.post("/api/organisations", {"name": "Comune di Roma", "country": "IT"}), 201)
    ev = _event(d)
    dl = _ok(d.post("/api/deadlines", {"project": "net", "kind": "report", "title": "R",
                                       "tz": "Europe/Rome", "due": "2027-03-01T09:00"}), 201)
    before = _snapshot(pg, db)
    failures = []
    for method, path, body, status, field in REJECTIONS:
        path = path.replace("{event}", str(ev["id"])).replace("{deadline}", str(dl["id"]))
        headers = {"Content-Type": "application/json"} if isinstance(body, bytes) else None
        r = d.request(method, path, body=body, headers=headers)
        try:
            _error(r, status, field)
        except (AssertionError, ValueError, KeyError) as e:
            failures.append(f"{method} {path} {body!r}: {e}")
    assert not failures, "\n".join(failures)
    assert _snapshot(pg, db) == before
    assert d.running()


def test_admin_api_needs_the_token():
    pg, db, d = _start()
    _project(d)
    before = _snapshot(pg, db)
    calls = [
        ("POST", "/api/projects", {"slug": "x", "title": "X"}),
        ("GET", "/api/projects", None),
        ("GET", "/api/projects/net", None),
        ("POST", "/api/organisations", {"name": "X", "country": "IT"}),
        ("GET", "/api/organisations", None),
        ("POST", "/api/events", EVENT),
        ("GET", "/api/events", None),
        ("GET", "/api/events/1", None),
        ("PATCH", "/api/events/1", {"title": "x"}),
        ("POST", "/api/events/1/cancel", None),
        ("POST", "/api/deadlines", {"project": "net"}),
        ("GET", "/api/deadlines", None),
        ("GET", "/api/deadlines/1", None),
        ("PATCH", "/api/deadlines/1", {"title": "x"}),
    ]
    for method, path, body in calls:
        r = d.request(method, path, body=body, auth=False)
        assert r.status == 401, (method, path, r)
        assert r.json()["error"]["code"] == "unauthorized"
        r = d.request(method, path, body=body, auth="wrong" + d.token[5:])
        assert r.status == 403, (method, path, r)
        r = d.request(method, path, body=body, headers={"Authorization": "Basic " + d.token})
        assert r.status == 401, (method, path, r)
    assert _snapshot(pg, db) == before
