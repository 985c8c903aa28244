"""test_programme.py - an event's timetable (issue 19, item 1) through the
real daemon on real PostgreSQL: items on the day summer time starts and a
parallel block come out in the event's local time in the project feed and
in the invitation's DESCRIPTION (read by python-icalendar and Mozilla's
ical.js; all four parsers still agree on the event's own instants); the
event's SEQUENCE does not move; items outside the event, ending before
they start or inside the DST gap are refused naming the field; a CSV import
(convenectl event programme import) names line and column of a bad cell
and writes nothing."""

import datetime as dt
import os
import tempfile

import harness
import reg_fixtures as F
import test_cal_parsers as P
import test_itip as I

TZ = "Europe/Warsaw"


def _start():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=I.CONFIG)
    d.start()
    F.project(pg, db, slug="net", title="The Network")
    return pg, db, d


def _event(d):
    # Saturday 27 March to Sunday 28 March 2027: clocks go forward at 02:00
    # on the Sunday in Warsaw
    return I._event(d, title="Łódź conference", tz=TZ, city="Łódź", country="PL",
                    venue="Urząd Miasta", start="2027-03-27T09:00", end="2027-03-28T17:00")


def _add(d, ev, **body):
    return d.post(f"/api/events/{ev}/programme", body)


def _items(pg, db):
    return pg.psql(db, "SELECT id, title, start_local::text, end_local::text FROM programme_items"
                       " ORDER BY id")


def _utc(local):
    return int(dt.datetime.fromisoformat(local).replace(tzinfo=dt.timezone.utc).timestamp())


def _refused(pg, db, d, ev, body, field, path=None, method="post"):
    before = _items(pg, db)
    seq = pg.psql(db, "SELECT sequence, updated_at::text FROM events WHERE id = $1", ev)
    url = path or f"/api/events/{ev}/programme"
    r = getattr(d, method)(url, body)
    assert r.status == 422, r.text
    err = r.json()["error"]
    assert err["field"] == field, err
    assert _items(pg, db) == before
    assert pg.psql(db, "SELECT sequence, updated_at::text FROM events WHERE id = $1", ev) == seq
    return err


def test_programme_on_the_dst_day_and_a_parallel_block_in_feed_and_invitation():
    pg, db, d = _start()
    e = _event(d)
    ev = e["id"]
    r = _add(d, ev, title="Opening", kind="talk", start="2027-03-27T11:00",
             end="2027-03-27T11:10",
             speakers=[{"name": "Hanna Zdanowska", "organisation": "City of Łódź"}])
    assert r.status == 201, r.text
    opening = r.json()
    assert opening["start"] == {"local": "2027-03-27T11:00:00", "tz": TZ,
                                "utc": "2027-03-27T10:00:00Z", "ambiguous": False}
    # the parallel block: two workshops at the same time
    for title, room in (("Workshop: youth", "Room A"), ("Workshop: energy", "Room B")):
        r = _add(d, ev, title=title, kind="session", room=room, start="2027-03-27T14:00",
                 end="2027-03-27T15:30")
        assert r.status == 201, r.text
    # Sunday: after the change, CEST (UTC+2)
    r = _add(d, ev, title="Results of the grant call", kind="talk",
             start="2027-03-28T11:10", end="2027-03-28T11:30")
    assert r.status == 201, r.text
    assert r.json()["start"]["utc"] == "2027-03-28T09:10:00Z"
    assert r.json()["end"]["utc"] == "2027-03-28T09:30:00Z"
    r = _add(d, ev, title="Break", kind="break", start="2027-03-28T12:15", end="2027-03-28T12:35")
    assert r.status == 201, r.text

    lst = d.get(f"/api/events/{ev}/programme").json()
    assert [i["title"] for i in lst["items"]] == [
        "Opening", "Workshop: youth", "Workshop: energy", "Results of the grant call", "Break"]
    assert d.get(f"/api/events/{ev}").json()["sequence"] == e["sequence"]

    want_lines = [
        "2027-03-27 11:00-11:10 Opening (Hanna Zdanowska, City of Łódź)",
        "2027-03-27 14:00-15:30 Workshop: youth [Room A]",
        "2027-03-27 14:00-15:30 Workshop: energy [Room B]",
        "2027-03-28 11:10-11:30 Results of the grant call",
        "2027-03-28 12:15-12:35 Break",
    ]
    feed = d.get("/calendars/projects/net.ics")
    assert feed.status == 200, feed
    ics = feed.body
    _, py = P.parse_python(ics)
    _, js = P.parse_icaljs(ics)
    uid = e["uid"]
    for name, desc in (("python", None), ("ical.js", js[uid]["description"])):
        if desc is None:
            import icalendar
            cal = icalendar.Calendar.from_ical(ics)
            desc = str([v for v in cal.walk("VEVENT")][0]["DESCRIPTION"])
        lines = desc.splitlines()
        at = lines.index("Programme (Europe/Warsaw):") + 1
        assert lines[at:at + len(want_lines) + 1] == want_lines + [""], (name, desc)
    # the event itself: every parser reads the same instants
    P.check_instants(ics, {uid: (_utc("2027-03-27T08:00:00"), _utc("2027-03-28T15:00:00"))})

    # the invitation a confirmed participant gets carries the programme
    assert F.register(d, ev, "ola@lodz.pl", name="Ola", org="Łódź", country="PL").status == 202
    assert F.confirm(d, F.token(pg, db, ev, "ola@lodz.pl")).status == 303
    harness.wait_until(lambda: any(I._itip(m) for m in I._mails_to(d, "ola@lodz.pl").values()),
                       timeout=20)
    method, vev = [I._itip(m) for m in I._mails_to(d, "ola@lodz.pl").values() if I._itip(m)][0]
    assert method == "REQUEST"
    desc = str(vev["DESCRIPTION"])
    for line in want_lines:
        assert line in desc, desc

    # moving an item changes the feed's description, not the SEQUENCE
    item = lst["items"][4]["id"]
    r = d.patch(f"/api/events/{ev}/programme/{item}",
                {"start": "2027-03-28T12:30", "end": "2027-03-28T12:50"})
    assert r.status == 200, r.text
    assert r.json()["start"]["utc"] == "2027-03-28T10:30:00Z"
    assert d.get(f"/api/events/{ev}").json()["sequence"] == e["sequence"]
    def feed_desc():
        return P.parse_icaljs(d.get("/calendars/projects/net.ics").body)[1][uid]["description"]

    # the feed is rebuilt once the daemon hears of the change (NOTIFY)
    harness.wait_until(lambda: "2027-03-28 12:30-12:50 Break" in feed_desc(), timeout=20)
    assert "12:15-12:35" not in feed_desc()
    r = d.delete(f"/api/events/{ev}/programme/{item}")
    assert r.status == 200, r.text
    harness.wait_until(lambda: "Break" not in feed_desc(), timeout=20)
    assert "Results of the grant call" in feed_desc()


def test_items_outside_the_event_backwards_or_in_the_gap_are_refused_naming_the_field():
    pg, db, d = _start()
    ev = _event(d)["id"]
    ok = _add(d, ev, title="Opening", start="2027-03-27T09:00", end="2027-03-27T09:30")
    assert ok.status == 201, ok.text
    err = _refused(pg, db, d, ev, {"title": "Gap", "start": "2027-03-28T02:30",
                                   "end": "2027-03-28T03:30"}, "start")
    assert "does not exist in Europe/Warsaw" in err["message"], err
    _refused(pg, db, d, ev, {"title": "Late", "start": "2027-03-29T09:00",
                             "end": "2027-03-29T10:00"}, "start")
    _refused(pg, db, d, ev, {"title": "Early", "start": "2027-03-27T08:00",
                             "end": "2027-03-27T09:30"}, "start")
    _refused(pg, db, d, ev, {"title": "Overrun", "start": "2027-03-28T16:00",
                             "end": "2027-03-28T18:00"}, "end")
    _refused(pg, db, d, ev, {"title": "Backwards", "start": "2027-03-27T12:00",
                             "end": "2027-03-27T11:00"}, "end")
    _refused(pg, db, d, ev, {"title": "Bad kind", "kind": "party", "start": "2027-03-27T12:00",
                             "end": "2027-03-27T13:00"}, "kind")
    _refused(pg, db, d, ev, {"title": "No\x07bell", "start": "2027-03-27T12:00",
                             "end": "2027-03-27T13:00"}, "title")
    item = ok.json()["id"]
    _refused(pg, db, d, ev, {"end": "2027-03-27T08:30"}, "end",
             path=f"/api/events/{ev}/programme/{item}", method="patch")
    assert d.post(f"/api/events/{ev + 1000}/programme",
                  {"title": "x", "start": "2027-03-27T12:00", "end": "2027-03-27T13:00"}).status == 404


def _csv(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
    f.write(text)
    f.close()
    return f.name


def test_csv_import_names_line_and_column_and_writes_nothing_when_a_line_is_bad():
    pg, db, d = _start()
    ev = _event(d)["id"]
    good = ("day,start,end,title,speakers,room,kind\n"
            "2027-03-27,11:00,11:10,Opening,\"Hanna Zdanowska (City of Łódź); Jan Nowak\",Hall,talk\n"
            "2027-03-27,14:00,15:30,\"Workshop: youth, social enterprise\",,Room A,session\n"
            "2027-03-28,12:15,12:35,Break,,,break\n")
    bad_cases = [
        # (file, line, column, words in the message)
        (good.replace("2027-03-28,12:15", "2027-03-28,02:30"), 4, "start", "does not exist"),
        (good.replace("14:00,15:30", "14:00,13:30"), 3, "end", "not after"),
        (good.replace("2027-03-28,12:15", "2027-03-29,12:15"), 4, "start", "outside the event"),
        (good.replace(",talk\n", ",party\n"), 2, "kind", "talk, session"),
        (good.replace("2027-03-27,14:00", "27.03.2027,14:00"), 3, "day", "YYYY-MM-DD"),
        (good.replace("11:00,11:10", "11h,11:10"), 2, "start", "HH:MM"),
        (good + "2027-03-27,16:00,17:00\n", 5, "title", "7 columns"),
    ]
    for text, line, col, words in bad_cases:
        path = _csv(text)
        try:
            r = d.ctl("event", "programme", "import", str(ev), path)
        finally:
            os.unlink(path)
        assert r.returncode != 0, r
        assert f"line {line}" in r.stderr and f"column {col}" in r.stderr, (text, r.stderr)
        assert words in r.stderr, (words, r.stderr)
        assert _items(pg, db) == []
    path = _csv(good)
    try:
        r = d.ctl("event", "programme", "import", str(ev), path)
    finally:
        os.unlink(path)
    assert r.returncode == 0, r.stderr
    items = d.get(f"/api/events/{ev}/programme").json()["items"]
    assert [(i["title"], i["kind"], i["room"]) for i in items] == [
        ("Opening", "talk", "Hall"),
        ("Workshop: youth, social enterprise", "session", "Room A"),
        ("Break", "break", "")]
    assert items[0]["speakers"] == [{"name": "Hanna Zdanowska", "organisation": "City of Łódź"},
                                    {"name": "Jan Nowak", "organisation": ""}]
    assert items[2]["start"]["utc"] == "2027-03-28T10:15:00Z"
    # the group's help, and list, move and remove from convenectl
    r = d.ctl("event", "programme", "--help")
    assert r.returncode == 0 and "convenectl event programme import ID FILE.csv" in r.stdout, r
    assert d.ctl("event", "programme", "frob").returncode == 1
    r = d.ctl("event", "programme", "list", str(ev))
    assert r.returncode == 0 and "Workshop: youth" in r.stdout, r
    r = d.ctl("event", "programme", "move", str(ev), str(items[2]["id"]),
              "--start", "2027-03-28T13:00", "--end", "2027-03-28T13:20")
    assert r.returncode == 0, r.stderr
    assert pg.psql(db, "SELECT start_local::text FROM programme_items WHERE id = $1",
                   items[2]["id"])[0][0] == "2027-03-28 13:00:00"
    r = d.ctl("event", "programme", "add", str(ev), "--title", "Lunch", "--kind", "meal",
              "--start", "2027-03-28T13:30", "--end", "2027-03-28T14:30")
    assert r.returncode == 0, r.stderr
    r = d.ctl("event", "programme", "remove", str(ev), str(items[0]["id"]))
    assert r.returncode == 0, r.stderr
    assert [t for (_, t, _, _) in _items(pg, db)] == [
        "Workshop: youth, social enterprise", "Break", "Lunch"]
