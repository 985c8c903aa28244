"""test_mail_addresses.py - the addresses whose mail bounced, shown to the
secretariat (issue 13, item 5): a hard bounce (a copy of a shared DSN
fixture, filled in with convened's own Message-ID and recipient) fed over
LMTP to the real daemon; then GET /api/mail-addresses with the diagnostic
and whom it concerns, the convened_mail_addresses gauge, `convenectl
addresses`, and the reset (POST /api/mail-addresses/{address}/reset) after
which mail flows again: new mail is sent, mail the bounce held for later
is pending again, mail that was due while the address was dead stays
failed.  Bad query values are refused naming the field; without the admin
token nothing answers."""

import json

import harness
import mail_in as M
import reg_fixtures as F
from test_inbound_decide import _bounce, _count, _sent_mail

EVA = "eva@kunta.fi"


def _ctl_ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def _gauge(d, state):
    return harness.metric_value(d.metrics(), "convened_mail_addresses", state=state)


def _held(pg, db, kind=None):
    return _count(pg, db, """SELECT count(*) FROM outbox WHERE recipient = $1
                             AND state = 'failed' AND last_error LIKE 'address bounced hard%'
                             AND ($2::text IS NULL OR kind = $2)""", EVA, kind)


def test_hard_bounce_is_shown_counted_and_reset_lets_mail_flow_again():
    pg, db, d = M.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    assert F.register(d, ev, EVA, name="Eva Virtanen", org="Turun kaupunki",
                      country="FI").status == 202
    sent = _sent_mail(d, pg, db, EVA, "registration_confirm_request")
    F.confirm(d, F.token(pg, db, ev, EVA))
    _sent_mail(d, pg, db, EVA, "registration_confirmed")
    reminders = _count(pg, db, """SELECT count(*) FROM outbox WHERE recipient = $1
                                  AND kind = 'event_reminder' AND state = 'pending'
                                  AND due_at > now()""", EVA)
    assert reminders > 0
    # nothing bounced yet: the list is empty, the gauges are 0
    assert d.get("/api/mail-addresses").json() == {"addresses": [], "count": 0,
                                                   "next_before": None}
    harness.wait_until(lambda: _gauge(d, "hard") == 0 and _gauge(d, "soft") == 0)

    # Postfix's 5.1.1 about the confirmation request convened sent her
    dec, why, cls, iid = _bounce(pg, db, d, "postfix-5.1.1-user-unknown.eml", EVA, sent,
                                 "<b1@t>")
    assert (cls, dec) == ("dsn_failed", "bounce_hard"), why
    # her scheduled reminders are held (failed with the reason)
    assert _held(pg, db, "event_reminder") == reminders
    # mail due now is not sent either: the venue changes
    assert d.patch(f"/api/events/{ev}", {"venue": "Sala Manzoni"}).status == 200
    assert _held(pg, db, "event_updated") == 1

    # the secretariat's list: state, counts, what the report said, when,
    # the received message, and whom it concerns
    status, diag = pg.psql(db, "SELECT last_status, last_diagnostic FROM mail_addresses "
                               "WHERE address = $1", EVA)[0]
    assert status.startswith("5.1.1") and diag, (status, diag)
    got = d.get("/api/mail-addresses?state=hard").json()
    assert got["count"] == 1 and got["next_before"] is None, got
    a = got["addresses"][0]
    assert {k: a[k] for k in ("address", "state", "soft_count", "hard_count", "last_status",
                              "last_diagnostic", "inbound_id", "inbound", "registrations",
                              "follows", "held", "reset_at", "reset_by")} == {
        "address": EVA, "state": "hard", "soft_count": 0, "hard_count": 1,
        "last_status": status, "last_diagnostic": diag, "inbound_id": int(iid),
        "inbound": f"/api/inbound/{iid}", "registrations": 1, "follows": 0,
        "held": reminders + 1, "reset_at": None, "reset_by": None}
    assert a["person"]["name"] == "Eva Virtanen"
    assert a["person"]["organisation"] == "Turun kaupunki"
    assert a["bounced_at"].endswith("Z")
    # the message it points at is the bounce
    assert d.get(a["inbound"]).json()["decision"] == "bounce_hard"
    assert d.get("/api/mail-addresses").json()["addresses"] == got["addresses"]
    for state in ("soft", "ok"):
        assert d.get(f"/api/mail-addresses?state={state}").json()["count"] == 0
    # the gauge
    harness.wait_until(lambda: _gauge(d, "hard") == 1 and _gauge(d, "soft") == 0,
                       msg="convened_mail_addresses{state=hard} 1")
    # convenectl
    out = _ctl_ok(d.ctl("addresses", "list", "--state", "hard")).stdout
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ADDRESS", "STATE", "SOFT", "HARD"], out
    assert lines[1].split()[:5] == [EVA, "hard", "0", "1", status], out
    assert "Eva Virtanen" in lines[1]
    assert _ctl_ok(d.ctl("addresses")).stdout == out
    v = json.loads(_ctl_ok(d.ctl("--json", "addresses", "--state", "soft")).stdout)
    assert v["addresses"] == []
    # the registration is kept
    assert F.states(pg, db, ev)[EVA] == ("confirmed", None)

    # one reminder came due while the address was dead (its instant moved
    # into the past here, as if time had passed)
    stale = pg.psql(db, """UPDATE outbox SET due_at = now() - interval '1 hour',
                                  next_attempt_at = now() - interval '1 hour'
                            WHERE id = (SELECT min(id) FROM outbox WHERE recipient = $1
                                         AND kind = 'event_reminder') RETURNING id""", EVA)[0][0]

    # the reset: she says her address works again
    r = _ctl_ok(d.ctl("addresses", "reset", EVA.upper(), "--by", "Sara (secretariat)"))
    assert r.stdout.strip() == (f"{EVA}: hard -> ok (reset by Sara (secretariat); "
                                f"{reminders} held mail pending again)"), r.stdout
    row = pg.psql(db, """SELECT state, soft_count, hard_count, reset_by, reset_count,
                                reset_at IS NOT NULL FROM mail_addresses WHERE address = $1""",
                  EVA)
    assert row == [("ok", "0", "0", "Sara (secretariat)", "1", "t")], row
    # what the bounce held and is still true goes again: the reminders still
    # to come, as scheduled, and the newest invitation of her registration
    # (the update with the new venue), at once
    assert _count(pg, db, """SELECT count(*) FROM outbox WHERE recipient = $1
                             AND kind = 'event_reminder' AND state = 'pending'
                             AND next_attempt_at = due_at AND due_at > now()""",
                  EVA) == reminders - 1
    m = _sent_mail(d, pg, db, EVA, "event_updated")
    assert "Sala Manzoni" in m.as_string()
    # the reminder that was due while the address was dead stays failed,
    # with its reason
    assert pg.psql(db, "SELECT state, last_error LIKE 'address bounced hard%' FROM outbox "
                       "WHERE id = $1", stale) == [("failed", "t")]
    assert _held(pg, db) == 1
    a = d.get("/api/mail-addresses").json()["addresses"][0]
    assert (a["state"], a["reset_by"], a["held"]) == ("ok", "Sara (secretariat)", 1)
    assert a["reset_at"].endswith("Z")
    harness.wait_until(lambda: _gauge(d, "hard") == 0, msg="gauge back to 0")
    # new mail goes out: the venue changes again
    assert d.patch(f"/api/events/{ev}", {"venue": "Teatro Galli"}).status == 200
    m = harness.wait_until(lambda: [x for x in d.maildir_messages()
                                    if x["X-Convened-Kind"] == "event_updated"
                                    and "Teatro Galli" in x.as_string()], msg="new mail")
    assert EVA in str(m[0]["To"])
    assert F.states(pg, db, ev)[EVA] == ("confirmed", None)
    # a reset without a name says who by default; an address never
    # bounced is not found
    r = d.post(f"/api/mail-addresses/{EVA}/reset")
    assert r.status == 200 and r.json()["reset_by"] == "admin API", r
    assert r.json()["reset_count"] == 2 and r.json()["was"] == "ok"
    r = d.post("/api/mail-addresses/olli@kunta.fi/reset", {})
    assert r.status == 404 and r.json()["error"]["code"] == "not_found", r
    r = d.ctl("addresses", "reset", "olli@kunta.fi")
    assert r.returncode == 1 and "no bounce is recorded" in r.stderr, r


def test_mail_addresses_refuse_bad_values_and_need_the_token():
    pg, db, d = M.start()
    # one soft address, so that paging has something to page
    pg.psql(db, """INSERT INTO mail_addresses (address, state, soft_count)
                   VALUES ('a@x.se', 'soft', 1), ('b@x.se', 'soft', 1), ('c@x.se', 'hard', 0)""")
    ids = [int(r[0]) for r in pg.psql(db, "SELECT id FROM mail_addresses ORDER BY id DESC")]
    got = d.get("/api/mail-addresses?limit=2").json()
    assert [a["id"] for a in got["addresses"]] == ids[:2] and got["next_before"] == ids[1]
    got = d.get(f"/api/mail-addresses?limit=2&before={ids[1]}").json()
    assert [a["id"] for a in got["addresses"]] == ids[2:] and got["next_before"] is None
    assert [a["address"] for a in d.get("/api/mail-addresses?state=soft").json()
            ["addresses"]] == ["b@x.se", "a@x.se"]
    r = _ctl_ok(d.ctl("addresses", "list", "--limit", "1"))
    assert f"(more: --before {ids[0]})" in r.stderr, r.stderr
    before = F.snapshot(pg, db)

    for query, field in (("state=bounced", "state"), ("state=", "state"),
                         ("before=x", "before"), ("before=-1", "before"),
                         ("limit=0", "limit"), ("limit=1001", "limit"),
                         ("limit=ten", "limit")):
        r = d.get(f"/api/mail-addresses?{query}")
        assert r.status == 422, (query, r)
        assert r.json()["error"]["code"] == "invalid_value", (query, r.json())
        assert r.json()["error"]["field"] == field, (query, r.json())
        assert f"query parameter {field}" in r.json()["error"]["message"]
    r = d.get("/api/mail-addresses?status=hard")
    assert r.status == 400 and r.json()["error"]["field"] == "status", r
    for path, body, status, field in (
            ("/api/mail-addresses/nobody/reset", None, 422, "address"),
            ("/api/mail-addresses/a%20b@x.se/reset", None, 422, "address"),
            ("/api/mail-addresses/a@x.se/reset", {"by": ""}, 422, "by"),
            ("/api/mail-addresses/a@x.se/reset", {"by": "x" * 201}, 422, "by"),
            ("/api/mail-addresses/a@x.se/reset", {"by": 5}, 400, "by"),
            ("/api/mail-addresses/a@x.se/reset", {"who": "me"}, 400, "who")):
        r = d.post(path, body)
        assert r.status == status, (path, body, r)
        assert r.json()["error"]["field"] == field, (path, body, r.json())
    # without the token: 401; with a wrong one: 403; nothing changes
    for method, path in (("GET", "/api/mail-addresses"),
                         ("POST", "/api/mail-addresses/a@x.se/reset")):
        r = d.request(method, path, auth=False)
        assert r.status == 401, (method, path, r)
        r = d.request(method, path, headers={"Authorization": "Bearer " + "x" * 40},
                      auth=False)
        assert r.status == 403, (method, path, r)
    assert F.snapshot(pg, db) == before
    assert pg.psql(db, "SELECT state FROM mail_addresses WHERE address = 'a@x.se'") \
        == [("soft",)]
    # convenectl checks the state before asking; --help for each command
    r = d.ctl("addresses", "--state", "bounced")
    assert r.returncode == 1 and "not one of hard, soft or ok" in r.stderr, r
    for cmd in (["addresses"], ["addresses", "list"], ["addresses", "reset"]):
        h = _ctl_ok(d.ctl(*cmd, "--help")).stdout
        assert h.startswith("usage: convenectl " + " ".join(cmd)), h
    assert "--by NAME" in _ctl_ok(d.ctl("addresses", "reset", "--help")).stdout
