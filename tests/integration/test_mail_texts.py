"""test_mail_texts.py - the mails a participant reads (issue 15, item 6):
every notification kind in every language, sent by the real daemon through
the spool and parsed with Python's email package, has a text and an HTML
part, no placeholder or empty punctuation left, the hostile title escaped,
the button words it names on the page; the sender and Reply-To as
configured and refused when malformed; the role given at registration
kept; the recipient's own time only when their zone is known and differs."""

import html
import re

import harness
import reg_fixtures as rf

LANGS = ["en", "sv", "it", "pl", "es", "fi"]
KINDS = ["registration_confirm_request", "registration_confirmed", "registration_waitlisted",
         "registration_promoted", "registration_cancelled", "event_reminder", "event_updated",
         "event_cancelled", "deadline_reminder", "inbound_forward", "follow_confirm_request"]
HOSTILE = '<script>alert("x")</script> & <b>Co</b>'
SECRETARIAT = "sekretariat@example.org"
FROM_NAME = "Sieć Miast – Sekretariat"
# the words a mail tells the reader to press, in each language's quotes
QUOTED = re.compile(r'„([^”]+)”|”([^”]+)”|«([^»]+)»|"([^"]+)"')
# "Your time:" in each language (the label of the recipient's own time)
YOUR_TIME = {"en": "Your time:", "sv": "Din lokala tid:", "it": "Nel tuo fuso orario:",
             "pl": "Twój czas lokalny:", "es": "Tu hora local:", "fi": "Paikallinen aikasi:"}


def _start(mail=None):
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config={"mail": mail or {"secretariat": SECRETARIAT,
                                                    "from_name": FROM_NAME}})
    d.start()
    return pg, db, d


def _parts(msg):
    text = msg.get_body(preferencelist=("plain",))
    body = msg.get_body(preferencelist=("html",))
    assert text is not None and body is not None, msg
    return text.get_content(), body.get_content()


def _kind(msg):
    return str(msg["X-Convened-Kind"]) if msg["X-Convened-Kind"] else None


def _wait_mails(d, n):
    harness.wait_until(lambda: len(d.maildir_messages()) >= n, timeout=60,
                       msg=f"{n} mails in the spool")
    return d.maildir_messages()


def _insert_row(pg, db, kind, lang, person, email, name, event=None, reg=None, deadline=None,
                offset=None, inbound=None, project=None):
    pg.psql(db, """INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                                       event_id, registration_id, deadline_id, reminder_offset,
                                       inbound_id, project_id, dedupe_key, itip_sequence)
                   VALUES ($1, $2, $3, $4::person_lang, $5::bigint, $6::bigint, $7::bigint,
                           $8::bigint, $9, $10::bigint, $11::bigint,
                           'test:' || $1 || ':' || $4 || ':' || coalesce($7, $10, $11, $8), 0)""",
            kind, email, name, lang, person, event, reg, deadline, offset, inbound, project)


def test_every_kind_in_every_language_reads_whole_in_text_and_html():
    pg, db, d = _start()
    pid = rf.project(pg, db, slug="net", title="Sieć & <Miasta>")
    # no venue, city or country: nothing may be left of them
    ev = rf.event(pg, db, pid, title=HOSTILE, tz="Europe/Stockholm", venue="", city="",
                  country=None)
    dl = int(pg.psql(db, """INSERT INTO deadlines (project_id, kind, title, tz, due_local, due_at, uid)
                            VALUES ($1, 'report', $2, 'Europe/Brussels', '2027-09-01 12:00',
                                    '2027-09-01 12:00'::timestamp AT TIME ZONE 'Europe/Brussels',
                                    'dl-1@test') RETURNING id""", pid, HOSTILE)[0][0])
    for lang in LANGS:
        r = rf.register(d, ev, f"p-{lang}@town.eu", name=f"Person {lang}", language=lang)
        assert r.status == 202, r
        r = d.post("/api/public/subscriptions", {"project": "net", "email": f"p-{lang}@town.eu",
                                                  "name": f"Person {lang}", "language": lang},
                   auth=False)
        assert r.status == 202, r
    _wait_mails(d, 2 * len(LANGS))
    for lang in LANGS:
        person, reg = pg.psql(db, """SELECT p.id, r.id FROM people p JOIN registrations r
                                      ON r.person_id = p.id WHERE p.email = $1""",
                              f"p-{lang}@town.eu")[0]
        inbound = pg.psql(db, """INSERT INTO inbound_messages (source, mail_from, rcpt, message_id,
                                                               class, facts)
                                 VALUES ('lmtp', 'hanna@kommun.no', 'convened+x@example.org',
                                         $1, 'human', $2::jsonb) RETURNING id""",
                          f"<in-{lang}@kommun.no>",
                          '{"from": "hanna@kommun.no", "from_name": "", "subject": "Re: <b>?</b>",'
                          ' "text": "Kan jag komma?\\n<i>Hanna</i>"}')[0][0]
        who = (person, f"p-{lang}@town.eu", f"Person {lang}")
        for kind in KINDS[1:8]:
            _insert_row(pg, db, kind, lang, *who, event=ev, reg=reg,
                        offset="P7D" if kind == "event_reminder" else None)
        _insert_row(pg, db, "deadline_reminder", lang, *who, deadline=dl, offset="P7D")
        _insert_row(pg, db, "inbound_forward", lang, None, SECRETARIAT, "Secretariat",
                    reg=reg, inbound=inbound)
    msgs = _wait_mails(d, len(KINDS) * len(LANGS))
    seen = set()
    for msg in msgs:
        lang, kind = str(msg["Content-Language"]), _kind(msg)
        assert kind in KINDS, msg
        seen.add((lang, kind))
        text, body = _parts(msg)
        where = f"{lang}/{kind}"
        for bad in ("{{", "}}", "()", ", )", "( ,", "(, ", ", ,"):
            assert bad not in text, (where, bad, text)
            assert bad not in html.unescape(body), (where, bad, body)
        # one frame for every HTML part, in the message's language
        assert f'<html lang="{lang}">' in body, (where, body[:200])
        assert "<script>" not in body and "<b>" not in body and "<i>" not in body, (where, body)
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" \
            in body or kind == "follow_confirm_request", (where, body)
        # what the text tells the reader to press is in the HTML too
        for words in QUOTED.findall(text):
            w = next(x for x in words if x)
            if w in (HOSTILE, 'x'):
                continue
            assert w in html.unescape(body), (where, w, body)
        # a secretariat answers, under its own name
        assert msg["From"].addresses[0].display_name == FROM_NAME, (where, msg["From"])
        if kind == "inbound_forward":
            assert msg["Reply-To"].addresses[0].addr_spec == "hanna@kommun.no", where
        else:
            assert msg["Reply-To"].addresses[0].addr_spec == SECRETARIAT, (where, msg["Reply-To"])
        # no zone known for these people: no "your time" line
        assert YOUR_TIME[lang] not in text, (where, text)
    assert seen == {(lang, kind) for lang in LANGS for kind in KINDS}, \
        sorted({(lang, kind) for lang in LANGS for kind in KINDS} - seen)


def test_the_mail_names_the_button_of_the_page_it_links_to():
    pg, db, d = _start()
    pid = rf.project(pg, db)
    ev = rf.event(pg, db, pid, title="Seminarium")
    for lang in LANGS:
        assert rf.register(d, ev, f"b-{lang}@town.eu", language=lang).status == 202
    msgs = _wait_mails(d, len(LANGS))
    for msg in msgs:
        lang = str(msg["Content-Language"])
        text, body = _parts(msg)
        words = [next(x for x in g if x) for g in QUOTED.findall(text)]
        assert len(words) == 1, (lang, text)
        tok = rf.token(pg, db, ev, f"b-{lang}@town.eu")
        assert f"/r/{tok}" in text and f'href="{d.url}/r/{tok}"' in body, (lang, text)
        page = d.get(f"/r/{tok}?lang={lang}", auth=False)
        assert page.status == 200, page
        buttons = [html.unescape(b).strip()
                   for b in re.findall(r"<button[^>]*>(.*?)</button>", page.text, re.S)]
        assert words[0] in buttons, (lang, words[0], buttons)


def test_place_and_seat_lines_only_when_known():
    pg, db, d = _start()
    pid = rf.project(pg, db)
    ev = rf.event(pg, db, pid, title="Studiebesök", tz="Europe/Stockholm", venue="Rådhuset",
                  city="Stavanger", country="NO")
    assert rf.register(d, ev, "anna@kommun.se", language="sv").status == 202
    text, body = _parts(_wait_mails(d, 1)[0])
    assert "Var:  Rådhuset, Stavanger, Norge" in text, text
    # the confirmation's details link opens the event's page (which answers)
    assert rf.confirm(d, rf.token(pg, db, ev, "anna@kommun.se")).status == 303
    conf = [m for m in _wait_mails(d, 2) if _kind(m) == "registration_confirmed"][0]
    link = re.search(r"https?://\S+/events/\d+(?=\s)", _parts(conf)[0]).group(0)
    assert link.endswith(f"/events/{ev}") and d.get(link.split(str(d.port), 1)[1],
                                                   auth=False).status == 200
    assert ">Var</th><td" in body and "Rådhuset, Stavanger, Norge</td>" in body, body


def test_your_time_only_for_a_recipient_in_another_known_zone():
    pg, db, d = _start()
    pid = rf.project(pg, db)
    ev = rf.event(pg, db, pid, title="Seminar", tz="Europe/Stockholm", starts_in="40 days")
    cases = {"dublin@x.ie": "Europe/Dublin", "stockholm@x.se": "Europe/Stockholm",
             "unknown@x.eu": None}
    for addr, tz in cases.items():
        r = rf.register(d, ev, addr, tz=tz)
        assert r.status == 202, r
        assert rf.confirm(d, rf.token(pg, db, ev, addr)).status in (200, 303)
    # an unknown zone is refused by name and changes nothing
    r = rf.register(d, ev, "mars@x.eu", tz="Mars/Olympus_Mons")
    assert r.status == 422 and r.json()["error"]["field"] == "tz", r
    assert pg.psql(db, "SELECT count(*) FROM people WHERE email = 'mars@x.eu'") == [("0",)]
    msgs = _wait_mails(d, 6)
    confirmed = {m["To"].addresses[0].addr_spec: m for m in msgs
                 if _kind(m) == "registration_confirmed"}
    assert set(confirmed) == set(cases), sorted(confirmed)
    def hour(tz):
        return pg.psql(db, """SELECT to_char(start_at AT TIME ZONE $2, 'FMHH12:MI')
                              FROM events WHERE id = $1""", ev, tz)[0][0]

    # the dates come from ICU (when.c, tested against ICU itself): here the
    # clock hour in each zone is what must differ
    text, body = _parts(confirmed["dublin@x.ie"])
    line = next(x for x in text.splitlines() if x.startswith("Your time:"))
    when = next(x for x in text.splitlines() if x.startswith("When:"))
    assert hour("Europe/Dublin") in line and hour("Europe/Stockholm") not in line, line
    assert hour("Europe/Stockholm") in when, when
    assert ">Your time</th>" in body, body
    for addr in ("stockholm@x.se", "unknown@x.eu"):
        text, body = _parts(confirmed[addr])
        assert "Your time" not in text and "Your time" not in body, (addr, text)
        assert hour("Europe/Stockholm") in text, text


def test_role_given_at_registration_is_kept():
    pg, db, d = _start()
    pid = rf.project(pg, db)
    ev1 = rf.event(pg, db, pid, title="One")
    ev2 = rf.event(pg, db, pid, title="Two")
    ev3 = rf.event(pg, db, pid, title="Three")

    def role():
        return pg.psql(db, "SELECT role FROM people WHERE email = 'ola@kommun.no'")[0][0]

    def confirm(ev):
        assert rf.confirm(d, rf.token(pg, db, ev, "ola@kommun.no")).status in (200, 303)

    assert rf.register(d, ev1, "ola@kommun.no", role="other").status == 202
    assert role() == "other"
    confirm(ev1)
    # the same person, a new role: it counts once this registration is
    # confirmed (an unconfirmed request changes no one's details)
    assert rf.register(d, ev2, "ola@kommun.no", role="elected").status == 202
    assert role() == "other"
    confirm(ev2)
    assert role() == "elected"
    # no role given: the one given before stays
    assert rf.register(d, ev3, "ola@kommun.no", role=None).status == 202
    confirm(ev3)
    assert role() == "elected"
    assert pg.psql(db, "SELECT count(*) FROM registrations WHERE given_role IS NOT NULL") == [("0",)]


def test_sender_and_reply_to_as_configured_and_refused_when_malformed():
    pg = harness.cluster()
    db = pg.new_database()
    bad = [({"from_name": "Sekretariat\rBcc: evil@example.org"}, "[mail] from_name"),
           ({"reply_to": "a@b@c"}, "[mail] reply_to"),
           ({"secretariat": "Sekretariat <s@example.org>"}, "[mail] secretariat"),
           ({"from": "s@example.org\rBcc: evil@example.org"}, "[mail] from")]
    for mail, key in bad:
        d = harness.Daemon(db, config={"mail": mail})
        r = d.check_config()
        assert r.returncode != 0, (mail, r.stdout, r.stderr)
        assert key in r.stderr, (mail, key, r.stderr)
    # reply_to wins over the secretariat; from and its name as written
    pg2, db2, d = _start({"from": "kansli@example.org", "from_name": "Nätverkets kansli",
                          "reply_to": "svar@example.org", "secretariat": SECRETARIAT})
    pid = rf.project(pg2, db2)
    ev = rf.event(pg2, db2, pid)
    assert rf.register(d, ev, "anna@kommun.se", language="sv").status == 202
    msg = _wait_mails(d, 1)[0]
    assert msg["From"].addresses[0].display_name == "Nätverkets kansli"
    assert msg["From"].addresses[0].addr_spec == "kansli@example.org"
    assert msg["Reply-To"].addresses[0].addr_spec == "svar@example.org"


def test_a_mail_says_a_calendar_item_is_attached_only_when_it_is():
    pg, db, d = _start()
    pid = rf.project(pg, db)
    ev = rf.event(pg, db, pid, title="Seminar", capacity=1)
    for who in ("ana@example.org", "bo@example.org"):
        assert rf.register(d, ev, who).status == 202
        assert rf.confirm(d, rf.token(pg, db, ev, who)).status == 303  # a seat, then waiting
    assert d.post(f"/api/events/{ev}/cancel", b"").status == 200
    # a cancellation row for someone never sent a calendar object (no iTIP
    # SEQUENCE): nothing attached, and the mail must not say otherwise
    person = pg.psql(db, "SELECT id FROM people WHERE email = 'bo@example.org'")[0][0]
    pg.psql(db, """INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                                       event_id, dedupe_key)
                   VALUES ('event_cancelled', 'cy@example.org', 'Cy', 'en', $1::bigint,
                           $2::bigint, 'test:no-itip')""", person, ev)
    harness.wait_until(lambda: len([m for m in d.maildir_messages()
                                    if _kind(m) == "event_cancelled"]) == 3, timeout=60)
    said = {}
    for m in d.maildir_messages():
        text, body = _parts(m)
        cal = any(p.get_content_type() == "text/calendar" for p in m.walk())
        mentions = "attached" in text
        assert mentions == ("attached" in body), (text, body)
        said[(_kind(m), m["To"].addresses[0].addr_spec)] = (cal, mentions)
    assert said[("registration_confirmed", "ana@example.org")] == (True, True)
    assert said[("event_cancelled", "ana@example.org")] == (True, True)
    assert said[("event_cancelled", "cy@example.org")] == (False, False)
    # the rule for every mail: it says "attached" exactly when it is
    assert all(cal == mentions for cal, mentions in said.values()), said
