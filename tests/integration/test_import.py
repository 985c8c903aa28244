"""test_import.py - `convenectl import FILE.ics --project SLUG` (issue 6 item
5) against the real daemon: Outlook, Google and Thunderbird exports and our
own fixtures (recurring, all-day multi-day, floating with and without
X-WR-TIMEZONE, a zone convened has not seen, Windows and prefixed TZIDs,
UTC times, DURATION across a DST change), skip reasons, unparsable files
import nothing, a second import imports nothing new; POST /api/events with a
"uid"."""

import datetime
import json
import os
import re
import subprocess
from zoneinfo import ZoneInfo

import harness

FIX = os.path.join(harness.REPO, "tests", "fixtures", "ics")
UTC = datetime.timezone.utc


def _fix(name):
    """One of the project's own fixtures (tests/fixtures/ics/convened-*)."""
    return os.path.join(FIX, name)


def _export(name):
    """A real client's export, from the shared fixtures (the test is
    skipped, by name, when they are absent)."""
    return harness.shared_fixture("ics", name)


def _start():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    r = d.post("/api/projects", {"slug": "imp", "title": "Imports"})
    assert r.status == 201, r
    return pg, db, d


def _utc(local, tz):
    """Independent UTC instant of LOCAL ('YYYY-MM-DDTHH:MM:SS') in TZ."""
    t = datetime.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz))
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(utc, tz):
    """Wall clock in TZ of the instant UTC ('...Z')."""
    t = datetime.datetime.fromisoformat(utc.replace("Z", "+00:00"))
    return t.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M:%S")


def _import(d, path, *args):
    return d.ctl("import", path, "--project", "imp", *args)


def _ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def _rows(pg, db):
    """uid -> dict of the stored event (times as ISO text, UTC with Z)."""
    rows = pg.psql(
        db,
        "SELECT uid, tz, all_day, to_char(start_local, 'YYYY-MM-DD\"T\"HH24:MI:SS'),"
        " to_char(end_local, 'YYYY-MM-DD\"T\"HH24:MI:SS'),"
        " to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " to_char(end_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " title, venue, description, kind, status FROM events ORDER BY id")
    out = {}
    for uid, tz, all_day, sl, el, sa, ea, title, venue, desc, kind, status in rows:
        out[uid] = dict(tz=tz, all_day=all_day == "t", start_local=sl, end_local=el,
                        start_at=sa, end_at=ea, title=title, venue=venue,
                        description=desc, kind=kind, status=status)
    return out


def _count(pg, db):
    return int(pg.psql(db, "SELECT count(*) FROM events")[0][0])


def _check_timed(ev, tz, start_local, end_local):
    """A timed event stored in TZ at these wall clocks, with the instants
    Python's zoneinfo gives for them."""
    assert ev["tz"] == tz, ev
    assert not ev["all_day"], ev
    assert ev["start_local"] == start_local, ev
    assert ev["end_local"] == end_local, ev
    assert ev["start_at"] == _utc(start_local, tz), ev
    assert ev["end_at"] == _utc(end_local, tz), ev


def _check_all_day(ev, tz, first, last):
    """An all-day event from FIRST to LAST (inclusive) in TZ: stored as
    midnight of the first day to midnight after the last."""
    assert ev["tz"] == tz and ev["all_day"], ev
    after = (datetime.date.fromisoformat(last) + datetime.timedelta(days=1)).isoformat()
    assert ev["start_local"] == first + "T00:00:00", ev
    assert ev["end_local"] == after + "T00:00:00", ev
    assert ev["start_at"] == _utc(first + "T00:00:00", tz), ev
    assert ev["end_at"] == _utc(after + "T00:00:00", tz), ev


def _line(out, uid):
    """The output line about UID (exactly one)."""
    lines = [ln for ln in out.splitlines() if f"(UID {uid})" in ln]
    assert len(lines) == 1, (uid, out)
    return lines[0]


# ------------------------------------------------------ real client exports


def test_import_outlook_google_thunderbird_exports():
    pg, db, d = _start()

    # Outlook/Exchange 2010: Windows zone name, two recurring all-day
    # series (skipped), one timed event in "GMT Standard Time"
    r = _ok(_import(d, _export("outlook-exchange-2010.ics")))
    assert r.stdout.splitlines()[-1] == "1 imported, 2 skipped", r.stdout
    long_a = ("040000008200E00074C5B7101A82E00800000000C41E94C5B4F3DA01000000000000000"
              "0100000007EA1D0AA9DB96545A536FABC0B0C1F5A")
    long_b = ("040000008200E00074C5B7101A82E00800000000EF8046288216DB01000000000000000"
              "0100000000D748168D60A25439FA3E76297E80CB0")
    for uid in ("111", long_a):
        assert _line(r.stdout, uid).startswith("skipped "), r.stdout
        assert f"recurring events are not imported (UID {uid})" in r.stdout
    m = re.match(r'imported (\d+) "outlook event with alarm"', _line(r.stdout, long_b))
    assert m, r.stdout
    rows = _rows(pg, db)
    assert set(rows) == {long_b}, rows  # the folded UID, unfolded, kept
    ev = rows[long_b]
    _check_timed(ev, "Europe/London", "2024-10-04T18:30:00", "2024-10-04T19:00:00")
    assert ev["start_at"] == "2024-10-04T17:30:00Z"  # BST
    assert ev["title"] == "outlook event with alarm"
    assert ev["venue"] == ""  # "LOCATION:" (empty) is no error
    assert ev["kind"] == "meeting" and ev["status"] == "draft"
    got = d.get(f"/api/events/{m.group(1)}").json()
    assert got["uid"] == long_b, got

    # Google: UTC times, X-WR-TIMEZONE Europe/London
    r = _ok(_import(d, _export("google-calendar.ics")))
    assert r.stdout.splitlines()[-1] == "1 imported, 0 skipped", r.stdout
    ev = _rows(pg, db)["79fs7pkqvht9m5igs0vjv1sfra@google.com"]
    local_s = _local("2024-10-04T18:15:00Z", "Europe/London")
    local_e = _local("2024-10-04T19:00:00Z", "Europe/London")
    assert (local_s, local_e) == ("2024-10-04T19:15:00", "2024-10-04T20:00:00")
    _check_timed(ev, "Europe/London", local_s, local_e)
    assert ev["start_at"] == "2024-10-04T18:15:00Z" and ev["end_at"] == "2024-10-04T19:00:00Z"

    # Thunderbird: TZID Europe/London with a full VTIMEZONE
    r = _ok(_import(d, _export("thunderbird.ics")))
    assert r.stdout.splitlines()[-1] == "1 imported, 0 skipped", r.stdout
    ev = _rows(pg, db)["b9a23b47-f109-4e7a-908c-75e925b27def"]
    _check_timed(ev, "Europe/London", "2024-10-23T15:00:00", "2024-10-23T16:00:00")
    assert ev["start_at"] == "2024-10-23T14:00:00Z"
    assert _count(pg, db) == 3

    # a second import of every file: nothing new, each reported
    for name in ("outlook-exchange-2010.ics", "google-calendar.ics", "thunderbird.ics"):
        r = _ok(_import(d, _export(name)))
        assert re.search(r"^0 imported, \d skipped$", r.stdout, re.M), r.stdout
    r = _ok(_import(d, _export("google-calendar.ics")))
    assert 'skipped "event with alarms": already imported (UID 79fs7pkqvht9m5igs0vjv1sfra@google.com)' \
        in r.stdout, r.stdout
    assert _count(pg, db) == 3


# ------------------------------------------------------------ own fixtures


def test_import_recurring_all_day_floating_new_zone_and_friends():
    pg, db, d = _start()
    # no event in this database has used America/Argentina/Ushuaia
    assert pg.psql(db, "SELECT count(*) FROM events WHERE tz LIKE 'America/%'") == [("0",)]
    r = _ok(_import(d, _fix("convened-mixed.ics"), "--kind", "workshop", "--status", "published"))
    out = r.stdout
    assert out.splitlines()[-1] == "7 imported, 6 skipped", out

    # skipped, with reasons
    weekly = [ln for ln in out.splitlines() if "(UID weekly-call@import.test)" in ln]
    assert len(weekly) == 2, out  # the series and its moved occurrence
    assert all(ln.endswith("recurring events are not imported (UID weekly-call@import.test)")
               for ln in weekly), out
    assert re.search(r"floating time.*X-WR-TIMEZONE", _line(out, "floating@import.test")), out
    assert "unknown time zone TZID Mars/Olympus_Mons" in _line(out, "mars@import.test")
    assert "no SUMMARY" in _line(out, "no-summary@import.test")
    assert "CANCELLED" in _line(out, "cancelled@import.test")
    for uid in ("weekly-call@import.test", "floating@import.test", "mars@import.test",
                "no-summary@import.test", "cancelled@import.test"):
        assert all(ln.startswith("skipped ") for ln in out.splitlines() if f"(UID {uid})" in ln)
    assert "todo@import.test" not in out  # a VTODO is no event

    rows = _rows(pg, db)
    assert set(rows) == {
        "study-visit@import.test", "ushuaia@import.test", "helsinki-prefixed@import.test",
        "windows-zone@import.test", "two-zones@import.test", "duration-dst@import.test",
        "utc-no-wr@import.test"}, sorted(rows)
    for uid, ev in rows.items():
        assert _line(out, uid).startswith("imported "), out
        assert ev["kind"] == "workshop" and ev["status"] == "published", ev

    # all-day, four days: DTEND 2027-06-11 is exclusive -> last day 06-10;
    # no X-WR-TIMEZONE: UTC days
    sv = rows["study-visit@import.test"]
    _check_all_day(sv, "UTC", "2027-06-07", "2027-06-10")
    assert sv["title"] == "Study visit: Tampere tram depots"
    assert sv["venue"] == "Hervanta depot"
    assert sv["description"] == "Four days, three depots.\nBring boots."
    got = d.get("/api/events?project=imp").json()["events"]
    api = {e["uid"]: e for e in got}
    assert api["study-visit@import.test"]["start"]["local"].startswith("2027-06-07"), api
    assert api["study-visit@import.test"]["end"]["local"].startswith("2027-06-10"), api

    # a zone convened had not seen
    _check_timed(rows["ushuaia@import.test"], "America/Argentina/Ushuaia",
                 "2027-04-12T09:30:00", "2027-04-12T17:00:00")
    assert rows["ushuaia@import.test"]["start_at"] == "2027-04-12T12:30:00Z"
    assert rows["ushuaia@import.test"]["venue"] == "Ushuaia"
    # the published event is in the project feed with its UID and zone
    feed = d.get("/calendars/projects/imp.ics")
    assert feed.status == 200, feed
    text = feed.text.replace("\r\n ", "")
    assert "UID:ushuaia@import.test" in text, text[:2000]
    assert "TZID:America/Argentina/Ushuaia" in text

    # /freeassociation.sourceforge.net/Tzfile/Europe/Helsinki -> Europe/Helsinki
    _check_timed(rows["helsinki-prefixed@import.test"], "Europe/Helsinki",
                 "2027-05-20T12:00:00", "2027-05-20T13:30:00")
    # W. Europe Standard Time -> Europe/Berlin
    _check_timed(rows["windows-zone@import.test"], "Europe/Berlin",
                 "2027-07-05T09:00:00", "2027-07-05T10:00:00")
    # DTEND in another zone: the end instant in the start's zone
    end_utc = _utc("2027-09-15T15:00:00", "Europe/Helsinki")
    _check_timed(rows["two-zones@import.test"], "Europe/London",
                 "2027-09-15T09:00:00", _local(end_utc, "Europe/London"))
    assert rows["two-zones@import.test"]["end_at"] == end_utc
    # DURATION:PT4H from 23:00 CET on the night clocks go forward: four
    # elapsed hours end at 04:00 CEST, not 03:00
    start_utc = _utc("2027-03-27T23:00:00", "Europe/Rome")
    end_utc = (datetime.datetime.fromisoformat(start_utc.replace("Z", "+00:00"))
               + datetime.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _check_timed(rows["duration-dst@import.test"], "Europe/Rome",
                 "2027-03-27T23:00:00", _local(end_utc, "Europe/Rome"))
    assert rows["duration-dst@import.test"]["end_local"] == "2027-03-28T04:00:00"
    # UTC times and no X-WR-TIMEZONE: the event is in UTC
    _check_timed(rows["utc-no-wr@import.test"], "UTC",
                 "2027-08-02T13:00:00", "2027-08-02T14:00:00")

    # the calendar with X-WR-TIMEZONE Europe/Stockholm
    r = _ok(_import(d, _fix("convened-floating-wr.ics")))
    assert r.stdout.splitlines()[-1] == "3 imported, 1 skipped", r.stdout
    rows = _rows(pg, db)
    # floating time -> the calendar's zone
    _check_timed(rows["floating-sthlm@import.test"], "Europe/Stockholm",
                 "2027-03-01T15:00:00", "2027-03-01T15:30:00")
    # UTC times -> local times in the calendar's zone, same instants (the
    # end falls in the hour that occurs twice: its first occurrence)
    ev = rows["utc-sthlm@import.test"]
    assert ev["tz"] == "Europe/Stockholm" and not ev["all_day"], ev
    assert ev["start_at"] == "2027-10-30T22:00:00Z" and ev["end_at"] == "2027-10-31T00:30:00Z", ev
    assert ev["start_local"] == _local("2027-10-30T22:00:00Z", "Europe/Stockholm") == "2027-10-31T00:00:00"
    assert ev["end_local"] == _local("2027-10-31T00:30:00Z", "Europe/Stockholm") == "2027-10-31T02:30:00"
    assert "warning: end 2027-10-31T02:30 occurs twice" in _line(r.stdout, "utc-sthlm@import.test")
    # 01:30Z is 02:30 CET, the second 02:30 of that night: the API would
    # store the first (an hour early), so it is skipped
    assert _local("2027-10-31T01:30:00Z", "Europe/Stockholm") == "2027-10-31T02:30:00"
    assert _utc("2027-10-31T02:30:00", "Europe/Stockholm") == "2027-10-31T00:30:00Z"
    line = _line(r.stdout, "second-fold-sthlm@import.test")
    assert line.startswith("skipped ") and "DTSTART is the second occurrence of " \
        "2027-10-31T02:30:00 in Europe/Stockholm" in line, line
    assert "second-fold-sthlm@import.test" not in rows
    # a DATE without DTEND is one day, in the calendar's zone
    _check_all_day(rows["allday-sthlm@import.test"], "Europe/Stockholm", "2027-06-25", "2027-06-25")

    # a second import of the same files creates nothing
    before = pg.psql(db, "SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM events e")
    n = _count(pg, db)
    r = _ok(_import(d, _fix("convened-mixed.ics")))
    assert r.stdout.splitlines()[-1] == "0 imported, 13 skipped", r.stdout
    assert "already imported (UID ushuaia@import.test)" in r.stdout
    r = _ok(_import(d, _fix("convened-floating-wr.ics")))
    assert r.stdout.splitlines()[-1] == "0 imported, 4 skipped", r.stdout
    assert _count(pg, db) == n == 10
    assert pg.psql(db, "SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM events e") == before


def test_import_json_output():
    pg, db, d = _start()
    r = _ok(d.ctl("--json", "import", _export("outlook-exchange-2010.ics"), "--project", "imp"))
    v = json.loads(r.stdout)
    assert (v["imported"], v["skipped"], v["failed"]) == (1, 2, 0), v
    assert [e["result"] for e in v["events"]] == ["skipped", "skipped", "imported"], v
    assert v["events"][0]["uid"] == "111"
    assert "recurring" in v["events"][0]["reason"]
    assert isinstance(v["events"][2]["id"], int)
    assert pg.psql(db, "SELECT uid FROM events WHERE id = $1", v["events"][2]["id"]) == \
        [(v["events"][2]["uid"],)]


# ---------------------------------------------------- nothing is imported


def test_import_unparsable_files_import_nothing():
    pg, db, d = _start()
    r = _ok(_import(d, _export("thunderbird.ics")))
    assert _count(pg, db) == 1
    before = pg.psql(db, "SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM events e")
    tmpdir = d.dir

    def write(name, data):
        p = os.path.join(tmpdir, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    valid_event = (b"BEGIN:VEVENT\r\nUID:ok@import.test\r\nSUMMARY:Fine\r\n"
                   b"DTSTART;TZID=Europe/Rome:20270301T100000\r\n"
                   b"DTEND;TZID=Europe/Rome:20270301T110000\r\nEND:VEVENT\r\n")
    cases = [
        # a fine event, then a line that is no property
        (_fix("convened-broken.ics"), r"does not parse: .*this line was pasted"),
        (write("empty.ics", b""), r"not an iCalendar file"),
        (write("text.ics", b"Dear colleagues,\nplease find the agenda attached.\n"),
         r"not an iCalendar file"),
        # no END:VCALENDAR
        (write("cut.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + valid_event),
         r"not an iCalendar file"),
        # a VEVENT outside any VCALENDAR
        (write("bare.ics", valid_event), r"VEVENT at the top level"),
        # Latin-1, not UTF-8
        (write("latin1.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
               + valid_event.replace(b"Fine", b"Caf\xe9") + b"END:VCALENDAR\r\n"),
         r"not UTF-8"),
        # a parameter libical cannot read
        (write("param.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
               + valid_event.replace(b"SUMMARY:Fine", b"SUMMARY;=x:Fine")
               + b"END:VCALENDAR\r\n"), r"does not parse"),
        (os.path.join(tmpdir, "missing.ics"), r"missing\.ics: No such file"),
    ]
    for path, why in cases:
        r = _import(d, path)
        assert r.returncode == 1, (path, r.stdout, r.stderr)
        assert re.search(why, r.stderr), (path, r.stderr)
        assert "nothing imported" in r.stderr, r.stderr
        assert "imported" not in r.stdout, r.stdout
    assert _count(pg, db) == 1
    assert pg.psql(db, "SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM events e") == before

    # the same event in a well-formed file is imported: the cases above
    # failed for their defect only
    good = write("good.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + valid_event
                 + b"END:VCALENDAR\r\n")
    r = _ok(_import(d, good))
    assert r.stdout.splitlines()[-1] == "1 imported, 0 skipped", r.stdout
    assert _count(pg, db) == 2

    # a value libical cannot read skips only that event
    bad_value = write("value.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                      + valid_event.replace(b"ok@", b"bad-value@").replace(
                          b"20270301T100000", b"2027-03-01 10:00")
                      + valid_event.replace(b"ok@", b"next@")
                      + b"END:VCALENDAR\r\n")
    r = _ok(_import(d, bad_value))
    assert re.search(r"libical: .*DTSTART", _line(r.stdout, "bad-value@import.test")), r.stdout
    assert _line(r.stdout, "next@import.test").startswith("imported "), r.stdout
    assert _count(pg, db) == 3


def test_import_options_and_project_errors():
    pg, db, d = _start()
    path = _export("thunderbird.ics")
    for args, why in (
        (("--kind", "party"), r"--kind party"),
        (("--status", "cancelled"), r"--status cancelled"),
    ):
        r = _import(d, path, *args)
        assert r.returncode == 1 and re.search(why, r.stderr), (args, r.stderr)
    r = d.ctl("import", path, "--project", "nope")
    assert r.returncode == 1, r
    assert re.search(r"project", r.stderr) and "nothing imported" in r.stderr, r.stderr
    r = d.ctl("import", path)
    assert r.returncode == 1 and "--project is required" in r.stderr, r.stderr
    assert _count(pg, db) == 0
    r = subprocess.run([harness.convenectl_bin(), "import", "--help"], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and "--kind" in r.stdout and "--status" in r.stdout, r


# ------------------------------------------------------ POST /api/events uid


def test_api_event_create_with_uid():
    pg, db, d = _start()
    base = {"project": "imp", "kind": "meeting", "title": "Kick-off", "tz": "Europe/Rome",
            "start": "2027-03-01T10:00", "end": "2027-03-01T11:00"}
    r = d.post("/api/events", dict(base, uid="kick-off@partner.example"))
    assert r.status == 201, r
    ev = r.json()
    assert ev["uid"] == "kick-off@partner.example", ev
    assert ev["start"]["utc"] == "2027-03-01T09:00:00Z" and ev["sequence"] == 0, ev
    assert pg.psql(db, "SELECT uid FROM events WHERE id = $1", ev["id"]) == \
        [("kick-off@partner.example",)]
    # the same UID again: 409 naming uid, nothing written
    r = d.post("/api/events", dict(base, uid="kick-off@partner.example", title="Other"))
    assert r.status == 409, r
    assert r.json()["error"]["field"] == "uid", r.json()
    assert _count(pg, db) == 1
    # the warnings of an ambiguous time survive
    r = d.post("/api/events", dict(base, uid="fold@partner.example", tz="Europe/Stockholm",
                                   start="2027-10-31T02:30", end="2027-10-31T05:00"))
    assert r.status == 201, r
    assert r.json()["ambiguous_time"] is True and r.json()["warnings"], r.json()
    assert r.json()["uid"] == "fold@partner.example"
    # the longest UID, non-ASCII allowed
    long_uid = "é" + "x" * 254
    r = d.post("/api/events", dict(base, uid=long_uid))
    assert r.status == 201 and r.json()["uid"] == long_uid, r
    # rejected UIDs
    for bad, status in (("", 422), ("x" * 256, 422), ("a\nb", 422), ("tab\there", 422),
                        ("del\x7f", 422), ("c1\x85", 422), (None, 400), (17, 400)):
        r = d.post("/api/events", dict(base, uid=bad))
        assert r.status == status, (bad, r)
        assert r.json()["error"]["field"] == "uid", (bad, r.json())
    # without uid: a generated one, as before
    r = d.post("/api/events", base)
    assert r.status == 201 and re.match(r"^[0-9a-f-]{36}@", r.json()["uid"]), r
    # the UID never changes: PATCH does not take it
    r = d.patch(f"/api/events/{ev['id']}", {"uid": "other@x"})
    assert r.status == 400, r
    assert pg.psql(db, "SELECT uid FROM events WHERE id = $1", ev["id"]) == \
        [("kick-off@partner.example",)]
    assert _count(pg, db) == 4
