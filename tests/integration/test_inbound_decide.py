"""test_inbound_decide.py - the decision about mail that comes back (issue 13,
items 2-5): reply tokens in outgoing mail and cv_inbound_decide, on the real
path: every message goes to convened over LMTP (the lmtp plugin), is parsed
by the daemon (GMime, libical) and decided by cv_inbound_decide in the
transaction that stores it.  The facts the decision reads are the daemon's
own.  Calendar replies and bounces are copies of the shared fixtures
(../shared/fixtures/mail) filled in with what the client or MTA copies from
convened's own mail (mail_in.py); the rest are plain mails typed here.
test_inbound_fixtures.py feeds every shared fixture the same way.
"""

import csv
import io
import re

import harness
import mail_in as M
import reg_fixtures as F
from test_email import Smtpd, email_config


def _count(pg, db, sql, *params):
    return int(pg.psql(db, sql, *params)[0][0])


def test_decline_in_reply_frees_the_seat_in_the_same_transaction():
    pg, db, d = M.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=1)
    for mail in ("anna@kommun.se", "bo@kommun.se"):
        assert F.register(d, ev, mail).status == 202
        assert F.confirm(d, F.token(pg, db, ev, mail)).status == 303
    assert F.states(pg, db, ev) == {"anna@kommun.se": ("confirmed", None),
                                    "bo@kommun.se": ("waitlisted", 1)}

    # the invitation's Reply-To and ORGANIZER carry Anna's reply token
    inv = M.invitation(d, "anna@kommun.se")
    tok = inv["token"]
    assert inv["organizer"] == f"convened+{tok}@example.org"
    assert tok not in F.token(pg, db, ev, "anna@kommun.se")  # not the web token
    cal = next(p for p in inv["message"].walk() if p.get_content_type() == "text/calendar")
    ics = re.sub(r"\r?\n[ \t]", "", cal.get_payload(decode=True).decode())
    # and the client is asked to answer
    assert re.search(r"ATTENDEE[^:\r\n]*RSVP=TRUE[^:\r\n]*:mailto:anna@kommun.se", ics), ics
    # Anna had reminders waiting
    reminders = """SELECT count(*) FROM outbox WHERE kind = 'event_reminder'
                   AND recipient = 'anna@kommun.se' AND state = 'pending'"""
    assert _count(pg, db, reminders) > 0

    # Gmail's Decline, answering that invitation, mailed to its ORGANIZER
    raw = M.fill_reply(M.fixture("imip-reply", "gmail-decline.eml"), inv["uid"],
                       "anna@kommun.se", inv["organizer"], inv["sequence"])
    dec, why, cls, iid = M.receive(pg, db, d, raw, inv["organizer"])
    assert (cls, dec) == ("imip_reply", "cancelled"), why
    assert "1 promoted" in why, why
    assert F.states(pg, db, ev) == {"anna@kommun.se": ("cancelled", None),
                                    "bo@kommun.se": ("confirmed", None)}
    # one transaction: the decision, the cancellation, the promotion and the
    # promoted person's mail all carry the same transaction time
    assert pg.psql(db, """
        SELECT count(DISTINCT t), count(t) FROM (
          SELECT decided_at AS t FROM inbound_messages WHERE id = $1
          UNION ALL SELECT cancelled_at FROM registrations r JOIN people p ON p.id = r.person_id
                     WHERE p.email = 'anna@kommun.se'
          UNION ALL SELECT promoted_at FROM registrations r JOIN people p ON p.id = r.person_id
                     WHERE p.email = 'bo@kommun.se'
          UNION ALL SELECT created_at FROM outbox WHERE kind = 'registration_promoted'
                     AND recipient = 'bo@kommun.se') x""", iid) == [("1", "4")]
    # the promoted person gets their mail, the decliner her cancellation and
    # no more reminders
    M.wait_mail(d, "bo@kommun.se", "registration_promoted")
    M.wait_mail(d, "anna@kommun.se", "registration_cancelled")
    assert _count(pg, db, reminders) == 0
    assert pg.psql(db, """SELECT reply_partstat, reply_inbound_id FROM registrations r
                          JOIN people p ON p.id = r.person_id
                          WHERE p.email = 'anna@kommun.se'""") == [("DECLINED", str(iid))]
    # the registration's history shows the calendar's answer: the list (JSON
    # and CSV) for the secretariat, the token page for Anna (in her language)
    regs = {x["email"]: x for x in d.get(f"/api/events/{ev}/registrations").json()
            ["registrations"]}
    anna = regs["anna@kommun.se"]
    assert re.fullmatch(r"declined by calendar reply on \d{4}-\d\d-\d\d \d\d:\d\d UTC",
                        anna["calendar_answer"]), anna
    assert anna["calendar_partstat"] == "declined" and anna["calendar_answer_at"].endswith("Z")
    assert anna["mail_state"] == "ok"
    assert regs["bo@kommun.se"]["calendar_answer"] is None
    rows = list(csv.DictReader(io.StringIO(
        d.get(f"/api/events/{ev}/registrations?format=csv").text)))
    assert [r["calendar_answer"] for r in rows if r["email"] == "anna@kommun.se"] \
        == [anna["calendar_answer"]]
    page = d.get(f"/r/{F.token(pg, db, ev, 'anna@kommun.se')}?lang=sv", auth=False).text
    assert re.search(r'<p id="calendar-answer" data-partstat="declined">'
                     r"Svar från din kalender: tackat nej \([a-zåäö]+dag \d{1,2} [a-zåäö]+ \d{4} ",
                     page), page  # when, in words (when.h)
    # the same message delivered again (an MTA retry) is applied once
    n = pg.psql(db, "SELECT count(*) FROM outbox")
    M.deliver(d, raw, inv["organizer"])
    assert _count(pg, db, "SELECT count(*) FROM inbound_messages") == 1
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n
    assert "already received: cancelled" in d.log_text()


def test_accept_confirms_and_older_answers_do_not_override():
    pg, db, d = M.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    assert F.register(d, ev, "carl@comune.it").status == 202
    req = M.wait_mail(d, "carl@comune.it", "registration_confirm_request")
    rcpt = f"convened+{M.reply_token(req)}@example.org"
    # the event's UID as the project feed publishes it
    uid = pg.psql(db, "SELECT uid FROM events WHERE id = $1", ev)[0][0]

    def reply(name, mid, **kw):
        raw = M.fill_reply(M.fixture("imip-reply", name), uid, "carl@comune.it", rcpt, **kw)
        return M.receive(pg, db, d, M.with_message_id(raw, mid), rcpt)

    # Accept confirms a pending registration: it proves the address
    got = reply("outlook-mac-2011-accept.eml", "<a1@test>", sequence=0,
                dtstamp="20330518T033320Z")
    assert got[:1] == ("confirmed",), got
    assert F.states(pg, db, ev) == {"carl@comune.it": ("confirmed", None)}
    # the invitation goes out; its SEQUENCE is remembered when it is sent
    M.wait_mail(d, "carl@comune.it", "registration_confirmed")
    harness.wait_until(lambda: pg.psql(db, "SELECT sent_sequence FROM registrations")
                       == [("0",)], msg="sent_sequence recorded")

    # a Decline stamped before the applied Accept does not override it
    got = reply("outlook-mac-2011-decline.eml", "<d1@test>", sequence=0,
                dtstamp="20330518T031640Z")
    assert got[0] == "stale_dtstamp", got
    # an answer to an older invitation than the one last sent neither
    pg.psql(db, "UPDATE events SET sequence = 2; UPDATE registrations SET sent_sequence = 2")
    got = reply("outlook-mac-2011-decline.eml", "<d2@test>", sequence=1,
                dtstamp="20330518T034000Z")
    assert got[0] == "stale_sequence", got
    assert F.states(pg, db, ev) == {"carl@comune.it": ("confirmed", None)}
    # TENTATIVE is recorded; COUNTER is recorded, not applied
    got = reply("ios-iphone3-tentative.eml", "<t1@test>", sequence=2,
                dtstamp="20330518T035000Z")
    assert got[0] == "tentative", got
    got = reply("gmail-counter-mime-says-reply.eml", "<c1@test>", sequence=2,
                dtstamp="20330518T036000Z")
    assert got[2:3] == ("imip_counter",) and got[0] == "counter", got
    assert F.states(pg, db, ev) == {"carl@comune.it": ("confirmed", None)}
    assert pg.psql(db, "SELECT reply_partstat FROM registrations") == [("TENTATIVE",)]


def test_replies_that_do_not_match_change_nothing():
    pg, db, d = M.start()
    pid = F.project(pg, db)
    ev = F.event(pg, db, pid, capacity=5)
    other = F.event(pg, db, pid, title="Other", capacity=5)
    assert F.register(d, ev, "dora@grad.hr").status == 202
    assert F.confirm(d, F.token(pg, db, ev, "dora@grad.hr")).status == 303
    inv = M.invitation(d, "dora@grad.hr")
    before = F.snapshot(pg, db)

    def dec(rcpt, mid, uid=None, attendee="dora@grad.hr", name="gmail-decline.eml"):
        raw = M.fill_reply(M.fixture("imip-reply", name), uid or inv["uid"], attendee,
                           inv["organizer"], inv["sequence"], partstat="DECLINED")
        return M.receive(pg, db, d, M.with_message_id(raw, mid), rcpt)[0]

    # no token, a wrong token (From: is Dora's, and is not trusted): never applied
    assert dec("convened@example.org", "<n1@t>") == "unmatched"
    assert dec("convened+" + "0" * 32 + "@example.org", "<n2@t>") == "unmatched"
    # a valid token, but the UID of another event
    other_uid = pg.psql(db, "SELECT uid FROM events WHERE id = $1", other)[0][0]
    assert dec(inv["organizer"], "<n3@t>", uid=other_uid) == "uid_mismatch"
    # an ATTENDEE that is not the invited address (an alias, as Outlook
    # through BlueMind sends it), without ORGANIZER
    assert dec(inv["organizer"], "<n4@t>", attendee="dora@alias.hr",
               name="bluemind-mapi-outlook-accept-no-organizer.eml") == "attendee_mismatch"
    assert F.snapshot(pg, db) == before
    assert F.states(pg, db, ev) == {"dora@grad.hr": ("confirmed", None)}
    # the event was cancelled: the reply is recorded, nothing else
    pg.psql(db, "UPDATE events SET status = 'cancelled' WHERE id = $1", ev)
    before = F.snapshot(pg, db)
    assert dec(inv["organizer"], "<n5@t>") == "event_cancelled"
    assert F.snapshot(pg, db) == before
    # every message has a recorded decision and reason
    assert pg.psql(db, """SELECT count(*) FROM inbound_messages
                          WHERE decision IS NULL OR reason IS NULL OR decided_at IS NULL""") \
        == [("0",)]


def _sent_mail(d, pg, db, to, kind):
    m = M.wait_mail(d, to, kind)
    harness.wait_until(lambda: pg.psql(db, "SELECT state FROM outbox WHERE id = $1",
                                       m["X-Convened-Outbox-Id"]) == [("sent",)])
    return m


def _bounce(pg, db, d, name, address, sent, mid):
    """The bounce fixture NAME about SENT (a mail convened sent to ADDRESS),
    mailed by the MTA to the envelope sender (the token address)."""
    raw = M.fixture("dsn", name)
    # the daemon's own reading of the fixture, for the values to fill in
    _, _, _, iid = M.receive(pg, db, d, M.with_message_id(raw, mid + "-orig"),
                             "postmaster@example.org")
    raw = M.fill_bounce(raw, M.facts_of(pg, db, iid), address, sent["Message-ID"].strip())
    return M.receive(pg, db, d, M.with_message_id(raw, mid),
                     f"convened+{M.reply_token(sent)}@example.org")


def test_hard_bounce_stops_mail_and_soft_only_at_the_threshold():
    pg, db, d = M.start(mail={"soft_bounce_limit": 2})
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    for mail in ("eva@kunta.fi", "olli@kunta.fi", "ulla@kunta.fi"):
        assert F.register(d, ev, mail).status == 202
    sent = _sent_mail(d, pg, db, "eva@kunta.fi", "registration_confirm_request")
    assert re.fullmatch(r"<outbox-\d+\.[0-9a-f]+@127\.0\.0\.1>", sent["Message-ID"].strip())

    # hard: Postfix's 5.1.1 about our message
    got = _bounce(pg, db, d, "postfix-5.1.1-user-unknown.eml", "eva@kunta.fi", sent, "<b1@t>")
    assert got[:3] == ("bounce_hard", got[1], "dsn_failed"), got
    assert pg.psql(db, "SELECT state FROM mail_addresses WHERE address = 'eva@kunta.fi'") \
        == [("hard",)]
    # the secretariat sees it in the registration list
    regs = {x["email"]: x["mail_state"] for x in
            d.get(f"/api/events/{ev}/registrations").json()["registrations"]}
    assert regs == {"eva@kunta.fi": "hard", "olli@kunta.fi": "ok", "ulla@kunta.fi": "ok"}
    # the next mail to Eva is not sent, with the reason; the registration stays
    F.confirm(d, F.token(pg, db, ev, "eva@kunta.fi"))
    rows = pg.psql(db, """SELECT state, last_error FROM outbox WHERE recipient = 'eva@kunta.fi'
                          AND kind = 'registration_confirmed'""")
    assert rows[0][0] == "failed" and "bounced hard" in rows[0][1], rows
    assert F.states(pg, db, ev)["eva@kunta.fi"] == ("confirmed", None)

    # soft (limit 2 in the config): the first delay report changes nothing
    sent = _sent_mail(d, pg, db, "olli@kunta.fi", "registration_confirm_request")
    got = _bounce(pg, db, d, "sendmail-warning-4.5.0-delayed.eml", "olli@kunta.fi", sent,
                  "<s1@t>")
    assert got[0] == "bounce_soft", got
    F.confirm(d, F.token(pg, db, ev, "olli@kunta.fi"))
    _sent_mail(d, pg, db, "olli@kunta.fi", "registration_confirmed")
    # the second reaches the threshold: hard, pending mail to it fails
    got = _bounce(pg, db, d, "outlookcom-4.4.7-delayed.eml", "olli@kunta.fi", sent, "<s2@t>")
    assert got[0] == "bounce_hard", got
    assert _count(pg, db, """SELECT count(*) FROM outbox WHERE recipient = 'olli@kunta.fi'
                             AND state = 'pending'""") == 0

    # a success report marks nothing; a report about mail we never sent neither
    sent = _sent_mail(d, pg, db, "ulla@kunta.fi", "registration_confirm_request")
    got = _bounce(pg, db, d, "sonicwall-relayed-2.0.0-not-a-failure.eml", "ulla@kunta.fi",
                  sent, "<x1@t>")
    assert got[0] == "dsn_success", got
    got = M.receive(pg, db, d, M.fixture("dsn", "sendmail-5.1.1.eml"), "postmaster@example.org")
    assert got[0] == "bounce_unmatched", got
    assert _count(pg, db, "SELECT count(*) FROM mail_addresses WHERE address = 'ulla@kunta.fi'") \
        == 0


def test_mail_with_a_token_is_sent_from_it_so_a_bounce_without_headers_comes_back_matched():
    smtp = Smtpd().start()
    try:
        cfg = email_config(smtp.port)
        cfg["mail"] = dict(cfg["mail"], **M.MAIL)
        pg, db, d = M.start(config=cfg)
        ev = F.event(pg, db, F.project(pg, db), capacity=5)
        assert F.register(d, ev, "pia@kommun.se").status == 202
        rec, msg = smtp.wait_count(1)[0]
        tok = M.reply_token(msg)
        # the envelope sender is the token address (VERP); From: stays ours
        assert rec["mail_from"] == f"convened+{tok}@example.org", rec
        assert "office@example.org" in str(msg["From"])
        # Exchange 2007's NDR returns no headers of our mail: the token
        # in the address it was sent back to is what matches it
        raw = M.fixture("dsn", "exchange2007-5.1.1.eml")
        raw = raw.replace(b"mikeneko@example.co.jp", b"pia@kommun.se")
        got = M.receive(pg, db, d, raw, rec["mail_from"], mail_from="")
        assert got[0] == "bounce_hard" and "the reply token" in got[1], got
        assert pg.psql(db, "SELECT state FROM mail_addresses") == [("hard",)]
    finally:
        smtp.cleanup()


def test_nothing_automatic_is_ever_answered_and_registering_by_mail():
    pg, db, d = M.start(mail={"soft_bounce_limit": 2})
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    n_out = pg.psql(db, "SELECT count(*) FROM outbox")

    # an auto-reply to the registration address: no registration, no answer
    away = M.fixture("autoreply", "exim-auto-submitted-away.eml")
    assert M.receive(pg, db, d, away, f"register+{ev}@example.org")[0] == "auto_reply"
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n_out
    assert pg.psql(db, "SELECT count(*) FROM registrations") == [("0",)]

    # a plain mail to register+<event>: the double opt-in request, to From
    hum = M.plain("<r1@t>", "Fia <fia@stad.se>", "Register me", "Please register me")
    assert M.receive(pg, db, d, hum, f"register+{ev}@example.org")[0] == "register_requested"
    req = M.wait_mail(d, "fia@stad.se", "registration_confirm_request")
    assert F.states(pg, db, ev) == {"fia@stad.se": ("pending", None)}
    rcpt = f"convened+{M.reply_token(req)}@example.org"
    # an automatic message to that token confirms nothing and is not answered
    n_out = pg.psql(db, "SELECT count(*) FROM outbox")
    assert M.receive(pg, db, d, M.with_message_id(away, "<r2@t>"), rcpt)[0] == "auto_reply"
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n_out
    assert F.states(pg, db, ev) == {"fia@stad.se": ("pending", None)}
    # the person's reply to the request confirms it (proof of the address)
    got = M.receive(pg, db, d, M.plain("<r3@t>", "fia@stad.se", "Re: Please confirm", "Yes"),
                    rcpt)
    assert got[0] == "confirmed", got
    assert F.states(pg, db, ev) == {"fia@stad.se": ("confirmed", None)}

    # requests by mail are answered at most answer_limit (3) times an hour
    got = [M.receive(pg, db, d, M.plain(f"<g{i}@t>", "gus@stad.se"),
                     f"register+{ev}@example.org")[0] for i in range(4)]
    assert got == ["register_requested"] * 3 + ["rate_limited"]
    # mail from convened's own address is a loop: recorded, never answered
    n_out = pg.psql(db, "SELECT count(*) FROM outbox")
    own = M.plain("<l1@t>", "convened+abc@example.org")
    assert M.receive(pg, db, d, own, f"register+{ev}@example.org")[0] == "loop"
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n_out


def test_human_reply_is_forwarded_with_context_at_most_n_per_hour():
    pg, db, d = M.start(mail={"forward_limit": 2})
    ev = F.event(pg, db, F.project(pg, db), title="Study visit Stavanger", capacity=5)
    assert F.register(d, ev, "hanna@kommun.no", name="Hanna").status == 202
    assert F.confirm(d, F.token(pg, db, ev, "hanna@kommun.no")).status == 303
    rcpt = M.invitation(d, "hanna@kommun.no")["organizer"]
    got = [M.receive(pg, db, d, M.plain(f"<h{i}@t>", "Hanna <hanna@kommun.no>",
                                        "Re: Registration confirmed",
                                        "Can I bring a colleague?"), rcpt)[0]
           for i in range(3)]
    assert got == ["forwarded", "forwarded", "forward_limited"]
    fw = M.wait_mail(d, "secretariat@example.org", "inbound_forward")
    # about the event, named once (not run together with its project's title)
    subj = str(fw["Subject"])
    assert "about Study visit Stavanger: Re: Registration confirmed" in subj, subj
    assert fw["Reply-To"].strip("<> ") == "hanna@kommun.no"
    body = fw.get_body(("plain",)).get_content()
    assert "Can I bring a colleague?" in body and "Hanna <hanna@kommun.no>" in body, body
    # no token: not applied, still forwarded for a human to read
    got = M.receive(pg, db, d, M.plain("<u1@t>", "ivar@kommun.no"), "convened@example.org")
    assert got[0] == "unmatched" and "forwarded" in got[1], got
    assert F.states(pg, db, ev) == {"hanna@kommun.no": ("confirmed", None)}


def test_erasure_forgets_the_mail_that_came_back_and_the_bounce_state():
    pg, db, d = M.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    assert F.register(d, ev, "olga@gmina.pl").status == 202
    assert F.confirm(d, F.token(pg, db, ev, "olga@gmina.pl")).status == 303
    inv = M.invitation(d, "olga@gmina.pl")
    sent = _sent_mail(d, pg, db, "olga@gmina.pl", "registration_confirmed")
    # what came back refers to the person from three places: a forward in
    # the outbox, the registration's calendar answer, the bounce state
    got = M.receive(pg, db, d, M.plain("<e1@t>", "olga@gmina.pl", text="Hello"),
                    inv["organizer"])
    assert got[0] == "forwarded", got
    raw = M.fill_reply(M.fixture("imip-reply", "gmail-decline.eml"), inv["uid"],
                       "olga@gmina.pl", inv["organizer"], inv["sequence"])
    assert M.receive(pg, db, d, raw, inv["organizer"])[0] == "cancelled"
    assert _bounce(pg, db, d, "sendmail-5.1.1.eml", "olga@gmina.pl", sent, "<e3@t>")[0] \
        == "bounce_hard"
    mine = """SELECT count(*) FROM inbound_messages WHERE rcpt = $1"""
    assert _count(pg, db, mine, inv["organizer"]) == 3
    # her export holds the bounce state of her address
    r = d.post("/api/people/export", {"email": "olga@gmina.pl"})
    assert r.status == 200, r
    ma = r.json()["tables"]["mail_addresses"]
    assert [(x["address"], x["state"]) for x in ma] == [("olga@gmina.pl", "hard")], ma
    r = d.post("/api/people/erase", {"email": "olga@gmina.pl"})
    assert r.status == 200 and r.json()["inbound_removed"] >= 3, r
    # every message to her reply-token address went, the bounce state too
    assert _count(pg, db, mine, inv["organizer"]) == 0
    assert _count(pg, db, "SELECT count(*) FROM mail_addresses") == 0
    assert pg.psql(db, "SELECT reply_inbound_id FROM registrations") == [(None,)]
