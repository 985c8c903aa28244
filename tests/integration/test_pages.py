"""test_pages.py - the public HTML pages: the registration form (phone-ready,
accessible, in the visitor's language), form submission and its
rejections, the token page in the person's language, escaping."""

import re
import urllib.parse

import reg_fixtures as F

GOOD = {"name": "Lena Virtanen", "email": "lena@espoo.fi", "organisation": "Espoon kaupunki",
        "country": "fi", "role": "elected", "language": "fi"}


def test_form_is_accessible_and_localised():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), title="Seminar <b>&</b> Co", city="La Coruña",
                 country="ES", tz="Europe/Madrid")
    g = d.get(f"/events/{ev}/register", auth=False)
    assert g.status == 200, g
    assert g.header("Content-Type") == "text/html; charset=utf-8"
    t = g.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in t
    assert '<html lang="en">' in t
    for field in ("name", "email", "organisation", "country", "role", "language"):
        assert f'<label for="{field}">' in t and f'id="{field}" name="{field}"' in t, field
    assert 'method="post" action="register"' in t
    assert "Seminar &lt;b&gt;&amp;&lt;/b&gt; Co" in t and "<b>" not in t
    assert "La Coruña" in t and "(Central European Time, La Coruña)" in t  # ICU, when.h
    sv = d.get(f"/events/{ev}/register?lang=sv", auth=False).text
    assert '<html lang="sv">' in sv and "Anmäl mig" in sv
    it = d.get(f"/events/{ev}/register", auth=False,
               headers={"Accept-Language": "de-DE, it;q=0.8, en;q=0.5"}).text
    assert '<html lang="it">' in it and "Iscriviti" in it
    for lang, word in (("pl", "Zarejestruj się"), ("es", "Inscribirme"), ("fi", "Ilmoittaudu")):
        assert word in d.get(f"/events/{ev}/register?lang={lang}", auth=False).text, lang
    assert d.get("/events/999999/register", auth=False).status == 404
    draft = F.event(pg, db, F.project(pg, db, slug="p2"), status="draft")
    assert d.get(f"/events/{draft}/register", auth=False).status == 404


def test_form_registers_and_escapes_a_hostile_name():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=3)
    hostile = dict(GOOD, name='<script>alert("x")</script>', organisation="O'Brien & <Sons>")
    r = F.form(d, f"/events/{ev}/register", hostile)
    assert r.status == 200, r
    assert "Kiitos!" in r.text  # Finnish, as chosen in the form
    assert pg.psql(db, "SELECT p.name, o.name, o.country, p.role, p.language FROM people p "
                       "JOIN organisations o ON o.id = p.organisation_id") == [
        ('<script>alert("x")</script>', "O'Brien & <Sons>", "FI", "elected", "fi")]
    tok = F.token(pg, db, ev, "lena@espoo.fi")
    page = d.get(f"/r/{tok}", auth=False)
    assert page.status == 200
    assert "<script" not in page.text.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert "O&#39;Brien &amp; &lt;Sons&gt;" in page.text
    assert '<html lang="fi">' in page.text and "Vahvista ilmoittautumiseni" in page.text
    assert page.header("Content-Security-Policy")
    # the same person again: the same page (test_strict.py), no second registration
    r2 = F.form(d, f"/events/{ev}/register", hostile)
    assert (r2.status, r2.body) == (r.status, r.body)
    assert pg.psql(db, "SELECT count(*) FROM registrations") == [("1",)]
    # the admin JSON carries it as data, not markup
    j = d.get(f"/api/events/{ev}/registrations").json()
    assert j["registrations"][0]["name"] == '<script>alert("x")</script>'


def test_form_rejections_keep_the_database_unchanged():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=3)
    assert F.form(d, f"/events/{ev}/register", dict(GOOD, email="first@x.fi")).status == 200
    path = f"/events/{ev}/register"
    enc = urllib.parse.urlencode
    cases = [
        (enc(dict(GOOD, email="not an email")), 422, "email"),
        (enc(dict(GOOD, email="")), 400, "email"),
        (enc({k: v for k, v in GOOD.items() if k != "name"}), 400, "name"),
        (enc(dict(GOOD, name="x" * 201)), 422, "name"),
        (enc(dict(GOOD, role="king")), 422, "role"),
        (enc(dict(GOOD, language="de")), 422, "language"),
        (enc(dict(GOOD, colour="red")), 400, "code:unknown_field"),
        (enc(dict(GOOD)) + "&email=b%40c.fi", 400, "code:bad_request"),
        (enc(dict(GOOD)).replace("Lena", "L%FF%FEna"), 400, "code:bad_request"),
        (enc(dict(GOOD)).replace("Lena", "L%C3na"), 400, "code:bad_request"),
    ]
    before = F.snapshot(pg, db)
    for body, status, field in cases:
        r = F.form(d, path, body)
        assert r.status == status, (body, r)
        if field.startswith("code:"):  # not about one field: said at the top
            assert f'id="errors" data-code="{field[5:]}"' in r.text, (body, r.text[-600:])
        else:  # next to the field, tied to it for screen readers
            assert f'<p class="field-err" id="{field}-error"' in r.text, (body, r.text[-600:])
            assert f'aria-invalid="true" aria-describedby="{field}-error"' in r.text, body
        assert 'role="alert"' in r.text and "<form" in r.text  # shown again to fix
        assert not re.search(r"field \w+:", r.text)  # the API's English stays out
    # a country that is not an ISO 3166-1 code: in Finnish, next to the list
    r = F.form(d, path, enc(dict(GOOD, country="Finland")))
    assert r.status == 422 and "Valitse maa luettelosta." in r.text, r
    assert 'id="country-error"' in r.text and "<form" in r.text
    # every refused field at once, each next to its own
    r = F.form(d, path, enc(dict(GOOD, name="", email="nope", country="XX")))
    for field in ("name", "email", "country"):
        assert f'id="{field}-error"' in r.text, field
    r = F.form(d, path, enc(GOOD), headers={"Content-Type": "application/json"})
    assert r.status == 415, r
    assert F.snapshot(pg, db) == before
    # a rejected form keeps what was typed, escaped
    r = F.form(d, path, dict(GOOD, name='"><img src=x>', email="bad"))
    assert 'value="&quot;&gt;&lt;img src=x&gt;"' in r.text and "<img" not in r.text
    assert F.form(d, "/events/999999/register", GOOD).status == 404
    assert F.snapshot(pg, db) == before


def test_token_page_states_and_bad_links():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=1, title="Study visit")
    F.register(d, ev, "jan@poznan.pl", name="Jan", language="pl")
    F.register(d, ev, "ola@poznan.pl", name="Ola", language="es")
    tj, to = F.token(pg, db, ev, "jan@poznan.pl"), F.token(pg, db, ev, "ola@poznan.pl")
    F.confirm(d, tj)
    F.confirm(d, to)
    pj = d.get(f"/r/{tj}", auth=False).text
    assert '<html lang="pl">' in pj and "Rejestracja potwierdzona" in pj and "Anuluj rejestrację" in pj
    po = d.get(f"/r/{to}", auth=False).text
    assert '<html lang="es">' in po and "lista de espera" in po
    assert "Tu posición en la lista de espera: <strong>1</strong>" in po
    assert "webcal://" in po
    assert "Tu inscripción" in d.get(f"/r/{tj}?lang=es", auth=False).text
    for bad in ("abc", "0" * 64, "A" * 64, tj[:-1], tj + "0"):
        r = d.get(f"/r/{bad}", auth=False)
        assert r.status == 404 and "link is not valid" in r.text, (bad, r)
        assert F.confirm(d, bad).status == 404
    # a cancelled event shows that, without buttons
    pg.psql(db, "UPDATE events SET status = 'cancelled' WHERE id = $1", ev)
    p = d.get(f"/r/{tj}", auth=False).text
    assert "To wydarzenie zostało odwołane." in p and "<button" not in p
    r = F.form(d, f"/events/{ev}/register", GOOD)
    assert r.status == 409 and "Tämä tapahtuma on peruttu." in r.text, r
    assert 'data-registration="cancelled"' in r.text and "cancelled" not in r.text.replace(
        'data-registration="cancelled"', "")
