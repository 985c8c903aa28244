"""test_cal_feeds.py - the /calendars/ feeds of the real daemon: byte-identical
when unchanged, one change alters that event's lines and the ETag only, 304
on ETag and date, gzip, 404 for unknown projects and tokens, personal feeds,
and every feed's instants as python3-icalendar and ical.js read them."""

import gzip
import re
import secrets
import time

import harness
from test_cal_parsers import check_instants, parse_icaljs, utc_of

_state = {}


def _daemon():
    """One daemon and database for this file, with a project, events in
    several zones (one on a DST day, one all-day), a draft and a deadline;
    made again for each test."""
    if "d" in _state and _state["d"].running():
        return _state["d"]
    _state.clear()  # the runner stops a test's daemons after it
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    r = d.post("/api/projects", {"slug": "alpha", "title": "Alpha network"})
    assert r.status == 201, r
    r = d.post("/api/projects", {"slug": "beta", "title": "Beta"})
    assert r.status == 201, r
    evs = {}
    specs = [
        ("rome", "alpha", dict(kind="meeting", tz="Europe/Rome",
                               start="2027-03-01T09:00", end="2027-03-01T17:30",
                               venue="Palazzo", city="Bologna", country="IT")),
        ("sthlm-dst", "alpha", dict(kind="seminar", tz="Europe/Stockholm",
                                    start="2027-03-28T01:30", end="2027-03-28T04:00",
                                    city="Stockholm", country="SE")),
        ("visit", "alpha", dict(kind="study_visit", tz="Europe/Helsinki", all_day=True,
                                start="2027-06-01", end="2027-06-04",
                                city="Tampere", country="FI")),
        ("london-autumn", "beta", dict(kind="workshop", tz="Europe/London",
                                       start="2027-10-31T00:30", end="2027-10-31T03:00",
                                       city="London", country="GB")),
    ]
    for name, proj, spec in specs:
        body = dict(project=proj, title=f"Event {name}", status="published", **spec)
        r = d.post("/api/events", body)
        assert r.status == 201, r
        evs[name] = r.json()
    r = d.post("/api/events", dict(project="alpha", kind="meeting", title="Secret draft",
                                   tz="Europe/Rome", start="2027-04-01T09:00",
                                   end="2027-04-01T10:00"))
    assert r.status == 201, r
    evs["draft"] = r.json()
    r = d.post("/api/deadlines", dict(project="alpha", kind="report", title="Interim report",
                                      tz="Europe/Warsaw", due="2027-03-28T12:00"))
    assert r.status == 201, r
    evs["deadline"] = r.json()
    _state.update(d=d, db=db, pg=pg, evs=evs)
    return d


def _uid(name):
    return _state["evs"][name]["uid"]


def _expected(names):
    out = {}
    local = {
        "rome": ("Europe/Rome", "2027-03-01T09:00", "2027-03-01T17:30"),
        "sthlm-dst": ("Europe/Stockholm", "2027-03-28T01:30", "2027-03-28T04:00"),
        "london-autumn": ("Europe/London", "2027-10-31T00:30", "2027-10-31T03:00"),
        "deadline": ("Europe/Warsaw", "2027-03-28T12:00", None),  # no DTEND
    }
    for n in names:
        if n == "visit":
            out[_uid(n)] = ("2027-06-01", "2027-06-05")  # end inclusive in the API
        else:
            tz, s, e = local[n]
            out[_uid(n)] = (utc_of(tz, s), utc_of(tz, e) if e else None)
    return out


def _get(path, **headers):
    return _daemon().get(path, headers=headers, auth=False)


def _vevents(body):
    """{UID: VEVENT text} of a feed."""
    out = {}
    for block in re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", body, re.S):
        uid = re.search(rb"\r\nUID:(.*?)\r\n", b"\r\n" + block).group(1).decode()
        out[uid] = block
    return out


def _wait_change(path, etag):
    """Fetch PATH until its ETag differs from ETAG (NOTIFY is asynchronous)."""
    got = {}

    def changed():
        r = _get(path)
        got["r"] = r
        return r.status == 200 and r.header("ETag") != etag

    harness.wait_until(changed, timeout=10, msg=f"{path} did not change")
    return got["r"]


def test_public_feed_headers_content_and_instants():
    r = _get("/calendars/public.ics")
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/calendar; charset=utf-8"
    assert re.fullmatch(r'"[0-9a-f]{32}"', r.header("ETag")), r.header("ETag")
    assert r.header("Last-Modified", "").endswith(" GMT")
    body = r.body
    assert b"Secret draft" not in body
    assert b"METHOD:PUBLISH\r\n" in body
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in body
    assert b"X-WR-CALNAME:" in body
    assert b"DTSTART;VALUE=DATE:20270601\r\n" in body
    assert b"DTEND;VALUE=DATE:20270605\r\n" in body
    for tz in ("Europe/Rome", "Europe/Stockholm", "Europe/London", "Europe/Warsaw"):
        assert body.count(f"\r\nTZID:{tz}\r\n".encode()) == 1, tz
    names = ["rome", "sthlm-dst", "visit", "london-autumn", "deadline"]
    check_instants(body, _expected(names))
    _, js = parse_icaljs(body)
    ev = js[_uid("rome")]
    assert ev["location"] == "Palazzo, Bologna, IT"
    assert ev["url"].endswith(f"/events/{_state['evs']['rome']['id']}")
    assert "Registration: " in ev["description"]
    assert ev["categories"] == ["meeting"]
    assert js[_uid("deadline")]["categories"] == ["report"]


def test_unchanged_feed_is_byte_identical():
    a = _get("/calendars/public.ics")
    b = _get("/calendars/public.ics")
    assert a.status == b.status == 200
    assert a.body == b.body
    assert a.header("ETag") == b.header("ETag")
    assert a.header("Last-Modified") == b.header("Last-Modified")


def test_project_feed_and_404s():
    r = _get("/calendars/projects/alpha.ics")
    assert r.status == 200, r
    uids = set(_vevents(r.body))
    assert uids == {_uid("rome"), _uid("sthlm-dst"), _uid("visit"), _uid("deadline")}
    assert b"X-WR-CALNAME:convened - Alpha network\r\n" in r.body
    r = _get("/calendars/projects/beta.ics")
    assert set(_vevents(r.body)) == {_uid("london-autumn")}
    for path in ("/calendars/projects/nosuch.ics", "/calendars/projects/BAD!.ics",
                 "/calendars/personal/" + secrets.token_hex(32) + ".ics",
                 "/calendars/personal/short.ics", "/calendars/other.ics"):
        r = _get(path)
        assert r.status == 404, (path, r)
        assert b"BEGIN:VCALENDAR" not in r.body


def test_conditional_get_304():
    r = _get("/calendars/projects/alpha.ics")
    etag, lm = r.header("ETag"), r.header("Last-Modified")
    r2 = _get("/calendars/projects/alpha.ics", **{"If-None-Match": etag})
    assert r2.status == 304, r2
    assert r2.body == b""
    assert r2.header("ETag") == etag
    r2 = _get("/calendars/projects/alpha.ics", **{"If-None-Match": f'"x", W/{etag}'})
    assert r2.status == 304, r2
    r2 = _get("/calendars/projects/alpha.ics", **{"If-Modified-Since": lm})
    assert r2.status == 304, r2
    r2 = _get("/calendars/projects/alpha.ics", **{"If-None-Match": '"other"'})
    assert r2.status == 200 and r2.body == r.body
    r2 = _get("/calendars/projects/alpha.ics",
              **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert r2.status == 200 and r2.body == r.body


def test_gzip_decodes_to_the_same_bytes():
    plain = _get("/calendars/public.ics")
    z = _get("/calendars/public.ics", **{"Accept-Encoding": "gzip, deflate"})
    assert z.status == 200
    assert z.header("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in z.header("Vary", "")
    assert gzip.decompress(z.body) == plain.body
    assert len(z.body) < len(plain.body)
    assert z.header("ETag") != plain.header("ETag")
    r = _get("/calendars/public.ics",
             **{"Accept-Encoding": "gzip", "If-None-Match": z.header("ETag")})
    assert r.status == 304
    r = _get("/calendars/public.ics", **{"Accept-Encoding": "gzip;q=0, identity"})
    assert r.header("Content-Encoding") is None and r.body == plain.body


def test_one_change_changes_that_event_and_the_etag_only():
    d = _daemon()
    before = _get("/calendars/public.ics")
    proj_before = _get("/calendars/projects/beta.ics")
    ev = _state["evs"]["rome"]
    # iCalendar stamps have whole seconds: change it in a later second
    t0 = int(time.time())
    harness.wait_until(lambda: int(time.time()) > t0, timeout=3)
    r = d.patch(f"/api/events/{ev['id']}", {"start": "2027-03-01T10:00"})
    assert r.status == 200, r
    after = _wait_change("/calendars/public.ics", before.header("ETag"))
    a, b = _vevents(before.body), _vevents(after.body)
    assert set(a) == set(b)
    changed = [u for u in a if a[u] != b[u]]
    assert changed == [_uid("rome")], changed

    def prop(block, name):
        m = re.search(rb"\r\n" + name + rb"[:;](.*?)\r\n", b"\r\n" + block)
        return m.group(1)

    old, new = a[_uid("rome")], b[_uid("rome")]
    assert int(prop(new, b"SEQUENCE")) > int(prop(old, b"SEQUENCE"))
    assert prop(new, b"LAST-MODIFIED") != prop(old, b"LAST-MODIFIED")
    assert prop(new, b"DTSTAMP") == prop(new, b"LAST-MODIFIED")
    assert prop(new, b"DTSTART") == b"TZID=Europe/Rome:20270301T100000"
    # the lines of the event other than SEQUENCE, times and stamps are as before
    strip = re.compile(rb"^(SEQUENCE|LAST-MODIFIED|DTSTAMP|DTSTART)[:;].*$", re.M)
    assert strip.sub(b"", old) == strip.sub(b"", new)
    # everything outside the VEVENTs is unchanged
    outside = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)
    assert outside.sub(b"", before.body) == outside.sub(b"", after.body)
    # another project's feed is untouched
    r = _get("/calendars/projects/beta.ics")
    assert r.body == proj_before.body and r.header("ETag") == proj_before.header("ETag")
    # and the new time is what the parsers read
    exp = _expected(["sthlm-dst", "visit", "london-autumn", "deadline"])
    exp[_uid("rome")] = (utc_of("Europe/Rome", "2027-03-01T10:00"),
                         utc_of("Europe/Rome", "2027-03-01T17:30"))
    check_instants(after.body, exp)


def test_cancelled_event_stays_with_status_cancelled():
    d = _daemon()
    before = _get("/calendars/projects/beta.ics")
    ev = _state["evs"]["london-autumn"]
    r = d.post(f"/api/events/{ev['id']}/cancel", {})
    assert r.status == 200, r
    after = _wait_change("/calendars/projects/beta.ics", before.header("ETag"))
    block = _vevents(after.body)[ev["uid"]]
    assert b"STATUS:CANCELLED\r\n" in block
    seq = int(re.search(rb"SEQUENCE:(\d+)", block).group(1))
    assert seq > int(re.search(rb"SEQUENCE:(\d+)", _vevents(before.body)[ev["uid"]]).group(1))


def test_personal_feed_follows_registrations_and_token():
    d = _daemon()
    pg, db = _state["pg"], _state["db"]
    token = secrets.token_hex(32)
    rows = pg.psql(
        db,
        "INSERT INTO people (email, name, feed_token) VALUES ($1, $2, $3) RETURNING id",
        "ola@example.no", "Ola Nordmann", token,
    )
    pid = rows[0][0]
    path = f"/calendars/personal/{token}.ics"
    r = _get(path)
    assert r.status == 200, r
    assert _vevents(r.body) == {}
    assert r.header("Cache-Control", "").startswith("private")
    pg.psql(
        db,
        "INSERT INTO registrations (event_id, person_id, state, token, confirmed_at)"
        " VALUES ($1, $2, 'confirmed', $3, now())",
        _state["evs"]["sthlm-dst"]["id"], pid, secrets.token_hex(32),
    )
    r = _wait_change(path, r.header("ETag"))
    assert set(_vevents(r.body)) == {_uid("sthlm-dst")}
    pg.psql(
        db,
        "INSERT INTO deadline_followers (project_id, person_id, token)"
        " SELECT id, $1, $2 FROM projects WHERE slug = 'alpha'",
        pid, secrets.token_hex(32),
    )
    r = _wait_change(path, r.header("ETag"))
    assert set(_vevents(r.body)) == {_uid("sthlm-dst"), _uid("deadline")}
    check_instants(r.body, _expected(["sthlm-dst", "deadline"]))
    # rotating the token: the old URL is gone, the new one works
    new = secrets.token_hex(32)
    pg.psql(db, "UPDATE people SET feed_token = $1 WHERE id = $2", new, pid)
    harness.wait_until(lambda: _get(path).status == 404, timeout=10,
                       msg="old personal token still served")
    r = _get(f"/calendars/personal/{new}.ics")
    assert r.status == 200 and set(_vevents(r.body)) == {_uid("sthlm-dst"), _uid("deadline")}
    pg.psql(db, "UPDATE registrations SET state = 'cancelled', cancelled_at = now()"
                " WHERE person_id = $1", pid)
    r = _wait_change(f"/calendars/personal/{new}.ics", r.header("ETag"))
    assert set(_vevents(r.body)) == {_uid("deadline")}


def test_feed_survives_database_restart():
    d = _daemon()
    pg = _state["pg"]
    before = _get("/calendars/public.ics")
    pg.stop()
    pg.start()
    # the LISTEN connection comes back; feeds are re-read and still identical
    harness.wait_until(lambda: _get("/calendars/public.ics").status == 200, timeout=20,
                       msg="feed not served after the database restarted")
    r = _get("/calendars/public.ics")
    assert r.body == before.body
    assert r.header("ETag") == before.header("ETag")
    assert d.running()


def test_ics_plugin_publishes_feed_files_atomically():
    import os
    import tempfile

    pg = harness.cluster()
    db = pg.new_database()
    pub = tempfile.mkdtemp(prefix="convened-ics-")
    d = harness.Daemon(db, config={"plugin ics": {"dir": pub}})
    d.start()
    public = os.path.join(pub, "public.ics")
    harness.wait_until(lambda: os.path.exists(public), timeout=10,
                       msg="public.ics not written at start")
    r = d.post("/api/projects", {"slug": "gamma", "title": "Gamma"})
    assert r.status == 201, r
    r = d.post("/api/events", dict(project="gamma", kind="seminar", title="Seminar in Poznan",
                                   tz="Europe/Warsaw", start="2027-03-28T10:00",
                                   end="2027-03-28T12:00", status="published"))
    assert r.status == 201, r
    uid = r.json()["uid"]
    proj = os.path.join(pub, "projects", "gamma.ics")

    def files_current():
        if not os.path.exists(proj):
            return False
        served = _get_from(d, "/calendars/projects/gamma.ics")
        with open(proj, "rb") as f:
            on_disk = f.read()
        with open(public, "rb") as f:
            pub_disk = f.read()
        return on_disk == served and pub_disk == _get_from(d, "/calendars/public.ics")

    harness.wait_until(files_current, timeout=10, msg="published files differ from the feeds")
    with open(proj, "rb") as f:
        body = f.read()
    assert uid.encode() in body
    check_instants(body, {uid: (utc_of("Europe/Warsaw", "2027-03-28T10:00"),
                                utc_of("Europe/Warsaw", "2027-03-28T12:00"))})
    # no temporary files left behind
    leftovers = [n for _, _, fs in os.walk(pub) for n in fs if n.startswith(".ics-")]
    assert leftovers == [], leftovers
    assert oct(os.stat(proj).st_mode & 0o777) == "0o644"


def _get_from(d, path):
    r = d.get(path, auth=False)
    assert r.status == 200, r
    return r.body
