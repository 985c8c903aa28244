"""test_console.py - what the console (issue 16, item 3) needs from the
API: PATCH /api/projects/{slug} and GET /api/local-time, the check of a
typed-in time that the event's write would make."""


import harness
import reg_fixtures as F
from test_accounts import Session, _request, _user


def test_project_edit_and_local_time_check():
    pg, db, d = F.start()
    F.project(pg, db, "net", "The Network")
    _user(d, "ada", "admin")
    s = Session(d, "ada")
    feed = d.get("/calendars/projects/net.ics", auth=False)
    assert feed.status == 200 and "The Network" in feed.text, feed
    r = s.request("PATCH", "/api/projects/net", {"title": "Rural network", "language": "fi"})
    assert r.status == 200, r
    assert r.json()["title"] == "Rural network" and r.json()["language"] == "fi"
    assert r.json()["slug"] == "net"
    assert pg.psql(db, "SELECT title, language::text FROM projects") == [("Rural network", "fi")]
    # the feed (cached above) follows the new title
    harness.wait_until(lambda: "Rural network" in d.get("/calendars/projects/net.ics",
                                                         auth=False).text,
                       msg="the project's feed shows the new title")
    # refusals change nothing
    assert s.request("PATCH", "/api/projects/net", {"title": " "}).status == 422
    assert s.request("PATCH", "/api/projects/net", {"slug": "x"}).status == 400
    assert s.request("PATCH", "/api/projects/nope", {"title": "X"}).status == 404
    assert s.request("PATCH", "/api/projects/net", {"title": "X"}, csrf=False).status == 403
    assert pg.psql(db, "SELECT title FROM projects") == [("Rural network",)]
    # the change is in the audit log with the name
    assert pg.psql(db, "SELECT actor FROM audit_log WHERE route = '/api/projects/{slug}'"
                       " AND status = 200") == [("ada",)]

    # a local time judged as the event's write judges it
    ok = s.request("GET", "/api/local-time?local=2027-03-28T10:00&tz=Europe/Helsinki&field=start")
    assert ok.status == 200, ok
    assert ok.json()["time"]["utc"] == "2027-03-28T07:00:00Z" and ok.json()["warnings"] == []
    gap = s.request("GET", "/api/local-time?local=2027-03-28T03:30&tz=Europe/Helsinki&field=start")
    assert gap.status == 422 and gap.json()["error"]["field"] == "start", gap
    ev = s.request("POST", "/api/events", {
        "project": "net", "kind": "seminar", "title": "S", "tz": "Europe/Helsinki",
        "start": "2027-03-28T03:30", "end": "2027-03-28T05:00"})
    assert ev.status == 422 and ev.json()["error"] == gap.json()["error"], (ev, gap)
    fold = s.request("GET", "/api/local-time?local=2027-10-31T03:30&tz=Europe/Helsinki&field=end")
    assert fold.status == 200 and fold.json()["time"]["ambiguous"] is True
    assert "occurs twice in Europe/Helsinki" in fold.json()["warnings"][0], fold
    cet = s.request("GET", "/api/local-time?local=2027-03-28T10:00&tz=CET")
    assert cet.status == 422 and cet.json()["error"]["field"] == "tz"
    assert s.request("GET", "/api/local-time?local=2027-02-30T10:00&tz=UTC").status == 422
    assert s.request("GET", "/api/local-time?local=x&tz=UTC&when=1").status == 400
    assert _request(d, "GET", "/api/local-time?local=2027-03-28T10:00&tz=UTC").status == 401
