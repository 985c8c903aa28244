"""test_programme_pages.py - the public side of issue 19: the timetable on
an event's page (a section per day headed by its date in words, parallel
items side by side, local times from when.h in the reader's language, the
right ones on the day the clocks go forward in Warsaw, everything
escaped); the registration questions on the HTML form (every kind,
labels in the page's language, required in words, a full group disabled
with the word, every refusal next to its question at once, values kept,
nothing written); the token page showing the answers, changing them until
registration closes and refusing after that with a sentence; and the same
in Chromium (tests/js/questions.mjs), phone and desktop, in Polish."""

import re
import urllib.parse

import harness
import reg_fixtures as F
import test_itip as I
from test_public_pages import valid

TZ = "Europe/Warsaw"
NNBSP = "\u202f"  # CLDR's space before AM/PM

QUESTIONS = [
    {"key": "dietary", "kind": "choice", "required": True,
     "label": {"en": "Dietary needs", "pl": "Dieta"},
     "help": {"en": "For the lunch", "pl": "Na obiad"},
     "options": [{"value": "none", "label": {"en": "none", "pl": "bez wymagań"}},
                 {"value": "vegetarian", "label": {"en": "vegetarian", "pl": "wegetariańska"}},
                 {"value": "vegan", "label": {"en": "vegan", "pl": "wegańska"}}]},
    {"key": "group", "kind": "choice", "label": {"en": "Working group", "pl": "Grupa robocza"},
     "options": [{"value": "youth", "label": {"en": "youth", "pl": "młodzież"}, "capacity": 12},
                 {"value": "energy", "label": {"en": "renewable energy", "pl": "energia"},
                  "capacity": 1}]},
    {"key": "topics", "kind": "choices", "label": {"en": "Topics", "pl": "Tematy"},
     "options": ["funding", "partners", "reporting"]},
    {"key": "town", "kind": "short_text", "required": True,
     "label": {"en": "Town of residence", "pl": "Miejscowość"}},
    {"key": "notes", "kind": "long_text", "label": {"en": "<b>Anything else?</b>"}},
    {"key": "first", "kind": "yes_no", "label": {"en": "First time with us?", "pl": "Pierwszy raz?"}},
    {"key": "age", "kind": "number", "label": {"en": "Age", "pl": "Wiek"}},
    {"key": "arrival", "kind": "date", "label": {"en": "Arrival", "pl": "Przyjazd"}},
    {"key": "region", "kind": "choice", "label": {"en": "Region", "pl": "Województwo"},
     "options": [{"value": f"r{i}", "label": {"en": f"Region {i}"},
                  "capacity": 1 if i == 1 else None} for i in range(1, 10)]},
    {"key": "photos", "kind": "consent",
     "label": {"en": "I agree to be photographed", "pl": "Zgadzam się na zdjęcia"}},
]

PERSON = {"name": "Ewa Nowak", "email": "ewa@lodz.pl", "organisation": "Urząd Miasta Łodzi",
          "country": "PL", "role": "official", "language": "pl"}


def _text(page):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


# ---------------------------------------------------------------- timetable


def _conference(d):
    F_ = I._event(d, title="Łódź conference", tz=TZ, city="Łódź", country="PL",
                  venue="Urząd Miasta", start="2027-03-27T09:00", end="2027-03-28T17:00")
    return F_["id"]


def _item(d, ev, **body):
    r = d.post(f"/api/events/{ev}/programme", body)
    assert r.status == 201, r.text
    return r.json()


def _programme(d, ev):
    _item(d, ev, title="Opening", kind="talk", start="2027-03-27T11:00", end="2027-03-27T11:10",
          speakers=[{"name": "Hanna <Zdanowska>", "organisation": "City of Łódź & co"},
                    {"name": "Jan Kowalski"}],
          description="Welcome <b>all</b>.\n\nSecond paragraph.")
    for title, room in (("Workshop: youth", "Room A"), ("Workshop: energy", "Room B")):
        _item(d, ev, title=title, kind="session", room=room, start="2027-03-27T14:00",
              end="2027-03-27T15:30")
    # Sunday 28 March 2027: at 02:00 CET the clocks go to 03:00 CEST, so
    # 01:30-03:30 local is one hour
    _item(d, ev, title="Night walk", kind="visit", start="2027-03-28T01:30",
          end="2027-03-28T03:30")
    _item(d, ev, title="Results of the grant call", kind="talk", start="2027-03-28T11:10",
          end="2027-03-28T11:30")


def _slots(page):
    """[(class, [titles])] of the timetable's slots, in order."""
    out = []
    for m in re.finditer(r'<div class="(slot[^"]*)">(.*?)</div>', page, re.S):
        out.append((m.group(1), re.findall(r"<h4>([^<]*)</h4>", m.group(2))))
    return out


def test_timetable_per_day_with_a_parallel_block_and_the_dst_day_in_polish_and_english():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=I.CONFIG)
    d.start()
    F.project(pg, db, slug="net", title="The Network")
    ev = _conference(d)
    empty = valid(d.get(f"/events/{ev}?lang=pl", auth=False).text)
    assert '<section id="programme"' in empty and 'class="day"' not in empty
    _programme(d, ev)

    pl = valid(d.get(f"/events/{ev}?lang=pl", auth=False).text)
    section = pl[pl.index('<section id="programme"'):pl.index('<section id="subscribe"')]
    days = re.findall(r'<section class="day" data-day="([0-9-]+)" aria-labelledby="day-\1">\n'
                      r'<h3 id="day-\1">([^<]+)</h3>', section)
    assert days == [("2027-03-27", "sobota, 27 marca 2027"),
                    ("2027-03-28", "niedziela, 28 marca 2027")], days
    assert _slots(section) == [
        ("slot", ["Opening"]),
        ("slot parallel", ["Workshop: youth", "Workshop: energy"]),
        ("slot", ["Night walk"]),
        ("slot", ["Results of the grant call"]),
    ], _slots(section)
    # local times of the event's zone, from ICU, in Polish
    assert ('<time datetime="2027-03-27T10:00:00Z">11:00</time>–'
            '<time datetime="2027-03-27T10:10:00Z">11:10</time>') in section
    # the DST day: 01:30 CET is 00:30 UTC, 03:30 CEST is 01:30 UTC
    assert ('<time datetime="2027-03-28T00:30:00Z">01:30</time>–'
            '<time datetime="2027-03-28T01:30:00Z">03:30</time>') in section
    assert ('<time datetime="2027-03-28T09:10:00Z">11:10</time>–'
            '<time datetime="2027-03-28T09:30:00Z">11:30</time>') in section
    assert ('<time datetime="2027-03-27T13:00:00Z">14:00</time>') in section  # CET, UTC+1
    # kinds and rooms in words, speakers with organisations, all escaped
    for word in ("Wystąpienie", "Sesja", "Wizyta"):
        assert f'<p class="kind">{word}</p>' in section, word
    assert '<p class="room">Sala: Room A</p>' in section
    assert ('<li>Hanna &lt;Zdanowska&gt; <span class="org">(City of Łódź &amp; co)</span></li>'
            in section)
    assert "<li>Jan Kowalski</li>" in section
    assert "<p>Welcome &lt;b&gt;all&lt;/b&gt;.</p>\n<p>Second paragraph.</p>" in section
    assert "<b>all</b>" not in pl and "<Zdanowska>" not in pl

    en = valid(d.get(f"/events/{ev}?lang=en", auth=False).text)
    section = en[en.index('<section id="programme"'):en.index('<section id="subscribe"')]
    assert ">Saturday, March 27, 2027</h3>" in section and ">Sunday, March 28, 2027</h3>" in section
    assert (f'<time datetime="2027-03-28T00:30:00Z">1:30{NNBSP}AM</time>–'
            f'<time datetime="2027-03-28T01:30:00Z">3:30{NNBSP}AM</time>') in section
    assert '<p class="kind">Talk</p>' in section and '<p class="room">Room: Room B</p>' in section
    # a draft's programme is nowhere
    pg.psql(db, "UPDATE events SET status = 'draft' WHERE id = $1", ev)
    r = d.get(f"/events/{ev}", auth=False)
    assert r.status == 404 and "Night walk" not in r.text
    assert pg.psql(db, "SELECT cv_public_programme($1)::text", ev) == [("[]",)]


# ---------------------------------------------------------------- the form


def _setup():
    pg, db, d = F.start()
    p = F.project(pg, db)
    pg.psql(db, "UPDATE projects SET language = 'pl' WHERE id = $1", p)
    ev = F.event(pg, db, p, capacity=30, tz=TZ, city="Łódź", country="PL")
    for q in QUESTIONS:
        r = d.post(f"/api/events/{ev}/questions", q)
        assert r.status == 201, r.text
    # the one place of "energy" is taken
    r = F.register(d, ev, "taken@x.pl", answers={"dietary": "none", "town": "Kraków",
                                                 "group": "energy", "photos": True,
                                                 "region": "r1"})
    assert r.status == 202, r.text
    return pg, db, d, ev


def _answers_rows(pg, db):
    return pg.psql(db, """SELECT p.email, q.key, a.value::text FROM answers a
                          JOIN registrations r ON r.id = a.registration_id
                          JOIN people p ON p.id = r.person_id
                          JOIN questions q ON q.id = a.question_id ORDER BY 1, 2""")


def _state(pg, db):
    return F.snapshot(pg, db), _answers_rows(pg, db)


def _pairs(person, answers):
    """The form's body: the person's fields and answers.KEY pairs."""
    out = list(person.items())
    for k, v in answers.items():
        for x in (v if isinstance(v, list) else [v]):
            out.append((f"answers.{k}", x))
    return out


def _err(page, key):
    """(code, sentence) shown next to question KEY, and whether its control
    is tied to it."""
    m = re.search(rf'<p class="field-err" id="answers-{key}-error" data-code="([a-z_]+)">'
                  rf'([^<]+)</p>', page)
    if not m:
        return None
    tied = re.search(rf'aria-describedby="(?:answers-{key}-help )?answers-{key}-error" '
                     rf'aria-invalid="true"', page) is not None
    return m.group(1), m.group(2), tied


def test_form_asks_every_kind_in_polish_and_shows_a_full_group_as_full():
    pg, db, d, ev = _setup()
    g = valid(d.get(f"/events/{ev}/register", auth=False).text)  # the project's language
    assert '<html lang="pl">' in g
    # labels and help in Polish, English where there is none, escaped
    assert "<legend>Dieta <span class=\"req\">(wymagane)</span></legend>" in g
    assert '<p class="help" id="answers-dietary-help">Na obiad</p>' in g
    assert ('<label for="answers-town">Miejscowość <span class="req">(wymagane)</span></label>'
            in g)
    assert '<label for="answers-notes">&lt;b&gt;Anything else?&lt;/b&gt;</label>' in g
    assert '<textarea rows="4" id="answers-notes" name="answers.notes"' in g
    assert re.search(r'<fieldset class="question" data-key="dietary" role="radiogroup" '
                     r'aria-describedby="answers-dietary-help" aria-required="true">', g)
    assert 'type="radio" id="answers-dietary-1" name="answers.dietary" value="vegetarian">' in g
    assert 'type="checkbox" id="answers-topics-2" name="answers.topics" value="reporting">' in g
    assert 'name="answers.first" value="yes">Tak</label>' in g
    assert 'name="answers.first" value="no">Nie</label>' in g
    assert '<input type="number" step="any" id="answers-age" name="answers.age"' in g
    assert '<input type="date" id="answers-arrival" name="answers.arrival"' in g
    assert re.search(r'<input type="checkbox" id="answers-photos" name="answers.photos" '
                     r'value="yes" required> Zgadzam się na zdjęcia <span class="req">'
                     r'\(wymagane\)</span></label>', g)
    # groups: places left, and the full one disabled with the word
    assert ('value="youth">młodzież <span class="left">(Wolne miejsca: 12)</span>' in g)
    assert re.search(r'<label class="opt full" for="answers-group-1"><input type="radio" '
                     r'id="answers-group-1" name="answers.group" value="energy" disabled>'
                     r'energia <span class="left">– brak miejsc</span></label>', g)
    # more than 8 options: a list, its full group disabled with the word
    assert ('<select id="answers-region" name="answers.region">\n'
            '<option value="">Wybierz jedną opcję</option>\n'
            '<option value="r1" disabled>Region 1 – brak miejsc</option>') in g
    assert '<option value="r9">Region 9</option>' in g
    en = valid(d.get(f"/events/{ev}/register?lang=en", auth=False).text)
    assert "<legend>Dietary needs <span class=\"req\">(required)</span></legend>" in en
    assert "renewable energy <span class=\"left\">– full</span>" in en


def test_form_refusals_next_to_their_questions_all_at_once_and_nothing_written():
    pg, db, d, ev = _setup()
    path = f"/events/{ev}/register"
    before = _state(pg, db)
    # required missing, consent unticked, a bad number and date, a choice
    # not offered, and a person field missing: all shown at once
    bad = {"group": "youth", "topics": ["funding", "reporting"], "notes": "Keep <this>",
           "first": "no", "age": "forty", "arrival": "2027-02-30"}
    r = F.form(d, path, _pairs(dict(PERSON, name=""), bad))
    assert r.status == 400, r.status  # a missing field is 400, as before
    page = valid(r.text)
    assert _err(page, "dietary") == ("answer_required", "Wybierz jedną z opcji.", True), \
        _err(page, "dietary")
    assert _err(page, "town") == ("answer_required", "Wypełnij to pole.", True)
    assert _err(page, "photos") == ("consent_required",
                                    "Zaznacz to pole: rejestracja wymaga Twojej zgody.", True)
    assert _err(page, "age") == ("invalid_value", "Wpisz liczbę, na przykład 12.", True)
    assert _err(page, "arrival") == ("invalid_value", "Podaj datę.", True)
    assert _err(page, "group") is None and _err(page, "topics") is None
    assert 'id="name-error"' in page  # the person's field too
    # the summary names each question
    summary = page[page.index('id="errors"'):page.index("</div>", page.index('id="errors"'))]
    for label in ("Dieta", "Miejscowość", "Zgadzam się na zdjęcia", "Wiek", "Przyjazd"):
        assert f">{label}</a>: " in summary, label
    # the values are kept
    assert 'value="youth" checked>' in page
    assert 'value="funding" checked>' in page and 'value="reporting" checked>' in page
    assert 'value="partners">' in page
    assert ">Keep &lt;this&gt;</textarea>" in page
    assert 'value="no" checked>Nie' in page
    assert 'name="answers.age" aria-invalid' not in page
    assert 'value="forty">' in page and 'value="2027-02-30">' in page
    assert _state(pg, db) == before

    good = {"dietary": "vegan", "town": "Łódź", "photos": "yes"}
    # a choice not offered (a tampered form): 422 next to it
    r = F.form(d, path, _pairs(PERSON, dict(good, dietary="carnivore")))
    assert r.status == 422
    assert _err(valid(r.text), "dietary") == ("choice_not_offered",
                                              "Wybierz jedną z opcji.", True)
    # consent unticked alone
    r = F.form(d, path, _pairs(PERSON, {k: v for k, v in good.items() if k != "photos"}))
    assert r.status == 422 and _err(valid(r.text), "photos")[0] == "consent_required"
    # the full group, chosen anyway: refused by cv_register, next to it
    r = F.form(d, path, _pairs(PERSON, dict(good, group="energy")))
    assert r.status == 422, r.status
    assert _err(valid(r.text), "group") == ("group_full",
                                            "Ta grupa jest już pełna. Wybierz inną.", True)
    # a question the event does not ask
    r = F.form(d, path, _pairs(PERSON, dict(good, colour="red")))
    assert r.status == 422 and 'data-code="unknown_field"' in valid(r.text)
    # too long
    r = F.form(d, path, _pairs(PERSON, dict(good, notes="x" * 5000)))
    assert r.status == 422 and _err(valid(r.text), "notes")[0] == "too_long"
    assert _state(pg, db) == before

    # the good one: every kind stored as the API's values
    r = F.form(d, path, _pairs(PERSON, dict(good, group="youth", topics=["partners", "funding"],
                                            first="yes", age="41,5", arrival="2027-03-01",
                                            notes="Vegan <please>")))
    assert r.status == 200 and "Dziękujemy!" in r.text, r.text[-1500:]
    got = {k: v for e, k, v in _answers_rows(pg, db) if e == "ewa@lodz.pl"}
    assert got == {"dietary": '"vegan"', "town": '"Łódź"', "photos": "true", "group": '"youth"',
                   "topics": '["partners", "funding"]', "first": "true", "age": "41.5",
                   "arrival": '"2027-03-01"', "notes": '"Vegan <please>"'}, got


# ---------------------------------------------------------------- token page


def test_token_page_changes_answers_until_registration_closes_then_refuses():
    pg, db, d, ev = _setup()
    r = F.register(d, ev, "ola@gdansk.pl", language="pl",
                   answers={"dietary": "none", "town": "Gdańsk", "photos": True,
                            "group": "youth", "arrival": "2027-03-01"})
    assert r.status == 202, r.text
    tok = F.token(pg, db, ev, "ola@gdansk.pl")
    p = valid(d.get(f"/r/{tok}", auth=False).text)
    assert "<h2 id=\"answers-h\">Twoje odpowiedzi</h2>" in p
    assert f'<form method="post" action="{tok}/answers"' in p
    assert 'id="answers-save">Zapisz odpowiedzi</button>' in p
    assert 'value="none" checked>' in p and 'value="Gdańsk">' in p
    assert 'value="youth" checked>' in p and 'name="answers.photos" value="yes" checked' in p
    before = _state(pg, db)

    def post(answers):
        return F.form(d, f"/r/{tok}/answers", _pairs({}, answers))

    # a refusal: next to its question, in Polish; nothing changes
    r = post({"dietary": "vegan", "town": "", "photos": "yes", "group": "youth"})
    assert r.status == 422, r.status
    page = valid(r.text)
    assert _err(page, "town") == ("answer_required", "Wypełnij to pole.", True)
    assert 'value="vegan" checked>' in page  # kept
    assert _state(pg, db) == before
    # an answer to a question the event does not ask (a tampered form)
    r = post({"dietary": "vegan", "town": "Sopot", "photos": "yes", "colour": "red"})
    assert r.status == 422 and "Formularz zawiera pole, którego nie znamy." in valid(r.text)
    # a field of another form
    r = F.form(d, f"/r/{tok}/answers", [("name", "X"), ("answers.town", "Sopot")])
    assert r.status == 400 and 'data-code="unknown_field"' in valid(r.text)
    assert _state(pg, db) == before
    # a change: saved, and the page says so
    r = post({"dietary": "vegan", "town": "Sopot", "photos": "yes", "group": "youth",
              "topics": ["partners"]})
    assert r.status == 303 and r.header("Location").endswith(f"/r/{tok}?done=1"), r
    got = {k: v for e, k, v in _answers_rows(pg, db) if e == "ola@gdansk.pl"}
    assert got == {"dietary": '"vegan"', "town": '"Sopot"', "photos": "true",
                   "group": '"youth"', "topics": '["partners"]'}, got  # arrival cleared
    # the same function as the public answers API
    api = d.get(f"/api/public/registrations/{tok}/answers", auth=False).json()
    assert api["answers"]["town"] == "Sopot" and api["changeable"] is True

    # registration closes: read-only, with the sentence; a POST is refused
    pg.psql(db, "UPDATE events SET reg_closes_at = now() - interval '1 minute' WHERE id = $1", ev)
    after = _state(pg, db)
    p = valid(d.get(f"/r/{tok}", auth=False).text)
    assert f'action="{tok}/answers"' not in p
    closed = "Rejestracja została zamknięta: odpowiedzi nie można już zmienić."
    assert f'<p class="warn" id="answers-closed">{closed}</p>' in p
    assert '<dd data-key="dietary">wegańska</dd>' in p
    assert '<dd data-key="photos">Tak</dd>' in p and '<dd data-key="topics">partners</dd>' in p
    assert '<dd data-key="age">Brak odpowiedzi</dd>' in p
    r = post({"dietary": "none", "town": "Gdynia", "photos": "yes"})
    assert r.status == 409, r.status
    assert f'<p class="err" role="alert" id="answers-closed">{closed}</p>' in valid(r.text)
    assert _state(pg, db) == after
    en = valid(d.get(f"/r/{tok}?lang=en", auth=False).text)
    assert "Registration has closed: your answers can no longer be changed." in en


# ---------------------------------------------------------------- Chromium


def test_questions_in_chromium_phone_and_desktop_in_polish():
    pg, db, d, ev = _setup()
    start, mid = pg.psql(db, """SELECT to_char(start_local, 'YYYY-MM-DD"T"HH24:MI'),
                                       to_char(start_local + interval '1 hour',
                                               'YYYY-MM-DD"T"HH24:MI')
                                  FROM events WHERE id = $1""", ev)[0]
    for title, room in (("Warsztat: młodzież", "Sala A"), ("Warsztat: energia", "Sala B")):
        _item(d, ev, title=title, kind="session", room=room, start=start, end=mid)
    before = pg.psql(db, "SELECT count(*) FROM registrations")[0][0]
    got = harness.run_browser("questions.mjs", {
        "BASE_URL": d.url, "EVENT": ev, "MAILDIR": d.maildir, "RUN": "q"}, timeout=600)
    assert got["violations"] == [], got["violations"]
    assert len(got["pages"]) >= 12, got["pages"]
    # only the two good registrations were written, with their answers
    assert int(pg.psql(db, "SELECT count(*) FROM registrations")[0][0]) == int(before) + 2
    rows = _answers_rows(pg, db)
    for email in got["emails"]:
        mine = {k: v for e, k, v in rows if e == email}
        assert mine["dietary"] == '"vegetarian"' and mine["photos"] == "true", mine
        assert mine["town"] == '"Sopot"', mine  # changed on the token page
        assert mine["group"] == '"youth"', mine
