"""test_certificates.py - certificates of attendance (issue 14, item 5)
through the real outbox: POST /api/events/{id}/certificates queues one per
attendee (a second call none), each mail goes out in the person's language
with an application/pdf part whose text (pdftotext) has their name and the
days they attended; the token page offers the certificate only to
attendees and queues it on request; a daemon killed after claiming a
certificate resends it with the same Message-ID."""

import os
import shutil
import subprocess
import tempfile

import harness
import reg_fixtures as F

REPO = harness.REPO
DAYS = ["2027-03-01", "2027-03-02", "2027-03-03"]
# the days as each language prints them (ICU's CLDR, daemon/when.c)
DAY_WORDS = {
    "en": ["Monday, March 1, 2027", "Tuesday, March 2, 2027", "Wednesday, March 3, 2027"],
    "sv": ["måndag 1 mars 2027", "tisdag 2 mars 2027", "onsdag 3 mars 2027"],
    "it": ["lunedì 1 marzo 2027", "martedì 2 marzo 2027", "mercoledì 3 marzo 2027"],
    "pl": ["poniedziałek, 1 marca 2027", "wtorek, 2 marca 2027", "środa, 3 marca 2027"],
    "es": ["lunes, 1 de marzo de 2027", "martes, 2 de marzo de 2027",
           "miércoles, 3 de marzo de 2027"],
    "fi": ["maanantaina 1. maaliskuuta 2027", "tiistaina 2. maaliskuuta 2027",
           "keskiviikkona 3. maaliskuuta 2027"],
}

# name, email, language, city, country, the days attended
PEOPLE = [
    ("Małgorzata Żółć", "mz@poznan.pl", "pl", "Poznań", "PL", DAYS),
    ("Åsa Öberg", "asa@malmo.se", "sv", "Malmö", "SE", DAYS[:1]),
    ("Päivi Häkkinen", "paivi@jkl.fi", "fi", "Jyväskylä", "FI", DAYS[1:]),
    ("Niccolò Ferraù", "niccolo@rimini.it", "it", "Rimini", "IT", [DAYS[0], DAYS[2]]),
    ("Begoña Núñez", "begona@coruna.es", "es", "A Coruña", "ES", DAYS[2:]),
    ("John Smith", "john@example.org", "en", "Leeds", "GB", DAYS),
]

TITLES = {"en": "Certificate of attendance", "sv": "Intyg om deltagande",
          "it": "Attestato di partecipazione", "pl": "Zaświadczenie o uczestnictwie",
          "es": "Certificado de asistencia", "fi": "Osallistumistodistus"}
SUBJECTS = {"en": "Your certificate of attendance", "sv": "Ditt intyg om deltagande",
            "it": "Il tuo attestato di partecipazione", "pl": "Zaświadczenie o uczestnictwie",
            "es": "Su certificado de asistencia", "fi": "Osallistumistodistuksesi"}


def _need_poppler():
    if not shutil.which("pdftotext"):
        raise harness.Skip("poppler-utils (pdftotext) not installed")


def _setup(pg, db):
    """A three-day event with PEOPLE marked attended on their days, one
    confirmed no-show and one pending registration; (event, {email: reg})."""
    pr = F.project(pg, db)
    ev = F.event(pg, db, pr, title="Study visit to Rimini")
    pg.psql(db, """UPDATE events SET start_local = '2027-03-01 09:00', end_local = '2027-03-03 17:00',
                                     start_at = '2027-03-01 09:00'::timestamp AT TIME ZONE tz,
                                     end_at = '2027-03-03 17:00'::timestamp AT TIME ZONE tz
                    WHERE id = $1""", ev)
    regs = {}
    rows = PEOPLE + [("Nora Noshow", "nora@malmo.se", "sv", "Malmö", "SE", []),
                     ("Pia Pending", "pia@malmo.se", "sv", "Malmö", "SE", None)]
    for name, email, lang, city, cc, days in rows:
        org = int(pg.psql(db, """INSERT INTO organisations (name, city, country)
                                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;
                                 SELECT id FROM organisations WHERE name = $1""",
                          "Town of " + city, city, cc)[-1][0])
        p = int(pg.psql(db, """INSERT INTO people (email, name, organisation_id, feed_token, language)
                               VALUES ($1, $2, $3, md5(random()::text), $4::person_lang)
                               RETURNING id""", email, name, org, lang)[0][0])
        state = "pending" if days is None else "confirmed"
        r = int(pg.psql(db, """INSERT INTO registrations (event_id, person_id, organisation_id, state,
                                                        token, confirmed_at)
                               VALUES ($1, $2, $3, $4::registration_state,
                                       md5(random()::text) || md5(random()::text), now())
                               RETURNING id""", ev, p, org, state)[0][0])
        regs[email] = r
        for day in DAYS:
            if days is None:
                continue
            st = "attended" if day in days else "no_show"
            pg.psql(db, """INSERT INTO attendance (registration_id, day, state, marked_by)
                           VALUES ($1, $2, $3, 'door')""", r, day, st)
    return ev, regs


def _cert_rows(pg, db):
    return pg.psql(db, """SELECT recipient, language::text, state::text FROM outbox
                          WHERE kind = 'attendance_certificate' ORDER BY recipient""")


def _pdf_text(data):
    with tempfile.TemporaryDirectory(prefix="convened-cert-") as tmp:
        f = os.path.join(tmp, "c.pdf")
        with open(f, "wb") as fh:
            fh.write(data)
        return subprocess.run(["pdftotext", "-layout", f, "-"], capture_output=True, text=True,
                              check=True).stdout


def _certificates(d):
    return [m for m in d.maildir_messages() if m["X-Convened-Kind"] == "attendance_certificate"]


def test_one_certificate_per_attendee_in_their_language_with_the_pdf():
    _need_poppler()
    pg, db, d = F.start()
    ev, _regs = _setup(pg, db)
    r = subprocess.run([harness.convenectl_bin(), "--url", d.url, "--token", d.token,
                        "event", "certificates", str(ev)], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{len(PEOPLE)} certificates queued (0 attendees had one already)"
    # idempotent: a second call queues none
    r = d.post(f"/api/events/{ev}/certificates", b"")
    assert r.json() == {"queued": 0, "already": len(PEOPLE)}
    assert len(_cert_rows(pg, db)) == len(PEOPLE)
    harness.wait_until(lambda: len(_certificates(d)) == len(PEOPLE), timeout=60,
                       msg=lambda: f"outbox {_cert_rows(pg, db)}")
    harness.wait_until(lambda: all(s == "sent" for _r, _l, s in _cert_rows(pg, db)), timeout=30)
    mails = {m["To"].addresses[0].addr_spec: m for m in _certificates(d)}
    assert set(mails) == {p[1] for p in PEOPLE}  # not the no-show, not the pending one
    for name, email, lang, _city, _cc, days in PEOPLE:
        m = mails[email]
        assert m["Content-Language"] == lang
        assert str(m["Subject"]).startswith(SUBJECTS[lang]), m["Subject"]
        assert "Study visit to Rimini" in str(m["Subject"])
        pdfs = [p for p in m.walk() if p.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1
        assert pdfs[0].get_filename() == "certificate.pdf"
        assert pdfs[0].get_content_disposition() == "attachment"
        text = _pdf_text(pdfs[0].get_content())
        assert TITLES[lang] in text, (lang, text)
        assert text.count(name) == 1, (name, text)
        assert "Town of " in text
        assert "Study visit to Rimini" in text
        for day, words in zip(DAYS, DAY_WORDS[lang]):
            assert (("• " + words) in text) == (day in days), (email, day, text)
        body = [p for p in m.walk() if p.get_content_type() == "text/plain"][0].get_content()
        assert name in body
    # the same call after the mails went: still none again
    r = d.post(f"/api/events/{ev}/certificates", b"")
    assert r.json() == {"queued": 0, "already": len(PEOPLE)}
    r = d.post(f"/api/events/{ev + 1000}/certificates", b"")
    assert r.status == 404
    r = d.post(f"/api/events/{ev}/certificates", b"", auth=False)
    assert r.status == 401
    d.stop()


def test_the_token_page_offers_the_certificate_to_attendees_only():
    _need_poppler()
    pg, db, d = F.start()
    ev, regs = _setup(pg, db)

    def tok(email):
        return pg.psql(db, "SELECT token FROM registrations WHERE id = $1", regs[email])[0][0]

    page = d.get(f"/r/{tok('mz@poznan.pl')}", auth=False)
    assert page.status == 200, page.text
    assert f'action="{tok("mz@poznan.pl")}/certificate"' in page.text
    assert "Wyślij mi e-mailem zaświadczenie o uczestnictwie (PDF)" in page.text  # her language
    nora = d.get(f"/r/{tok('nora@malmo.se')}", auth=False)
    assert nora.status == 200 and "/certificate" not in nora.text

    r = F.form(d, f"/r/{tok('mz@poznan.pl')}/certificate", b"")
    assert r.status == 303, r.text
    assert len(_cert_rows(pg, db)) == 1
    # a second request the same day queues nothing more
    r = F.form(d, f"/r/{tok('mz@poznan.pl')}/certificate", b"")
    assert r.status == 303
    assert len(_cert_rows(pg, db)) == 1
    # no day attended: refused with a reason, nothing queued
    r = F.form(d, f"/r/{tok('nora@malmo.se')}/certificate", b"")
    assert r.status == 409, r.status
    assert "nothing to certify" not in r.text  # a page in words, not the SQL's message
    assert len(_cert_rows(pg, db)) == 1
    harness.wait_until(lambda: len(_certificates(d)) == 1, timeout=60)
    m = _certificates(d)[0]
    assert m["To"].addresses[0].addr_spec == "mz@poznan.pl"
    pdf = [p for p in m.walk() if p.get_content_type() == "application/pdf"][0]
    text = _pdf_text(pdf.get_content())
    assert "Małgorzata Żółć" in text and all(("• " + w) in text for w in DAY_WORDS["pl"])
    # the batch afterwards counts her as already served
    r = d.post(f"/api/events/{ev}/certificates", b"")
    assert r.json() == {"queued": len(PEOPLE) - 1, "already": 1}
    d.stop()


def _build_hold():
    out = os.path.join(tempfile.mkdtemp(prefix="convened-tp-"), "hold.so")
    subprocess.run(["cc", "-std=gnu11", "-shared", "-fPIC", "-I", os.path.join(REPO, "plugins"),
                    "-o", out, os.path.join(REPO, "tests", "plugins", "hold.c")], check=True)
    return out


def test_a_daemon_killed_after_claiming_resends_with_the_same_message_id():
    _need_poppler()
    pg = harness.cluster()
    db = pg.new_database()
    held = os.path.join(tempfile.mkdtemp(prefix="convened-cert-"), "held.log")
    # the first daemon's relay takes the certificate and never answers
    d1 = harness.Daemon(db, config={
        "outbox": {"lease_seconds": 5},
        "plugin spool": None,
        "plugin hold": {"file": _build_hold(), "channels": "email", "log_file": held}})
    d1.start()
    ev, _regs = _setup(pg, db)
    r = d1.post(f"/api/events/{ev}/certificates", b"")
    assert r.json()["queued"] == len(PEOPLE)
    harness.wait_until(lambda: os.path.exists(held) and
                       len(open(held).read().splitlines()) == len(PEOPLE), timeout=60)
    assert {s for _r, _l, s in _cert_rows(pg, db)} == {"sending"}
    first = {}
    for line in open(held).read().splitlines():
        oid, kind, rcpt, mid = line.split()
        assert kind == "attendance_certificate"
        first[int(oid)] = (rcpt, mid)
    d1.kill9()

    d2 = harness.Daemon(db, config={"outbox": {"lease_seconds": 5}})
    d2.start()
    harness.wait_until(lambda: len(_certificates(d2)) == len(PEOPLE), timeout=60,
                       msg=lambda: f"outbox {_cert_rows(pg, db)}")
    for m in _certificates(d2):
        oid = int(m["X-Convened-Outbox-Id"])
        rcpt, mid = first[oid]
        assert m["To"].addresses[0].addr_spec == rcpt
        assert m["Message-ID"] == mid, (m["Message-ID"], mid)
        pdf = [p for p in m.walk() if p.get_content_type() == "application/pdf"]
        assert len(pdf) == 1 and "2027" in _pdf_text(pdf[0].get_content())
    d2.stop()
