"""test_checkin.py - check-in at the door (issue 14, item 2), on the real
daemon and real PostgreSQL: the per-event check-in secret (made by the API,
shown once, kept hashed), the door page's JSON endpoints authorised by it
(a wrong secret 403, a check-in code of another event and someone not
confirmed refused, nothing changed), a request sent twice applied once,
the static page under its Content-Security-Policy with an ETag, the QR code
on the token page (SVG, confirmed only) and in the confirmation mail (a PNG
part the HTML shows by Content-ID), each decoded by zbarimg to the check-in
token; and in real chromium at a phone
viewport (tests/js/checkin.mjs): search, tap, the mark in the report, two
marks queued while convened is stopped and each applied once after it
returns."""

import hashlib
import os
import re
import struct
import subprocess
import tempfile
import threading
import time

import harness
import reg_fixtures as F

TZ = "Europe/Rome"


def _today_event(pg, db, ev, first=0, days=1):
    pg.psql(db, """UPDATE events SET start_local = s, end_local = e,
                                     start_at = s AT TIME ZONE tz, end_at = e AT TIME ZONE tz
                     FROM (SELECT ((now() AT TIME ZONE $2)::date + $3::int) + time '09:00' AS s,
                                  ((now() AT TIME ZONE $2)::date + $3::int + $4::int - 1)
                                      + time '17:00' AS e) t
                    WHERE id = $1""", ev, TZ, first, days)


def _confirmed(pg, db, d, ev, email, name, org="Comune di Rimini", country="IT"):
    assert F.register(d, ev, email, name=name, org=org, country=country).status == 202
    assert F.confirm(d, F.token(pg, db, ev, email)).status == 303
    return int(pg.psql(db, """SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                              WHERE r.event_id = $1 AND p.email = $2""", ev, email)[0][0])


def _secret(d, ev):
    r = d.post(f"/api/events/{ev}/checkin-secret")
    assert r.status == 201, r.text
    return r.json()["secret"]


def _door(d, ev, secret, what, body=None):
    h = {"X-Checkin-Secret": secret} if secret is not None else {}
    if body is None:
        return d.get(f"/checkin/{ev}/api/{what}", headers=h, auth=False)
    return d.post(f"/checkin/{ev}/api/{what}", body, headers=h, auth=False)


def _state(pg, db):
    return (pg.psql(db, "SELECT registration_id, day::text, state, marked_by FROM attendance "
                        "ORDER BY 1, 2"),
            pg.psql(db, "SELECT id, state, origin FROM registrations ORDER BY id"),
            pg.psql(db, "SELECT event_id, client_id FROM checkin_requests ORDER BY 1, 2"))


def _refused(pg, db, r, status, field):
    assert r.status == status, r.text
    err = r.json()["error"]
    assert err["field"] == field, err
    assert err["message"]
    return err


def test_secret_is_shown_once_kept_hashed_and_rotated():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    r = d.post(f"/api/events/{ev}/checkin-secret")
    assert r.status == 201, r.text
    got = r.json()
    s1 = got["secret"]
    assert len(s1) == 64 and got["path"] == f"/checkin/{ev}#s={s1}"
    stored = pg.psql(db, "SELECT encode(checkin_secret_sha256, 'hex') FROM events WHERE id = $1",
                     ev)[0][0]
    assert stored == hashlib.sha256(s1.encode()).hexdigest()
    assert s1 not in str(pg.psql(db, "SELECT * FROM events"))
    assert _door(d, ev, s1, "list").status == 200
    s2 = _secret(d, ev)
    assert s2 != s1
    _refused(pg, db, _door(d, ev, s1, "list"), 403, "secret")
    assert _door(d, ev, s2, "list").status == 200
    # convenectl event checkin-secret ID: prints the link, rotates again
    r = d.ctl("event", "checkin-secret", str(ev))
    assert r.returncode == 0, r.stderr
    s3 = r.stdout.split("secret: ")[1].split()[0]
    assert f"{d.url}/checkin/{ev}#s={s3}" in r.stdout
    _refused(pg, db, _door(d, ev, s2, "list"), 403, "secret")
    assert _door(d, ev, s3, "list").status == 200
    r = d.ctl("event", "checkin-secret", "--help")
    assert r.returncode == 0 and "shown once" in r.stdout
    r = d.ctl("event", "checkin-secret", "999999")
    assert r.returncode == 1 and "no such event" in r.stderr
    # without the admin token the secret cannot be made; unknown event 404
    assert d.post(f"/api/events/{ev}/checkin-secret", auth=False).status == 401
    assert d.post("/api/events/999999/checkin-secret").status == 404


def test_door_marks_by_registration_and_code_refusals_change_nothing():
    pg, db, d = F.start()
    pr = F.project(pg, db)
    ev = F.event(pg, db, pr, tz=TZ)
    other = F.event(pg, db, pr, title="Other seminar", tz=TZ)
    anna = _confirmed(pg, db, d, ev, "anna@rimini.it", "Anna Bianchi")
    _confirmed(pg, db, d, other, "olle@malmo.se", "Olle Ek", org="Malmö stad", country="SE")
    assert F.register(d, ev, "pia@turku.fi", name="Pia Virtanen", org="Turun kaupunki",
                      country="FI").status == 202  # pending, not confirmed
    pia = int(pg.psql(db, "SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id "
                          "WHERE p.email = 'pia@turku.fi'")[0][0])
    _today_event(pg, db, ev)
    _today_event(pg, db, other)
    secret = _secret(d, ev)
    other_secret = _secret(d, other)
    today = pg.psql(db, "SELECT (now() AT TIME ZONE $1)::date::text", TZ)[0][0]

    lst = _door(d, ev, secret, "list")
    assert lst.status == 200, lst.text
    j = lst.json()
    assert j["today"] == today and j["days"] == [today]
    assert [x["name"] for x in j["registrations"]] == ["Anna Bianchi"]
    assert "email" not in j["registrations"][0]
    assert "no-store" in lst.headers.get("Cache-Control", "")

    before = _state(pg, db)
    # a wrong secret, another event's secret, no secret: 403/403/401
    _refused(pg, db, _door(d, ev, "0" * 64, "marks",
                           {"client_id": "c-wrong-0001", "registration": anna,
                            "state": "attended"}), 403, "secret")
    _refused(pg, db, _door(d, ev, other_secret, "marks",
                           {"client_id": "c-wrong-0002", "registration": anna,
                            "state": "attended"}), 403, "secret")
    assert _door(d, ev, None, "list").status == 401
    # the check-in code of another event's registration
    olle_code = pg.psql(db, "SELECT checkin_token FROM registrations WHERE event_id = $1",
                        other)[0][0]
    err = _refused(pg, db, _door(d, ev, secret, "marks",
                                 {"client_id": "c-other-0001", "token": olle_code,
                                  "state": "attended"}), 409, "token")
    assert "another event" in err["message"]
    # the manage token is not a check-in code
    anna_manage = F.token(pg, db, ev, "anna@rimini.it")
    _refused(pg, db, _door(d, ev, secret, "marks",
                           {"client_id": "c-manage-001", "token": anna_manage,
                            "state": "attended"}), 404, "token")
    # someone not confirmed
    err = _refused(pg, db, _door(d, ev, secret, "marks",
                                 {"client_id": "c-pending-01", "registration": pia,
                                  "state": "attended"}), 409, "registration")
    assert "confirmed" in err["message"]
    assert _state(pg, db) == before

    # by the check-in code of the registration (what the QR code carries)
    anna_code = pg.psql(db, "SELECT checkin_token FROM registrations WHERE id = $1", anna)[0][0]
    assert anna_code != anna_manage
    r = _door(d, ev, secret, "marks", {"client_id": "c-scan-00001", "token": anna_code,
                                       "state": "attended", "by": "Desk 1"})
    assert r.status == 200, r.text
    assert r.json()["registration"]["marks"][today]["state"] == "attended"
    assert r.json()["registration"]["marks"][today]["marked_by"] == "door secret (Desk 1)"
    # the same request again (a resend after a lost answer): applied once
    r2 = _door(d, ev, secret, "marks", {"client_id": "c-scan-00001", "token": anna_code,
                                        "state": "attended", "by": "Desk 1"})
    assert r2.status == 200 and r2.json()["repeated"] is True
    marks = pg.psql(db, "SELECT marked_at FROM attendance WHERE registration_id = $1", anna)
    assert len(marks) == 1
    # undo, then the undone mark's request arrives again: still undone
    assert _door(d, ev, secret, "marks", {"client_id": "c-undo-00001", "registration": anna,
                                          "state": "none"}).status == 200
    assert _door(d, ev, secret, "marks", {"client_id": "c-scan-00001", "token": anna_code,
                                          "state": "attended"}).json()["repeated"] is True
    assert pg.psql(db, "SELECT count(*) FROM attendance") == [("0",)]
    # the admin token opens the door too
    r = d.post(f"/checkin/{ev}/api/marks", {"client_id": "c-admin-0001", "registration": anna,
                                            "state": "attended"})
    assert r.status == 200, r.text
    got = d.get(f"/api/events/{ev}/attendance").json()
    assert got["counts"][today]["attended"] == 1
    # a walk-in from the door
    r = _door(d, ev, secret, "walk-ins", {"client_id": "c-walk-00001", "name": "Jan Kowalski",
                                          "email": "jan@lodz.pl"})
    assert r.status == 200, r.text
    assert r.json()["registration"]["origin"] == "walk_in"
    assert _door(d, ev, secret, "walk-ins", {"client_id": "c-walk-00001", "name": "Jan Kowalski",
                                             "email": "jan@lodz.pl"}).json()["repeated"] is True
    got = d.get(f"/api/events/{ev}/attendance").json()
    assert got["counts"][today]["attended"] == 2 and got["walk_ins"] == 1


def test_door_refuses_an_event_not_started_or_long_over_and_marks_today_by_default():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    anna = _confirmed(pg, db, d, ev, "anna@rimini.it", "Anna Bianchi")
    secret = _secret(d, ev)
    before = _state(pg, db)
    _today_event(pg, db, ev, first=5)
    err = _refused(pg, db, _door(d, ev, secret, "marks",
                                 {"client_id": "c-early-0001", "registration": anna,
                                  "state": "attended"}), 409, "day")
    assert "from" in err["message"]
    _today_event(pg, db, ev, first=-60)
    err = _refused(pg, db, _door(d, ev, secret, "marks",
                                 {"client_id": "c-late-00001", "registration": anna,
                                  "state": "attended"}), 409, "day")
    assert "until" in err["message"]
    assert _state(pg, db) == before
    # a three-day event from yesterday: a mark without a day is today's
    _today_event(pg, db, ev, first=-1, days=3)
    today = pg.psql(db, "SELECT (now() AT TIME ZONE $1)::date::text", TZ)[0][0]
    lst = _door(d, ev, secret, "list").json()
    assert len(lst["days"]) == 3 and lst["today"] == today == lst["days"][1]
    r = _door(d, ev, secret, "marks", {"client_id": "c-multi-0001", "registration": anna,
                                       "state": "attended"})
    assert r.status == 200, r.text
    assert r.json()["day"] == today
    assert pg.psql(db, "SELECT day::text FROM attendance") == [(today,)]


def test_page_is_static_under_a_strict_policy_with_an_etag():
    pg, db, d = F.start()
    r = d.get("/checkin/1", auth=False)
    assert r.status == 200
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script src=\"/checkin/static/checkin.js\"" in r.text
    assert "<script>" not in r.text and " on" not in r.text.split("<body>")[1].split("=")[0]
    for path in ("/checkin/1", "/checkin/static/checkin.js", "/checkin/static/checkin.css"):
        r = d.get(path, auth=False)
        assert r.status == 200 and r.headers["ETag"].startswith('"'), path
        again = d.get(path, auth=False, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status == 304, path
    assert d.get("/checkin/static/checkin.js", auth=False).headers["Content-Type"].startswith(
        "text/javascript")


def _zbar(path):
    """The text of the QR code in the image at PATH, read by zbarimg
    (zbar-tools), an independent decoder."""
    p = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def _svg_to_pgm(svg, path, scale=4):
    """Draw the token page's SVG (a path of unit squares "Mx yh1v1h-1z" in
    a square viewBox) as a PGM file for zbarimg."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    dark = {(int(x), int(y)) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg)}
    assert dark
    rows = []
    for y in range(size * scale):
        rows.append(bytes(0 if (x // scale, y // scale) in dark else 255
                          for x in range(size * scale)))
    with open(path, "wb") as f:
        f.write(b"P5 %d %d 255\n" % (size * scale, size * scale))
        f.write(b"".join(rows))


def _png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_qr_on_the_token_page_and_in_the_confirmation_mail():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    assert F.register(d, ev, "anna@rimini.it", name="Anna Bianchi", org="Comune di Rimini",
                      country="IT", language="it").status == 202
    tok = F.token(pg, db, ev, "anna@rimini.it")
    page = d.get(f"/r/{tok}", auth=False)
    assert page.status == 200 and "<svg" not in page.text  # pending: no code yet
    assert F.confirm(d, tok).status == 303
    page = d.get(f"/r/{tok}", auth=False)
    assert '<section id="checkin">' in page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page.text
    assert "Codice QR per il check-in" in page.text
    code = pg.psql(db, "SELECT checkin_token FROM registrations")[0][0]
    assert code not in page.text  # the code is drawn, not written out
    svg = re.search(r"<svg.*?</svg>", page.text, re.S).group(0)
    with tempfile.TemporaryDirectory() as tmp:
        _svg_to_pgm(svg, os.path.join(tmp, "page.pgm"))
        assert _zbar(os.path.join(tmp, "page.pgm")) == code

    deadline = time.monotonic() + 20
    msg = None
    while time.monotonic() < deadline and msg is None:
        for m in d.maildir_messages():
            if m["X-Convened-Kind"] == "registration_confirmed":
                msg = m
        time.sleep(0.1)
    assert msg is not None, d.log_tail()
    parts = {p.get_content_type(): p for p in msg.walk()}
    assert "multipart/related" in parts
    png = parts["image/png"]
    cid = png["Content-ID"].strip("<>")
    html = parts["text/html"].get_content()
    assert f'src="cid:{cid}"' in html
    assert png.get_content_disposition() == "inline"
    w, h = _png_size(png.get_content())
    assert w == h and w >= 29 * 6
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "mail.png"), "wb") as f:
            f.write(png.get_content())
        assert _zbar(os.path.join(tmp, "mail.png")) == code
    assert "QR" in parts["text/plain"].get_content()
    assert "text/calendar" in parts  # the invitation is still there
    # the manage link is in the mail, but not in the image's code
    assert code not in msg.as_string()


def test_phone_page_marks_and_queues_while_convened_is_away():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ, title="Seminario di Rimini")
    names = [("anna@rimini.it", "Anna Bianchi", "Comune di Rimini", "IT"),
             ("bo@malmo.se", "Bo Ek", "Malmö stad", "SE"),
             ("pia@turku.fi", "Pia Virtanen", "Turun kaupunki", "FI"),
             ("jan@lodz.pl", "Jan Żółkiewski", "Urząd Miasta Łodzi", "PL")]
    ids = {n: _confirmed(pg, db, d, ev, e, n, o, c) for e, n, o, c in names}
    _today_event(pg, db, ev)
    secret = _secret(d, ev)
    today = pg.psql(db, "SELECT (now() AT TIME ZONE $1)::date::text", TZ)[0][0]

    sync = tempfile.mkdtemp(prefix="checkin-sync-")
    result = {}

    def browse():
        try:
            result["got"] = harness.run_browser("checkin.mjs", {
                "BASE_URL": f"http://127.0.0.1:{d.port}", "EVENT": ev, "SECRET": secret,
                "SYNC": sync})
        except BaseException as e:  # reported below
            result["error"] = e

    t = threading.Thread(target=browse)
    t.start()

    def wait_for(name):
        end = time.monotonic() + 120
        while not os.path.exists(os.path.join(sync, name)):
            if not t.is_alive() or time.monotonic() > end:
                return False
            time.sleep(0.05)
        return True

    if wait_for("stop"):
        d.stop()
        open(os.path.join(sync, "stopped"), "w").close()
        if wait_for("start"):
            d.start()
            open(os.path.join(sync, "started"), "w").close()
    t.join(240)
    if "error" in result:
        raise result["error"]
    got = result["got"]
    assert got["violations"] == [], got["violations"]
    assert got["width"] <= 390, got["width"]
    assert got["waitingWhileAway"] == 2, got
    assert got["waitingAfter"] == 0, got
    assert got["scanHidden"] is True  # headless chromium has no BarcodeDetector

    # the first tap (online) and the two queued ones, each exactly once
    rows = pg.psql(db, "SELECT registration_id, day::text, state FROM attendance ORDER BY 1")
    want = sorted((str(ids[n]), today, "attended")
                  for n in ("Anna Bianchi", "Bo Ek", "Pia Virtanen"))
    assert sorted(rows) == want, rows
    assert pg.psql(db, "SELECT count(*) FROM checkin_requests WHERE event_id = $1", ev) == \
        [("3",)]
    got = d.get(f"/api/events/{ev}/attendance").json()
    assert got["counts"][today]["attended"] == 3
    marked = {x["name"]: x["marks"] for x in got["registrations"]}
    assert marked["Jan Żółkiewski"] == {}
