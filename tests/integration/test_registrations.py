"""test_registrations.py - registration with double opt-in, capacity,
per-organisation caps, the waiting list and its promotion order, windows,
duplicates, cancellation, the secretariat's list (JSON/CSV), the
attendance report, subscriptions and bad input (issue 3)."""

import csv
import io
import json
import re

import harness
import reg_fixtures as F


def test_double_opt_in_get_changes_nothing():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=10)
    r = F.register(d, ev, "anna@kommun.se", name="Anna Berg", language="sv")
    assert r.status == 202, r
    assert r.json()["accepted"] is True and "registration" not in r.json()
    assert "token" not in r.text  # the secret only travels by mail
    assert F.states(pg, db, ev) == {"anna@kommun.se": ("pending", None)}
    assert [k for k, _, _ in F.outbox(pg, db)] == ["registration_confirm_request"]
    tok = F.token(pg, db, ev, "anna@kommun.se")
    assert len(tok) == 64 and all(c in "0123456789abcdef" for c in tok)
    # the link travels by mail (spool plugin): the confirmation request carries it
    def mail_with_link():
        for m in d.maildir_messages():
            body = m.get_body(("plain",))
            if body is not None and f"{d.url}/r/{tok}" in body.get_content():
                return m
        return None

    m = harness.wait_until(mail_with_link, timeout=15, msg="confirmation mail with the link")
    assert m["To"].addresses[0].addr_spec == "anna@kommun.se"

    before = F.snapshot(pg, db)
    for _ in range(2):
        g = d.get(f"/r/{tok}", auth=False)
        assert g.status == 200, g
        assert 'data-state="pending"' in g.text
        assert f'action="{tok}/confirm"' in g.text and 'method="post"' in g.text
    assert d.request("HEAD", f"/r/{tok}", auth=False).status == 200
    # a GET on the button's target is not a way in either
    assert d.get(f"/r/{tok}/confirm", auth=False).status == 405
    assert F.snapshot(pg, db) == before
    assert F.states(pg, db, ev) == {"anna@kommun.se": ("pending", None)}

    c = F.confirm(d, tok)
    assert c.status == 303, c
    assert c.header("Location") == f"{d.url}/r/{tok}?done=1"
    assert F.states(pg, db, ev) == {"anna@kommun.se": ("confirmed", None)}
    assert [k for k, _, _ in F.outbox(pg, db)] == ["registration_confirm_request",
                                                    "registration_confirmed"]
    g = d.get(f"/r/{tok}?done=1", auth=False)
    assert 'data-state="confirmed"' in g.text
    assert "Din anmälan" in g.text  # the person's language (sv)
    feed = pg.psql(db, "SELECT feed_token FROM people")[0][0]
    assert f"{d.url}/calendars/personal/{feed}.ics" in g.text
    assert f"webcal://127.0.0.1:{d.port}/calendars/personal/{feed}.ics" in g.text
    # confirming again changes nothing
    n = len(F.outbox(pg, db))
    assert F.confirm(d, tok).status == 303
    assert len(F.outbox(pg, db)) == n


def test_capacity_org_cap_and_waitlist_promotion_order():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=3, org_cap=2)
    people = [("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"), ("c1", "C"), ("b2", "B")]
    tok = {}
    for who, org in people:
        assert F.register(d, ev, f"{who}@x.org", name=who, org=f"Org {org}", country="IT").status == 202
        tok[who] = F.token(pg, db, ev, f"{who}@x.org")
    for who, _ in people:
        assert F.confirm(d, tok[who]).status == 303
    st = F.states(pg, db, ev)
    assert st == {
        "a1@x.org": ("confirmed", None), "a2@x.org": ("confirmed", None),
        "a3@x.org": ("waitlisted", 1),  # org A at its cap of 2
        "b1@x.org": ("confirmed", None),  # the third and last seat
        "c1@x.org": ("waitlisted", 2), "b2@x.org": ("waitlisted", 3),
    }, st
    lst = d.get(f"/api/events/{ev}/registrations").json()["registrations"]
    assert {x["email"]: x["waitlist_position"] for x in lst if x["state"] == "waitlisted"} == {
        "a3@x.org": 1, "c1@x.org": 2, "b2@x.org": 3}
    g = d.get(f"/r/{tok['c1']}", auth=False)
    assert 'data-state="waitlisted"' in g.text
    assert "Your position on the waiting list: <strong>2</strong>" in g.text

    # b1 leaves: a3 is first but org A is at its cap, so c1 gets the seat
    assert F.cancel(d, tok["b1"]).status == 303
    st = F.states(pg, db, ev)
    assert st["b1@x.org"][0] == "cancelled"
    assert st["c1@x.org"] == ("confirmed", None)
    assert st["a3@x.org"] == ("waitlisted", 1) and st["b2@x.org"] == ("waitlisted", 3)
    kinds = [(k, rcpt) for k, rcpt, _ in F.outbox(pg, db)][-2:]
    assert kinds == [("registration_cancelled", "b1@x.org"), ("registration_promoted", "c1@x.org")]

    # the secretariat cancels a1: now a3 (first in line, org A under cap) is promoted
    rid = pg.psql(db, """SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                         WHERE p.email = 'a1@x.org'""")[0][0]
    assert d.post(f"/api/registrations/{rid}/cancel", auth=False).status == 401
    r = d.post(f"/api/registrations/{rid}/cancel")
    assert r.status == 200, r
    assert r.json() == {"registration": {"id": int(rid), "state": "cancelled"}, "changed": True,
                        "promoted": 1}
    st = F.states(pg, db, ev)
    assert st["a3@x.org"] == ("confirmed", None) and st["b2@x.org"] == ("waitlisted", 3)
    # cancelling again is harmless
    r = d.post(f"/api/registrations/{rid}/cancel")
    assert r.status == 200 and r.json()["changed"] is False and r.json()["promoted"] == 0

    # capacity rises (the events API calls cv_promote_waitlist): b2 gets in
    pg.psql(db, "UPDATE events SET capacity = 4 WHERE id = $1; SELECT cv_promote_waitlist($1)", ev)
    st = F.states(pg, db, ev)
    assert st["b2@x.org"] == ("confirmed", None)
    assert sum(1 for s, _ in st.values() if s == "confirmed") == 4
    promoted = pg.psql(db, """SELECT p.email FROM registrations r JOIN people p ON p.id = r.person_id
                              WHERE r.promoted_at IS NOT NULL ORDER BY r.promoted_at, r.id""")
    assert [e for e, in promoted] == ["c1@x.org", "a3@x.org", "b2@x.org"]
    assert [rcpt for _, rcpt, _ in F.outbox(pg, db, "registration_promoted")] == [
        "c1@x.org", "a3@x.org", "b2@x.org"]


def test_registration_window_refusal_says_when_in_the_events_zone():
    pg, db, d = F.start()
    p = F.project(pg, db)
    later = F.event(pg, db, p, tz="Europe/Helsinki", starts_in="3000 days",
                    opens="2034-05-01 09:00 Europe/Helsinki")
    closed = F.event(pg, db, p, tz="Europe/Rome", closes="2020-01-10 12:00 Europe/Rome")
    draft = F.event(pg, db, p, status="draft")
    gone = F.event(pg, db, p, status="cancelled")
    before = F.snapshot(pg, db)
    r = F.register(d, later, "x@y.fi")
    assert r.status == 409, r
    e = r.json()["error"]
    assert e["field"] == "event"
    assert e["message"] == "registration opens on 2034-05-01 09:00 (Europe/Helsinki)", e
    r = F.register(d, closed, "x@y.fi")
    assert r.status == 409, r
    assert r.json()["error"]["message"] == "registration closed on 2020-01-10 12:00 (Europe/Rome)"
    r = F.register(d, draft, "x@y.fi")
    assert r.status == 409 and "not open" in r.json()["error"]["message"], r
    r = F.register(d, gone, "x@y.fi")
    assert r.status == 409 and "cancelled" in r.json()["error"]["message"], r
    assert F.snapshot(pg, db) == before
    # the form says so too, in the visitor's language
    g = d.get(f"/events/{closed}/register?lang=it", auth=False)
    assert g.status == 200 and "<form" not in g.text
    # in words, in the event's zone (when.h): the day and 12:00 Rome time
    assert re.search(r"Le iscrizioni si sono chiuse il [^<]*10 gennaio 2020[^<]* 12:00", g.text), \
        g.text
    g = d.get(f"/events/{later}/register", auth=False)
    assert re.search(r"Registration opens on [^<]*May 1, 2034[^<]* 9:00", g.text), g.text


def test_duplicate_registration_keeps_the_existing_one():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    r1 = F.register(d, ev, "Maria@Comune.it", name="Maria", org="Comune di Rimini", country="IT")
    assert r1.status == 202, r1
    r2 = F.register(d, ev, "maria@comune.IT", name="Someone Else", org="Comune di Rimini",
                    country="IT")
    assert (r2.status, r2.body) == (r1.status, r1.body), r2  # the same answer (test_strict.py)
    assert pg.psql(db, "SELECT count(*), min(name) FROM people") == [("1", "Maria")]
    assert pg.psql(db, "SELECT count(*) FROM registrations") == [("1",)]
    keys = pg.psql(db, "SELECT dedupe_key FROM outbox WHERE kind = 'registration_confirm_request'")
    assert len(keys) == 2 and keys[0] != keys[1]  # resent with a new key
    assert F.confirm(d, F.token(pg, db, ev, "maria@comune.it")).status == 303
    r3 = F.register(d, ev, "MARIA@comune.it")
    assert (r3.status, r3.body) == (r1.status, r1.body), r3
    assert pg.psql(db, "SELECT count(*) FROM outbox WHERE kind = 'registration_confirm_request'") == [("2",)]
    assert pg.psql(db, "SELECT count(*) FROM registrations WHERE state = 'confirmed'") == [("1",)]


def test_cancellation_by_participant_promotes_at_once():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=1)
    for who in ("x", "y"):
        F.register(d, ev, f"{who}@a.se", org=f"Org {who}")
    tx, ty = F.token(pg, db, ev, "x@a.se"), F.token(pg, db, ev, "y@a.se")
    F.confirm(d, tx)
    F.confirm(d, ty)
    assert F.states(pg, db, ev) == {"x@a.se": ("confirmed", None), "y@a.se": ("waitlisted", 1)}
    page = d.get(f"/r/{tx}", auth=False).text
    # cancel is a link to its second step (test_public_pages.py), no confirm
    assert f'id="cancel" href="{tx}/cancel"' in page and f'action="{tx}/confirm"' not in page
    r = F.cancel(d, tx)
    assert r.status == 303, r
    # no waiting: the seat changed hands in the same transaction
    assert F.states(pg, db, ev) == {"x@a.se": ("cancelled", None), "y@a.se": ("confirmed", None)}
    txs = pg.psql(db, """SELECT kind, recipient FROM outbox WHERE kind IN
                         ('registration_cancelled', 'registration_promoted') ORDER BY id""")
    assert txs == [("registration_cancelled", "x@a.se"), ("registration_promoted", "y@a.se")]
    page = d.get(f"/r/{tx}", auth=False).text
    assert 'data-state="cancelled"' in page and "<button" not in page
    n = len(F.outbox(pg, db))
    assert F.cancel(d, tx).status == 303  # twice: nothing more happens
    assert len(F.outbox(pg, db)) == n
    r = F.confirm(d, tx)  # refused: back to the page, which says why in words
    assert r.status == 303 and r.header("Location").endswith(f"/r/{tx}"), r
    assert "This registration was cancelled." in d.get(f"/r/{tx}", auth=False).text
    # registering again reopens the same registration as pending
    r = F.register(d, ev, "x@a.se")
    assert r.status == 202, r
    assert F.states(pg, db, ev)["x@a.se"] == ("pending", None)
    assert pg.psql(db, "SELECT count(*) FROM registrations") == [("2",)]


def test_admin_list_json_and_injection_safe_csv():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    F.register(d, ev, "eve@x.org", name="=HYPERLINK(\"http://evil\")", org="+Org, \"quoted\"",
               country="PL")
    F.register(d, ev, "bob@x.org", name="Bob", org="@home", country="SE", role="elected")
    F.confirm(d, F.token(pg, db, ev, "bob@x.org"))
    assert d.get(f"/api/events/{ev}/registrations", auth=False).status == 401
    assert d.get(f"/api/events/{ev}/registrations", auth="wrong").status == 403
    j = d.get(f"/api/events/{ev}/registrations")
    assert j.status == 200 and j.header("Content-Type") == "application/json"
    regs = j.json()["registrations"]
    assert [(x["email"], x["state"]) for x in regs] == [("eve@x.org", "pending"),
                                                         ("bob@x.org", "confirmed")]
    assert regs[1]["role"] == "elected" and regs[1]["country"] == "SE"
    assert regs[1]["confirmed_at"].endswith("Z")
    only = d.get(f"/api/events/{ev}/registrations?state=confirmed").json()["registrations"]
    assert [x["email"] for x in only] == ["bob@x.org"]
    for path in (f"/api/events/{ev}/registrations?format=csv", f"/api/events/{ev}/registrations"):
        c = d.get(path, headers={"Accept": "text/csv"})
        assert c.status == 200 and c.header("Content-Type").startswith("text/csv"), c
        assert "attachment" in c.header("Content-Disposition")
        rows = list(csv.reader(io.StringIO(c.text)))
        assert rows[0][:5] == ["id", "state", "waitlist_position", "name", "email"]
        eve = rows[1]
        assert eve[3] == "'=HYPERLINK(\"http://evil\")"
        assert eve[5] == "'+Org, \"quoted\"" and eve[6] == "PL"
        assert rows[2][5] == "'@home"
        assert len(rows) == 3
    assert d.get(f"/api/events/{ev}/registrations?format=xml").status == 422
    assert d.get(f"/api/events/{ev}/registrations?state=happy").status == 422
    r = d.get(f"/api/events/{ev}/registrations?sort=name")
    assert r.status == 400 and r.json()["error"]["field"] == "sort"
    assert d.get("/api/events/999999/registrations").status == 404
    assert d.get("/api/events/abc/registrations").status == 404
    assert d.post("/api/registrations/999999/cancel").status == 404
    r = d.post(f"/api/registrations/{regs[0]['id']}/cancel", {"why": "x"})
    assert r.status == 400 and r.json()["error"]["field"] == "why"
    assert F.states(pg, db, ev)["eve@x.org"] == ("pending", None)


def test_attendance_report_per_event_and_project():
    pg, db, d = F.start()
    p = F.project(pg, db, slug="eunet", title="EU Net")
    e1 = F.event(pg, db, p, title="Poznan", starts_in="10 days", capacity=10)
    e2 = F.event(pg, db, p, title="Rimini", starts_in="20 days", capacity=10)
    other = F.event(pg, db, F.project(pg, db, slug="other"), title="Elsewhere")
    plan = [(e1, "a@se", "Malmö stad", "SE"), (e1, "b@se", "Malmö stad", "SE"),
            (e1, "c@it", "Comune di Rimini", "IT"), (e2, "a@se", "Malmö stad", "SE"),
            (e2, "d@pl", "Miasto Poznań", "PL"), (other, "z@fi", "Espoo", "FI")]
    for ev, who, org, cc in plan:
        email = who + ".example"
        assert F.register(d, ev, email, name=who.upper(), org=org, country=cc).status == 202
        F.confirm(d, F.token(pg, db, ev, email))
    F.register(d, e2, "pending@x.org", org="Pending Org", country="ES")  # never confirmed
    r = d.get("/api/reports/attendance?project=eunet")
    assert r.status == 200, r
    j = r.json()
    assert j["project"] == {"slug": "eunet", "title": "EU Net", "events": 2, "registrations": 5,
                            "participants": 4, "organisations": 3, "countries": 3}
    evs = {x["title"]: x for x in j["events"]}
    assert [x["title"] for x in j["events"]] == ["Poznan", "Rimini"]
    assert (evs["Poznan"]["confirmed"], evs["Poznan"]["organisations"], evs["Poznan"]["countries"]) == (3, 2, 2)
    assert (evs["Rimini"]["confirmed"], evs["Rimini"]["organisations"], evs["Rimini"]["countries"]) == (2, 2, 2)
    names = sorted(x["email"] for x in evs["Rimini"]["participants"])
    assert names == ["a@se.example", "d@pl.example"]
    assert evs["Rimini"]["start"]["tz"] == "Europe/Rome" and evs["Rimini"]["start"]["utc"].endswith("Z")
    c = d.get("/api/reports/attendance?project=eunet&format=csv")
    assert c.status == 200, c
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert [(x["scope"], x["title"], x["confirmed"], x["organisations"], x["countries"]) for x in rows] == [
        ("event", "Poznan", "3", "2", "2"), ("event", "Rimini", "2", "2", "2"),
        ("project", "EU Net", "4", "3", "3")]
    c = d.get("/api/reports/attendance?project=eunet&view=participants",
              headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert len(rows) == 5 and {x["country"] for x in rows} == {"SE", "IT", "PL"}
    assert d.get("/api/reports/attendance?project=nope").status == 404
    r = d.get("/api/reports/attendance")
    assert r.status == 400 and r.json()["error"]["field"] == "project"
    assert d.get("/api/reports/attendance?project=Bad%20Slug").status == 422
    assert d.get("/api/reports/attendance?project=eunet", auth=False).status == 401


def test_subscription_to_project_deadlines():
    pg, db, d = F.start()
    F.project(pg, db, slug="grants")
    r = d.post("/api/public/subscriptions", {"project": "grants", "email": "f@x.fi", "name": "F",
                                             "language": "fi"}, auth=False)
    assert r.status == 202 and r.json()["accepted"] is True, r
    r2 = d.post("/api/public/subscriptions", {"project": "grants", "email": "F@X.fi", "name": "F"},
                auth=False)
    assert (r2.status, r2.body) == (r.status, r.body), r2
    assert pg.psql(db, """SELECT p.email, p.language, length(f.token) FROM deadline_followers f
                          JOIN people p ON p.id = f.person_id""") == [("f@x.fi", "fi", "64")]
    before = F.snapshot(pg, db)
    bad = [
        ({"project": "nope", "email": "a@b.se", "name": "A"}, 404, "project"),
        ({"project": "grants", "email": "not-an-email", "name": "A"}, 422, "email"),
        ({"project": "grants", "name": "A"}, 400, "email"),
        ({"project": "grants", "email": "a@b.se", "name": "A", "x": 1}, 400, "x"),
        ({"project": "grants", "email": "a@b.se", "name": "A", "language": "de"}, 422, "language"),
    ]
    for body, status, field in bad:
        r = d.post("/api/public/subscriptions", body, auth=False)
        assert r.status == status and r.json()["error"].get("field") == field, (body, r)
    assert F.snapshot(pg, db) == before


def test_bad_registration_input_is_refused_and_changes_nothing():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    F.register(d, ev, "first@x.org")  # something in the tables to compare
    good = {"email": "a@b.se", "name": "A", "organisation": "O", "country": "SE"}

    def w(**kw):
        b = dict(good)
        for k, v in kw.items():
            if v is None:
                b.pop(k)
            else:
                b[k] = v
        return json.dumps(b).encode()

    path = f"/api/public/events/{ev}/registrations"
    cases = [
        (path, b"{not json", 400, None),
        (path, b"", 400, None),
        (path, b"[1, 2]", 400, None),
        (path, b'{"email": "a@b.se", "email": "c@d.se"}', 400, None),
        (path, w(email=None), 400, "email"),
        (path, w(name=None), 400, "name"),
        (path, w(organisation=None), 400, "organisation"),
        (path, w(country=None), 400, "country"),
        (path, w(colour="red"), 400, "colour"),
        (path, w(name=5), 400, "name"),
        (path, w(organisation_id="7"), 400, "organisation_id"),
        (path, w(name="x" * 201), 422, "name"),
        (path, w(name="   "), 422, "name"),
        (path, w(email="no-at-sign"), 422, "email"),
        (path, w(email="a b@c.se"), 422, "email"),
        (path, w(email="a@" + "b" * 250 + ".se"), 422, "email"),
        (path, w(country="Sweden"), 422, "country"),
        (path, w(country="se"), 422, "country"),
        (path, w(role="mayor"), 422, "role"),
        (path, w(language="de"), 422, "language"),
        (path, w(organisation=None, country=None, organisation_id=999999), 404, "organisation_id"),
        (path, w(organisation_id=1), 400, "organisation_id"),
        (path, b'{"email": "a@b.se", "name": "\xff\xfe", "organisation": "O", "country": "SE"}',
         400, None),
        (path, b'{"email": "a@b.se", "name": "A\\u0000B", "organisation": "O", "country": "SE"}',
         400, None),
        ("/api/public/events/999999/registrations", w(), 404, "event"),
        ("/api/public/events/0/registrations", w(), 404, "event"),
        ("/api/public/events/x1/registrations", w(), 404, "event"),
        ("/api/public/events/99999999999999999999/registrations", w(), 404, "event"),
    ]
    before = F.snapshot(pg, db)
    for p, body, status, field in cases:
        r = d.post(p, body, auth=False, headers={"Content-Type": "application/json"})
        assert r.status == status, (body[:80], r)
        err = r.json()["error"]
        assert err["message"], r
        if field:
            assert err.get("field") == field, (body[:80], r)
            assert field in err["message"] or status == 404, (body[:80], r)
    assert F.snapshot(pg, db) == before
    assert d.get(path, auth=False).status == 405
