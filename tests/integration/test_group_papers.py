"""test_group_papers.py - the funder's paper by group and question (issue
19, items 3 and 4) on the real daemon and real PostgreSQL, PDFs read back
with pdftotext: the signature sheets split by a working-group question give
one sheet per group, headed with its label in the sheet's language, with
the right names under each; questions become columns (named ones, or by
default those flagged for the funder), long answers wrapped, not lost; the
attendance report split by the groups and the evidence pack's counts of
the funder's questions match the answers (JSON compared whole) and stay
identical after the project is anonymised; a question that is not a choice
cannot be flagged for the funder; bad keys are refused naming the
parameter."""

import csv
import io
import json
import subprocess
import tempfile

import reg_fixtures as F
import test_evidence as E

WG = {"key": "wg", "kind": "choice", "label": {"en": "Working group", "pl": "Grupa robocza"},
      "options": [{"value": "youth", "label": {"en": "Youth", "pl": "Młodzież"}, "capacity": 12},
                  {"value": "energy", "label": {"en": "Energy", "pl": "Energia"}},
                  {"value": "family", "label": {"en": "Family support", "pl": "Rodzina"}}]}
AGE = {"key": "age", "kind": "choice", "evidence": True,
       "label": {"en": "Age band", "pl": "Wiek"},
       "options": [{"value": "18-30", "label": {"en": "18–30"}},
                   {"value": "31-50", "label": {"en": "31–50"}},
                   {"value": "51", "label": {"en": "51 and over", "pl": "51 i więcej"}}]}
EU = {"key": "eu", "kind": "yes_no", "evidence": True,
      "label": {"en": "Councillor", "pl": "Radny"}}
TOWN = {"key": "town", "kind": "short_text", "label": {"en": "Town of residence",
                                                       "pl": "Miejsce zamieszkania"}}
LONG_TOWN = ("Gmina Miejska Kraśnik, sołectwo Stróża Kolonia, przysiółek Podlesie Górne "
             "nad rzeką Wyżnicą")

# name, email, organisation, country, answers, attended
PEOPLE = [
    ("Anna Nowak", "anna@lodz.pl", "Miasto Łódź", "PL",
     {"wg": "youth", "age": "18-30", "eu": True, "town": "Łódź"}, True),
    ("Łukasz Żółć", "lukasz@lodz.pl", "Miasto Łódź", "PL",
     {"wg": "youth", "age": "31-50", "eu": False, "town": LONG_TOWN}, True),
    ("Sven Berg", "sven@malmo.se", "Malmö stad", "SE",
     {"wg": "energy", "age": "31-50", "eu": True}, True),
    ("Giulia Rossi", "giulia@rimini.it", "Comune di Rimini", "IT",
     {"wg": "energy", "age": "51"}, False),
    ("Ana García", "ana@coruna.es", "Concello da Coruña", "ES",
     {"age": "18-30", "eu": False}, True),
]


def _setup():
    pg, db, d = F.start()
    proj = F.project(pg, db, slug="net", title="The Network")
    ev = F.event(pg, db, proj, title="Seminarium w Łodzi", city="Łódź", country="PL")
    (day,) = E._span(pg, db, ev, 1)
    for q in (WG, EU, TOWN):
        r = d.post(f"/api/events/{ev}/questions", q)
        assert r.status == 201, r.text
    # the funder's question asked by every event of the project
    r = d.post("/api/projects/net/questions", AGE)
    assert r.status == 201 and r.json()["evidence"] is True, r.text
    regs = {}
    for name, email, org, cc, answers, came in PEOPLE:
        r = F.register(d, ev, email, name=name, org=org, country=cc, answers=answers)
        assert r.status == 202, r.text
        assert F.confirm(d, F.token(pg, db, ev, email)).status == 303
        regs[email] = int(pg.psql(db, """SELECT r.id FROM registrations r JOIN people p
                                          ON p.id = r.person_id WHERE p.email = $1""",
                                  email)[0][0])
        E._mark(d, ev, regs[email], day, "attended" if came else "no_show")
    return pg, db, d, proj, ev


def _pages(d, path):
    r = d.get(path)
    assert r.status == 200, r.text
    assert r.header("Content-Type") == "application/pdf"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(r.body)
        f.flush()
        out = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True,
                             text=True, check=True).stdout
    return [p for p in out.split("\f") if p.strip()]


def _names(page):
    return {name for name, *_ in PEOPLE if name in page}


def test_sheets_split_by_group_with_question_columns():
    pg, db, d, proj, ev = _setup()
    pages = _pages(d, f"/api/events/{ev}/sheets.pdf?lang=pl&group=wg&columns=town,age")
    # one sheet per group that has people, in the options' order, then
    # those who chose none; each fits on one page here
    assert len(pages) == 3, pages
    want = [("Młodzież", {"Anna Nowak", "Łukasz Żółć"}),
            ("Energia", {"Sven Berg", "Giulia Rossi"}),
            ("(nie wybrano grupy)", {"Ana García"})]
    for page, (label, names) in zip(pages, want):
        assert f"— {label}" in page, page
        assert f"Grupa robocza: {label}" in page, page
        assert _names(page) == names, (label, page)
        # the columns' headers (a header may wrap at a space)
        assert {"Miejsce", "zamieszkania", "Wiek"} <= set(page.split()), page
    # the answers as columns, in the sheet's language where options have it
    assert "Łódź" in pages[0] and "18–30" in pages[0] and "31–50" in pages[0]
    assert "51 i więcej" in pages[1], pages[1]
    # the long answer wraps in its column: every word is on the page
    words = " ".join(pages[0].split())
    for w in LONG_TOWN.split():
        assert w in words, (w, pages[0])

    # no columns named: the questions flagged for the funder; by town as before
    pages = _pages(d, f"/api/events/{ev}/sheets.pdf?lang=en")
    assert all("Age band" in p and "Councillor" in p for p in pages), pages
    assert not any("Town of residence" in p for p in pages)
    assert any("Local participants" in p for p in pages)
    assert sum(len(_names(p)) for p in pages) == len(PEOPLE)
    # columns= (empty): none
    pages = _pages(d, f"/api/events/{ev}/sheets.pdf?lang=en&columns=")
    assert not any("Age band" in p for p in pages)

    # bad keys are refused by name
    for q, field in (("group=town", "group"), ("group=nope", "group"),
                     ("columns=town,nope", "columns"),
                     ("columns=" + ",".join(["age"] * 7), "columns")):
        r = d.get(f"/api/events/{ev}/sheets.pdf?{q}")
        assert r.status == 422 and r.json()["error"]["field"] == field, (q, r.text)


def test_report_by_group_and_evidence_counts_survive_anonymisation():
    pg, db, d, proj, ev = _setup()
    # a question the funder counts must be a choice: free text is erased
    # at anonymisation and could name someone
    r = d.post(f"/api/events/{ev}/questions", dict(TOWN, key="town2", evidence=True))
    assert r.status == 422 and r.json()["error"]["field"] == "evidence", r.text
    r = d.get("/api/reports/attendance?project=net&group=town")
    assert r.status == 422 and r.json()["error"]["field"] == "group", r.text

    def report():
        r = d.get("/api/reports/attendance?project=net&group=wg")
        assert r.status == 200, r.text
        return r.json()

    rep = report()
    assert rep["group"] == {"key": "wg"}
    assert rep["events"][0]["groups"] == [
        {"value": "youth", "label": "Youth", "capacity": 12, "confirmed": 2, "attended": 2,
         "organisations": 1, "countries": 1},
        {"value": "energy", "label": "Energy", "capacity": None, "confirmed": 2,
         "attended": 1, "organisations": 2, "countries": 2},
        {"value": "family", "label": "Family support", "capacity": None, "confirmed": 0,
         "attended": 0, "organisations": 0, "countries": 0},
        {"value": None, "label": None, "capacity": None, "confirmed": 1, "attended": 1,
         "organisations": 1, "countries": 1}]
    r = d.get("/api/reports/attendance?project=net&group=wg&format=csv&view=groups")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["group"], x["confirmed"], x["attended"]) for x in rows] == [
        ("youth", "2", "2"), ("energy", "2", "1"), ("family", "0", "0"), ("", "1", "1")], rows

    def pack(lang):
        r = d.get(f"/api/projects/net/evidence?lang={lang}")
        assert r.status == 200, r.text
        p = r.json()
        return p["questions"], p["events"][0]["questions"]

    # who came: Anna, Łukasz, Sven, Ana (Giulia was a no-show)
    want = [
        {"key": "eu", "kind": "yes_no", "label": "Councillor", "answered": 4,
         "options": [{"value": "yes", "label": "✓", "count": 2},
                     {"value": "no", "label": "✗", "count": 2}],
         "text": "Councillor: ✓ 2, ✗ 2"},
        {"key": "age", "kind": "choice", "label": "Age band", "answered": 4,
         "options": [{"value": "18-30", "label": "18–30", "count": 2},
                     {"value": "31-50", "label": "31–50", "count": 2},
                     {"value": "51", "label": "51 and over", "count": 0}],
         "text": "Age band: 18–30 2, 31–50 2, 51 and over 0"}]
    totals, per_event = pack("en")
    assert sorted(totals, key=lambda q: q["key"]) == sorted(want, key=lambda q: q["key"])
    assert per_event == totals
    pl_totals, _ = pack("pl")
    assert {q["key"]: q["text"] for q in pl_totals} == {
        "eu": "Radny: ✓ 2, ✗ 2", "age": "Wiek: 18–30 2, 31–50 2, 51 i więcej 0"}
    csv_before = d.get("/api/projects/net/evidence.csv").text
    assert "Age band: 18–30" in csv_before and "answer" in csv_before
    pdf = _pages(d, "/api/projects/net/evidence.pdf?lang=pl")
    assert "Wiek: 18–30 2, 31–50 2, 51 i więcej 0" in " ".join("".join(pdf).split())

    before = {lang: pack(lang) for lang in ("en", "pl")}
    res = json.loads(pg.psql(db, "SELECT cv_privacy_anonymise_project($1)", proj)[0][0])
    assert res["people_anonymised"] == len(PEOPLE)
    # counts and groups identical, JSON compared whole; no name left
    assert {lang: pack(lang) for lang in ("en", "pl")} == before
    after = report()
    for e in after["events"] + rep["events"]:
        del e["participants"]
    assert after == rep
    assert d.get("/api/projects/net/evidence.csv").text == csv_before
    assert pg.psql(db, "SELECT count(*) FROM people WHERE name IS NOT NULL") == [("0",)]
    # the free-text answers went with the people; the options stayed
    assert pg.psql(db, """SELECT q.key, count(*) FROM answers a JOIN questions q
                           ON q.id = a.question_id GROUP BY 1 ORDER BY 1""") == [
        ("age", "5"), ("eu", "4"), ("wg", "4")]
