"""test_email.py - the daemon with [plugin email] (libesmtp) instead of the
spool, against a real SMTP server (tests/integration/smtpd.py, aiosmtpd):
mails arrive with the right headers and language, non-ASCII subjects and
names decode, invitations carry a parseable calendar, the spool and the
email plugin carry the same bytes for the same row, 451 is retried, 550
fails only its row, and an SMTP server that stays down while every message
is deferred three times loses nothing."""

import email.parser
import email.policy
import email.utils
import json
import os
import re
import subprocess
import tempfile
import time

import harness
import reg_fixtures as rf

SMTPD = os.path.join(harness.REPO, "tests", "integration", "smtpd.py")
MSGID = re.compile(r"^<outbox-(\d+)\.")


class Smtpd:
    """smtpd.py in a subprocess on PORT (0: any), storing into a temp dir."""

    def __init__(self, port=0, args=()):
        self.port = port
        self.args = list(args)
        self.dir = tempfile.mkdtemp(prefix="convened-smtpd-")
        self.proc = None

    def start(self):
        ready = os.path.join(self.dir, "ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", SMTPD, "--port", str(self.port), "--dir", self.dir, *self.args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        harness.wait_until(lambda: os.path.exists(ready), timeout=15, msg="smtpd.py ready")
        with open(ready) as f:
            self.port = int(f.read())
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def cleanup(self):
        self.stop()
        harness._rmtree(self.dir)

    def records(self):
        """[(json record, EmailMessage)] in arrival order."""
        path = os.path.join(self.dir, "messages.jsonl")
        if not os.path.exists(path):
            return []
        out = []
        parser = email.parser.BytesParser(policy=email.policy.default)
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                with open(os.path.join(self.dir, rec["file"]), "rb") as mf:
                    out.append((rec, parser.parse(mf)))
        return out

    def wait_count(self, n, timeout=30):
        return harness.wait_until(lambda: len(self.records()) >= n and self.records(),
                                  timeout=timeout, msg=f"{n} message(s) at the SMTP server")


FROM = "office@example.org"
FROM_NAME = "Sekretariatet för nätverket"


MAIL = {"from": FROM, "from_name": FROM_NAME, "reply_to": "secretariat@example.org"}
OUTBOX = {"lease_seconds": 5, "retry_base_seconds": 1, "retry_max_seconds": 2,
          "max_attempts": 100, "rescan_seconds": 1}


def email_config(port, **extra):
    plugin = {"channels": "email", "host": "127.0.0.1", "port": port,
              "starttls": "off", "timeout_ms": 2000, "workers": 2}
    plugin.update(extra)
    return {
        "plugin spool": None,
        "plugin email": plugin,
        "mail": MAIL,
        "outbox": OUTBOX,
    }


def subject_prefix(lang, kind):
    """The template's subject up to its first {{placeholder}}."""
    path = os.path.join(harness.REPO, "config", "templates", lang, kind + ".txt")
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    assert first.startswith("Subject: "), first
    return first[len("Subject: "):].split("{{")[0]


def outbox_rows(pg, db):
    return pg.psql(db, "SELECT id, kind, recipient, state, attempts, last_error FROM outbox ORDER BY id")


def wait_states(pg, db, want, timeout=60):
    """Until every outbox row is in one of the states WANT (a set)."""
    def ok():
        rows = outbox_rows(pg, db)
        return rows and all(r[3] in want for r in rows) and rows
    return harness.wait_until(ok, timeout=timeout, msg=f"outbox rows all in {want}")


def start(smtp_port, **extra):
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=email_config(smtp_port, **extra))
    d.start()
    return pg, db, d


def test_confirmation_mail_swedish():
    srv = Smtpd().start()
    try:
        pg, db, d = start(srv.port)
        pid = rf.project(pg, db)
        ev = rf.event(pg, db, pid, title="Studiebesök i Stavanger")
        r = rf.register(d, ev, "anna@example.se", name="Anna Öberg", language="sv")
        assert r.status in (200, 201, 202), r
        rec, m = srv.wait_count(1)[0]
        assert rec["mail_from"] == FROM
        assert rec["rcpt_tos"] == ["anna@example.se"]
        rows = wait_states(pg, db, {"sent"})
        assert len(rows) == 1 and rows[0][1] == "registration_confirm_request", rows
        row_id = int(rows[0][0])

        assert m["From"].addresses[0].display_name == FROM_NAME
        assert m["From"].addresses[0].addr_spec == FROM
        assert m["To"].addresses[0].display_name == "Anna Öberg"
        assert m["To"].addresses[0].addr_spec == "anna@example.se"
        assert m["Reply-To"].addresses[0].addr_spec == "secretariat@example.org"
        want = subject_prefix("sv", "registration_confirm_request") + "Studiebesök i Stavanger"
        assert str(m["Subject"]) == want, (str(m["Subject"]), want)
        mid = MSGID.match(m["Message-ID"])
        assert mid and int(mid.group(1)) == row_id, (m["Message-ID"], row_id)
        date = email.utils.parsedate_to_datetime(m["Date"])
        assert abs(time.time() - date.timestamp()) < 300, m["Date"]
        assert m["MIME-Version"] == "1.0"
        assert m["Content-Language"] == "sv"
        text = m.get_body(preferencelist=("plain",)).get_content()
        assert "Hej Anna Öberg" in text, text
        # the button the mail names is the one the token page shows
        assert "trycka på ”Bekräfta min anmälan”" in text, text
        assert "/r/" in text, text
        raw = open(os.path.join(srv.dir, rec["file"]), "rb").read()
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        assert b"\n" not in raw.replace(b"\r\n", b"")
        d.stop()
    finally:
        srv.cleanup()


def test_polish_swedish_subject_and_name_decode():
    srv = Smtpd().start()
    try:
        pg, db, d = start(srv.port)
        pid = rf.project(pg, db)
        title = "Seminarium szkoleniowe w Poznaniu – Łódź, Göteborg och Västerås"
        ev = rf.event(pg, db, pid, title=title, city="Poznań", country="PL")
        name = "Małgorzata Żółć-Sjöström"
        r = rf.register(d, ev, "malgorzata@example.pl", name=name, language="pl")
        assert r.status in (200, 201, 202), r
        rec, m = srv.wait_count(1)[0]
        want = subject_prefix("pl", "registration_confirm_request") + title
        assert str(m["Subject"]) == want, (str(m["Subject"]), want)
        assert m["To"].addresses[0].display_name == name
        assert m["From"].addresses[0].display_name == FROM_NAME
        raw = open(os.path.join(srv.dir, rec["file"]), "rb").read()
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert all(b < 0x80 for b in head), "raw 8-bit bytes in the header"
        for word in re.findall(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=", head):
            assert len(word) <= 75, word
        text = m.get_body(preferencelist=("plain",)).get_content()
        assert name in text and title in text, text
        d.stop()
    finally:
        srv.cleanup()


def test_invitation_calendar_part():
    import icalendar

    srv = Smtpd().start()
    try:
        pg, db, d = start(srv.port)
        pid = rf.project(pg, db)
        ev = rf.event(pg, db, pid, title="Coordination meeting", city="Bologna")
        r = rf.register(d, ev, "erik@example.se", name="Erik Ek", language="en")
        assert r.status in (200, 201, 202), r
        srv.wait_count(1)
        r = rf.confirm(d, rf.token(pg, db, ev, "erik@example.se"))
        assert r.status in (200, 303), r
        recs = srv.wait_count(2)
        m = recs[1][1]
        # confirming also queues the event's reminders, due later
        rows = harness.wait_until(
            lambda: [r for r in outbox_rows(pg, db) if r[1].startswith("registration_")
                     and r[3] == "sent"], msg="registration mails sent")
        assert [r[1] for r in rows] == ["registration_confirm_request", "registration_confirmed"], rows
        cal = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
        assert len(cal) == 1, [p.get_content_type() for p in m.walk()]
        method = cal[0].get_param("method")
        c = icalendar.Calendar.from_ical(cal[0].get_content())
        assert str(c["METHOD"]) == method == "REQUEST", (c.get("METHOD"), method)
        vev = c.walk("VEVENT")[0]
        assert "mailto:" in str(vev["ORGANIZER"]).lower()
        att = vev["ATTENDEE"]
        att = att if isinstance(att, list) else [att]
        assert any(str(a).lower() == "mailto:erik@example.se" for a in att), att
        assert str(vev["UID"])
        assert int(vev["SEQUENCE"]) >= 0
        files = [p for p in m.walk() if p.get_filename() == "invite.ics"]
        assert len(files) == 1 and files[0].get_content_disposition() == "attachment"
        body = files[0].get_content()
        body = body.decode() if isinstance(body, bytes) else body
        assert body.replace("\r\n", "\n") == cal[0].get_content().replace("\r\n", "\n")
        d.stop()
    finally:
        srv.cleanup()


def test_451_is_retried_then_delivered():
    srv = Smtpd(args=["--tempfail-first", "2"]).start()
    try:
        pg, db, d = start(srv.port)
        pid = rf.project(pg, db)
        ev = rf.event(pg, db, pid)
        r = rf.register(d, ev, "retry@example.org", language="en")
        assert r.status in (200, 201, 202), r
        srv.wait_count(1, timeout=60)
        rows = wait_states(pg, db, {"sent"})
        assert len(rows) == 1 and int(rows[0][4]) >= 3, rows
        assert len(srv.records()) == 1
        d.stop()
    finally:
        srv.cleanup()


def test_550_fails_only_that_row():
    srv = Smtpd(args=["--fail-rcpt", "nobody@example.org:550"]).start()
    try:
        pg, db, d = start(srv.port)
        pid = rf.project(pg, db)
        ev = rf.event(pg, db, pid)
        for addr in ("nobody@example.org", "somebody@example.org"):
            r = rf.register(d, ev, addr, language="en")
            assert r.status in (200, 201, 202), r
        rows = wait_states(pg, db, {"sent", "failed"})
        by = {r[2]: r for r in rows}
        assert by["nobody@example.org"][3] == "failed", by
        assert "550" in by["nobody@example.org"][5], by
        assert "mailbox unavailable" in by["nobody@example.org"][5], by
        assert by["somebody@example.org"][3] == "sent", by
        assert [rec["rcpt_tos"] for rec, _ in srv.records()] == [["somebody@example.org"]]
        d.stop()
    finally:
        srv.cleanup()


def test_server_down_loses_nothing():
    port = harness.free_port()
    srv = Smtpd(port=port)
    try:
        pg, db, d = start(port)
        pid = rf.project(pg, db)
        ev = rf.event(pg, db, pid)
        addrs = [f"p{i}@example.org" for i in range(20)]
        for a in addrs:
            r = rf.register(d, ev, a, language="en")
            assert r.status in (200, 201, 202), r
        # the server stays down until every row has been tried three times
        # (and deferred: nothing sent, nothing given up)
        def tried_three_times():
            rows = outbox_rows(pg, db)
            return len(rows) == 20 and all(int(r[4]) >= 3 for r in rows) and rows

        rows = harness.wait_until(tried_three_times, timeout=120,
                                  msg="three attempts on every outbox row")
        assert not [r for r in rows if r[3] in ("sent", "failed")], rows
        assert all(r[5] for r in rows), rows  # each deferral kept its reason
        srv.start()
        rows = wait_states(pg, db, {"sent"}, timeout=60)
        got = {}
        for rec, m in srv.wait_count(20):
            i = int(MSGID.match(m["Message-ID"]).group(1))
            got[i] = got.get(i, 0) + 1
        assert sorted(got) == sorted(int(r[0]) for r in rows), (got, rows)
        assert all(n == 1 for n in got.values()), got
        assert "deferred" in d.log_text()
        d.stop()
    finally:
        srv.cleanup()


# Headers an MTA may add on the way; everything else must be identical.
MTA_HEADERS = (b"received", b"return-path", b"x-peer", b"x-mailfrom", b"x-rcptto",
               b"delivered-to", b"x-original-to")


def without_mta_headers(raw):
    """RAW with the MTA-added header fields (and their folded lines) removed."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    out, skip = [], False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not skip:
                out.append(line)
            continue
        skip = line.split(b":", 1)[0].strip().lower() in MTA_HEADERS
        if not skip:
            out.append(line)
    return b"\r\n".join(out) + sep + body


def test_spool_and_email_send_the_same_bytes():
    """The same rows, written by the spool plugin and then (put back to
    pending, as after a crash) sent by the email plugin, are the same
    bytes; both parse as mail, the invitation as iCalendar."""
    import icalendar

    pg = harness.cluster()
    db = pg.new_database()
    common = {"convened": {"base_url": "https://events.example.org"}, "mail": MAIL,
              "outbox": OUTBOX}
    d = harness.Daemon(db, config=common)
    d.start()
    pid = rf.project(pg, db)
    ev = rf.event(pg, db, pid, title="Seminarium w Poznaniu – Göteborg", city="Poznań",
                  country="PL")
    r = rf.register(d, ev, "malgorzata@example.pl", name="Małgorzata Żółć", language="pl")
    assert r.status in (200, 201, 202), r
    harness.wait_until(lambda: len(d.maildir_messages()) == 1, timeout=20)
    r = rf.confirm(d, rf.token(pg, db, ev, "malgorzata@example.pl"))
    assert r.status in (200, 303), r
    harness.wait_until(lambda: len(d.maildir_messages()) == 2, timeout=20)
    d.stop()
    spooled = {}
    for name in os.listdir(os.path.join(d.maildir, "new")):
        with open(os.path.join(d.maildir, "new", name), "rb") as f:
            raw = f.read()
        mid = re.search(rb"^Message-ID: (<[^>]+>)\r$", raw, re.M).group(1)
        spooled[mid] = raw
    assert len(spooled) == 2, list(spooled)

    sent_ids = pg.psql(db, "UPDATE outbox SET state = 'pending', next_attempt_at = now()"
                           " WHERE state = 'sent' RETURNING id")
    assert len(sent_ids) == 2, sent_ids
    srv = Smtpd().start()
    try:
        cfg = email_config(srv.port)
        cfg["convened"] = common["convened"]
        d2 = harness.Daemon(db, config=cfg)
        d2.start()
        recs = srv.wait_count(2)
        wait_states(pg, db, {"sent", "pending"})
        d2.stop()
        kinds = set()
        for rec, m in recs:
            with open(os.path.join(srv.dir, rec["file"]), "rb") as f:
                raw = f.read()
            mid = m["Message-ID"].encode()
            assert mid in spooled, (mid, list(spooled))
            assert without_mta_headers(raw) == without_mta_headers(spooled.pop(mid)), mid
            assert rec["mail_from"] == FROM
            assert not m.defects, m.defects
            assert m["To"].addresses[0].display_name == "Małgorzata Żółć"
            assert m["From"].addresses[0].display_name == FROM_NAME
            assert m["Auto-Submitted"] == "auto-generated"
            assert m["Content-Language"] == "pl"
            assert m["X-Mailer"].startswith("convened ")
            assert m["X-Convened-Outbox-Id"] in [i[0] for i in sent_ids]
            kinds.add(m["X-Convened-Kind"])
            text = m.get_body(preferencelist=("plain",)).get_content()
            assert "Seminarium w Poznaniu – Göteborg" in text, text
            cal = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
            if m["X-Convened-Kind"] == "registration_confirmed":
                assert m.get_content_type() == "multipart/mixed"
                assert len(cal) == 1
                c = icalendar.Calendar.from_ical(cal[0].get_content())
                assert str(c["METHOD"]) == cal[0].get_param("method") == "REQUEST"
                assert "Seminarium w Poznaniu" in str(c.walk("VEVENT")[0]["SUMMARY"])
                files = [p for p in m.walk() if p.get_filename() == "invite.ics"]
                assert len(files) == 1
            else:
                assert cal == []
        assert spooled == {}
        assert kinds == {"registration_confirm_request", "registration_confirmed"}, kinds
    finally:
        srv.cleanup()
