"""test_reminder_defaults.py - reminder defaults have one source (issue 10):
the database.  [reminders] seeds it on a database's first start only; the
feeds' VALARMs and the scheduler read the same offsets; the secretariat
changes them through PUT /api/reminder-defaults/{kind} and convenectl."""

import re
import secrets

import harness


def _valarm_triggers(ics):
    """{UID: sorted TRIGGER values} of the VEVENT/VTODO blocks of a feed."""
    out = {}
    for block in re.findall(r"BEGIN:(?:VEVENT|VTODO)\r\n(.*?)END:(?:VEVENT|VTODO)\r\n", ics, re.S):
        uid = re.search(r"^UID:(.*)\r$", block, re.M).group(1)
        out[uid] = sorted(re.findall(r"^TRIGGER[^:]*:(.*)\r$", block, re.M))
    return out


def _seeded(pg, db):
    return pg.psql(db, "SELECT count(*) FROM reminder_defaults")[0][0] != "0"


def _offsets(pg, db, deadline):
    return sorted(o for (o,) in pg.psql(
        db, "SELECT reminder_offset FROM outbox WHERE deadline_id = $1 AND state = 'pending'"
            " AND kind = 'deadline_reminder'", deadline))


def _setup_two_daemons():
    pg = harness.cluster()
    db = pg.new_database()
    a = harness.Daemon(db, config={"reminders": {"grant_submission": "P30D, PT2H", "report": "none"}})
    b = harness.Daemon(db, config={"reminders": {"grant_submission": "P3D", "report": "P1D"}})
    a.start()
    harness.wait_until(lambda: _seeded(pg, db), msg="reminder defaults seeded by the first daemon")
    b.start()
    assert "reminder defaults seeded" in a.log_text()
    assert "reminder defaults seeded" not in b.log_text()
    return pg, db, a, b


def _follow(pg, db, project):
    person = pg.psql(db, "INSERT INTO people (email, name, feed_token) VALUES ($1, 'F', $2) RETURNING id",
                     f"f{secrets.token_hex(4)}@example.org", secrets.token_hex(32))[0][0]
    pg.psql(db, "INSERT INTO deadline_followers (project_id, person_id, token) VALUES ($1, $2, $3)",
            project, person, secrets.token_hex(32))
    return person


def _deadline(d, kind, title, reminders=False):
    body = {"project": "net", "kind": kind, "title": title, "tz": "Europe/Brussels",
            "due": "2030-09-01T12:00"}
    if reminders is not False:
        body["reminders"] = reminders
    r = d.post("/api/deadlines", body)
    assert r.status == 201, r
    return r.json()


def test_two_daemons_with_different_configs_publish_and_schedule_the_same_reminders():
    pg, db, a, b = _setup_two_daemons()
    assert a.post("/api/projects", {"slug": "net", "title": "Network"}).status == 201
    proj = pg.psql(db, "SELECT id FROM projects WHERE slug = 'net'")[0][0]
    _follow(pg, db, proj)
    # one deadline written through each daemon, one with its own offsets
    d1 = _deadline(a, "grant_submission", "Call A")
    d2 = _deadline(b, "grant_submission", "Call B")
    d3 = _deadline(b, "report", "Report")
    d4 = _deadline(b, "report", "Own", reminders=["P2D"])

    # the scheduler: the first daemon's defaults, whoever wrote the deadline
    assert _offsets(pg, db, d1["id"]) == ["P30D", "PT2H"]
    assert _offsets(pg, db, d2["id"]) == ["P30D", "PT2H"]
    assert _offsets(pg, db, d3["id"]) == []
    assert _offsets(pg, db, d4["id"]) == ["P2D"]

    # the feeds: byte-identical VALARMs from both daemons, matching the outbox
    feeds = []
    for d in (a, b):
        r = d.get("/calendars/projects/net.ics", auth=False)
        assert r.status == 200, r
        feeds.append(_valarm_triggers(r.text))
    assert feeds[0] == feeds[1]
    assert feeds[0][d1["uid"]] == feeds[0][d2["uid"]] == ["-P30D", "-PT2H"], feeds[0]
    assert feeds[0][d3["uid"]] == []
    assert feeds[0][d4["uid"]] == ["-P2D"]

    # a restart with yet another config changes nothing
    assert a.stop() == 0
    c = harness.Daemon(db, config={"reminders": {"grant_submission": "P1W"}})
    c.start()
    assert b.get("/api/reminder-defaults").json()["reminder_defaults"][5] == {
        "kind": "grant_submission", "applies_to": "deadline", "offsets": ["P30D", "PT2H"],
        "updated_at": pg.psql(db, "SELECT cv_iso_utc(updated_at) FROM reminder_defaults"
                                  " WHERE kind = 'grant_submission'")[0][0]}
    r = c.get("/calendars/projects/net.ics", auth=False)
    assert _valarm_triggers(r.text) == feeds[0]


def test_the_api_changes_the_defaults_for_feeds_and_pending_reminders_on_every_daemon():
    pg, db, a, b = _setup_two_daemons()
    got = a.get("/api/reminder-defaults")
    assert got.status == 200, got
    rows = got.json()["reminder_defaults"]
    assert [(r["kind"], r["applies_to"]) for r in rows] == [
        ("meeting", "event"), ("seminar", "event"), ("workshop", "event"), ("study_visit", "event"),
        ("conference", "event"), ("grant_submission", "deadline"), ("report", "deadline"),
        ("registration", "deadline"), ("other", "deadline")]
    # built-in defaults fill what the first config did not set
    assert rows[0]["offsets"] == ["P7D", "P1D"] and rows[6]["offsets"] == []

    assert a.post("/api/projects", {"slug": "net", "title": "Network"}).status == 201
    proj = pg.psql(db, "SELECT id FROM projects WHERE slug = 'net'")[0][0]
    person = _follow(pg, db, proj)
    dl = _deadline(a, "grant_submission", "Call")
    own = _deadline(a, "grant_submission", "Own", reminders=["P2D"])
    r = b.get("/calendars/projects/net.ics", auth=False)
    etag = r.header("ETag")
    assert _valarm_triggers(r.text)[dl["uid"]] == ["-P30D", "-PT2H"]

    # bad input changes nothing
    for kind, body, status, field in (
            ("grant_submission", {"offsets": ["P3X"]}, 422, "offsets"),
            ("grant_submission", {"offsets": ["P1D"] * 9}, 422, "offsets"),
            ("grant_submission", {"offsets": "P1D"}, 400, "offsets"),
            ("grant_submission", {}, 400, "offsets"),
            ("party", {"offsets": ["P1D"]}, 404, None)):
        r = a.put(f"/api/reminder-defaults/{kind}", body)
        assert r.status == status, (kind, body, r)
        assert r.json()["error"].get("field") == field, r.json()
    assert _offsets(pg, db, dl["id"]) == ["P30D", "PT2H"]

    # through one daemon; the other daemon's feed and the outbox follow
    r = a.put("/api/reminder-defaults/grant_submission", {"offsets": ["P10D", "P1D"]})
    assert r.status == 200, r
    assert r.json()["offsets"] == ["P10D", "P1D"] and r.json()["kind"] == "grant_submission"
    assert _offsets(pg, db, dl["id"]) == sorted(["P10D", "P1D"])
    assert _offsets(pg, db, own["id"]) == ["P2D"]
    assert pg.psql(db, "SELECT count(*) FROM outbox WHERE deadline_id = $1 AND state = 'cancelled'"
                       " AND reminder_offset IN ('P30D', 'PT2H') AND person_id = $2", dl["id"], person) \
        == [("2",)]

    def feed_changed():
        r = b.get("/calendars/projects/net.ics", auth=False)
        return r.header("ETag") != etag and r
    r = harness.wait_until(feed_changed, msg="the other daemon's feed follows the new defaults")
    assert _valarm_triggers(r.text)[dl["uid"]] == ["-P10D", "-P1D"]
    assert _valarm_triggers(r.text)[own["uid"]] == ["-P2D"]
    assert b.get("/api/reminder-defaults").json()["reminder_defaults"][5]["offsets"] == ["P10D", "P1D"]

    # convenectl: set (none clears) and list
    p = b.ctl("reminders", "set", "meeting", "none")
    assert p.returncode == 0, p.stderr
    p = b.ctl("reminders", "set", "grant_submission", "P5D,PT1H")
    assert p.returncode == 0, p.stderr
    assert "P5D" in p.stdout
    p = b.ctl("reminders", "list")
    assert p.returncode == 0, p.stderr
    lines = {ln.split()[0]: ln for ln in p.stdout.splitlines() if ln.strip()}
    assert "P5D" in lines["grant_submission"] and "PT1H" in lines["grant_submission"], p.stdout
    assert "P7D" not in lines["meeting"], p.stdout
    assert "P14D" in lines["study_visit"], p.stdout
    assert _offsets(pg, db, dl["id"]) == ["P5D", "PT1H"]
    p = b.ctl("reminders", "set", "party", "P1D")
    assert p.returncode != 0 and "party" in p.stderr, p
    assert b.ctl("reminders", "set", "--help").returncode == 0
