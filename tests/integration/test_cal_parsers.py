"""test_cal_parsers.py - the calendars cal.c renders, read back by independent
parsers: python3-icalendar (resolves a known TZID through pytz, as Google and
Outlook resolve short TZIDs with their own zone data) and Mozilla's ical.js
(resolves zones only from the file's own VTIMEZONEs, as Thunderbird does).
(python3-icalendar 4.0.3's Timezone.to_tz() cannot read a VTIMEZONE RRULE
with a UTC UNTIL, the form RFC 5545 requires, so it is not used.)  Every event's start and end instants must equal the UTC
instants Python's zoneinfo computes for the local times, in six European
zones, on the DST-change days, and for all-day multi-day events.

Renders through `build/tests/unit/test_cal --render` (JSON in, iCalendar out).
The helpers here are also used by test_cal_feeds.py.
"""

import datetime as dt
import json
import os
import subprocess
import tempfile
from zoneinfo import ZoneInfo

import harness
import icalendar

ZONES = [
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Warsaw",
    "Europe/Madrid",
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


def check_instants(ics, expected):
    """Parse ICS with every parser and compare each UID's start/end with
    EXPECTED {uid: (start, end)} (unix seconds, or 'YYYY-MM-DD' dates)."""
    _, py = parse_python(ics)
    _, js = parse_icaljs(ics)
    assert set(py) == set(expected), (sorted(py), sorted(expected))
    assert set(js) == set(expected), (sorted(js), sorted(expected))
    bad = []
    for uid, (start, end) in expected.items():
        got = {
            "python/pytz": (py[uid]["start"], py[uid]["end"]),
            "ical.js": (js[uid]["start"], js[uid]["end"]),
        }
        for parser, se in got.items():
            if se != (start, end):
                bad.append(f"{uid}: {parser} read {se}, expected {(start, end)}")
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
        exp[d["uid"]] = (d["due_utc"], d["due_utc"])
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
        ev = event(f"{z}-itip", tz, "2027-10-31T00:30:00", "2027-10-31T05:00:00", sequence=4)
        for method in ("REQUEST", "CANCEL"):
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
            want = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
            assert rec["status"] == want and py[ev["uid"]]["status"] == want


def test_unchanged_input_renders_identical_bytes_and_parses_the_same():
    events = _zone_cases("Europe/Warsaw")
    a = render({"feed": {"name": "W"}, "events": events})
    b = render({"feed": {"name": "W"}, "events": events})
    assert a == b
    _, py = parse_python(a)
    for e in events:
        assert py[e["uid"]]["dtstamp"] == e["last_modified"]
        assert py[e["uid"]]["last_modified"] == e["last_modified"]
