"""test_programme_mails.py - the programme in the reminder mails (issue 19,
item 1) and the country's name in a mail's place (item 4), through the real
daemon and its spool on real PostgreSQL, read back with Python's email
package: a Polish reminder for an event with a parallel block and an item
on the day summer time starts lists the items still to come under their
days, in Polish, at the event's local times, in text and HTML alike, with
no ISO date left; it names the event's zone only for a reader in another
zone; an event without a programme has no programme paragraph; the place
says "Polska"; the programme never moves the event's SEQUENCE."""

import html
import re

import harness
import reg_fixtures as rf
import test_itip as I
import test_mail_texts as M

TZ = "Europe/Warsaw"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _start():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=I.CONFIG)
    d.start()
    rf.project(pg, db, slug="net", title="Sieć Miast")
    return pg, db, d


def _add(d, ev, **body):
    r = d.post(f"/api/events/{ev}/programme", body)
    assert r.status == 201, r.text
    return r.json()


def _person(pg, db, d, ev, email, tz=None):
    r = rf.register(d, ev, email, name="Anna Nowak", country="PL", language="pl", tz=tz)
    assert r.status == 202, r
    assert rf.confirm(d, rf.token(pg, db, ev, email)).status in (200, 303)
    return pg.psql(db, """SELECT p.id, r.id FROM people p JOIN registrations r
                           ON r.person_id = p.id WHERE p.email = $1""", email)[0]


def _remind(pg, db, ev, person, reg, email):
    pg.psql(db, """INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                                       event_id, registration_id, reminder_offset, dedupe_key)
                   VALUES ('event_reminder', $1, 'Anna Nowak', 'pl', $2::bigint, $3::bigint,
                           $4::bigint, 'P1D', 'test:reminder:' || $4)""",
            email, person, ev, reg)


def _reminders(d, n):
    def got():
        return [m for m in d.maildir_messages() if M._kind(m) == "event_reminder"]
    harness.wait_until(lambda: len(got()) >= n, timeout=60, msg=f"{n} reminders")
    return {m["To"].addresses[0].addr_spec: m for m in got()}


def _html_text(body):
    """The HTML part's words: tags dropped, entities read, <br> as lines."""
    body = re.sub(r"<br>\s*", "\n", body)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_a_polish_reminder_lists_the_programme_in_local_times_and_names_the_country():
    pg, db, d = _start()
    # Saturday 27 to Sunday 28 March 2027: Warsaw's clocks go forward at
    # 02:00 on the Sunday (CET +01 to CEST +02)
    e = I._event(d, title="Konferencja w Łodzi", tz=TZ, city="Łódź", country="PL",
                 venue="Urząd Miasta", start="2027-03-27T09:00", end="2027-03-28T17:00")
    ev = e["id"]
    seq = pg.psql(db, "SELECT sequence FROM events WHERE id = $1", ev)
    _add(d, ev, title="Otwarcie", kind="talk", start="2027-03-27T11:00",
         end="2027-03-27T11:10",
         speakers=[{"name": "Hanna Zdanowska", "organisation": "Miasto Łódź"}])
    # the parallel block
    _add(d, ev, title="Warsztat: młodzież", kind="session", room="Sala A",
         start="2027-03-27T14:00", end="2027-03-27T15:30")
    _add(d, ev, title="Warsztat: energia", kind="session", room="Sala B",
         start="2027-03-27T14:00", end="2027-03-27T15:30")
    # on the day the clocks change: 11:10 CEST is 09:10 UTC, not 10:10
    grant = _add(d, ev, title="Wyniki konkursu grantowego", kind="talk",
                 start="2027-03-28T11:10", end="2027-03-28T11:30")
    assert grant["start"]["utc"] == "2027-03-28T09:10:00Z", grant
    assert pg.psql(db, "SELECT sequence FROM events WHERE id = $1", ev) == seq

    # an event without a programme
    bare = I._event(d, title="Spotkanie", tz=TZ, city="Poznań", country="PL", venue="",
                    start="2027-04-10T10:00", end="2027-04-10T12:00")["id"]

    here = _person(pg, db, d, ev, "anna@lodz.pl")                 # no zone of her own
    away = _person(pg, db, d, ev, "anna@london.uk", "Europe/London")  # another zone
    other = _person(pg, db, d, bare, "anna@poznan.pl")
    _remind(pg, db, ev, *here, "anna@lodz.pl")
    _remind(pg, db, ev, *away, "anna@london.uk")
    _remind(pg, db, bare, *other, "anna@poznan.pl")
    got = _reminders(d, 3)

    want = ["Program:",
            "sobota, 27 marca 2027:",
            "11:00–11:10  Otwarcie (Hanna Zdanowska, Miasto Łódź)",
            "14:00–15:30  Warsztat: młodzież · Sala A",
            "14:00–15:30  Warsztat: energia · Sala B",
            "niedziela, 28 marca 2027:",
            "11:10–11:30  Wyniki konkursu grantowego"]
    text, body = M._parts(got["anna@lodz.pl"])
    lines = text.splitlines()
    start = lines.index("Program:")
    assert lines[start:start + len(want)] == want, text
    words = _html_text(body)
    hlines = [x.strip() for x in words.splitlines()]
    hstart = hlines.index("Program:")
    assert hlines[hstart:hstart + len(want)] == want, words
    for part in (text, words):
        assert not ISO_DATE.search(part), part
        # the place in Polish: the country's name, not its code
        assert "Urząd Miasta, Łódź, Polska" in part, part
        assert ", PL" not in part, part
        assert "(czas" not in part.split("Program:")[1], part

    # a reader in another zone is told which zone the times are in
    text, body = M._parts(got["anna@london.uk"])
    assert "sobota, 27 marca 2027 (czas środkowoeuropejski):" in text, text
    assert "niedziela, 28 marca 2027 (czas środkowoeuropejski):" in text, text
    assert "11:10–11:30  Wyniki konkursu grantowego" in text, text
    assert "sobota, 27 marca 2027 (czas środkowoeuropejski):" in _html_text(body), body

    # no programme: no paragraph for it, and the rest of the mail unchanged
    text, body = M._parts(got["anna@poznan.pl"])
    assert "Program" not in text and "Program" not in body, text
    assert "Gdzie:              Poznań, Polska" in text, text
    assert not ISO_DATE.search(text), text

    # the reminder's programme is what is still to come at its instant:
    # from Sunday midnight in Warsaw, only Sunday's item
    rows = pg.psql(db, """SELECT i->>'title' FROM json_array_elements(
                              cv_programme_mail($1, '2027-03-28 00:00+01')) i""", ev)
    assert rows == [("Wyniki konkursu grantowego",)], rows
    assert pg.psql(db, "SELECT cv_programme_mail($1, '2027-03-29 00:00+02') IS NULL", ev) \
        == [("t",)]
    assert pg.psql(db, "SELECT sequence FROM events WHERE id = $1", ev) == seq
