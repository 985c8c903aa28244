"""Issue 13, "Bad input", on the real path: each message below is handed to
the running daemon over LMTP (the lmtp plugin's socket, as Postfix's lmtp
client hands it) and must get a recorded decision with a reason, or a
precise refusal, while registrations, people and the outbox stay as they
were.  The parser's own limits (10,000 parts, nesting, size) are unit-tested
in tests/unit/test_inbound_parse.c; this checks what the daemon does with
the parser's verdict."""

import smtplib

import harness
import mail_in as M
import reg_fixtures as F


def _registered():
    pg, db, d = M.start()
    pid = F.project(pg, db)
    ev = F.event(pg, db, pid, capacity=5)
    assert F.register(d, ev, "dora@grad.hr").status == 202
    assert F.confirm(d, F.token(pg, db, ev, "dora@grad.hr")).status == 303
    inv = M.invitation(d, "dora@grad.hr")
    return pg, db, d, ev, inv


def _recorded(pg, db, iid):
    rows = pg.psql(db, """SELECT decision IS NOT NULL AND reason <> ''
                                 AND decided_at IS NOT NULL
                            FROM inbound_messages WHERE id = $1""", iid)
    return rows == [("t",)]


def test_malformed_and_huge_multipart_mail_is_recorded_and_changes_nothing():
    pg, db, d, ev, inv = _registered()
    token_addr = inv["organizer"]
    before = F.snapshot(pg, db)
    last = pg.psql(db, "SELECT coalesce(max(id), 0) FROM outbox")[0][0]
    # a multipart whose boundary never appears, and a header without a colon
    broken = (b"From: dora@grad.hr\r\nTo: " + token_addr.encode() + b"\r\n"
              b"Message-ID: <broken-1@grad.hr>\r\nSubject: broken\r\n"
              b"this line is not a header\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: multipart/mixed; boundary=\"nowhere\"\r\n\r\n"
              b"--elsewhere\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n"
              b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n")
    dec, reason, cls, iid = M.receive(pg, db, d, broken, token_addr)
    assert _recorded(pg, db, iid), (dec, reason, cls)
    assert dec not in ("cancelled", "accepted", "tentative"), (dec, reason)
    # 10,000 parts: classified and decided, never applied
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                     for i in range(10000))
    many = (b"From: dora@grad.hr\r\nTo: " + token_addr.encode() + b"\r\n"
            b"Message-ID: <many-1@grad.hr>\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" + parts + b"--b--\r\n")
    M.deliver(d, many, token_addr)
    # the parser refuses it (more parts than it reads), so the row is named
    # by the message's hash, not by the Message-ID it could not trust
    dec2, reason2, cls2, iid2 = pg.psql(db, """SELECT decision, reason, class, id
                                                 FROM inbound_messages ORDER BY id DESC LIMIT 1""")[0]
    assert cls2 == "malformed" and dec2 == "malformed", (dec2, reason2, cls2)
    assert "parts" in reason2, reason2
    assert _recorded(pg, db, iid2)
    # neither applied anything: no seat, no person, no mail to Dora (a
    # forward to the secretariat, if any, is the only outbox row allowed)
    after = F.snapshot(pg, db)
    assert after[0][:3] == before[0][:3] and after[0][4:] == before[0][4:], (before, after)
    new = pg.psql(db, "SELECT kind, recipient FROM outbox WHERE id > $1"
                      " AND NOT (kind = 'inbound_forward'"
                      "          AND recipient = 'secretariat@example.org')", last)
    assert new == [], new
    assert F.states(pg, db, ev) == {"dora@grad.hr": ("confirmed", None)}


def test_bounce_for_an_address_convened_never_wrote_to_marks_nothing():
    pg, db, d, ev, inv = _registered()
    before = F.snapshot(pg, db)
    raw = M.fixture("dsn", "sendmail-5.1.1.eml")
    # to the plain reply address (no token) and about a Message-ID that is
    # not one of convened's
    dec, reason, cls, iid = M.receive(pg, db, d, M.with_message_id(raw, "<dsn-stranger@mx>"),
                                      "convened@example.org")
    assert cls == "dsn_failed", cls
    assert dec == "bounce_unmatched", (dec, reason)
    assert _recorded(pg, db, iid)
    assert pg.psql(db, "SELECT count(*) FROM mail_addresses WHERE state <> 'ok'") == [("0",)]
    assert F.snapshot(pg, db) == before


def test_fifty_megabytes_are_refused_before_anything_is_stored():
    pg, db, d, ev, inv = _registered()
    before = F.snapshot(pg, db)
    body = (b"x" * 998 + b"\r\n") * (50 * 1024 * 1024 // 1000)
    raw = (b"From: dora@grad.hr\r\nTo: convened@example.org\r\n"
           b"Message-ID: <big-1@grad.hr>\r\nSubject: big\r\n\r\n" + body)
    assert len(raw) > 50 * 1000 * 1000
    refused = None
    with smtplib.LMTP(d.lmtp_socket) as c:
        try:
            r = c.sendmail("dora@grad.hr", [inv["organizer"]], raw)
            refused = r.get(inv["organizer"])
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                smtplib.SMTPRecipientsRefused) as e:
            refused = e
    assert refused is not None, "a 50 MB message was accepted"
    text = str(refused)
    assert "552" in text, text
    assert pg.psql(db, "SELECT count(*) FROM inbound_messages") == [("0",)]
    assert F.snapshot(pg, db) == before
