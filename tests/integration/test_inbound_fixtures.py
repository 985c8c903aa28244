"""test_inbound_fixtures.py - every message of ../shared/fixtures/mail on the
real path (issue 13, "Must hold"): handed to convened over LMTP, parsed by
the daemon, decided by cv_inbound_decide, and the decision is the one that
follows from what the fixtures' README says the message is.  The effects
are asserted, not only the decision: a Decline frees the seat for the first
on the waiting list (who gets their mail), a hard bounce stops mail to the
address, a soft one does not, and nothing automatic is ever answered.

Calendar replies answer an invitation convened really mailed (read from the
spool maildir): a copy of each fixture gets its UID, ORGANIZER, SEQUENCE
and ATTENDEE, the fields the client copies (mail_in.fill_reply).  Bounces
are about a mail convened really sent: a copy gets that mail's Message-ID
and recipient where the MTA copies them, and is mailed to that mail's
envelope sender, its reply-token address (mail_in.fill_bounce).  The
fixtures are read in place, never copied into the repository.
"""

import os

import harness
import mail_in as M
import reg_fixtures as F

IMIP = {  # what the README says each reply is -> the decision
    "outlook-mac-2011-accept.eml": "accepted",
    "outlook-mac-2011-decline.eml": "cancelled",
    "gmail-accept.eml": "accepted",
    "gmail-decline.eml": "cancelled",
    "gmail-counter-mime-says-reply.eml": "counter",
    "ios-iphone3-accept-with-comment.eml": "accepted",
    "ios-iphone3-tentative.eml": "tentative",
    "android-email-accept-base64.eml": "accepted",
    "apple-ical3-accept-qp-nested.eml": "accepted",
    "thunderbird-lightning-accept.eml": "accepted",
    "bluemind-mapi-outlook-accept-no-organizer.eml": "accepted",
}

HARD, SOFT = "bounce_hard", "bounce_soft"
DSN = {  # (parser's class, decision)
    "postfix-5.1.1-user-unknown.eml": ("dsn_failed", HARD),
    "postfix-4.4.1-action-failed.eml": ("dsn_failed", HARD),  # failed is final
    "exim-550-no-dsn-part.eml": ("dsn_failed", SOFT),  # 5.7.0 sender policy
    "exim-delay-warning-24h.eml": ("dsn_delayed", SOFT),
    "sendmail-5.1.1.eml": ("dsn_failed", HARD),
    "sendmail-warning-4.5.0-delayed.eml": ("dsn_delayed", SOFT),
    "gmail-mailer-daemon-5.1.1-plain.eml": ("dsn_failed", HARD),
    "postfix-google-mx-5.1.1-boundary-mismatch.eml": ("dsn_failed", HARD),
    "exchange2007-5.1.1.eml": ("dsn_failed", HARD),
    "office365-5.1.10-iso2022jp.eml": ("dsn_failed", HARD),
    "outlookcom-4.4.7-delayed.eml": ("dsn_delayed", SOFT),
    "qmail-failure-notice.eml": ("dsn_failed", HARD),
    "yahoo-failure-notice.eml": ("dsn_failed", HARD),
    "amazonses-5.1.1.eml": ("dsn_failed", HARD),
    "opensmtpd-4.4.7-delayed.eml": ("dsn_delayed", SOFT),
    "postfix-symantec-bounce-of-itip-request.eml": ("dsn_failed", HARD),  # not a REPLY
    "aol-5.2.2-mailbox-full.eml": ("dsn_failed", HARD),
    "sonicwall-relayed-2.0.0-not-a-failure.eml": ("dsn_success", "dsn_success"),
    "bluemind-ndr-fr-malformed-delivery-status.eml": ("dsn_failed", HARD),
    "groupwise-undeliverable-plain.eml": ("dsn_failed", HARD),
}

HUMAN = {  # a reply to a participant's mail -> forwarded; not a reply -> unmatched
    "gmail-reply-quoted.eml": "forwarded",
    "thunderbird-3-reply-flowed.eml": "forwarded",
    "apple-mail-8-reply.eml": "forwarded",
    "outlook-2010-reply-html.eml": "forwarded",
    "android-gmail-reply-base64.eml": "forwarded",
    "outlook-tnef-winmail-dat.eml": "forwarded",  # an Outlook note, no calendar
    "plain-utf8-japanese-not-a-reply.eml": "unmatched",  # sent to no token
}


def _eml(kind):
    return sorted(f for f in os.listdir(harness.shared_fixture("mail", kind))
                  if f.endswith(".eml"))


def test_every_fixture_has_an_expected_decision():
    assert sorted(IMIP) == _eml("imip-reply")
    assert sorted(DSN) == _eml("dsn")
    assert sorted(HUMAN) == _eml("human")
    assert len(_eml("autoreply")) == 6


def _max_outbox(pg, db):
    return int(pg.psql(db, "SELECT coalesce(max(id), 0) FROM outbox")[0][0])


def _new_outbox(pg, db, after):
    return pg.psql(db, "SELECT kind, recipient FROM outbox WHERE id > $1 ORDER BY id", after)


def _partstat(pg, db, mail):
    return pg.psql(db, """SELECT reply_partstat FROM registrations r JOIN people p
                          ON p.id = r.person_id WHERE p.email = $1""", mail)[0][0]


def test_every_imip_reply_answers_a_real_invitation_with_its_decision():
    pg, db, d = M.start()
    names = sorted(IMIP)
    n_dec = sum(1 for v in IMIP.values() if v == "cancelled")
    ev = F.event(pg, db, F.project(pg, db), capacity=len(names))
    people = [f"p{i}@kommun.se" for i in range(len(names))]
    waiting = [f"w{i}@kommun.se" for i in range(n_dec)]
    for mail in people + waiting:
        assert F.register(d, ev, mail).status == 202
        assert F.confirm(d, F.token(pg, db, ev, mail)).status == 303
    assert [F.states(pg, db, ev)[w] for w in waiting] == \
        [("waitlisted", i + 1) for i in range(n_dec)]
    promoted = list(waiting)

    for name, mail in zip(names, people):
        want = IMIP[name]
        inv = M.invitation(d, mail)
        raw = M.fill_reply(M.fixture("imip-reply", name), inv["uid"], mail, inv["organizer"],
                           inv["sequence"])
        before = _max_outbox(pg, db)
        dec, why, cls, _ = M.receive(pg, db, d, raw, inv["organizer"])
        assert (name, dec) == (name, want), why
        assert cls == ("imip_counter" if want == "counter" else "imip_reply"), (name, cls)
        new = _new_outbox(pg, db, before)
        state = F.states(pg, db, ev)
        if want == "cancelled":
            # the seat goes to the first on the waiting list, who gets their
            # mail; the decliner gets the cancellation and no more reminders
            nxt = promoted.pop(0)
            assert state[mail] == ("cancelled", None) and state[nxt] == ("confirmed", None)
            assert ("registration_promoted", nxt) in new, new
            assert [r for r in new if r[1] == mail] == [("registration_cancelled", mail)], new
            assert {r[1] for r in new} <= {mail, nxt}, new
            assert pg.psql(db, """SELECT count(*) FROM outbox WHERE recipient = $1
                                  AND kind = 'event_reminder' AND state = 'pending'""",
                           mail) == [("0",)]
            assert _partstat(pg, db, mail) == "DECLINED"
        else:
            # recorded; the registration stays; no mail is sent at all
            assert state[mail] == ("confirmed", None), (name, state[mail])
            assert new == [], (name, new)
            assert _partstat(pg, db, mail) == \
                {"accepted": "ACCEPTED", "tentative": "TENTATIVE", "counter": None}[want]
    assert promoted == []
    M.wait_mail(d, waiting[-1], "registration_promoted")


def test_every_bounce_marks_the_address_it_is_about_as_its_readme_says():
    pg, db, d = M.start(mail={"soft_bounce_limit": 3})
    ev = F.event(pg, db, F.project(pg, db), capacity=100)
    names = sorted(DSN)
    people = [f"b{i}@kunta.fi" for i in range(len(names))]
    for mail in people:
        assert F.register(d, ev, mail).status == 202

    for i, (name, mail) in enumerate(zip(names, people)):
        cls_want, want = DSN[name]
        sent = M.wait_mail(d, mail, "registration_confirm_request")
        harness.wait_until(lambda: pg.psql(db, "SELECT state FROM outbox WHERE id = $1",
                                           sent["X-Convened-Outbox-Id"]) == [("sent",)])
        raw = M.fixture("dsn", name)
        # the daemon's reading of the fixture as it is (about mail convened
        # never sent: nothing is marked), for the values the MTA copies
        got = M.receive(pg, db, d, M.with_message_id(raw, f"<orig{i}@t>"),
                        "postmaster@example.org")
        assert got[0] in ("bounce_unmatched", "dsn_success"), (name, got)
        raw = M.fill_bounce(raw, M.facts_of(pg, db, got[3]), mail, sent["Message-ID"].strip())
        before = _max_outbox(pg, db)
        dec, why, cls, _ = M.receive(pg, db, d, M.with_message_id(raw, f"<dsn{i}@t>"),
                                     f"convened+{M.reply_token(sent)}@example.org")
        assert (name, cls, dec) == (name, cls_want, want), why
        assert _new_outbox(pg, db, before) == [], name  # never answered
        addr = pg.psql(db, "SELECT state, soft_count FROM mail_addresses WHERE address = $1",
                       mail)
        assert addr == {HARD: [("hard", "0")], SOFT: [("soft", "1")],
                        "dsn_success": []}[want], (name, addr)
        # the next mail to the address: not sent after a hard bounce (the
        # registration stays), sent after a soft one or a success report
        assert F.confirm(d, F.token(pg, db, ev, mail)).status == 303
        assert F.states(pg, db, ev)[mail] == ("confirmed", None)
        if want == HARD:
            rows = pg.psql(db, """SELECT state, last_error FROM outbox WHERE recipient = $1
                                  AND kind = 'registration_confirmed'""", mail)
            assert rows[0][0] == "failed" and "bounced hard" in rows[0][1], (name, rows)
        else:
            M.wait_mail(d, mail, "registration_confirmed")


def test_every_auto_reply_is_recorded_and_never_answered_nor_taken_as_proof():
    pg, db, d = M.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=20)
    names = _eml("autoreply")  # every one is an auto-reply
    people = [f"a{i}@grad.hr" for i in range(len(names))]
    for mail in people:
        assert F.register(d, ev, mail).status == 202
    for i, (name, mail) in enumerate(zip(names, people)):
        req = M.wait_mail(d, mail, "registration_confirm_request")
        raw = M.fixture("autoreply", name)
        before = _max_outbox(pg, db)
        # to the token of a pending registration: not the proof a reply is
        dec, why, cls, _ = M.receive(pg, db, d, raw,
                                     f"convened+{M.reply_token(req)}@example.org")
        assert (name, cls, dec) == (name, "auto_reply", "auto_reply"), why
        assert F.states(pg, db, ev)[mail] == ("pending", None), name
        # to the registration address: no registration, no request
        dec, why, _, _ = M.receive(pg, db, d, M.with_message_id(raw, f"<reg{i}@t>"),
                                   f"register+{ev}@example.org")
        assert (name, dec) == (name, "auto_reply"), why
        assert _new_outbox(pg, db, before) == [], name
    assert len(F.states(pg, db, ev)) == len(people)


def test_every_human_mail_is_forwarded_to_the_secretariat_and_never_parsed_as_an_answer():
    pg, db, d = M.start()
    ev = F.event(pg, db, F.project(pg, db), title="Training seminar Poznań", capacity=20)
    names = sorted(HUMAN)
    people = [f"h{i}@gmina.pl" for i in range(len(names))]
    for mail in people:
        assert F.register(d, ev, mail).status == 202
        assert F.confirm(d, F.token(pg, db, ev, mail)).status == 303
    for name, mail in zip(names, people):
        want = HUMAN[name]
        rcpt = M.invitation(d, mail)["organizer"] if want == "forwarded" \
            else "convened@example.org"
        before = _max_outbox(pg, db)
        dec, why, cls, _ = M.receive(pg, db, d, M.fixture("human", name), rcpt)
        assert (name, cls, dec) == (name, "human", want), why
        assert "forwarded to secretariat@example.org" in why, (name, why)
        # one mail, to the secretariat, nothing back to the person who wrote
        assert _new_outbox(pg, db, before) == [("inbound_forward", "secretariat@example.org")]
        assert F.states(pg, db, ev)[mail] == ("confirmed", None)
    harness.wait_until(lambda: len([m for m in d.maildir_messages()
                                    if m["X-Convened-Kind"] == "inbound_forward"])
                       == len(names), msg="every forward in the spool")
    fw = [m for m in d.maildir_messages() if m["X-Convened-Kind"] == "inbound_forward"]
    assert sum("Training seminar Poznań" in str(m["Subject"]) for m in fw) \
        == sum(1 for v in HUMAN.values() if v == "forwarded"), [str(m["Subject"]) for m in fw]
