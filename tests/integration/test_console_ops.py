"""test_console_ops.py - the console's operations screens (issue 16, item
3: outbox, inbound mail, reports, users, audit log) in Chromium
(tests/js/console_ops.mjs) against the real daemon sending through a real
SMTP server (smtpd.py, which first refuses one address with 550) and
receiving a real calendar reply over LMTP: the refused notification is
shown failed with the server's reason, sent again from the console and
seen sent; the reply is shown with its decision, reason, person and event,
and its raw source opens; the report's charts and tables carry the
numbers the database holds; an admin adds a coordinator, who then signs in
and sees neither users nor the audit log; the audit log lists the admin's
changes by name.  axe on every screen at phone and desktop sizes."""

import os
import shutil
import smtplib
import tempfile

import harness
import reg_fixtures as F
from test_accounts import PASSWORDS, _user
from test_email import Smtpd, email_config

DOMAIN = "convened.test"
REFUSED = "refused@example.org"
CORA_PASSWORD = "Coordinatrice-of-Towns-1"

# (name, email, organisation, country) of the confirmed participants
PEOPLE = [
    ("Anna Bianchi", "anna@rimini.it", "Comune di Rimini", "IT"),
    ("Bruno Neri", "bruno@rimini.it", "Comune di Rimini", "IT"),
    ("Carla Verdi", "carla@bologna.it", "Comune di Bologna", "IT"),
    ("Sara Lind", "sara@malmo.se", "Malmö stad", "SE"),
    ("Erik Berg", "erik@malmo.se", "Malmö stad", "SE"),
    ("Eva Virtanen", "eva@turku.fi", "Turun kaupunki", "FI"),
]


def _lmtp(socket, raw, rcpt):
    with smtplib.LMTP(socket) as c:
        c.ehlo()
        assert c.mail("")[0] == 250
        assert c.rcpt(rcpt)[0] == 250
        assert c.data(raw)[0] == 250


def test_operations_screens_in_chromium():
    port = harness.free_port()
    srv = Smtpd(port=port, args=["--fail-rcpt", f"{REFUSED}:550"]).start()
    sockdir = tempfile.mkdtemp(prefix="convened-ops-", dir="/tmp")
    socket = os.path.join(sockdir, "lmtp.sock")
    try:
        pg = harness.cluster()
        db = pg.new_database()
        cfg = email_config(port)
        cfg["plugin lmtp"] = {"listen": f"unix:{socket}"}
        d = harness.Daemon(db, config=cfg)
        d.start()
        _user(d, "ada", "admin")
        pid = F.project(pg, db, "towns", "Twinned towns")
        F.project(pg, db, "other", "Another project")
        ev1 = F.event(pg, db, pid, title="Seminar in Rimini")
        ev2 = F.event(pg, db, pid, title="Study visit to Malmö", starts_in="40 days")
        # six people confirmed (two of them at both events: counted once)
        for i, (name, email, org, cc) in enumerate(PEOPLE):
            for ev in ([ev1, ev2] if i in (0, 3) else [ev1 if i % 2 else ev2]):
                tok = pg.psql(db, """SELECT encode(sha256(convert_to($2 || $1, 'UTF8')), 'hex')
                                       FROM cv_register($1, $2, $3, NULL, $4, $5, 'official',
                                            'en', encode(sha256(convert_to($2 || $1, 'UTF8')),
                                                         'hex'),
                                            encode(sha256(convert_to('f' || $2, 'UTF8')),
                                                   'hex'))""",
                              ev, email, name, org, cc)[0][0]
                pg.psql(db, "SELECT cv_confirm($1)", tok)
        # a notification the SMTP server refuses for good
        assert F.register(d, ev1, REFUSED, name="Refused Person").status == 202
        harness.wait_until(
            lambda: pg.psql(db, "SELECT state FROM outbox WHERE recipient = $1", REFUSED)
            == [("failed",)], timeout=60, msg="the refused notification failed")
        # the server accepts it now: the console's retry will go through
        srv.cleanup()
        srv = Smtpd(port=port).start()
        # a calendar reply to Anna's reply address (the gmail fixture: its
        # UID is no invitation of ours, so it is recorded, not applied)
        tag = pg.psql(db, "SELECT r.reply_token FROM registrations r JOIN people p "
                          "ON p.id = r.person_id WHERE p.email = 'anna@rimini.it' "
                          "AND r.event_id = $1", ev1)[0][0]
        with open(harness.shared_fixture("mail", "imip-reply", "gmail-accept.eml"), "rb") as f:
            _lmtp(socket, f.read(), f"reply+{tag}@{DOMAIN}")
        (decision, reason), = pg.psql(db, "SELECT decision, reason FROM inbound_messages")

        got = harness.run_browser("console_ops.mjs", {
            "BASE_URL": d.url, "NAME": "ada", "PASSWORD": PASSWORDS["ada"],
            "PROJECT": "towns", "REFUSED": REFUSED, "CORA_PASSWORD": CORA_PASSWORD},
            timeout=400)
        assert got["violations"] == [], got["violations"]
        assert len(got["screens"]) >= 16, got["screens"]

        # the outbox showed the server's reason, and the retry sent it
        assert "550" in got["outbox_error"], got["outbox_error"]
        assert got["retried_state"] == "Sent"
        assert pg.psql(db, "SELECT state FROM outbox WHERE recipient = $1", REFUSED) \
            == [("sent",)]
        assert any(rec["rcpt_tos"] == [REFUSED] for rec, _ in srv.wait_count(1))

        # the inbound row: class, decision, reason, person and event
        row = [r for r in got["inbound"] if r["What it is"] == "imip reply"][0]
        assert row["Decision"] == decision and row["Why"] == reason, (row, decision, reason)
        assert row["Concerns"] == "Anna Bianchi · Seminar in Rimini", row
        assert got["inbound_facts"]["Person"] == "Anna Bianchi <anna@rimini.it>"
        assert got["inbound_facts"]["Event"] == "Seminar in Rimini"
        assert got["raw_type"].startswith("message/rfc822") and got["raw_has_calendar"]

        # the report: what the database says, in the charts and the tables
        by_country = pg.psql(db, """SELECT o.country, count(DISTINCT p.id) FROM registrations r
                                      JOIN people p ON p.id = r.person_id
                                      JOIN organisations o ON o.id = r.organisation_id
                                      JOIN events e ON e.id = r.event_id
                                     WHERE e.project_id = $1 AND r.state = 'confirmed'
                                     GROUP BY 1""", pid)
        want = {cc: int(n) for cc, n in by_country}
        assert want == {"IT": 3, "SE": 2, "FI": 1}, want
        rep = got["report"]
        assert {lab: n for lab, n, _ in rep["country_bars"]} == want, rep
        assert [[lab, str(n)] for lab, n, _ in rep["country_bars"]] == rep["country_table"]
        assert [shown for _, _, shown in rep["country_bars"]] == ["3", "2", "1"]
        assert {lab: n for lab, n, _ in rep["org_bars"]} == {
            "Comune di Rimini": 2, "Malmö stad": 2, "Comune di Bologna": 1,
            "Turun kaupunki": 1}, rep
        assert [[lab, str(n)] for lab, n, _ in rep["org_bars"]] == rep["org_table"]
        assert rep["role"] == "img"
        assert rep["country_name"][0] == "Participants of Twinned towns by country"
        assert "IT: 3" in rep["country_name"][1] and "FI: 1" in rep["country_name"][1]
        assert got["sentence"] == "6 participants from 4 organisations in 3 countries"

        # the coordinator the admin added: in the database, with a token
        # that works, and without users or the audit log in the console
        assert pg.psql(db, """SELECT a.role, p.slug FROM accounts a
                                JOIN account_projects ap ON ap.account_id = a.id
                                JOIN projects p ON p.id = ap.project_id
                               WHERE a.name = 'cora'""") == [("coordinator", "towns")]
        assert "Coordinator" in got["cora_state"] and "towns" in got["cora_state"]
        assert d.get("/api/me", auth=got["token"]).json()["name"] == "cora"
        assert "Users" not in got["cora_nav"] and "Audit log" not in got["cora_nav"], got
        assert "Outbox" not in got["cora_nav"] and "Reports" in got["cora_nav"], got
        assert got["cora_forbidden"]

        # the audit log showed the admin's changes by name
        whats = {r["What"] for r in got["audit"]}
        assert "POST /api/users" in whats, whats
        assert f"POST /api/outbox/{pg.psql(db, 'SELECT id FROM outbox WHERE recipient = $1', REFUSED)[0][0]}/retry" in whats
        assert {r["Account"] for r in got["audit"]} == {"ada"}
            # (ada herself was made with the bootstrap token)
        assert pg.psql(db, "SELECT actor FROM audit_log WHERE route = '/api/users' "
                           "AND method = 'POST' AND status = 201 ORDER BY id") \
            == [("bootstrap",), ("ada",)]
        d.stop()
    finally:
        srv.cleanup()
        shutil.rmtree(sockdir, ignore_errors=True)
