"""test_privacy.py - privacy by law (issue 12, item 5): retention per
project anonymises participants' personal data and keeps the funder's
counts; a person's data can be exported (every row about them) and erased
(none left); the privacy notice is a public page linked from every form
and every mail.  The real daemon, PostgreSQL, the lmtp plugin for mail
that comes back, and convenectl."""

import json
import os
import shutil
import signal
import smtplib
import subprocess
import tempfile

import harness
import reg_fixtures as rf


# ------------------------------------------------------------ helpers

def _setup(config=None):
    """A database and a daemon with the lmtp plugin on a Unix socket:
    (pg, db, d, socket path)."""
    pg = harness.cluster()
    db = pg.new_database()
    sockdir = tempfile.mkdtemp(prefix="convened-priv-", dir="/tmp")
    sock = os.path.join(sockdir, "lmtp.sock")
    cfg = {"plugin lmtp": {"listen": f"unix:{sock}"}}
    cfg.update(config or {})
    d = harness.Daemon(db, config=cfg)
    d.start()
    return pg, db, d, sock


def _columns(pg, db):
    """[(table, column, type)] of every text-like, json or bytea column of
    every table in the database's schema (information_schema)."""
    return pg.psql(db, """
        SELECT c.table_name, c.column_name, c.data_type
          FROM information_schema.columns c
          JOIN information_schema.tables t
            ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb',
                                'bytea', 'USER-DEFINED')
                OR (c.data_type = 'ARRAY'))
         ORDER BY 1, 2""")


def _as_text(col, typ):
    q = '"' + col.replace('"', '""') + '"'
    if typ == "bytea":
        return f"lower(encode({q}, 'escape'))"
    return f"lower({q}::text)"


def _traces(pg, db, values):
    """{(table, column): [rows as JSON text]} of every row whose column
    holds any of VALUES (case-insensitively), searched in every column of
    every table."""
    vals = [v.lower() for v in values if v]
    found = {}
    for table, col, typ in _columns(pg, db):
        t = '"' + table.replace('"', '""') + '"'
        rows = pg.psql(db, f"SELECT to_jsonb(x)::text FROM {t} x "
                           f"WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) v "
                           f"WHERE strpos({_as_text(col, typ)}, v) > 0)",
                       "{" + ",".join(json.dumps(v) for v in vals) + "}")
        if rows:
            found[(table, col)] = [r[0] for r in rows]
    return found


def _lmtp(sock, mail_from, rcpt, body):
    with smtplib.LMTP(sock) as c:
        c.sendmail(mail_from, [rcpt], body.encode())


def _counts(report):
    """The funder's numbers of an attendance report (JSON)."""
    p = report["project"]
    return ({k: p[k] for k in ("events", "registrations", "participants", "organisations",
                               "countries")},
            [(e["id"], e["confirmed"], e["organisations"], e["countries"])
             for e in report["events"]])


def _move_to_past(pg, db, project_id, ago="800 days"):
    pg.psql(db, """UPDATE events SET start_at = start_at - $2::interval,
                          end_at = end_at - $2::interval,
                          start_local = start_local - $2::interval,
                          end_local = end_local - $2::interval,
                          reg_opens_at = NULL, reg_closes_at = NULL
                    WHERE project_id = $1""", project_id, ago)
    pg.psql(db, "UPDATE deadlines SET due_at = due_at - $2::interval, "
                "due_local = due_local - $2::interval WHERE project_id = $1", project_id, ago)


def _deadline(pg, db, project_id, title="Final report due"):
    pg.psql(db, """INSERT INTO deadlines (project_id, kind, title, tz, due_local, due_at, uid)
                   SELECT $1, 'report', $2, 'Europe/Brussels',
                          (now() + interval '20 days') AT TIME ZONE 'Europe/Brussels',
                          now() + interval '20 days', gen_random_uuid()::text || '@test'""",
            project_id, title)


class Person:
    def __init__(self, email, name, org, country):
        self.email, self.name, self.org, self.country = email, name, org, country

    def secrets(self, pg, db):
        """Every value that identifies this person in the database now:
        address, name, feed token, registration and follow tokens."""
        rows = pg.psql(db, """
            SELECT p.feed_token FROM people p WHERE lower(p.email) = lower($1)
            UNION ALL SELECT r.token FROM registrations r JOIN people p ON p.id = r.person_id
                       WHERE lower(p.email) = lower($1) AND r.token IS NOT NULL
            UNION ALL SELECT f.token FROM deadline_followers f JOIN people p ON p.id = f.person_id
                       WHERE lower(p.email) = lower($1)""", self.email)
        return [self.email, self.name] + [r[0] for r in rows]


def _register_confirmed(pg, db, d, ev, who):
    r = rf.register(d, ev, who.email, name=who.name, org=who.org, country=who.country)
    assert r.status in (200, 201, 202), r
    tok = rf.token(pg, db, ev, who.email)
    assert rf.confirm(d, tok).status == 303
    return tok


def _follow(d, slug, who):
    r = d.post("/api/public/subscriptions",
               {"project": slug, "email": who.email, "name": who.name}, auth=False)
    assert r.status in (200, 201, 202), r


def _all_sent(pg, db):
    harness.wait_until(lambda: pg.psql(db, "SELECT count(*) FROM outbox WHERE state IN "
                                           "('pending', 'sending') AND due_at <= now()")[0][0]
                       in (0, "0"), timeout=30, msg="outbox drained")


# ------------------------------------------------------------ retention

def test_retention_on_a_finished_project_leaves_no_name_email_or_token_and_the_report_unchanged():
    pg, db, d, sock = _setup()
    try:
        old = rf.project(pg, db, "oldnet", "Old network")
        live = rf.project(pg, db, "livenet", "Live network")
        e1 = rf.event(pg, db, old, "Kick-off in Poznan", city="Poznan", country="PL")
        e2 = rf.event(pg, db, old, "Seminar in Rimini", capacity=2)
        e3 = rf.event(pg, db, live, "Study visit Stavanger", city="Stavanger", country="NO")
        _deadline(pg, db, old)
        anna = Person("Anneli.Retention@kommun.example.se", "Anneli Qvarnstroem", "Umea kommun", "SE")
        bo = Person("bo.retention@comune.example.it", "Bortolo Zanzibarri", "Comune di Rimini", "IT")
        cara = Person("cara.retention@gmina.example.pl", "Carolina Wyspianska", "Gmina Poznan", "PL")
        dan = Person("dan.retention@kunta.example.fi", "Daniel Kekkolainen", "Oulun kaupunki", "FI")
        eve = Person("eve.retention@example.es", "Evarista Follower", "Ayuntamiento", "ES")
        for who in (anna, bo, dan):
            _register_confirmed(pg, db, d, e1, who)
        for who in (anna, bo):
            _register_confirmed(pg, db, d, e2, who)
        _register_confirmed(pg, db, d, e2, cara)      # waitlisted: capacity 2
        _register_confirmed(pg, db, d, e3, dan)       # dan goes on in the live project
        _follow(d, "oldnet", eve)
        _follow(d, "oldnet", anna)
        _all_sent(pg, db)
        tok_anna = rf.token(pg, db, e1, anna.email)
        # a human reply from anna quoting her link, and a bounce for cara
        _lmtp(sock, anna.email, "info@convened.test",
              f"From: {anna.name} <{anna.email}>\r\nTo: info@convened.test\r\n"
              f"Subject: Re: registration\r\nMessage-ID: <r1@kommun.example.se>\r\n\r\n"
              f"Thanks! > {d.url}/r/{tok_anna}\r\n")
        _lmtp(sock, "", "info@convened.test",
              f"From: MAILER-DAEMON@example.pl\r\nTo: info@convened.test\r\n"
              f"Subject: Undelivered\r\nMessage-ID: <b1@example.pl>\r\n\r\n"
              f"<{cara.email}>: mailbox unavailable\r\n")
        assert int(pg.psql(db, "SELECT count(*) FROM inbound_messages")[0][0]) == 2

        gone = []
        for who in (anna, bo, cara, eve):
            gone += who.secrets(pg, db)
        dan_old_token = rf.token(pg, db, e1, dan.email)
        dan_secrets = dan.secrets(pg, db)
        # the walk finds them before: it can fail
        before = _traces(pg, db, gone + [dan_old_token])
        assert {t for t, _ in before} >= {"people", "registrations", "deadline_followers",
                                           "outbox", "inbound_messages"}, before.keys()

        _move_to_past(pg, db, old)
        report = d.get("/api/reports/attendance?project=oldnet")
        assert report.status == 200, report
        counts = _counts(report.json())
        assert counts[0]["participants"] == 3 and counts[0]["countries"] == 3, counts

        # not yet due: retention of 1000 days changes nothing
        r = d.ctl("--json", "retention", "run", "--project", "oldnet", "--after", "P1000D")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["projects"] == []
        assert _traces(pg, db, gone + [dan_old_token]) == before

        r = d.ctl("--json", "retention", "run", "--project", "oldnet", "--after", "P365D")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert [p["project"] for p in out["projects"]] == ["oldnet"], out
        assert out["projects"][0]["people_anonymised"] == 4, out   # anna, bo, cara, dan

        # no name, address or token of anyone in the old project, in any
        # column of any table
        assert _traces(pg, db, gone + [dan_old_token]) == {}
        # the funder's numbers are the same
        after = d.get("/api/reports/attendance?project=oldnet")
        assert after.status == 200 and _counts(after.json()) == counts, after.json()
        # registrations still there with their states; the participants
        # list has no names
        assert sorted(s for (s, _) in rf_states_by_event(pg, db, e2)) == \
            ["confirmed", "confirmed", "waitlisted"]
        assert all(p["name"] is None and p["email"] is None
                   for e in after.json()["events"] for p in e["participants"])
        # the secretariat's lists still answer, without names
        lst = d.get(f"/api/events/{e2}/registrations")
        assert lst.status == 200 and anna.email not in lst.text, lst
        csv = d.get(f"/api/events/{e2}/registrations?format=csv")
        assert csv.status == 200 and csv.text.count("\n") == 4, csv.text
        csv = d.get("/api/reports/attendance?project=oldnet&format=csv&view=participants")
        assert csv.status == 200 and anna.name not in csv.text, csv
        # dan goes on in the live project, untouched
        assert rf.states(pg, db, e3) == {dan.email: ("confirmed", None)}
        assert all(pg.psql(db, "SELECT count(*) FROM people WHERE feed_token = $1 OR email = $1", v)
                   [0][0] in (1, "1") for v in (dan_secrets[0], dan.email))
        # the secretariat can still correct and cancel the past events:
        # nothing is written for the anonymous participants
        n_outbox = pg.psql(db, "SELECT count(*) FROM outbox")[0][0]
        r = d.patch(f"/api/events/{e1}", {"title": "Kick-off in Poznan (corrected)"})
        assert r.status == 200, r
        r = d.post(f"/api/events/{e2}/cancel", {})
        assert r.status == 200, r
        assert pg.psql(db, "SELECT count(*) FROM outbox")[0][0] == n_outbox
        # a second run finds nothing left to do
        r = d.ctl("--json", "retention", "run", "--project", "oldnet", "--after", "P365D")
        p = json.loads(r.stdout)["projects"][0]
        assert (p["people_anonymised"], p["registrations"], p["outbox_removed"]) == (0, 0, 0), p
        # and the log says what was done, without an address
        log = pg.psql(db, "SELECT action, counts::text FROM privacy_log")
        assert [a for a, _ in log] == ["retention"]
        assert "@" not in log[0][1]
    finally:
        d.stop()


def rf_states_by_event(pg, db, event_id):
    return pg.psql(db, "SELECT state, person_id FROM registrations WHERE event_id = $1", event_id)


def test_retention_runs_on_the_daemons_timer():
    pg, db, d, sock = _setup({"privacy": {"retention": "P30D", "check_interval": 1}})
    try:
        pr = rf.project(pg, db, "timernet", "Timer network")
        ev = rf.event(pg, db, pr, "Workshop")
        who = Person("tina.timer@example.se", "Tina Timerson", "Lunds kommun", "SE")
        _register_confirmed(pg, db, d, ev, who)
        secrets = who.secrets(pg, db)
        assert _traces(pg, db, secrets)
        _move_to_past(pg, db, pr, "70 days")
        harness.wait_until(lambda: _traces(pg, db, secrets) == {}, timeout=30,
                           msg="retention by the timer")
        assert rf_states_by_event(pg, db, ev)[0][0] == "confirmed"
        assert "retention: project timernet" in d.log_text()
        # received mail from a stranger goes once it is older than retention
        _lmtp(sock, "stranger@example.org", "info@convened.test",
              "From: Sam Stranger <stranger@example.org>\r\nTo: info@convened.test\r\n"
              "Subject: hello\r\nMessage-ID: <s1@example.org>\r\n\r\nhi\r\n")
        _lmtp(sock, "newer@example.org", "info@convened.test",
              "From: newer@example.org\r\nTo: info@convened.test\r\n"
              "Subject: hello\r\nMessage-ID: <s2@example.org>\r\n\r\nhi\r\n")
        pg.psql(db, "UPDATE inbound_messages SET received_at = now() - interval '31 days' "
                    "WHERE mail_from = 'stranger@example.org'")
        harness.wait_until(lambda: _traces(pg, db, ["stranger@example.org"]) == {}, timeout=30,
                           msg="old received mail deleted by the timer")
        assert _traces(pg, db, ["newer@example.org"])
        assert who.email not in d.log_text()
    finally:
        d.stop()


def test_retention_needs_a_duration_and_an_existing_project():
    pg, db, d, sock = _setup()
    try:
        r = d.post("/api/privacy/retention", {})
        assert r.status == 409 and r.json()["error"]["field"] == "after", r
        r = d.post("/api/privacy/retention", {"after": "one year"})
        assert r.status == 422 and r.json()["error"]["field"] == "after", r
        r = d.post("/api/privacy/retention", {"after": "P1D", "project": "nope"})
        assert r.status == 404, r
        assert d.post("/api/privacy/retention", {"after": "P1D"}, auth=False).status == 401
        bad = harness.Daemon(db, config={"privacy": {"retention": "a year"}})
        res = bad.check_config()
        assert res.returncode != 0 and "[privacy] retention" in (res.stdout + res.stderr), res
    finally:
        d.stop()


# ------------------------------------------------------------ export and erasure

def test_export_holds_every_row_about_a_person_and_erasure_leaves_none():
    pg, db, d, sock = _setup()
    try:
        net = rf.project(pg, db, "exnet", "Export network")
        past = rf.event(pg, db, net, "Past seminar", city="Bologna", country="IT")
        future = rf.event(pg, db, net, "Future seminar", capacity=1)
        _deadline(pg, db, net)
        ines = Person("Ines.Export@ayto.example.es", "Inesita Exportadora", "Ayto de La Coruna", "ES")
        olof = Person("olof.other@kommun.example.se", "Olof Otherson", "Umea kommun", "SE")
        wait = Person("wanda.waiting@gmina.example.pl", "Wanda Waitinska", "Gmina", "PL")
        _register_confirmed(pg, db, d, past, ines)
        _register_confirmed(pg, db, d, past, olof)
        _register_confirmed(pg, db, d, future, ines)
        _register_confirmed(pg, db, d, future, wait)    # waitlisted behind ines
        _follow(d, "exnet", ines)
        _all_sent(pg, db)
        tok = rf.token(pg, db, future, ines.email)
        _lmtp(sock, ines.email, "info@convened.test",
              f"From: {ines.name} <{ines.email}>\r\nTo: info@convened.test\r\n"
              f"Subject: question\r\nMessage-ID: <q1@ayto.example.es>\r\n\r\n"
              f"About {d.url}/r/{tok}\r\n")
        _lmtp(sock, olof.email, "info@convened.test",
              f"From: {olof.email}\r\nTo: info@convened.test\r\nSubject: hi\r\n"
              f"Message-ID: <o1@kommun.example.se>\r\n\r\nhello\r\n")
        pg.psql(db, "UPDATE events SET start_at = start_at - interval '60 days', "
                    "end_at = end_at - interval '60 days' WHERE id = $1", past)
        report = _counts(d.get("/api/reports/attendance?project=exnet").json())

        secrets = ines.secrets(pg, db)
        traces = _traces(pg, db, secrets)
        assert {t for t, _ in traces} >= {"people", "registrations", "deadline_followers",
                                           "outbox", "inbound_messages"}, traces.keys()

        r = d.ctl("--json", "person", "export", ines.email.upper())
        assert r.returncode == 0, r.stderr
        export = json.loads(r.stdout)
        # every row the walk found is in the export, whole
        for (table, col), rows in traces.items():
            exported = export["tables"].get(table)
            assert exported is not None, (table, export["tables"].keys())
            for row in rows:
                want = json.loads(row)
                assert any(all(e.get(k) == v for k, v in want.items()) for e in exported), \
                    (table, col, want)
        # and nothing of olof's
        assert olof.email not in json.dumps(export) and olof.name not in json.dumps(export)

        r = d.ctl("--json", "person", "erase", ines.email)
        assert r.returncode == 0, r.stderr
        res = json.loads(r.stdout)
        assert res["found"] is True and res["registrations_cancelled"] == 1, res
        assert _traces(pg, db, secrets) == {}
        # her past participation still counts; her future seat went to wanda
        after = _counts(d.get("/api/reports/attendance?project=exnet").json())
        assert after[1][0] == report[1][0], (report, after)
        assert rf.states(pg, db, future)[wait.email] == ("confirmed", None)
        # nothing was mailed to the erased address, and olof is untouched
        assert int(pg.psql(db, "SELECT count(*) FROM outbox WHERE lower(recipient) = lower($1)",
                           ines.email)[0][0]) == 0
        assert _traces(pg, db, olof.secrets(pg, db))
        # a second export finds nothing
        again = d.post("/api/people/export", {"email": ines.email})
        assert again.status == 200 and all(v == [] for v in again.json()["tables"].values()), \
            again.json()
        assert d.post("/api/people/erase", {"email": "not an address"}).status == 422
        assert d.post("/api/people/export", {"email": ines.email}, auth=False).status == 401
    finally:
        d.stop()


# ------------------------------------------------------------ the notice

def test_privacy_notice_is_a_page_in_each_language_linked_from_forms_and_mails():
    pg, db, d, sock = _setup()
    try:
        r = d.get("/privacy", auth=False)
        assert r.status == 200 and "<h1>Privacy notice</h1>" in r.text, r
        assert "erasure" in r.text
        r = d.get("/privacy?lang=sv", auth=False)
        assert r.status == 200 and "Integritetsmeddelande" in r.text and \
            'lang="sv"' in r.text, r
        pr = rf.project(pg, db, "notnet", "Notice network")
        ev = rf.event(pg, db, pr, "Seminar")
        form = d.get(f"/events/{ev}/register?lang=it", auth=False)
        assert form.status == 200
        assert f'href="{d.url}/privacy?lang=it"' in form.text, form.text
        assert "informativa sulla privacy" in form.text
        rf.register(d, ev, "pia.notice@example.it", name="Pia", language="it")
        harness.wait_until(lambda: d.maildir_messages(), timeout=30)
        msg = d.maildir_messages()[0]
        text = "".join(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")
        assert f"{d.url}/privacy?lang=it" in text, text
        assert "\n-- \n" in text.replace("\r\n", "\n")
        html = [p.get_content() for p in msg.walk() if p.get_content_type() == "text/html"]
        assert all(f'href="{d.url}/privacy?lang=it"' in h for h in html), html
    finally:
        d.stop()


def test_privacy_notice_is_read_from_the_template_dir_and_reloaded():
    pg = harness.cluster()
    db = pg.new_database()
    tdir = tempfile.mkdtemp(prefix="convened-tpl-")
    shutil.copytree(os.path.join(harness.REPO, "config", "templates", "en"),
                    os.path.join(tdir, "en"))
    with open(os.path.join(tdir, "en", "privacy.txt"), "w") as f:
        f.write("Controller: Region Norrland.\n\nContact <dpo@region.example>.\n")
    d = harness.Daemon(db, config={"convened": {"template_dir": tdir}})
    d.start()
    try:
        r = d.get("/privacy?lang=fi", auth=False)   # no Finnish notice: English
        assert r.status == 200
        assert "<p>Controller: Region Norrland.</p>" in r.text
        assert "<p>Contact &lt;dpo@region.example&gt;.</p>" in r.text
        os.unlink(os.path.join(tdir, "en", "privacy.txt"))
        d.send_signal(signal.SIGHUP)
        harness.wait_until(lambda: d.get("/privacy", auth=False).status == 404, timeout=10)
    finally:
        d.stop()
        shutil.rmtree(tdir, ignore_errors=True)


def test_one_retention_run_at_a_time_over_every_daemon_on_the_database():
    # another daemon's run holds the advisory lock: this one does nothing
    pg, db, d, sock = _setup()
    holder = None
    try:
        pr = rf.project(pg, db, "locknet", "Lock network")
        ev = rf.event(pg, db, pr, "Meeting")
        who = Person("lena.lock@example.se", "Lena Lockstedt", "Kommun", "SE")
        _register_confirmed(pg, db, d, ev, who)
        secrets = who.secrets(pg, db)
        _move_to_past(pg, db, pr)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        holder = subprocess.Popen([os.path.join(harness.pg_bindir(), "psql"), "-X", "-q",
                                   "-d", db], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=env)
        holder.stdin.write(b"SELECT pg_advisory_lock(hashtext('convened:retention'));\n")
        holder.stdin.flush()
        harness.wait_until(lambda: pg.psql(db, "SELECT count(*) FROM pg_locks WHERE "
                                               "locktype = 'advisory' AND granted")[0][0] == "1",
                           timeout=10, msg="the lock held by another session")
        r = d.post("/api/privacy/retention", {"after": "P30D"})
        assert r.status == 200 and r.json()["skipped"] is True and r.json()["projects"] == [], r
        out = d.ctl("retention", "run", "--after", "P30D")
        assert out.returncode == 0 and "another daemon is running retention" in out.stdout, out
        assert _traces(pg, db, secrets)
        holder.stdin.close()
        holder.wait(timeout=10)
        holder = None
        out = d.ctl("retention", "run", "--after", "P30D")
        assert out.returncode == 0, out.stderr
        assert "locknet" in out.stdout and "received messages expired: 0" in out.stdout, out.stdout
        assert _traces(pg, db, secrets) == {}
    finally:
        if holder:
            holder.kill()
        d.stop()
