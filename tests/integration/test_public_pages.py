"""test_public_pages.py - the public pages (issue 15): the network's page,
a project's events and deadlines, an event's page with its map link,
subscribe buttons and single-event calendar; drafts nowhere and cancelled
events shown as cancelled; the language by ?lang= and Accept-Language
q-values; every refusal of the form in six languages next to its field,
with no English on a page in another language; the honest states of the
token page (the organisation's cap is not "full") and the second step
before a cancel."""

import html.parser
import os
import re
import urllib.parse

import harness
import reg_fixtures as F

LANGS = ("en", "sv", "it", "pl", "es", "fi")
VOID = {"meta", "input", "br", "link", "img", "hr", "source", "col", "wbr", "area", "base"}


class _Check(html.parser.HTMLParser):
    """Well-formedness as a validator sees it: every element closed in
    order, ids unique, every label's for= names an element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.fors, self.problems = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label" and "for" in a:
            self.fors.append(a["for"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def valid(page):
    """Assert PAGE is a well-formed HTML document; return it."""
    assert page.startswith("<!DOCTYPE html>\n<html lang="), page[:80]
    c = _Check()
    c.feed(page)
    assert not c.problems and not c.stack, (c.problems, c.stack)
    dup = {i for i in c.ids if c.ids.count(i) > 1}
    assert not dup, dup
    assert set(c.fors) <= set(c.ids), set(c.fors) - set(c.ids)
    return page


def hrefs(page):
    return {m.group(1): urllib.parse.unquote(m.group(2).replace("&amp;", "&"))
            for m in re.finditer(r'<a (?:class="[^"]*" )?id="([^"]+)" href="([^"]+)"', page)}


def deadline(pg, db, project_id, title, due_in="10 days"):
    pg.psql(db, """INSERT INTO deadlines (project_id, kind, title, tz, due_local, due_at, uid)
                   SELECT $1, 'grant_submission', $2, 'Europe/Brussels',
                          d AT TIME ZONE 'Europe/Brussels', d, gen_random_uuid()::text || '@t'
                     FROM (SELECT date_trunc('hour', now() + $3::interval) AS d) t""",
            project_id, title, due_in)


def test_network_project_and_event_pages():
    pg, db, d = F.start()
    p = F.project(pg, db, slug="urban", title="Urban Partners")
    pg.psql(db, "UPDATE projects SET description = 'Towns that learn together.' WHERE id = $1", p)
    F.project(pg, db, slug="empty", title="Nothing Published")  # only a draft: not listed
    ev = F.event(pg, db, p, title="Seminar in Rimini", capacity=2, venue="Palazzo del Turismo",
                 city="Rimini", country="IT")
    pg.psql(db, "UPDATE events SET description = $2 WHERE id = $1", ev,
            "Where towns meet.\n\nBring <your> questions.")
    draft = F.event(pg, db, p, title="Secret Draft", status="draft")
    gone = F.event(pg, db, p, title="Called Off", status="cancelled")
    past = F.event(pg, db, p, title="Kick-off Bologna", starts_in="-30 days")
    F.event(pg, db, F.project(pg, db, slug="other", title="Other"), title="Elsewhere")
    deadline(pg, db, p, "Applications due")
    pg.psql(db, "INSERT INTO events (project_id, kind, title, tz, start_local, end_local, start_at,"
                " end_at, uid) SELECT id, 'seminar', 'Only draft', 'UTC', now(), now() + interval"
                " '1 hour', now(), now() + interval '1 hour', 'x@t' FROM projects WHERE slug ="
                " 'empty'")

    home = d.get("/", auth=False)
    assert home.status == 200 and home.header("Content-Type") == "text/html; charset=utf-8"
    valid(home.text)
    assert '<a href="/p/urban">Urban Partners</a>' in home.text
    assert "Towns that learn together." in home.text
    assert "/p/empty" not in home.text  # a draft alone publishes nothing
    assert "/calendars/public.ics" in home.text

    r = d.get("/p/urban", auth=False)
    assert r.status == 200, r
    page = valid(r.text)
    up = page[page.index('id="upcoming"'):page.index('id="past"')]
    assert f'href="/events/{ev}">Seminar in Rimini</a>' in up
    assert f'href="/events/{ev}/register?lang=en">Register</a>' in up
    assert "Seats left: 2" in up
    assert f'data-id="{gone}" data-status="cancelled"' in up and "Cancelled" in up
    assert f'href="/events/{gone}/register' not in page
    assert "Deadline: Applications due" in up
    assert "Kick-off Bologna" in page[page.index('id="past"'):]
    assert "Secret Draft" not in page and f"/events/{draft}" not in page
    assert "Elsewhere" not in page

    r = d.get(f"/events/{ev}", auth=False)
    page = valid(r.text)
    assert r.status == 200 and "<h1>Seminar in Rimini</h1>" in page
    assert "<p>Where towns meet.</p>\n<p>Bring &lt;your&gt; questions.</p>" in page
    assert "Palazzo del Turismo, Rimini, Italy" in page  # the country by name
    h = hrefs(page)
    assert h["map"] == ("https://www.openstreetmap.org/search?query="
                        "Palazzo del Turismo, Rimini, Italy"), h
    assert h["register"] == f"/events/{ev}/register?lang=en"
    assert h["add-event"] == f"/events/{ev}.ics"
    assert 'id="programme"' in page
    assert 'href="mailto:secretariat@example.org"' in page  # the organiser's contact
    feed = f"http://127.0.0.1:{d.port}/calendars/projects/urban.ics"
    webcal = f"webcal://127.0.0.1:{d.port}/calendars/projects/urban.ics"
    assert h["sub-webcal"] == webcal
    assert h["sub-google"] == "https://calendar.google.com/calendar/r?cid=" + webcal
    assert h["sub-outlook"] == ("https://outlook.live.com/calendar/0/addfromweb?url=" + feed
                                + "&name=Urban Partners")
    assert h["sub-https"] == feed and f'value="{feed}"' in page
    f = d.get("/calendars/projects/urban.ics", auth=False)
    assert f.status == 200 and "Seminar in Rimini" in f.text

    one = d.get(f"/events/{ev}.ics", auth=False)
    assert one.status == 200 and one.header("Content-Type").startswith("text/calendar")
    assert one.text.count("BEGIN:VEVENT") == 1 and "SUMMARY:Seminar in Rimini" in one.text
    assert d.get(f"/events/{ev}.ics", auth=False,
                 headers={"If-None-Match": one.header("ETag")}).status == 304

    c = d.get(f"/events/{gone}", auth=False)
    assert c.status == 200 and 'id="cancelled"' in c.text and 'id="register"' not in c.text
    assert "This event has been cancelled." in valid(c.text)
    for path in (f"/events/{draft}", f"/events/{draft}.ics", f"/events/{draft}/register",
                 "/events/999999", "/events/abc", "/p/nope", "/p/Bad_Slug", "/events/999999.ics"):
        r = d.get(path, auth=False)
        assert r.status == 404, (path, r)
        assert "Secret Draft" not in r.text
    # dates in words from ICU (when.h), never ISO, in the reader's language
    for path in ("/p/urban?lang=pl", f"/events/{ev}?lang=pl", f"/events/{ev}/register?lang=sv"):
        seen = re.sub(r"<[^>]+>", " ", d.get(path, auth=False).text)
        assert not re.search(r"\d{4}-\d\d-\d\d", seen), path
    assert "czas środkowoeuropejski, Rimini" in d.get(f"/events/{ev}?lang=pl", auth=False).text
    nf = d.get("/p/nope?lang=pl", auth=False)
    assert '<html lang="pl">' in valid(nf.text) and "Nie znaleźliśmy tej strony" in nf.text


def test_language_follows_q_values():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db))
    cases = [("de-DE, it;q=0.8, en;q=0.5", "it"), ("en;q=0.3, pl;q=0.9", "pl"),
             ("sv;q=0, fi", "fi"), ("pl;q=0", "en"), ("*", "en"), ("es-ES;q=0.5, sv-SE", "sv"),
             ("fi;q=0.50, it;q=0.500", "fi"), ("", "en")]
    for header, want in cases:
        for path in ("/", f"/events/{ev}", f"/events/{ev}/register"):
            r = d.get(path, auth=False, headers={"Accept-Language": header})
            assert f'<html lang="{want}">' in r.text, (header, path)
    r = d.get(f"/events/{ev}?lang=es", auth=False, headers={"Accept-Language": "pl"})
    assert '<html lang="es">' in r.text
    # else the project's default language (POST /api/projects "language")
    made = d.post("/api/projects", {"slug": "polska", "title": "Polska sieć", "language": "pl"})
    assert made.status == 201 and made.json()["language"] == "pl", made
    assert d.post("/api/projects", {"slug": "x", "title": "X", "language": "de"}).status == 422
    assert d.get("/api/projects/net").json()["language"] == "en"
    pe = F.event(pg, db, int(made.json()["id"]), title="Spotkanie")
    for path in ("/p/polska", f"/events/{pe}", f"/events/{pe}/register"):
        for header, want in (("", "pl"), ("de, fr;q=0.5", "pl"), ("sv;q=0.1", "sv")):
            r = d.get(path, auth=False, headers={"Accept-Language": header})
            assert f'<html lang="{want}">' in r.text, (path, header)
        assert '<html lang="en">' in d.get(path + "?lang=en", auth=False).text


def _english_sentences():
    """The English sentences a refusal can show (pages_words.c, en)."""
    src = open(os.path.join(harness.REPO, "daemon", "pages_words.c"), encoding="utf-8").read()
    en = src[src.index("w_en = {"):src.index("w_sv = {")]
    return [s for s in re.findall(r'"((?:[^"\\]|\\.)*)"', en) if " " in s and len(s) > 12]


def test_every_refusal_in_six_languages_next_to_its_field():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=5)
    path = f"/events/{ev}/register"
    english = _english_sentences()
    assert len(english) > 40, len(english)
    bad = {"name": "", "email": "not-an-email", "organisation": "x" * 201, "country": "XX",
           "role": "king"}
    before = F.snapshot(pg, db)
    seen = {}
    for lang in LANGS:
        r = F.form(d, path, dict(bad, language=lang))
        assert r.status in (400, 422), (lang, r)
        page = valid(r.text)
        assert f'<html lang="{lang}">' in page
        msgs = {}
        for field, code in (("name", "missing_field"), ("email", "invalid_value"),
                            ("organisation", "too_long"), ("country", "invalid_value"),
                            ("role", "invalid_value")):
            m = re.search(rf'<p class="field-err" id="{field}-error" data-code="{code}">([^<]+)</p>',
                          page)
            assert m, (lang, field, page[-1500:])
            assert re.search(rf'id="{field}"[^>]* aria-invalid="true" '
                             rf'aria-describedby="{field}-error"', page), (lang, field)
            msgs[field] = m.group(1)
        seen[lang] = msgs
        if lang != "en":
            leaks = [s for s in english if s in page]
            assert not leaks, (lang, leaks)
            text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
            assert not re.search(r"\b(field|is not|must be)\b", text), lang
        for code in ("missing_field", "invalid_value", "too_long"):
            assert code not in re.sub(r'data-code="[a-z_]+"', "", page), (lang, code)
    for lang in LANGS[1:]:
        for field, text in seen[lang].items():
            assert text != seen["en"][field], (lang, field)
    # refusals that are not about one field: their code in words
    for lang in LANGS:
        for body, code in ((dict(bad, language=lang, colour="red"), "unknown_field"),
                           (urllib.parse.urlencode(dict(bad, language=lang)) + "&name=x",
                            "bad_request")):
            r = F.form(d, f"{path}?lang={lang}", body)
            page = valid(r.text)
            assert f'data-code="{code}"' in page, (lang, code)
            if lang != "en":
                assert not [s for s in english if s in page], (lang, code)
    assert F.snapshot(pg, db) == before
    # closed and cancelled: the state in words, in the reader's language
    closed = F.event(pg, db, F.project(pg, db, slug="c2"), closes="2001-01-01T00:00Z")
    gone = F.event(pg, db, F.project(pg, db, slug="c3"), status="cancelled")
    good = {"name": "Ala", "email": "ala@gmina.pl", "organisation": "Gmina", "country": "PL",
            "role": "official", "language": "pl"}
    for e, state, words in ((closed, "closed", "Rejestracja zakończyła się"),
                            (gone, "cancelled", "To wydarzenie zostało odwołane.")):
        g = d.get(f"/events/{e}/register?lang=pl", auth=False)
        assert f'data-registration="{state}"' in valid(g.text) and "<form" not in g.text
        r = F.form(d, f"/events/{e}/register", good)
        assert r.status == 409 and words in r.text, (state, r.text[-800:])
        assert not [s for s in english if s in r.text], state


def test_honest_states_and_a_cancel_that_asks():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=10, org_cap=1, title="Study visit")
    for who in ("a", "b"):
        assert F.register(d, ev, f"{who}@lund.se", org="Lund", country="SE",
                          language="sv").status == 202
        F.confirm(d, F.token(pg, db, ev, f"{who}@lund.se"))
    tb = F.token(pg, db, ev, "b@lund.se")
    p = valid(d.get(f"/r/{tb}", auth=False).text)
    assert 'data-state="waitlisted" data-reason="cap"' in p
    assert "Din organisations platser är redan tagna: du står på väntelistan." in p
    assert "Evenemanget är fullt" not in p  # 9 of 10 seats are free
    assert "Din plats på väntelistan: <strong>1</strong>" in p
    assert 'id="next"' in p and "Du behöver inte göra något." in p
    # full: another event with one seat
    full = F.event(pg, db, F.project(pg, db, slug="f"), capacity=1)
    for who in ("c", "e"):
        F.register(d, full, f"{who}@x.pl", org=f"Org {who}", country="PL", language="pl")
        F.confirm(d, F.token(pg, db, full, f"{who}@x.pl"))
    te = F.token(pg, db, full, "e@x.pl")
    p = valid(d.get(f"/r/{te}", auth=False).text)
    assert 'data-reason="full"' in p and "Brak wolnych miejsc: jesteś na liście rezerwowej." in p
    # the form of a full event warns before anyone registers
    g = valid(d.get(f"/events/{full}/register?lang=pl", auth=False).text)
    assert 'id="seats" data-seats="0"' in g and "trafisz na listę rezerwową" in g
    # cancel: the token page links to a second page; its GET changes nothing
    tc = F.token(pg, db, full, "c@x.pl")
    p = valid(d.get(f"/r/{tc}", auth=False).text)
    assert f'id="cancel" href="{tc}/cancel"' in p
    assert f'action="{tc}/cancel"' not in p  # no one-tap cancel on the token page
    before = F.snapshot(pg, db)
    q = d.get(f"/r/{tc}/cancel", auth=False)
    page = valid(q.text)
    assert q.status == 200 and "Czy na pewno chcesz anulować rejestrację?" in page
    assert "Twoje miejsce otrzyma kolejna osoba z listy rezerwowej." in page
    assert '<form method="post" action="cancel">' in page and f'href="../{tc}"' in page
    assert F.snapshot(pg, db) == before
    assert F.cancel(d, tc).status == 303
    assert F.states(pg, db, full)["c@x.pl"][0] == "cancelled"
    assert F.states(pg, db, full)["e@x.pl"][0] == "confirmed"  # promoted in order
    p = valid(d.get(f"/r/{tc}", auth=False).text)
    assert 'data-state="cancelled"' in p and "zarejestruj się ponownie" in p
    # confirming a cancelled registration: the page says so, in words
    r = F.confirm(d, tc)
    assert r.status == 303 and r.header("Location").endswith(f"/r/{tc}")


def test_form_countries_organisations_and_seats():
    pg, db, d = F.start()
    p = F.project(pg, db)
    ev = F.event(pg, db, p, capacity=3)
    other = F.event(pg, db, p, title="Second")
    F.register(d, other, "x@gdansk.pl", org="Urząd Miasta Gdańska", country="PL")
    F.register(d, F.event(pg, db, F.project(pg, db, slug="q"), title="Q"), "y@q.se",
               org="Not This Project", country="SE")
    g = valid(d.get(f"/events/{ev}/register?lang=pl", auth=False).text)
    assert '<select id="country" name="country" required' in g
    assert '<option value="PL">Polska</option>' in g and '<option value="SE">Szwecja</option>' in g
    assert 'list="organisations"' in g
    assert '<option value="Urząd Miasta Gdańska"></option>' in g and "Not This Project" not in g
    assert 'id="seats" data-seats="3"' in g and "Wolne miejsca: <strong>3</strong>" in g
    assert "/privacy?lang=pl" in g and 'href="mailto:secretariat@example.org"' in g
    sv = valid(d.get(f"/events/{ev}/register?lang=sv", auth=False).text)
    names = re.findall(r'<option value="[A-Z]{2}">([^<]+)</option>', sv)
    assert "Sverige" in names and names.index("Zambia") < names.index("Åland")  # Swedish order
    r = F.form(d, f"/events/{ev}/register", {"name": "Ewa", "email": "ewa@lodz.pl",
                                             "organisation": "Urząd Miasta Łodzi",
                                             "country": "PL", "role": "official",
                                             "language": "pl"})
    assert r.status == 200 and "Dziękujemy!" in r.text
    assert pg.psql(db, "SELECT country FROM organisations WHERE name = 'Urząd Miasta Łodzi'") \
        == [("PL",)]


def test_participant_in_chromium_polish_and_swedish():
    pg, db, d = F.start()
    p = F.project(pg, db, slug="urban", title="Urban Partners")
    ev = F.event(pg, db, p, title="Seminarium w Poznaniu", capacity=20, city="Poznań",
                 country="PL", venue="Centrum Kongresowe")
    expect = {"pl": "To nie jest adres e-mail. Przykład: anna@gmina.pl",
              "sv": "Det här är inte en e-postadress. Exempel: anna@kommun.se"}
    for lang in ("pl", "sv"):
        got = harness.run_browser("participant.mjs", {
            "BASE_URL": d.url, "SLUG": "urban", "EVENT": ev, "LANG_CODE": lang,
            "MAILDIR": d.maildir, "EXPECT_EMAIL_ERROR": expect[lang], "RUN": "t"})
        assert got["violations"] == [], got["violations"]
        assert len(got["pages"]) == 2 * 8, got["pages"]
        for email in got["emails"]:
            assert F.states(pg, db, ev)[email][0] == "confirmed", email
    assert pg.psql(db, "SELECT DISTINCT language::text FROM people ORDER BY 1") == [("pl",), ("sv",)]
