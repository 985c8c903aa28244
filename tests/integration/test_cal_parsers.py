"""test_cal_parsers.py - the calendars cal.c renders, read back by four
independent parsers that must all agree with Python's zoneinfo on every
instant:

- libical (as in Evolution): `build/tests/unit/test_cal --parse`, zones from
  the file's own VTIMEZONEs;
- python3-icalendar (resolves a known TZID through pytz, as Google and
  Outlook resolve short TZIDs with their own zone data; python3-icalendar
  4.0.3's Timezone.to_tz() cannot read a VTIMEZONE RRULE with a UTC UNTIL,
  so the file's VTIMEZONE is not used);
- python3-vobject (as in Radicale: the file's VTIMEZONEs through dateutil);
- Mozilla's ical.js (as in Thunderbird: the file's own VTIMEZONEs only).

Covered: six European zones on the DST-change days, summer and winter
2026-2030 (the last year of a block too), the hour repeated when summer
time ends (feed and invitation), the gap, deadlines (a point in time: no
DTEND), all-day and multi-day events, and the same through the real
daemon's feed and spool maildir.  Zone names that are not places are
refused by the API with a suggestion.

Renders through `build/tests/unit/test_cal --render` (JSON in, iCalendar out).
The helpers here are also used by test_cal_feeds.py.
"""

import datetime as dt
import json
import os
import secrets
import subprocess
import tempfile
from zoneinfo import ZoneInfo

import harness
import icalendar
import vobject

ZONES = [
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Warsaw",
    "Europe/Madrid",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/London",
]
PARSE_JS = os.path.join(harness.REPO, "tests", "js", "parse.js")


def render_bin():
    return os.environ.get("CONVENED_CAL_RENDER") or os.path.join(
        harness.build_dir(), "tests", "unit", "test_cal"
    )


def render(spec):
    """Render SPEC (dict with events/deadlines/feed or itip) -> bytes."""
    p = subprocess.run(
        [render_bin(), "--render"],
        input=json.dumps(spec).encode(),
        capture_output=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert p.stdout.startswith(b"BEGIN:VCALENDAR\r\n"), p.stdout[:200]
    return p.stdout


def utc_of(tz, local):
    """Unix seconds of wall-clock LOCAL ("YYYY-MM-DDTHH:MM[:SS]") in TZ."""
    t = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz))
    return int(t.timestamp())


# ---- parsers -------------------------------------------------------------


def _unix(d):
    return int(d.timestamp())


def parse_python(ics):
    """python3-icalendar: {uid: {start, end, ...}} with instants resolved by
    TZID (pytz); every TZID used must have a VTIMEZONE in the file.  Dates
    come back as 'YYYY-MM-DD'."""
    cal = icalendar.Calendar.from_ical(ics)
    own = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    out = {}
    for ev in cal.walk("VEVENT"):
        rec = {
            "sequence": int(ev.get("SEQUENCE", 0)),
            "status": str(ev.get("STATUS", "")),
            "summary": str(ev.get("SUMMARY", "")),
            "last_modified": _unix(ev["LAST-MODIFIED"].dt) if "LAST-MODIFIED" in ev else None,
            "dtstamp": _unix(ev["DTSTAMP"].dt) if "DTSTAMP" in ev else None,
            "alarms": [str(a["TRIGGER"].to_ical().decode()) for a in ev.walk("VALARM")],
        }
        for key, name in (("start", "DTSTART"), ("end", "DTEND")):
            prop = ev.get(name)
            if prop is None:
                rec[key] = None
                continue
            v = prop.dt
            if isinstance(v, dt.datetime):
                assert v.tzinfo is not None, f"{name} of {ev['UID']} is floating"
                rec[key] = _unix(v)
                tzid = prop.params.get("TZID")
                assert not tzid or tzid in own, f"no VTIMEZONE for TZID {tzid}"
            else:
                rec[key] = v.isoformat()
        out[str(ev["UID"])] = rec
    return cal, out


def parse_icaljs(ics):
    """ical.js (node tests/js/parse.js): {uid: {start, end, ...}}."""
    with tempfile.NamedTemporaryFile(suffix=".ics") as f:
        f.write(ics)
        f.flush()
        p = subprocess.run(
            ["node", PARSE_JS, f.name], capture_output=True, timeout=60
        )
        assert p.returncode == 0, p.stderr.decode(errors="replace")
        data = json.loads(p.stdout)[f.name]
    assert len(data) == 1, data
    cal = data[0]
    out = {}
    for ev in cal["events"]:
        rec = dict(ev)
        for key in ("start", "end"):
            v = ev[key]
            if v is None:
                rec[key] = None
            elif v.get("allDay"):
                rec[key] = v["date"]
            else:
                assert not v["floating"], f"{key} of {ev['uid']} is floating in ical.js"
                rec[key] = v["unix"]
        out[ev["uid"]] = rec
    return cal, out


def parse_libical(ics):
    """libical (test_cal --parse): {uid: {start, end, has_dtend}}; "end" is
    libical's reading of the end (DTSTART when there is no DTEND)."""
    with tempfile.NamedTemporaryFile(suffix=".ics") as f:
        f.write(ics)
        f.flush()
        p = subprocess.run([render_bin(), "--parse", f.name], capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr.decode(errors="replace")
        return json.loads(p.stdout)[f.name]


def _vo_time(v, what):
    if isinstance(v, dt.datetime):
        assert v.tzinfo is not None, f"{what} is floating in vobject"
        return _unix(v)
    return v.isoformat()


def parse_vobject(ics):
    """python3-vobject: {uid: {start, end}} with TZIDs resolved through the
    file's VTIMEZONEs (dateutil); end is None without DTEND."""
    cal = vobject.readOne(ics.decode())
    out = {}
    for ev in cal.contents.get("vevent", []):
        uid = ev.uid.value
        rec = {"start": _vo_time(ev.dtstart.value, f"DTSTART of {uid}")}
        rec["end"] = _vo_time(ev.dtend.value, f"DTEND of {uid}") if "dtend" in ev.contents else None
        out[uid] = rec
    return out


def check_instants(ics, expected):
    """Parse ICS with every parser and compare each UID's start/end with
    EXPECTED {uid: (start, end)} (unix seconds, or 'YYYY-MM-DD' dates; end
    None: a point in time, no DTEND, which every client must read as
    ending when it starts)."""
    _, py = parse_python(ics)
    _, js = parse_icaljs(ics)
    lib = parse_libical(ics)
    vo = parse_vobject(ics)
    for name, got in (("python", py), ("ical.js", js), ("libical", lib), ("vobject", vo)):
        assert set(got) == set(expected), (name, sorted(got), sorted(expected))
    bad = []
    for uid, (start, end) in expected.items():
        got = {
            "python/pytz": (py[uid]["start"], py[uid]["end"]),
            "ical.js": (js[uid]["start"], js[uid]["end"] if js[uid]["hasDtend"] else None),
            "libical": (lib[uid]["start"], lib[uid]["end"] if lib[uid]["has_dtend"] else None),
            "vobject": (vo[uid]["start"], vo[uid]["end"]),
        }
        if end is None:  # the implied end is the start
            got["ical.js implied end"] = (js[uid]["start"], js[uid]["end"])
            got["libical implied end"] = (lib[uid]["start"], lib[uid]["end"])
        for parser, se in got.items():
            want = (start, start) if parser.endswith("implied end") else (start, end)
            if se != want:
                bad.append(f"{uid}: {parser} read {se}, expected {want}")
    assert not bad, "\n".join(bad)
    return py, js


# ---- specs ---------------------------------------------------------------

_T0 = 1790000000  # created / last modified


def event(uid, tz, start, end, all_day=False, **kw):
    e = {
        "id": abs(hash(uid)) % 100000,
        "uid": uid,
        "sequence": 0,
        "kind": "meeting",
        "title": f"Event {uid}",
        "description": "",
        "venue": "Hall",
        "city": "City",
        "country": "EU",
        "tz": tz,
        "all_day": all_day,
        "start_local": start,
        "end_local": end,
        "start_utc": utc_of(tz, start),
        "end_utc": utc_of(tz, end),
        "status": "published",
        "url": f"https://events.example.org/events/{uid}/register",
        "created": _T0,
        "last_modified": _T0 + 100,
    }
    e.update(kw)
    return e


def deadline(uid, tz, due, alarms=("P7D", "P1D")):
    return {
        "id": 1,
        "uid": uid,
        "sequence": 1,
        "kind": "report",
        "title": f"Deadline {uid}",
        "tz": tz,
        "due_local": due,
        "due_utc": utc_of(tz, due),
        "alarms": list(alarms),
        "status": "published",
        "created": _T0,
        "last_modified": _T0 + 50,
    }


def _zone_cases(tz):
    z = tz.split("/")[1].lower()
    # 2027: summer time starts 28 March, ends 31 October
    return [
        event(f"{z}-plain", tz, "2027-03-01T09:00:00", "2027-03-01T17:30:00"),
        event(f"{z}-across-spring", tz, "2027-03-28T00:30:00", "2027-03-28T04:30:00"),
        event(f"{z}-after-spring", tz, "2027-03-28T09:00:00", "2027-03-28T10:15:00"),
        event(f"{z}-before-spring", tz, "2027-03-27T22:00:00", "2027-03-28T00:59:00"),
        event(f"{z}-across-autumn", tz, "2027-10-31T00:30:00", "2027-10-31T05:00:00"),
        event(f"{z}-after-autumn", tz, "2027-10-31T10:00:00", "2027-10-31T11:00:00"),
        event(f"{z}-new-year", tz, "2026-12-31T23:00:00", "2027-01-01T01:00:00"),
        event(f"{z}-summer", tz, "2028-07-14T18:00:00", "2028-07-14T23:45:00"),
    ]


def _expected(events, deadlines=()):
    exp = {}
    for e in events:
        if e["all_day"]:
            exp[e["uid"]] = (e["start_local"][:10], e["end_local"][:10])
        else:
            exp[e["uid"]] = (e["start_utc"], e["end_utc"])
    for d in deadlines:
        exp[d["uid"]] = (d["due_utc"], None)
    return exp


# ---- tests ---------------------------------------------------------------


def test_instants_agree_in_six_zones_on_dst_days():
    events = [e for tz in ZONES for e in _zone_cases(tz)]
    ics = render({"feed": {"name": "Six zones"}, "events": events})
    py, js = check_instants(ics, _expected(events))
    cal = icalendar.Calendar.from_ical(ics)
    tzids = sorted(str(t["TZID"]) for t in cal.walk("VTIMEZONE"))
    assert tzids == sorted(ZONES), tzids
    # the spring-forward events really lose an hour, autumn ones gain one
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        s, e = js[f"{z}-across-spring"]["start"], js[f"{z}-across-spring"]["end"]
        assert e - s == 3 * 3600, (tz, e - s)
        s, e = js[f"{z}-across-autumn"]["start"], js[f"{z}-across-autumn"]["end"]
        assert e - s == int(5.5 * 3600), (tz, e - s)


def test_all_day_multi_day_events_are_dates_in_every_parser():
    events = []
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        # a study visit across the spring change, and one across New Year
        events.append(
            event(f"{z}-visit", tz, "2027-03-26", "2027-03-30", all_day=True, kind="study_visit")
        )
        events.append(event(f"{z}-ny", tz, "2027-12-30", "2028-01-03", all_day=True))
    ics = render({"feed": {}, "events": events})
    assert b"VTIMEZONE" not in ics
    assert ics.count(b"DTSTART;VALUE=DATE:20270326\r\n") == len(ZONES)
    assert ics.count(b"DTEND;VALUE=DATE:20270330\r\n") == len(ZONES)
    check_instants(ics, _expected(events))


def test_deadlines_on_dst_days_with_alarms():
    dls = []
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        dls.append(deadline(f"{z}-due-spring", tz, "2027-03-28T12:00:00"))
        dls.append(deadline(f"{z}-due-autumn", tz, "2027-10-31T23:59:00", ("P30D", "P7D", "PT2H")))
    ics = render({"feed": {"name": "Deadlines"}, "deadlines": dls})
    py, js = check_instants(ics, _expected([], dls))
    for d in dls:
        want = ["-P" + a[1:] if not a.startswith("-") else a for a in d["alarms"]]
        assert py[d["uid"]]["alarms"] == want, py[d["uid"]]
        triggers = [a["triggerSeconds"] for a in js[d["uid"]]["alarms"]]
        secs = {"P7D": 7 * 86400, "P1D": 86400, "P30D": 30 * 86400, "PT2H": 7200}
        assert triggers == [-secs[a] for a in d["alarms"]], triggers
        assert [a["action"] for a in js[d["uid"]]["alarms"]] == ["DISPLAY"] * len(d["alarms"])
        assert "report" in js[d["uid"]]["categories"]


def test_itip_request_and_cancel_read_by_every_parser():
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        running = event(f"{z}-itip", tz, "2027-10-31T00:30:00", "2027-10-31T05:00:00", sequence=4)
        cancelled = dict(running, status="cancelled")
        # a REQUEST; a CANCEL removing this attendee from a running event (no
        # STATUS, RFC 5546 3.2.5); a CANCEL of the cancelled event
        for method, ev, want in (("REQUEST", running, "CONFIRMED"), ("CANCEL", running, None),
                                 ("CANCEL", cancelled, "CANCELLED")):
            ics = render(
                {
                    "events": [ev],
                    "itip": {
                        "method": method,
                        "organizer_email": "secretariat@example.org",
                        "organizer_name": "Secretariat",
                        "attendee_email": "ola@example.se",
                        "attendee_name": "Ola Nordmann",
                    },
                }
            )
            py, js = check_instants(ics, _expected([ev]))
            cal, jsev = parse_icaljs(ics)
            assert cal["method"] == method
            rec = jsev[ev["uid"]]
            assert rec["sequence"] == 4
            assert rec["organizer"] == "mailto:secretariat@example.org"
            (att,) = rec["attendees"]
            assert att["value"] == "mailto:ola@example.se"
            assert att["cn"] == "Ola Nordmann"
            assert att["partstat"] == "ACCEPTED" and att["rsvp"] == "FALSE"
            assert att["role"] == "REQ-PARTICIPANT"
            assert rec["status"] == want and py[ev["uid"]]["status"] == (want or ""), (
                method, ev["status"], rec["status"], py[ev["uid"]]["status"])


def test_unchanged_input_renders_identical_bytes_and_parses_the_same():
    events = _zone_cases("Europe/Warsaw")
    a = render({"feed": {"name": "W"}, "events": events})
    b = render({"feed": {"name": "W"}, "events": events})
    assert a == b
    _, py = parse_python(a)
    for e in events:
        assert py[e["uid"]]["dtstamp"] == e["last_modified"]
        assert py[e["uid"]]["last_modified"] == e["last_modified"]


# ---- the repeated hour, the years 2026-2030 ------------------------------


def fold_start(tz, year):
    """Wall-clock time ('YYYY-MM-DDTHH:MM') at which the hour repeated when
    summer time ends in YEAR begins in TZ (zoneinfo's answer)."""
    z = ZoneInfo(tz)
    d = dt.datetime(year, 10, 31)
    while d.weekday() != 6:  # the last Sunday of October
        d -= dt.timedelta(days=1)
    for h in range(6):
        t = d.replace(hour=h, minute=30)
        if t.replace(tzinfo=z, fold=0).utcoffset() != t.replace(tzinfo=z, fold=1).utcoffset():
            return t.replace(minute=0)
    raise AssertionError(f"no repeated hour in {tz} {year}")


def _fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _fold_cases(tz, year):
    """An event starting in the repeated hour, one ending in it, a deadline
    in it and an event later that day (which keeps its zone)."""
    z = tz.split("/")[1].lower()
    f = fold_start(tz, year)
    m = dt.timedelta(minutes=1)
    evs = [
        event(f"{z}-{year}-fold-start", tz, _fmt(f + 30 * m), _fmt(f + 90 * m)),
        event(f"{z}-{year}-fold-end", tz, _fmt(f - 60 * m), _fmt(f + 45 * m)),
        event(f"{z}-{year}-fold-day", tz, _fmt(f.replace(hour=12)), _fmt(f.replace(hour=13))),
    ]
    dls = [deadline(f"{z}-{year}-fold-due", tz, _fmt(f + 15 * m))]
    return evs, dls


def test_repeated_hour_is_the_first_occurrence_in_every_parser_feed_and_invitation():
    events, dls = [], []
    for tz in ZONES:
        for year in (2026, 2028, 2030):
            e, d = _fold_cases(tz, year)
            events += e
            dls += d
    ics = render({"feed": {"name": "Folds"}, "events": events, "deadlines": dls})
    check_instants(ics, _expected(events, dls))
    # the first occurrence, by the rule the API documents: an hour apart
    # from the second; written in UTC, the rest of the day keeps its zone
    for e in events:
        first = e["start_utc"]
        second = int(
            dt.datetime.fromisoformat(e["start_local"]).replace(tzinfo=ZoneInfo(e["tz"]), fold=1).timestamp()
        )
        if e["uid"].endswith("fold-start"):
            assert second - first == 3600, e
            stamp = dt.datetime.fromtimestamp(first, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            assert f"DTSTART:{stamp}\r\n".encode() in ics, e["uid"]
        if e["uid"].endswith("fold-day"):
            local = e["start_local"].replace("-", "").replace(":", "")
            assert f"DTSTART;TZID={e['tz']}:{local}\r\n".encode() in ics, e["uid"]
    for tz in ZONES:
        evs, _ = _fold_cases(tz, 2027)
        for ev in evs[:2]:
            ics = render(
                {
                    "events": [ev],
                    "itip": {
                        "method": "REQUEST",
                        "organizer_email": "secretariat@example.org",
                        "attendee_email": "ola@example.se",
                    },
                }
            )
            check_instants(ics, _expected([ev]))


def test_summer_and_winter_2026_to_2030_in_every_zone_feed_and_invitation():
    events = []
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        for year in range(2026, 2031):
            events += [
                event(f"{z}-{year}-winter", tz, f"{year}-01-15T10:00:00", f"{year}-01-15T11:00:00"),
                event(f"{z}-{year}-summer", tz, f"{year}-07-15T10:00:00", f"{year}-07-15T11:00:00"),
                event(f"{z}-{year}-december", tz, f"{year}-12-20T18:00:00", f"{year}-12-20T19:00:00"),
            ]
    ics = render({"feed": {}, "events": events})
    check_instants(ics, _expected(events))
    # no rule in force ends (an UNTIL at the block's end is read as local
    # time by dateutil, which then drops that year's last change)
    assert b"UNTIL=" not in ics and b"TZUNTIL" not in ics
    # an invitation's block covers its own year only: the last year of a
    # block, in summer and just after the spring change
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        for year in (2026, 2030):
            for ev in (
                event(f"{z}-{year}-itip-summer", tz, f"{year}-07-01T09:00:00", f"{year}-07-01T17:00:00"),
                event(f"{z}-{year}-itip-april", tz, f"{year}-04-01T09:00:00", f"{year}-04-03T12:00:00"),
            ):
                ics = render(
                    {
                        "events": [ev],
                        "itip": {
                            "method": "REQUEST",
                            "organizer_email": "secretariat@example.org",
                            "attendee_email": "ola@example.se",
                        },
                    }
                )
                check_instants(ics, _expected([ev]))


def test_gap_deadlines_and_multi_day_across_changes():
    events, dls = [], []
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        # the last minute before the gap, the first after it (the clocks
        # skip an hour on 2029-03-25), a multi-day timed event across the
        # spring change and one across the autumn change
        f = fold_start(tz, 2029)
        spring = dt.datetime(2029, 3, 25, f.hour, 0)  # the gap begins where the fold ends
        before = spring - dt.timedelta(minutes=1)
        after = spring + dt.timedelta(hours=1)
        events += [
            event(f"{z}-gap-edge", tz, _fmt(before - dt.timedelta(hours=1)), _fmt(before)),
            event(f"{z}-gap-after", tz, _fmt(after), _fmt(after + dt.timedelta(hours=1))),
            event(f"{z}-multi-spring", tz, "2029-03-23T09:00:00", "2029-03-27T16:00:00"),
            event(f"{z}-multi-autumn", tz, "2029-10-26T09:00:00", "2029-10-30T16:00:00"),
            event(f"{z}-allday-autumn", tz, "2029-10-27", "2029-10-29", all_day=True),
        ]
        dls += [
            deadline(f"{z}-due-gap-after", tz, _fmt(after)),
            deadline(f"{z}-due-winter", tz, "2029-12-31T12:00:00"),
            deadline(f"{z}-due-summer", tz, "2030-09-01T12:00:00", ()),
        ]
    ics = render({"feed": {}, "events": events, "deadlines": dls})
    check_instants(ics, _expected(events, dls))
    for tz in ZONES:
        z = tz.split("/")[1].lower()
        s, e = utc_of(tz, "2029-03-23T09:00"), utc_of(tz, "2029-03-27T16:00")
        assert e - s == 4 * 86400 + 7 * 3600 - 3600, tz
        assert utc_of(tz, _fmt(dt.datetime(2029, 3, 25, fold_start(tz, 2029).hour) + dt.timedelta(hours=1))) - utc_of(
            tz, _fmt(dt.datetime(2029, 3, 25, fold_start(tz, 2029).hour) - dt.timedelta(minutes=1))
        ) == 60, tz
    # a point in time is not an event with DTEND = DTSTART
    cal = icalendar.Calendar.from_ical(ics)
    for ev in cal.walk("VEVENT"):
        if "-due-" in str(ev["UID"]):
            assert "DTEND" not in ev and "DURATION" not in ev, ev["UID"]


# ---- through the daemon: feed, spool maildir, zone names -----------------


def _psql1(pg, db, sql, *params):
    rows = pg.psql(db, sql, *params)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def test_daemon_feed_and_invitations_in_the_repeated_hour():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(
        db,
        config={
            "plugin spool": {"fsync": "no"},
            "calendar": {"organizer": "secretariat@example.org", "organizer_name": "Secretariat"},
        },
    )
    d.start()
    r = d.post("/api/projects", {"slug": "fold", "title": "Fold"})
    assert r.status == 201, r
    cases = {"rome": "Europe/Rome", "helsinki": "Europe/Helsinki"}
    evs, want = {}, {}
    for name, tz in cases.items():
        f = fold_start(tz, 2027)
        # made the day before, then moved into the repeated hour: the
        # update goes out as an invitation
        s, e = f + dt.timedelta(minutes=30), f + dt.timedelta(minutes=90)
        day = dt.timedelta(days=1)
        r = d.post(
            "/api/events",
            dict(project="fold", kind="seminar", title=f"Fold {name}", tz=tz, status="published",
                 start=_fmt(s - day)[:16], end=_fmt(e - day)[:16], city="X", country="IT"),
        )
        assert r.status == 201, r
        evs[name] = r.json()
        person = _psql1(
            pg, db,
            "INSERT INTO people (email, name, language, feed_token) VALUES ($1, $2, 'en', $3) RETURNING id",
            f"{name}@example.org", name.title(), secrets.token_hex(32),
        )
        pg.psql(
            db,
            "INSERT INTO registrations (event_id, person_id, state, token, confirmed_at)"
            " VALUES ($1, $2, 'confirmed', $3, now())",
            evs[name]["id"], person, secrets.token_hex(32),
        )
        r = d.patch(f"/api/events/{evs[name]['id']}", {"start": _fmt(s)[:16], "end": _fmt(e)[:16]})
        assert r.status == 200, r
        assert r.json()["start"]["ambiguous"] is True, r.json()
        assert r.json()["start"]["utc"] == dt.datetime.fromtimestamp(
            utc_of(tz, _fmt(s)), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        want[evs[name]["uid"]] = (utc_of(tz, _fmt(s)), utc_of(tz, _fmt(e)))
    f = fold_start("Europe/Stockholm", 2027)
    r = d.post("/api/deadlines", dict(project="fold", kind="report", title="Report",
                                      tz="Europe/Stockholm", due=_fmt(f)[:11] + "02:45"))
    assert r.status == 201, r
    want[r.json()["uid"]] = (utc_of("Europe/Stockholm", _fmt(f)[:11] + "02:45"), None)

    feed = d.get("/calendars/projects/fold.ics", auth=False)
    assert feed.status == 200, feed
    check_instants(feed.body, want)

    harness.wait_until(lambda: len(d.maildir_messages()) == 2, timeout=15,
                       msg="the two update invitations")
    for m in d.maildir_messages():
        cal = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
        assert cal and cal[0].get_param("method") == "REQUEST", m
        ics = cal[0].get_payload(decode=True)
        (uid,) = [u for u in want if u.encode() in ics]
        check_instants(ics, {uid: want[uid]})
    d.stop()


def test_daemon_refuses_zone_names_that_are_not_places():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    r = d.post("/api/projects", {"slug": "tz", "title": "Zones"})
    assert r.status == 201, r
    ev = dict(project="tz", kind="meeting", title="M", start="2027-07-01T09:00", end="2027-07-01T10:00")
    dl = dict(project="tz", kind="report", title="R", due="2027-07-01T12:00")
    r = d.post("/api/events", dict(ev, tz="Europe/Warsaw"))
    assert r.status == 201, r
    eid = r.json()["id"]
    refused = {
        "CET": "use a city zone such as Europe/Warsaw, Europe/Rome",
        "EET": "Europe/Helsinki",
        "WET": "Europe/Lisbon",
        "MET": "Europe/Warsaw, Europe/Rome",
        "EST5EDT": "America/New_York",
        "Etc/GMT+1": "Europe/Rome",
        "Etc/UTC": "write UTC",
        "GMT": "write UTC",
        "Poland": "Europe/Warsaw",
    }
    before = pg.psql(db, "SELECT count(*), max(tz) FROM events")
    for tz, hint in refused.items():
        for method, path, body in (
            ("POST", "/api/events", dict(ev, tz=tz)),
            ("POST", "/api/deadlines", dict(dl, tz=tz)),
            ("PATCH", f"/api/events/{eid}", {"tz": tz}),
        ):
            r = d.request(method, path, body)
            assert r.status == 422, (tz, path, r)
            err = r.json()["error"]
            assert err["code"] == "invalid_value" and err["field"] == "tz", (tz, err)
            assert err["message"].startswith("field tz: ") and hint in err["message"], (tz, err)
    assert pg.psql(db, "SELECT count(*), max(tz) FROM events") == before
    assert pg.psql(db, "SELECT count(*) FROM deadlines") == [("0",)]
    # places and UTC are taken
    for tz in ("America/Argentina/Buenos_Aires", "UTC", "Atlantic/Canary"):
        r = d.post("/api/events", dict(ev, tz=tz))
        assert r.status == 201, (tz, r)
        assert r.json()["start"]["tz"] == tz
    d.stop()
