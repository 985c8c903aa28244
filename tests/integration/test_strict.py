"""test_strict.py - issue 12 items 2 and 3: strict input (no control
characters in any text field, ISO 3166-1 countries) in the JSON API, the
HTML form and convenectl import, with 422 naming the field and nothing
written; double opt-in for deadline subscriptions; the same public answer
for a new and an existing address."""

import json
import os
import secrets
import tempfile

import harness
import reg_fixtures as F

BAD = ["\r\n", "\x7f", "\u0085"]


def _everything(pg, db):
    """Every row of every table a refused request could have written to."""
    return pg.psql(db, """SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM organisations),
                                 (SELECT count(*) FROM registrations), (SELECT count(*) FROM outbox),
                                 (SELECT count(*) FROM deadline_followers),
                                 (SELECT count(*) FROM projects), (SELECT count(*) FROM events),
                                 (SELECT count(*) FROM deadlines),
                                 (SELECT coalesce(string_agg(p.name || p.email, ',' ORDER BY id), '')
                                    FROM people p)""")


def _refused(r, field):
    assert r.status == 422, r
    e = r.json()["error"]
    assert e["field"] == field and f"field {field}:" in e["message"], r
    assert e["code"] in ("invalid_value", "too_long"), r


def test_control_characters_refused_in_every_api_text_field():
    pg, db, d = F.start()
    pid = F.project(pg, db, slug="net")
    ev = F.event(pg, db, pid, capacity=10)
    F.register(d, ev, "first@x.org")  # something in the tables to compare
    reg = {"email": "a@b.se", "name": "Anna", "organisation": "Kommun", "country": "SE"}
    follow = {"project": "net", "email": "f@b.se", "name": "Fia"}
    project = {"slug": "p2", "title": "T", "programme": "Interreg", "description": "D"}
    org = {"name": "Comune", "country": "IT", "city": "Rimini"}
    event = {"project": "net", "kind": "seminar", "title": "S", "tz": "Europe/Rome",
             "start": "2030-03-01T09:00", "end": "2030-03-01T12:00", "venue": "V",
             "city": "Rimini", "description": "D"}
    deadline = {"project": "net", "kind": "report", "title": "R", "tz": "Europe/Brussels",
                "due": "2030-09-01T12:00", "description": "D"}
    cases = [  # (method, path, body, field, auth)
        *[("POST", f"/api/public/events/{ev}/registrations", reg, f, False)
          for f in ("name", "organisation")],
        ("POST", "/api/public/subscriptions", follow, "name", False),
        *[("POST", "/api/projects", project, f, True) for f in ("title", "programme")],
        *[("POST", "/api/organisations", org, f, True) for f in ("name", "city")],
        *[("POST", "/api/events", event, f, True) for f in ("title", "venue", "city")],
        ("POST", "/api/deadlines", deadline, "title", True),
        ("PATCH", f"/api/events/{ev}", {"title": "x"}, "title", True),
    ]
    before = _everything(pg, db)
    n = 0
    for method, path, body, field, auth in cases:
        for bad in BAD:
            b = dict(body)
            b[field] = "Ann" + bad + "a"
            _refused(d.request(method, path, b, auth=auth), field)
            n += 1
    # a description may hold line breaks, nothing else
    for method, path, body in [("POST", "/api/projects", project),
                               ("POST", "/api/events", event),
                               ("POST", "/api/deadlines", deadline)]:
        for bad in ("\x7f", "\u0085", "\t", "\x1b"):
            b = dict(body)
            b["description"] = "line one\n" + bad
            _refused(d.request(method, path, b), "description")
            n += 1
    assert n == 3 * len(cases) + 12
    assert _everything(pg, db) == before
    # the same bodies without the bad characters are accepted
    r = d.post("/api/events", dict(event, description="Day one\r\nDay two\n"))
    assert r.status == 201, r
    assert pg.psql(db, "SELECT description FROM events WHERE id = $1",
                   r.json()["id"]) == [("Day one\r\nDay two\n",)]
    assert F.register(d, ev, "a@b.se", name="Zażółć Ångström").status == 202


def test_countries_checked_against_iso_3166():
    pg, db, d = F.start()
    pid = F.project(pg, db, slug="net")
    ev = F.event(pg, db, pid, capacity=10)
    F.register(d, ev, "first@x.org", country="PL")
    before = _everything(pg, db)
    for cc in ("XX", "ZZ", "UK", "Polska", "PO", "pl"):
        _refused(F.register(d, ev, "a@b.se", country=cc), "country")
        _refused(d.post("/api/organisations", {"name": "O", "country": cc}), "country")
        _refused(d.post("/api/events", {"project": "net", "kind": "seminar", "title": "S",
                                        "tz": "Europe/Rome", "start": "2030-03-01T09:00",
                                        "end": "2030-03-01T12:00", "country": cc}), "country")
    r = F.register(d, ev, "a@b.se", country="XX")
    assert "ISO 3166" in r.json()["error"]["message"], r
    assert _everything(pg, db) == before
    for cc in ("SE", "HR", "XK"):
        assert F.register(d, ev, f"{cc.lower()}@b.se", org=f"Org {cc}", country=cc).status == 202
    assert pg.psql(db, "SELECT count(*) FROM organisations WHERE country IN ('SE', 'HR', 'XK')") \
        == [("3",)]


def test_form_refuses_control_characters_and_countries_in_the_readers_language():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=10)
    path = f"/events/{ev}/register"
    good = {"name": "Anna", "email": "a@b.se", "organisation": "Kommun", "country": "SE",
            "role": "official", "language": "sv"}
    before = _everything(pg, db)
    labels = {"name": "Ditt namn", "organisation": "Organisation"}
    for field, label in labels.items():
        for bad in BAD:
            r = F.form(d, path, dict(good, **{field: "An" + bad + "na"}))
            assert r.status == 422, r
            assert (f'<a href="#{field}">{label}</a>: Ta bort radbrytningar, tabbar och '
                    "andra styrtecken." in r.text), r.text
            assert f'id="{field}-error"' in r.text
            assert 'lang="sv"' in r.text
    for cc, lang, words in [("XX", "sv", "Välj ett land i listan."),
                            ("ZZ", "pl", "Wybierz kraj z listy."),
                            ("Polska", "en", "Please choose a country from the list.")]:
        r = F.form(d, path, dict(good, country=cc, language=lang))
        assert r.status == 422 and words in r.text, r
    assert _everything(pg, db) == before
    # the country input does not cut what was typed (no maxlength="2")
    g = d.get(path, auth=False)
    assert 'name="country"' in g.text and 'maxlength="2"' not in g.text


def test_import_refuses_control_characters_naming_the_field():
    pg, db, d = F.start()
    F.project(pg, db, slug="imp")
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
           "BEGIN:VEVENT\r\nUID:bad-venue@test\r\nDTSTAMP:20260101T000000Z\r\n"
           "DTSTART;TZID=Europe/Rome:20300301T090000\r\nDTEND;TZID=Europe/Rome:20300301T120000\r\n"
           "SUMMARY:Seminar\r\nLOCATION:Sala\\nRossa\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:bad-title@test\r\nDTSTAMP:20260101T000000Z\r\n"
           "DTSTART;TZID=Europe/Rome:20300302T090000\r\nDTEND;TZID=Europe/Rome:20300302T120000\r\n"
           "SUMMARY:Semi\x7fnar\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:good@test\r\nDTSTAMP:20260101T000000Z\r\n"
           "DTSTART;TZID=Europe/Rome:20300303T090000\r\nDTEND;TZID=Europe/Rome:20300303T120000\r\n"
           "SUMMARY:Good\r\nDESCRIPTION:Day one\\nDay two\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n")
    with tempfile.NamedTemporaryFile("w", suffix=".ics", delete=False, encoding="utf-8") as f:
        f.write(ics)
    try:
        r = d.ctl("import", f.name, "--project", "imp")
    finally:
        os.unlink(f.name)
    out = r.stdout
    assert "field venue: contains a control character" in out, (out, r.stderr)
    assert "field title: contains a control character" in out, (out, r.stderr)
    assert out.splitlines()[-1] == "1 imported, 2 skipped", out
    assert pg.psql(db, "SELECT uid, description FROM events ORDER BY id") == \
        [("good@test", "Day one\nDay two")]


def _follow(d, email, name="Fia", lang="en"):
    return d.post("/api/public/subscriptions", {"project": "grants", "email": email,
                                                "name": name, "language": lang}, auth=False)


def _deadline(pg, db, proj):
    dl = pg.psql(db, """INSERT INTO deadlines (project_id, kind, title, tz, due_local, due_at, uid)
        SELECT $1, 'grant_submission', 'Application', 'Europe/Brussels',
               (now() + interval '40 days') AT TIME ZONE 'Europe/Brussels',
               now() + interval '40 days', $2 RETURNING id""", proj, "dl-" + secrets.token_hex(6))
    return int(dl[0][0])


def test_follow_needs_confirmation_before_any_reminder():
    pg, db, d = F.start(config={"plugin spool": {"fsync": "no"}})
    proj = F.project(pg, db, slug="grants", title="Grants 2030")
    _deadline(pg, db, proj)
    r = _follow(d, "fia@kunta.fi", lang="fi")
    assert r.status == 202, r
    tok = pg.psql(db, "SELECT token FROM deadline_followers")[0][0]
    kinds = lambda: pg.psql(db, "SELECT kind, state FROM outbox ORDER BY id")  # noqa: E731
    # one confirmation request, no reminder
    assert [k for k, _ in kinds()] == ["follow_confirm_request"]

    def mail():
        ms = d.maildir_messages()
        return ms if ms else None

    ms = harness.wait_until(mail, timeout=15, msg="the confirmation mail")
    assert len(ms) == 1
    body = ms[0].get_body(("plain",)).get_content()
    assert f"{d.url}/follow/{tok}" in body and "Grants 2030" in body
    assert "Vahvista" in ms[0]["Subject"]
    # the personal feed does not show the unconfirmed project's deadlines
    feed = pg.psql(db, "SELECT feed_token FROM people")[0][0]
    assert "Application" not in d.get(f"/calendars/personal/{feed}.ics", auth=False).text
    # GET shows the page and changes nothing
    for _ in range(2):
        g = d.get(f"/follow/{tok}", auth=False)
        assert g.status == 200 and f'action="/follow/{tok}/confirm"' in g.text, g
    assert pg.psql(db, "SELECT confirmed_at IS NULL FROM deadline_followers") == [("t",)]
    # re-scheduling the project's deadlines passes over the unconfirmed follow
    pg.psql(db, "SELECT cv_schedule_deadline_reminders(id) FROM deadlines")
    assert [k for k, _ in kinds()] == ["follow_confirm_request"]
    # asking again while unconfirmed sends the request again, still no reminder
    assert _follow(d, "FIA@kunta.fi").status == 202
    assert [k for k, _ in kinds()] == ["follow_confirm_request"] * 2
    # POST confirms: reminders now scheduled
    c = d.post(f"/follow/{tok}/confirm", b"", auth=False,
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert c.status == 200 and "Kiitos" in c.text, c
    rem = pg.psql(db, "SELECT count(*) FROM outbox WHERE kind = 'deadline_reminder' "
                      "AND state = 'pending'")[0][0]
    assert int(rem) >= 1
    # the feed cache is refreshed by the database's NOTIFY of the change
    harness.wait_until(
        lambda: "Application" in d.get(f"/calendars/personal/{feed}.ics", auth=False).text,
        timeout=10, msg="the confirmed project's deadline in the personal feed")
    g = d.get(f"/follow/{tok}", auth=False)
    assert "/confirm" not in g.text and f'action="/unsubscribe/{tok}"' in g.text


def test_unconfirmed_follow_expires():
    pg, db, d = F.start()
    F.project(pg, db, slug="grants")
    assert _follow(d, "old@x.se").status == 202
    tok = pg.psql(db, "SELECT token FROM deadline_followers")[0][0]
    pg.psql(db, "UPDATE optin_settings SET follow_expire_after = '1 hour'")
    pg.psql(db, "UPDATE deadline_followers SET created_at = now() - interval '2 hours'")
    assert d.get(f"/follow/{tok}", auth=False).status == 404
    c = d.post(f"/follow/{tok}/confirm", b"", auth=False,
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert c.status == 404, c
    assert pg.psql(db, "SELECT confirmed_at FROM deadline_followers") == [(None,)]
    # the next request removes it
    assert _follow(d, "new@x.se").status == 202
    assert pg.psql(db, """SELECT p.email FROM deadline_followers f
                          JOIN people p ON p.id = f.person_id""") == [("new@x.se",)]


def test_same_answer_for_new_and_existing_address():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db, slug="grants"), capacity=10)
    # registrations: new, pending again, confirmed
    a = F.register(d, ev, "maria@comune.it")
    b = F.register(d, ev, "maria@comune.it")
    F.confirm(d, F.token(pg, db, ev, "maria@comune.it"))
    c = F.register(d, ev, "MARIA@comune.it", name="Someone Else")
    n = F.register(d, ev, "nuovo@comune.it")
    for r in (a, b, c, n):
        assert (r.status, r.body) == (a.status, a.body), (a, r)
    assert a.status == 202
    # the HTML form
    path = f"/events/{ev}/register"
    fields = {"name": "Maria", "email": "maria@comune.it", "organisation": "Comune",
              "country": "IT", "language": "it"}
    old = F.form(d, path, fields)
    new = F.form(d, path, dict(fields, email="altro@comune.it"))
    assert (old.status, old.body) == (new.status, new.body), (old, new)
    assert old.status == 200
    # follows: new, unconfirmed again, confirmed
    f1 = _follow(d, "f@x.fi")
    f2 = _follow(d, "f@x.fi")
    tok = pg.psql(db, "SELECT token FROM deadline_followers")[0][0]
    d.post(f"/follow/{tok}/confirm", b"", auth=False,
           headers={"Content-Type": "application/x-www-form-urlencoded"})
    f3 = _follow(d, "F@x.fi")
    f4 = _follow(d, "other@x.fi")
    for r in (f1, f2, f3, f4):
        assert (r.status, r.body) == (f1.status, f1.body), (f1, r)
    assert f1.status == 202 and json.loads(f1.body)["accepted"] is True


def _person(pg, db, reg_id):
    return pg.psql(db, """SELECT p.name, o.name, o.country, p.role, p.language
                            FROM registrations r JOIN people p ON p.id = r.person_id
                            LEFT JOIN organisations o ON o.id = r.organisation_id
                           WHERE r.id = $1""", reg_id)[0]


def test_secretariat_corrects_a_stored_person_by_api_and_convenectl():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=10)
    assert F.register(d, ev, "anna@kommun.se", name="Anna").status == 202
    rid = int(pg.psql(db, "SELECT id FROM registrations")[0][0])
    # the confirmation request is sent first: rewriting a row the outbox
    # holds in flight would race its outcome update
    harness.wait_until(lambda: len(d.maildir_messages()) == 1, timeout=20)
    # a name stored before the rule (written straight into the table)
    pg.psql(db, "UPDATE people SET name = E'Anna\\r\\nBcc: x@evil.example'")
    pg.psql(db, "UPDATE outbox SET recipient_name = E'Anna\\r\\nBcc: x@evil.example', "
                "state = 'pending', next_attempt_at = now() + interval '1 hour'")
    path = f"/api/registrations/{rid}"
    assert d.patch(path, {"name": "Anna Berg"}, auth=False).status == 401
    before = _everything(pg, db)
    for body, field in [({"name": "Anna\u0085"}, "name"), ({"organisation": "O\x7f", "country": "SE"},
                        "organisation"), ({"organisation": "O", "country": "XX"}, "country")]:
        _refused(d.patch(path, body), field)
    assert d.patch(path, {}).status == 400
    assert d.patch(path, {"organisation": "O"}).status == 400  # without its country
    assert d.patch("/api/registrations/999999", {"name": "X"}).status == 404
    assert _everything(pg, db) == before
    r = d.patch(path, {"name": "Anna Berg", "role": "elected", "language": "sv"})
    assert r.status == 200, r
    j = r.json()["registration"]
    assert (j["id"], j["name"], j["role"], j["language"]) == (rid, "Anna Berg", "elected", "sv")
    assert _person(pg, db, rid) == ("Anna Berg", "Kommun", "SE", "elected", "sv")
    # the pending mail now goes to the corrected name
    assert pg.psql(db, "SELECT DISTINCT recipient_name, language FROM outbox "
                       "WHERE state = 'pending'") == [("Anna Berg", "sv")]
    c = d.ctl("registration", "correct", str(rid), "--organisation", "Miasto Poznań",
              "--country", "PL")
    assert c.returncode == 0, (c.stdout, c.stderr)
    assert _person(pg, db, rid) == ("Anna Berg", "Miasto Poznań", "PL", "elected", "sv")
    before = _everything(pg, db)
    c = d.ctl("registration", "correct", str(rid), "--organisation", "X", "--country", "ZZ")
    assert c.returncode != 0 and "country" in c.stderr, (c.stdout, c.stderr)
    assert _everything(pg, db) == before


def test_person_corrects_own_details_from_the_token_page():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=10)
    assert F.register(d, ev, "lena@espoo.fi", name="Lena", org="Espo", country="FI",
                      language="fi").status == 202
    tok = F.token(pg, db, ev, "lena@espoo.fi")
    rid = int(pg.psql(db, "SELECT id FROM registrations")[0][0])
    g = d.get(f"/r/{tok}", auth=False)
    assert g.status == 200 and f'action="{tok}/details"' in g.text and 'value="Espo"' in g.text
    assert _person(pg, db, rid) == ("Lena", "Espo", "FI", "official", "fi")
    path = f"/r/{tok}/details"
    before = _everything(pg, db)
    for fields in ({"name": "Le\r\nna", "organisation": "Espoo", "country": "FI"},
                   {"name": "Lena", "organisation": "Espoo\x7f", "country": "FI"},
                   {"name": "Lena", "organisation": "Espoo", "country": "XX"},
                   {"name": "Lena", "organisation": "Espoo", "country": "FI", "email": "x@y.fi"}):
        r = F.form(d, path, fields)
        assert r.status in (400, 422), (fields, r)
    r = F.form(d, path, {"name": "Le\u0085na", "organisation": "Espoo", "country": "FI"},
               headers={"Accept-Language": "fi"})
    assert r.status == 422 and 'Nimesi</a>: Poista rivinvaihdot' in r.text, r.text
    assert 'id="name-error"' in r.text
    assert F.form(d, "/r/" + "0" * 64 + "/details", {"name": "X"}).status == 404
    assert _everything(pg, db) == before
    r = F.form(d, path, {"name": "Lena Virtanen", "organisation": "Espoon kaupunki",
                         "country": "fi"})
    assert r.status == 303 and r.header("Location").endswith(f"/r/{tok}?done=1"), r
    assert _person(pg, db, rid) == ("Lena Virtanen", "Espoon kaupunki", "FI", "official", "fi")
