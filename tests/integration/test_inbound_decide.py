"""test_inbound_decide.py - the decision about mail that comes back (issue 13,
items 2-5): reply tokens in outgoing mail and cv_inbound_decide.

What is real here: the daemon (registration, confirmation, the outbox, the
spool maildir the mails land in), PostgreSQL and every SQL rule.  What is
NOT the real path: the parser.  Each test builds the `facts` JSON a parsed
message would carry and inserts the inbound_messages row with psql, then
calls cv_inbound_decide.  For the shared fixtures (../shared/fixtures/mail)
the facts are filled with Python's email package (and icalendar for the
calendar part) the way daemon/inparse.c fills them, and the fields the
client or MTA would have filled from our own mail (the UID and ATTENDEE of
our invitation, our Message-ID and recipient in a bounce) are put in, as the
fixtures' README says.  The real path (LMTP -> parser -> decision) is
tested by the inbound branch's tests.
"""

import email
import email.policy
import json
import re

import harness
import reg_fixtures as F

MAIL_CONFIG = {"mail": {"reply_address": "convened@example.org",
                        "register_address": "register@example.org",
                        "secretariat": "secretariat@example.org",
                        "soft_bounce_limit": 2,
                        "forward_limit": 2}}


def start():
    return F.start(config=MAIL_CONFIG)


def fixture(*parts):
    with open(harness.shared_fixture("mail", *parts), "rb") as f:
        return email.message_from_bytes(f.read(), policy=email.policy.compat32)


def _addr(v):
    v = str(v or "")
    m = re.search(r"(?i)mailto:\s*(\S+)", v)
    return (m.group(1) if m else v).strip().lower()


def base_facts(msg):
    """The header facts inparse fills for every message."""
    from_ = email.utils.parseaddr(str(msg.get("From", "")))
    return {"message_id": (msg.get("Message-ID") or "").strip() or None,
            "from": from_[1].lower() or None, "from_name": from_[0] or None,
            "subject": str(email.header.make_header(email.header.decode_header(
                msg.get("Subject", "")))),
            "in_reply_to": (msg.get("In-Reply-To") or "").strip() or None,
            "is_automatic": 0}


def imip_facts(name, uid, attendee, partstat=None, sequence=None, dtstamp=None):
    """Facts of the iMIP fixture NAME with our UID and our attendee address
    (what the client copies from our invitation)."""
    import icalendar

    msg = fixture("imip-reply", name)
    facts = base_facts(msg)
    for part in msg.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            break
    else:
        raise AssertionError(f"{name}: no calendar part")
    ev = next(c for c in cal.walk() if c.name == "VEVENT")
    att = ev.get("ATTENDEE")
    att = att if isinstance(att, list) else [att]
    attendees = []
    for a in att:
        attendees.append({"address": attendee,
                          "partstat": (partstat or str(a.params.get("PARTSTAT", ""))).upper(),
                          "delegated_to": None, "name": a.params.get("CN")})
    facts.update({"method": str(cal.get("METHOD", "")).upper(), "uid": uid,
                  "sequence": int(ev.get("SEQUENCE", 0)) if sequence is None else sequence,
                  "dtstamp": int(ev.decoded("DTSTAMP").timestamp()) if dtstamp is None
                  else dtstamp,
                  "organizer": _addr(ev.get("ORGANIZER")) or None,
                  "attendees": attendees, "is_automatic": 1})
    return facts


def dsn_facts(name, address, orig_message_id):
    """Facts of the bounce fixture NAME, as if it returned our message
    ORIG_MESSAGE_ID to ADDRESS (the MTA copies both from our mail)."""
    msg = fixture("dsn", name)
    facts = base_facts(msg)
    rcpts = []
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            for b in blocks[1:]:
                action = (b.get("Action") or "").strip().lower()
                status = (b.get("Status") or "").strip().split()[0]
                sev = ("hard" if action == "failed" or status.startswith("5")
                       else "soft" if action == "delayed" or status.startswith("4")
                       else "success")
                rcpts.append({"address": address, "original": None, "status": status,
                              "action": action, "diagnostic": b.get("Diagnostic-Code"),
                              "severity": sev})
    assert rcpts, f"{name}: no delivery-status recipient"
    facts.update({"rcpts": rcpts, "orig_message_id": orig_message_id, "is_automatic": 1})
    return facts


def insert(pg, db, cls, rcpt, facts, message_id=None):
    return int(pg.psql(db, """INSERT INTO inbound_messages (source, mail_from, rcpt, message_id,
                                                            class, facts, size)
                              VALUES ('test', $1, $2, $3, $4, $5::jsonb, 1) RETURNING id""",
                       facts.get("from"), rcpt,
                       message_id or facts.get("message_id") or f"<t{id(facts)}@test>",
                       cls, json.dumps(facts))[0][0])


def decide(pg, db, iid):
    return pg.psql(db, "SELECT decision, reason FROM cv_inbound_decide($1)", iid)[0]


def receive(pg, db, cls, rcpt, facts, message_id=None):
    return decide(pg, db, insert(pg, db, cls, rcpt, facts, message_id))


def reply_token(pg, db, event_id, mail):
    return pg.psql(db, """SELECT r.reply_token FROM registrations r JOIN people p
                          ON p.id = r.person_id WHERE r.event_id = $1 AND p.email = $2""",
                   event_id, mail)[0][0]


def wait_mail(d, to, kind):
    def find():
        for m in d.maildir_messages():
            if m["X-Convened-Kind"] == kind and to in str(m["To"]):
                return m
        return None
    return harness.wait_until(find, timeout=15, msg=f"{kind} mail to {to}")


def uid_of(pg, db, ev):
    return pg.psql(db, "SELECT uid FROM events WHERE id = $1", ev)[0][0]


def test_decline_in_reply_frees_the_seat_in_the_same_transaction():
    pg, db, d = start()
    ev = F.event(pg, db, F.project(pg, db), capacity=1)
    for mail in ("anna@kommun.se", "bo@kommun.se"):
        assert F.register(d, ev, mail).status == 201
        assert F.confirm(d, F.token(pg, db, ev, mail)).status == 303
    assert F.states(pg, db, ev) == {"anna@kommun.se": ("confirmed", None),
                                    "bo@kommun.se": ("waitlisted", 1)}

    # the invitation's Reply-To and ORGANIZER carry Anna's reply token
    inv = wait_mail(d, "anna@kommun.se", "registration_confirmed")
    m = re.fullmatch(r"<?convened\+([0-9a-f]{32})@example\.org>?", inv["Reply-To"].strip())
    assert m, inv["Reply-To"]
    tok = m.group(1)
    assert tok == reply_token(pg, db, ev, "anna@kommun.se")
    assert tok not in F.token(pg, db, ev, "anna@kommun.se")  # not the web token
    cal = next(p for p in inv.walk() if p.get_content_type() == "text/calendar")
    ics = re.sub(r"\r?\n[ \t]", "", cal.get_payload(decode=True).decode())
    assert re.search(r"ORGANIZER[^:\r\n]*:mailto:convened\+" + tok + "@example.org", ics), ics
    # and the client is asked to answer
    assert re.search(r"ATTENDEE[^:\r\n]*RSVP=TRUE[^:\r\n]*:mailto:anna@kommun.se", ics), ics
    seq = int(re.search(r"SEQUENCE:(\d+)", ics).group(1))
    # Anna had reminders waiting
    assert pg.psql(db, """SELECT count(*) FROM outbox WHERE kind = 'event_reminder'
                          AND recipient = 'anna@kommun.se' AND state = 'pending'""")[0][0] != "0"

    facts = imip_facts("gmail-decline.eml", uid_of(pg, db, ev), "anna@kommun.se", sequence=seq)
    assert facts["attendees"][0]["partstat"] == "DECLINED"
    iid = insert(pg, db, "imip_reply", f"convened+{tok}@example.org", facts)
    # decision and waiting list inside one transaction, seen before COMMIT
    rows = pg.psql(db, f"""BEGIN;
        SELECT decision FROM cv_inbound_decide({iid});
        SELECT p.email || '=' || r.state FROM registrations r JOIN people p ON p.id = r.person_id
         WHERE r.event_id = {ev} ORDER BY p.email;
        COMMIT;""")
    assert rows == [("cancelled",), ("anna@kommun.se=cancelled",), ("bo@kommun.se=confirmed",)]
    assert F.states(pg, db, ev) == {"anna@kommun.se": ("cancelled", None),
                                    "bo@kommun.se": ("confirmed", None)}
    # the promoted person gets their mail, the decliner her cancellation and
    # no more reminders
    wait_mail(d, "bo@kommun.se", "registration_promoted")
    wait_mail(d, "anna@kommun.se", "registration_cancelled")
    assert pg.psql(db, """SELECT count(*) FROM outbox WHERE kind = 'event_reminder'
                          AND recipient = 'anna@kommun.se' AND state = 'pending'""")[0][0] == "0"
    assert pg.psql(db, """SELECT reply_partstat, reply_inbound_id FROM registrations r
                          JOIN people p ON p.id = r.person_id
                          WHERE p.email = 'anna@kommun.se'""") == [("DECLINED", str(iid))]
    # deciding again (a retry) returns the decision and applies nothing twice
    n = pg.psql(db, "SELECT count(*) FROM outbox")
    assert decide(pg, db, iid)[0] == "cancelled"
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n


def test_accept_confirms_and_older_answers_do_not_override():
    pg, db, d = start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    assert F.register(d, ev, "carl@comune.it").status == 201
    req = wait_mail(d, "carl@comune.it", "registration_confirm_request")
    tok = reply_token(pg, db, ev, "carl@comune.it")
    assert req["Reply-To"].strip("<> ") == f"convened+{tok}@example.org"
    uid = uid_of(pg, db, ev)
    rcpt = f"convened+{tok}@example.org"

    acc = imip_facts("outlook-mac-2011-accept.eml", uid, "carl@comune.it", sequence=0,
                     dtstamp=2_000_000_000)
    assert receive(pg, db, "imip_reply", rcpt, acc, "<a1@test>")[0] == "confirmed"
    assert F.states(pg, db, ev) == {"carl@comune.it": ("confirmed", None)}
    # the invitation goes out; its SEQUENCE is remembered when it is sent
    wait_mail(d, "carl@comune.it", "registration_confirmed")
    harness.wait_until(lambda: pg.psql(db, "SELECT sent_sequence FROM registrations")
                       == [("0",)], msg="sent_sequence recorded")

    # a DECLINED stamped before the applied ACCEPTED does not override it
    dec = imip_facts("outlook-mac-2011-decline.eml", uid, "carl@comune.it", sequence=0,
                     dtstamp=1_999_999_000)
    assert receive(pg, db, "imip_reply", rcpt, dec, "<d1@test>")[0] == "stale_dtstamp"
    # an answer to an older invitation than the one last sent neither
    pg.psql(db, "UPDATE events SET sequence = 2; UPDATE registrations SET sent_sequence = 2")
    dec = imip_facts("outlook-mac-2011-decline.eml", uid, "carl@comune.it", sequence=1,
                     dtstamp=2_000_000_500)
    assert receive(pg, db, "imip_reply", rcpt, dec, "<d2@test>")[0] == "stale_sequence"
    assert F.states(pg, db, ev) == {"carl@comune.it": ("confirmed", None)}
    # TENTATIVE is recorded; COUNTER is recorded, not applied
    ten = imip_facts("ios-iphone3-tentative.eml", uid, "carl@comune.it", sequence=2,
                     dtstamp=2_000_001_000)
    assert receive(pg, db, "imip_reply", rcpt, ten, "<t1@test>")[0] == "tentative"
    cou = imip_facts("gmail-counter-mime-says-reply.eml", uid, "carl@comune.it", sequence=2,
                     dtstamp=2_000_002_000)
    assert cou["method"] == "COUNTER"
    assert receive(pg, db, "imip_counter", rcpt, cou, "<c1@test>")[0] == "counter"
    assert F.states(pg, db, ev) == {"carl@comune.it": ("confirmed", None)}


def test_replies_that_do_not_match_change_nothing():
    pg, db, d = start()
    pid = F.project(pg, db)
    ev = F.event(pg, db, pid, capacity=5)
    other = F.event(pg, db, pid, title="Other", capacity=5)
    assert F.register(d, ev, "dora@grad.hr").status == 201
    assert F.confirm(d, F.token(pg, db, ev, "dora@grad.hr")).status == 303
    tok = reply_token(pg, db, ev, "dora@grad.hr")
    uid = uid_of(pg, db, ev)
    before = F.snapshot(pg, db)

    def dec(**kw):
        return imip_facts("gmail-decline.eml", kw.get("uid", uid),
                          kw.get("attendee", "dora@grad.hr"))

    # no token, a wrong token, the From alone: never applied
    assert receive(pg, db, "imip_reply", "convened@example.org", dec(), "<n1@t>")[0] \
        == "unmatched"
    assert receive(pg, db, "imip_reply", "convened+" + "0" * 32 + "@example.org", dec(),
                   "<n2@t>")[0] == "unmatched"
    # a valid token, but the UID of another event
    assert receive(pg, db, "imip_reply", f"convened+{tok}@example.org",
                   dec(uid=uid_of(pg, db, other)), "<n3@t>")[0] == "uid_mismatch"
    # the attendee is an alias of the person (Outlook through BlueMind)
    ali = imip_facts("bluemind-mapi-outlook-accept-no-organizer.eml", uid, "dora@alias.hr",
                     partstat="DECLINED")
    assert ali["organizer"] is None
    assert receive(pg, db, "imip_reply", f"convened+{tok}@example.org", ali, "<n4@t>")[0] \
        == "attendee_mismatch"
    assert F.snapshot(pg, db) == before
    assert F.states(pg, db, ev) == {"dora@grad.hr": ("confirmed", None)}
    # the event was cancelled: the reply is recorded, nothing else
    pg.psql(db, "UPDATE events SET status = 'cancelled' WHERE id = $1", ev)
    before = F.snapshot(pg, db)
    assert receive(pg, db, "imip_reply", f"convened+{tok}@example.org", dec(), "<n5@t>")[0] \
        == "event_cancelled"
    assert F.snapshot(pg, db) == before
    # every message has a recorded decision and reason
    assert pg.psql(db, """SELECT count(*) FROM inbound_messages
                          WHERE decision IS NULL OR reason IS NULL OR decided_at IS NULL""") \
        == [("0",)]


def _sent_mail(d, pg, db, to, kind):
    m = wait_mail(d, to, kind)
    harness.wait_until(lambda: pg.psql(db, "SELECT state FROM outbox WHERE id = $1",
                                       m["X-Convened-Outbox-Id"]) == [("sent",)])
    return m["Message-ID"].strip()


def test_hard_bounce_stops_mail_and_soft_only_at_the_threshold():
    pg, db, d = start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    for mail in ("eva@kunta.fi", "olli@kunta.fi", "ulla@kunta.fi"):
        assert F.register(d, ev, mail).status == 201
    mid = _sent_mail(d, pg, db, "eva@kunta.fi", "registration_confirm_request")
    assert re.fullmatch(r"<outbox-\d+\.[0-9a-f]+@127\.0\.0\.1>", mid), mid

    # hard: matched by our Message-ID in the returned message
    f = dsn_facts("postfix-5.1.1-user-unknown.eml", "eva@kunta.fi", mid)
    dd = receive(pg, db, "dsn_failed", "bounces@example.org", f)
    assert dd[0] == "bounce_hard", dd
    assert pg.psql(db, "SELECT state FROM mail_addresses WHERE address = 'eva@kunta.fi'") \
        == [("hard",)]
    # the next mail to Eva is not sent, with the reason; the registration stays
    F.confirm(d, F.token(pg, db, ev, "eva@kunta.fi"))
    rows = pg.psql(db, """SELECT state, last_error FROM outbox WHERE recipient = 'eva@kunta.fi'
                          AND kind = 'registration_confirmed'""")
    assert rows[0][0] == "failed" and "bounced hard" in rows[0][1], rows
    assert F.states(pg, db, ev)["eva@kunta.fi"] == ("confirmed", None)

    # soft (limit 2 in the config): the first delay report changes nothing
    mid = _sent_mail(d, pg, db, "olli@kunta.fi", "registration_confirm_request")
    f = dsn_facts("sendmail-warning-4.5.0-delayed.eml", "olli@kunta.fi", mid)
    assert receive(pg, db, "dsn_delayed", "bounces@example.org", f, "<s1@t>")[0] \
        == "bounce_soft"
    F.confirm(d, F.token(pg, db, ev, "olli@kunta.fi"))
    _sent_mail(d, pg, db, "olli@kunta.fi", "registration_confirmed")
    # the second reaches the threshold: hard, pending mail to it fails
    assert receive(pg, db, "dsn_delayed", "bounces@example.org", f, "<s2@t>")[0] \
        == "bounce_hard"
    assert pg.psql(db, """SELECT count(*) FROM outbox WHERE recipient = 'olli@kunta.fi'
                          AND state = 'pending'""") == [("0",)]

    # a success report marks nothing; a report about mail we never sent neither
    mid = _sent_mail(d, pg, db, "ulla@kunta.fi", "registration_confirm_request")
    f = dsn_facts("sonicwall-relayed-2.0.0-not-a-failure.eml", "ulla@kunta.fi", mid)
    assert receive(pg, db, "dsn_success", "bounces@example.org", f, "<x1@t>")[0] \
        == "dsn_success"
    f = dsn_facts("postfix-5.1.1-user-unknown.eml", "ulla@kunta.fi", "<foreign@elsewhere>")
    assert receive(pg, db, "dsn_failed", "bounces@example.org", f, "<x2@t>")[0] \
        == "bounce_unmatched"
    assert pg.psql(db, "SELECT count(*) FROM mail_addresses WHERE address = 'ulla@kunta.fi'") \
        == [("0",)]


def test_nothing_automatic_is_ever_answered_and_registering_by_mail():
    pg, db, d = start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    n_out = pg.psql(db, "SELECT count(*) FROM outbox")

    # an auto-reply to the registration address: no registration, no answer
    away = base_facts(fixture("autoreply", "exim-auto-submitted-away.eml"))
    away["is_automatic"] = 1
    assert receive(pg, db, "auto_reply", f"register+{ev}@example.org", away)[0] == "auto_reply"
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n_out
    assert pg.psql(db, "SELECT count(*) FROM registrations") == [("0",)]

    # a plain mail to register+<event>: the double opt-in request, to From
    hum = base_facts(fixture("human", "apple-mail-8-reply.eml"))
    hum.update({"from": "fia@stad.se", "from_name": "Fia", "text": "Please register me"})
    assert receive(pg, db, "human", f"register+{ev}@example.org", hum, "<r1@t>")[0] \
        == "register_requested"
    req = wait_mail(d, "fia@stad.se", "registration_confirm_request")
    assert F.states(pg, db, ev) == {"fia@stad.se": ("pending", None)}
    tok = req["Reply-To"].strip("<> ").split("+")[1].split("@")[0]
    # an automatic message to that token confirms nothing and is not answered
    n_out = pg.psql(db, "SELECT count(*) FROM outbox")
    assert receive(pg, db, "auto_reply", f"convened+{tok}@example.org", away, "<r2@t>")[0] \
        == "auto_reply"
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n_out
    # the person's reply to the request confirms it (proof of the address)
    assert receive(pg, db, "human", f"convened+{tok}@example.org", hum, "<r3@t>")[0] \
        == "confirmed"
    assert F.states(pg, db, ev) == {"fia@stad.se": ("confirmed", None)}

    # requests by mail are answered at most answer_limit (3) times an hour
    got = [receive(pg, db, "human", f"register+{ev}@example.org",
                   dict(hum, **{"from": "gus@stad.se"}), f"<g{i}@t>")[0] for i in range(4)]
    assert got == ["register_requested"] * 3 + ["rate_limited"]
    # mail from convened's own address is a loop: recorded, never answered
    n_out = pg.psql(db, "SELECT count(*) FROM outbox")
    own = dict(hum, **{"from": "convened+abc@example.org"})
    assert receive(pg, db, "human", f"register+{ev}@example.org", own, "<l1@t>")[0] == "loop"
    assert pg.psql(db, "SELECT count(*) FROM outbox") == n_out


def test_human_reply_is_forwarded_with_context_at_most_n_per_hour():
    pg, db, d = start()
    ev = F.event(pg, db, F.project(pg, db), title="Study visit Stavanger", capacity=5)
    assert F.register(d, ev, "hanna@kommun.no", name="Hanna").status == 201
    assert F.confirm(d, F.token(pg, db, ev, "hanna@kommun.no")).status == 303
    tok = reply_token(pg, db, ev, "hanna@kommun.no")
    hum = base_facts(fixture("human", "gmail-reply-quoted.eml"))
    hum.update({"from": "hanna@kommun.no", "from_name": "Hanna",
                "subject": "Re: Registration confirmed", "text": "Can I bring a colleague?"})
    got = [receive(pg, db, "human", f"convened+{tok}@example.org", hum, f"<h{i}@t>")[0]
           for i in range(3)]
    assert got == ["forwarded", "forwarded", "forward_limited"]
    fw = wait_mail(d, "secretariat@example.org", "inbound_forward")
    assert "Study visit Stavanger" in str(fw["Subject"]), fw["Subject"]
    assert fw["Reply-To"].strip("<> ") == "hanna@kommun.no"
    body = fw.get_body(("plain",)).get_content()
    assert "Can I bring a colleague?" in body and "Hanna <hanna@kommun.no>" in body, body
    # no token: not applied, still forwarded for a human to read
    other = dict(hum, **{"from": "ivar@kommun.no"})
    d2 = receive(pg, db, "human", "convened@example.org", other, "<u1@t>")
    assert d2[0] == "unmatched" and "forwarded" in d2[1], d2
    assert F.states(pg, db, ev) == {"hanna@kommun.no": ("confirmed", None)}
