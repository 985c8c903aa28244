"""test_evidence.py - the funder's numbers (issue 14, items 4 and 6), on the
real daemon and real PostgreSQL: the attendance report and the evidence
pack count who came (registered / confirmed / attended / no-show per event
and per day, walk-ins included; participants, organisations and countries
from attendance); the numbers are the same, JSON compared whole, after the
project is anonymised; the funder's sentence in six languages takes the
plural form ICU's rules choose for 1, 2, 5 and 22 (asked of ICU through
node's Intl, not typed in here), country names are CLDR's; the CSV holds
the same numbers; organisations merge (registrations, people and caps
follow, the merged one counts once, its old name lands on it) and bad
merges change nothing."""

import csv
import io
import json
import os
import re
import subprocess
import tempfile
import threading

import reg_fixtures as F

LANGS = ("en", "sv", "it", "pl", "es", "fi")


def _icu(expr_by_lang):
    """Evaluate JS expressions (node's Intl = ICU/CLDR) -> their JSON."""
    js = "const q = %s; const out = {};\n" \
         "for (const k in q) out[k] = eval(q[k]);\n" \
         "console.log(JSON.stringify(out));" % json.dumps(expr_by_lang)
    r = subprocess.run(["node", "-e", js], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _span(pg, db, ev, days):
    """EV runs DAYS days, 09:00 on the first to 17:00 on the last, 30 days
    from now in its zone."""
    pg.psql(db, """UPDATE events SET start_local = s, end_local = e,
                                     start_at = s AT TIME ZONE tz, end_at = e AT TIME ZONE tz
                     FROM (SELECT ((now() AT TIME ZONE tz)::date + 30) + time '09:00' AS s,
                                  ((now() AT TIME ZONE tz)::date + 29 + $2::int) + time '17:00' AS e
                             FROM events WHERE id = $1) t
                    WHERE id = $1""", ev, days)
    return [r[0] for r in pg.psql(db, """SELECT d::date::text FROM events,
                                            generate_series(start_local::date, end_local::date,
                                                            interval '1 day') d
                                          WHERE id = $1 ORDER BY d""", ev)]


def _reg(pg, db, d, ev, email, name, org, country, confirm=True):
    assert F.register(d, ev, email, name=name, org=org, country=country).status == 202
    if confirm:
        assert F.confirm(d, F.token(pg, db, ev, email)).status == 303
    return int(pg.psql(db, """SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                              WHERE r.event_id = $1 AND p.email = $2""", ev, email)[0][0])


def _mark(d, ev, reg, day, state):
    r = d.post(f"/api/events/{ev}/attendance", {"registration": reg, "day": day,
                                                 "state": state, "override": True})
    assert r.status == 200, r.text


def _org(d, name, country):
    r = d.post("/api/organisations", {"name": name, "country": country})
    assert r.status == 201, r.text
    return r.json()["id"]


def _walk_in(d, ev, name, email, org, day):
    r = d.post(f"/api/events/{ev}/walk-ins", {"name": name, "email": email, "organisation": org,
                                               "day": day, "override": True})
    assert r.status == 201, r.text
    return r.json()["registration"]


def _seminars(pg, db, d):
    """A project with a three-day study visit in Rimini and a seminar in
    Poznań; who registered, who came (see the counts in the first test)."""
    proj = F.project(pg, db, slug="visits", title="Study visits")
    a = F.event(pg, db, proj, title="Study visit Rimini", city="Rimini", country="IT",
                venue="Palazzo Garampi")
    b = F.event(pg, db, proj, title="Seminar Poznań", city="Poznań", country="PL",
                tz="Europe/Warsaw", venue="Ratusz")
    a1, a2, a3 = _span(pg, db, a, 3)
    (b1,) = _span(pg, db, b, 1)
    anna = _reg(pg, db, d, a, "anna@rimini.it", "Anna Bianchi", "Comune di Rimini", "IT")
    bo = _reg(pg, db, d, a, "bo@malmo.se", "Bo Ek", "Malmö stad", "SE")
    cai = _reg(pg, db, d, a, "cai@poznan.pl", "Cai Nowak", "Urząd Miasta Poznania", "PL")
    _reg(pg, db, d, a, "dora@oulu.fi", "Dora Virtanen", "Oulun kaupunki", "FI")
    _reg(pg, db, d, a, "eve@rimini.it", "Eve Rossi", "Comune di Rimini", "IT", confirm=False)
    _mark(d, a, anna, a1, "attended")
    _mark(d, a, anna, a2, "attended")
    _mark(d, a, anna, a3, "no_show")
    _mark(d, a, bo, a2, "attended")
    _mark(d, a, cai, a1, "no_show")
    _walk_in(d, a, "Zofia Łęcka", "zofia@gdansk.pl", _org(d, "Miasto Gdańsk", "PL"), a1)
    anna_b = _reg(pg, db, d, b, "anna@rimini.it", "Anna Bianchi", "Comune di Rimini", "IT")
    cai_b = _reg(pg, db, d, b, "cai@poznan.pl", "Cai Nowak", "Urząd Miasta Poznania", "PL")
    fia = _reg(pg, db, d, b, "fia@sevilla.es", "Fía Núñez", "Ayuntamiento de Sevilla", "ES")
    for reg in (anna_b, cai_b, fia):
        _mark(d, b, reg, b1, "attended")
    return proj, a, b, (a1, a2, a3), b1


def _report(d, slug="visits"):
    r = d.get(f"/api/reports/attendance?project={slug}")
    assert r.status == 200, r.text
    return r.json()


def _pack(d, ref="visits", lang="en"):
    r = d.get(f"/api/projects/{ref}/evidence?lang={lang}")
    assert r.status == 200, r.text
    return r.json()


def test_report_and_pack_count_who_came():
    pg, db, d = F.start()
    proj, a, b, (a1, a2, a3), b1 = _seminars(pg, db, d)

    rep = _report(d)
    ea, eb = rep["events"]
    # the confirmed counts are as they were (walk-ins are confirmed)
    assert (ea["confirmed"], eb["confirmed"]) == (5, 3)
    assert ea["attendance"] == {
        "registered": 5, "confirmed": 5, "attended": 3, "no_show": 1, "walk_ins": 1,
        "organisations": 3, "countries": 3,
        "by_country": [{"country": "IT", "participants": 1},
                       {"country": "PL", "participants": 1},
                       {"country": "SE", "participants": 1}],
        "days": [{"day": a1, "attended": 2, "no_show": 1},
                 {"day": a2, "attended": 2, "no_show": 0},
                 {"day": a3, "attended": 0, "no_show": 1}]}
    assert eb["attendance"]["attended"] == 3 and eb["attendance"]["no_show"] == 0
    assert eb["attendance"]["days"] == [{"day": b1, "attended": 3, "no_show": 0}]
    # Anna came to both: one participant; Dora (unmarked) and Eve
    # (unconfirmed) did not come
    assert rep["attendance"] == {
        "participants": 5, "organisations": 5, "countries": 4,
        "by_country": [{"country": "PL", "participants": 2},
                       {"country": "ES", "participants": 1},
                       {"country": "IT", "participants": 1},
                       {"country": "SE", "participants": 1}]}

    # the report's CSV: the confirmed columns as before, who came after them
    r = d.get("/api/reports/attendance?project=visits&format=csv")
    assert r.status == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["scope"], x["confirmed"], x["registered"], x["attended"], x["no_show"],
             x["walk_ins"], x["attended_organisations"], x["attended_countries"])
            for x in rows] == [("event", "5", "5", "3", "1", "1", "3", "3"),
                               ("event", "3", "3", "3", "0", "0", "3", "3"),
                               ("project", "6", "", "5", "", "", "5", "4")]

    pack = _pack(d, lang="pl")
    assert pack["project"]["slug"] == "visits" and pack["lang"] == "pl"
    assert [e["id"] for e in pack["events"]] == [a, b]
    for e, r in zip(pack["events"], rep["events"]):
        got = {k: e[k] for k in r["attendance"]}
        # the pack names each country in the reader's language
        assert [c.pop("name") for c in got["by_country"]] == \
            [{"IT": "Włochy", "PL": "Polska", "SE": "Szwecja", "ES": "Hiszpania"}[c["country"]]
             for c in got["by_country"]]
        assert got == r["attendance"]
    assert pack["events"][0]["first_day"] == a1 and pack["events"][0]["last_day"] == a3
    assert {k: v for k, v in pack["totals"].items() if k != "by_country"} == \
        {"participants": 5, "organisations": 5, "countries": 4}
    assert pack["sentence"] == pack["sentences"]["pl"] == "5 uczestników z 5 organizacji w 4 krajach"
    assert pack["sentences"]["en"] == "5 participants from 5 organisations in 4 countries"
    # the same pack by the project's id; unknown projects and languages
    assert _pack(d, ref=str(proj), lang="pl")["totals"] == pack["totals"]
    assert d.get("/api/projects/nope/evidence").status == 404
    r = d.get("/api/projects/visits/evidence?lang=de")
    assert r.status == 422 and r.json()["error"]["field"] == "lang"
    assert d.get("/api/projects/visits/evidence?color=red").status == 400
    assert d.get("/api/projects/visits/evidence", auth=False).status == 401


def test_publication_text_names_places_and_countries_in_the_language():
    pg, db, d = F.start()
    _seminars(pg, db, d)
    icu = _icu({f"{lang}:{cc}": f"new Intl.DisplayNames(['{lang}'], {{type: 'region'}}).of('{cc}')"
                for lang in LANGS for cc in ("IT", "PL", "SE", "ES")})
    for lang in LANGS:
        pack = _pack(d, lang=lang)
        pub = pack["publication"]
        assert pub.startswith("Study visits\n" + pack["sentences"][lang] + ".\n"), pub
        assert "Study visit Rimini\nPalazzo Garampi, Rimini, " + icu[f"{lang}:IT"] in pub, pub
        assert "Seminar Poznań\nRatusz, Poznań, " + icu[f"{lang}:PL"] in pub, pub
        # per country, in the language, largest first
        names = [c["name"] for c in pack["totals"]["by_country"]]
        assert names == [icu[f"{lang}:{cc}"] for cc in ("PL", "ES", "IT", "SE")]
        # (equal numbers: by country code)
        assert f"{icu[f'{lang}:ES']} 1, {icu[f'{lang}:IT']} 1, {icu[f'{lang}:PL']} 1" in pub, pub
        # the dates in words (daemon/when.c, tested against ICU in
        # test_when): the three days of the visit as one range, the seminar
        # as one day, never ISO
        for e in pack["events"]:
            assert e["dates"] and e["dates"] in pub, (e["dates"], pub)
            assert e["first_day"][:4] in e["dates"] and e["first_day"] not in pub
            assert "days_from" not in e and "days_until" not in e
        visit, seminar = pack["events"]
        assert visit["dates"] != seminar["dates"]


# The words of the sentence per language and CLDR plural category; which
# category a number takes is ICU's answer, asked below.
WORDS = {
    "en": ("{p} from {o} in {c}", {"one": "participant", "other": "participants"},
           {"one": "organisation", "other": "organisations"},
           {"one": "country", "other": "countries"}),
    "sv": ("{p} från {o} i {c}", {"one": "deltagare", "other": "deltagare"},
           {"one": "organisation", "other": "organisationer"},
           {"one": "land", "other": "länder"}),
    "it": ("{p} da {o} in {c}", {"one": "partecipante", "other": "partecipanti"},
           {"one": "organizzazione", "other": "organizzazioni"},
           {"one": "paese", "other": "paesi"}),
    "pl": ("{p} z {o} w {c}",
           {"one": "uczestnik", "few": "uczestników", "many": "uczestników",
            "other": "uczestnika"},
           {"one": "organizacji", "few": "organizacji", "many": "organizacji",
            "other": "organizacji"},
           {"one": "kraju", "few": "krajach", "many": "krajach", "other": "kraju"}),
    "es": ("{p} de {o} de {c}", {"one": "participante", "other": "participantes"},
           {"one": "organización", "other": "organizaciones"},
           {"one": "país", "other": "países"}),
    "fi": ("{p} {o} {c}", {"one": "osallistuja", "other": "osallistujaa"},
           {"one": "organisaatiosta", "other": "organisaatiosta"},
           {"one": "maasta", "other": "maasta"}),
}


def _expected(lang, cat, n_p, n_o, n_c):
    frame, wp, wo, wc = WORDS[lang]

    def word(table, n):
        c = cat[f"{lang}:{n}"]
        return f"{n} {table.get(c, table['other'])}"
    return frame.format(p=word(wp, n_p), o=word(wo, n_o), c=word(wc, n_c))


def test_the_sentence_takes_icu_plural_forms_in_six_languages():
    pg, db, d = F.start()
    proj = F.project(pg, db, slug="plurals")
    countries = ("IT", "PL", "SE", "ES", "FI")
    sizes = (1, 2, 5, 22)
    cat = _icu({f"{lang}:{n}": f"new Intl.PluralRules('{lang}').select({n})"
                for lang in LANGS for n in sizes})
    # ICU's own answer for Polish, as the brief names it
    assert [cat[f"pl:{n}"] for n in sizes] == ["one", "few", "many", "few"]
    seen = 0
    for n in sizes:
        ev = F.event(pg, db, proj, title=f"Seminar {n}")
        (day,) = _span(pg, db, ev, 1)
        for i in range(seen, n):
            org = _org(d, f"Town hall {i}", countries[i % len(countries)])
            _walk_in(d, ev, f"Person {i}", f"p{i}@example.org", org, day)
        seen = n
        pack = _pack(d, ref="plurals")
        n_c = min(n, len(countries))
        assert pack["totals"]["participants"] == n
        assert pack["totals"]["organisations"] == n
        assert pack["totals"]["countries"] == n_c
        for lang in LANGS:
            assert pack["sentences"][lang] == _expected(lang, cat, n, n, n_c), \
                (lang, n, pack["sentences"][lang])


def test_counts_survive_anonymisation_json_compared_whole():
    pg, db, d = F.start()
    proj, *_ = _seminars(pg, db, d)

    def report_counts():
        rep = _report(d)
        for e in rep["events"]:
            del e["participants"]  # the list of names (anonymised below)
        return rep

    def packs():
        out = {}
        for lang in LANGS:
            p = _pack(d, lang=lang)
            del p["generated_at"]
            out[lang] = p
        return out

    before_rep, before_packs = report_counts(), packs()
    before_csv = d.get("/api/projects/visits/evidence.csv").body
    res = json.loads(pg.psql(db, "SELECT cv_privacy_anonymise_project($1)", proj)[0][0])
    assert res["people_anonymised"] == 7
    assert report_counts() == before_rep
    assert packs() == before_packs
    assert d.get("/api/projects/visits/evidence.csv").body == before_csv
    # and nobody is left to name: no address, name or token of the project
    assert pg.psql(db, """SELECT count(*) FROM people p
                          WHERE p.email IS NOT NULL OR p.name IS NOT NULL""") == [("0",)]
    assert pg.psql(db, "SELECT count(*) FROM registrations WHERE token IS NOT NULL") == [("0",)]
    # the anonymous people keep their organisation (a town hall)
    assert pg.psql(db, """SELECT count(*) FROM people
                          WHERE anonymised_at IS NOT NULL AND organisation_id IS NULL""") == [("0",)]


def test_csv_holds_the_same_numbers():
    pg, db, d = F.start()
    _, a, b, (a1, a2, a3), b1 = _seminars(pg, db, d)
    pack = _pack(d)
    for path in ("/api/projects/visits/evidence.csv",
                 "/api/projects/visits/evidence?format=csv"):
        r = d.get(path)
        assert r.status == 200, r.text
        assert r.header("Content-Type").startswith("text/csv")
        assert "evidence-visits.csv" in r.header("Content-Disposition")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        ev = {int(x["event_id"]): x for x in rows if x["scope"] == "event"}
        assert set(ev) == {a, b}
        for e in pack["events"]:
            got = ev[e["id"]]
            for k in ("registered", "confirmed", "attended", "no_show", "walk_ins",
                      "organisations", "countries"):
                assert int(got[k]) == e[k], (k, got)
            assert got["title"] == e["title"] and got["city"] == e["city"]
            assert (got["first_day"], got["last_day"]) == (e["first_day"], e["last_day"])
        days = [(int(x["event_id"]), x["day"], int(x["attended"]), int(x["no_show"]))
                for x in rows if x["scope"] == "day"]
        assert days == [(a, a1, 2, 1), (a, a2, 2, 0), (a, a3, 0, 1), (b, b1, 3, 0)]
        (proj,) = [x for x in rows if x["scope"] == "project"]
        assert (proj["title"], proj["participants"], proj["organisations"],
                proj["countries"]) == ("Study visits", "5", "5", "4")
        assert [(x["country"], x["participants"]) for x in rows if x["scope"] == "country"] == \
            [("PL", "2"), ("ES", "1"), ("IT", "1"), ("SE", "1")]


def _pdf(data, *args):
    """pdftotext -layout (or pdfinfo) of the PDF DATA."""
    with tempfile.TemporaryDirectory(prefix="convened-ev-") as tmp:
        f = os.path.join(tmp, "e.pdf")
        with open(f, "wb") as fh:
            fh.write(data)
        cmd = ["pdfinfo", f] if args == ("info",) else ["pdftotext", "-layout", f, "-"]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def test_one_page_summary_pdf_in_the_language():
    pg, db, d = F.start()
    _seminars(pg, db, d)
    for lang in ("pl", "sv"):
        pack = _pack(d, lang=lang)
        r = d.get(f"/api/projects/visits/evidence.pdf?lang={lang}")
        assert r.status == 200, r.text
        assert r.header("Content-Type") == "application/pdf"
        assert "evidence-visits.pdf" in r.header("Content-Disposition")
        assert re.search(r"^Pages:\s+1$", _pdf(r.body, "info"), re.M)
        text = " ".join(_pdf(r.body).split())  # lines joined: cells wrap
        assert pack["sentence"] in text, (pack["sentence"], text)
        for e in pack["events"]:
            assert e["title"] in text
            for k in ("registered", "confirmed", "attended", "no_show"):
                assert str(e[k]) in text
        for c in pack["totals"]["by_country"]:
            assert c["name"] in text, (c["name"], text)
    assert "Potwierdzenie udziału" in " ".join(
        _pdf(d.get("/api/projects/visits/evidence.pdf?lang=pl").body).split())
    assert d.get("/api/projects/nope/evidence.pdf").status == 404
    assert d.get("/api/projects/visits/evidence.pdf?lang=de").status == 422
    assert d.get("/api/projects/visits/evidence.pdf", auth=False).status == 401


def _org_state(pg, db):
    return (pg.psql(db, "SELECT id, name, country, merged_into FROM organisations ORDER BY id"),
            pg.psql(db, "SELECT id, organisation_id, state FROM registrations ORDER BY id"),
            pg.psql(db, "SELECT id, organisation_id FROM people ORDER BY id"))


def test_merge_moves_registrations_counts_once_and_the_cap_holds():
    pg, db, d = F.start()
    proj = F.project(pg, db, slug="rimini")
    ev = F.event(pg, db, proj, org_cap=2)
    (day,) = _span(pg, db, ev, 1)
    ra = _reg(pg, db, d, ev, "a@rimini.it", "Alba", "Comune di Rimini", "IT")
    rb = _reg(pg, db, d, ev, "b@rimini.it", "Bruno", "Rimini municipality", "IT")
    rc = _reg(pg, db, d, ev, "c@rimini.it", "Carla", "Rimini municipality", "IT")
    for reg in (ra, rb, rc):
        _mark(d, ev, reg, day, "attended")
    orgs = {o["name"]: o["id"] for o in d.get("/api/organisations?q=rimini").json()["organisations"]}
    keep, dup = orgs["Comune di Rimini"], orgs["Rimini municipality"]
    # two organisations before: the report counts two
    assert _report(d, "rimini")["events"][0]["organisations"] == 2
    assert _report(d, "rimini")["attendance"]["organisations"] == 2

    r = d.post(f"/api/organisations/{dup}/merge", {"into": keep})
    assert r.status == 200, r.text
    m = r.json()
    assert m["organisation"]["id"] == keep
    assert m["organisation"]["aliases"][0]["name"] == "Rimini municipality"
    assert m["merged"]["merged_into"] == keep
    assert (m["registrations_moved"], m["people_moved"]) == (2, 2)
    # three confirmed seats of one organisation, cap 2: kept, and said
    assert m["over_cap"] == [{"event": ev, "title": "Seminar", "org_cap": 2, "confirmed": 3}]
    assert pg.psql(db, "SELECT DISTINCT organisation_id FROM registrations") == [(str(keep),)]
    assert pg.psql(db, "SELECT DISTINCT organisation_id FROM people") == [(str(keep),)]
    rep = _report(d, "rimini")
    assert rep["events"][0]["organisations"] == 1
    assert rep["project"]["organisations"] == 1
    assert rep["attendance"]["organisations"] == 1
    assert _pack(d, "rimini")["sentences"]["en"] == \
        "3 participants from 1 organisation in 1 country"
    # the list: the alias under the organisation, found by either name
    for q in ("comune", "municipality"):
        got = d.get(f"/api/organisations?q={q}&project=rimini").json()["organisations"]
        assert [(o["id"], [a["id"] for a in o["aliases"]], o["registrations"])
                for o in got] == [(keep, [dup], 3)]
    assert d.get("/api/organisations?project=nope").status == 404

    # a new registration typing the old name lands on the merged one, and
    # the cap counts the merged one once: Dario waits
    rd = _reg(pg, db, d, ev, "d@rimini.it", "Dario", "Rimini municipality", "IT")
    assert pg.psql(db, "SELECT organisation_id, state FROM registrations WHERE id = $1", rd) == \
        [(str(keep), "waitlisted")]
    # a seat freed by the organisation still leaves it at its cap: no promotion
    assert F.cancel(d, F.token(pg, db, ev, "a@rimini.it")).status == 303
    assert F.states(pg, db, ev)["d@rimini.it"][0] == "waitlisted"
    assert F.cancel(d, F.token(pg, db, ev, "b@rimini.it")).status == 303
    assert F.states(pg, db, ev)["d@rimini.it"][0] == "confirmed"


def test_bad_merges_change_nothing():
    pg, db, d = F.start()
    proj = F.project(pg, db, slug="bad")
    ev = F.event(pg, db, proj)
    _reg(pg, db, d, ev, "a@rimini.it", "Alba", "Comune di Rimini", "IT")
    _reg(pg, db, d, ev, "b@rimini.it", "Bruno", "Rimini municipality", "IT")
    other = _org(d, "Comune di Cesena", "IT")
    orgs = {o["name"]: o["id"] for o in d.get("/api/organisations").json()["organisations"]}
    keep, dup = orgs["Comune di Rimini"], orgs["Rimini municipality"]
    cases = [
        (f"/api/organisations/{dup}/merge", {"into": dup}, 422, "into"),
        (f"/api/organisations/{dup}/merge", {"into": 999999}, 422, "into"),
        ("/api/organisations/999999/merge", {"into": keep}, 404, "organisation"),
        ("/api/organisations/abc/merge", {"into": keep}, 404, None),
        (f"/api/organisations/{dup}/merge", {"into": "x"}, 400, "into"),
        (f"/api/organisations/{dup}/merge", {"into": 0}, 422, "into"),
        (f"/api/organisations/{dup}/merge", {}, 400, "into"),
        (f"/api/organisations/{dup}/merge", {"into": keep, "color": 1}, 400, "color"),
    ]
    before = _org_state(pg, db)
    for path, body, status, field in cases:
        r = d.post(path, body)
        assert r.status == status, (path, body, r.text)
        if field:
            assert r.json()["error"].get("field") == field, (path, body, r.text)
        assert r.json()["error"]["message"]
        assert _org_state(pg, db) == before
    assert d.post(f"/api/organisations/{dup}/merge", {"into": keep}, auth=False).status == 401
    assert _org_state(pg, db) == before
    # merged once: merging it again, or into it, is refused
    assert d.post(f"/api/organisations/{dup}/merge", {"into": keep}).status == 200
    after = _org_state(pg, db)
    r = d.post(f"/api/organisations/{dup}/merge", {"into": other})
    assert r.status == 409 and r.json()["error"]["field"] == "organisation", r.text
    r = d.post(f"/api/organisations/{other}/merge", {"into": dup})
    assert r.status == 409 and r.json()["error"]["field"] == "into", r.text
    assert str(keep) in r.json()["error"]["message"]
    assert _org_state(pg, db) == after


def test_merge_under_concurrent_registrations():
    """Registrations naming the merged-away organisation while it is merged:
    every one ends on the merged organisation, none is lost."""
    pg, db, d = F.start()
    proj = F.project(pg, db, slug="race")
    ev = F.event(pg, db, proj)
    _reg(pg, db, d, ev, "a@rimini.it", "Alba", "Comune di Rimini", "IT")
    _reg(pg, db, d, ev, "b@rimini.it", "Bruno", "Rimini municipality", "IT")
    orgs = {o["name"]: o["id"] for o in d.get("/api/organisations").json()["organisations"]}
    keep, dup = orgs["Comune di Rimini"], orgs["Rimini municipality"]
    statuses = []

    def register(i):
        r = F.register(d, ev, f"r{i}@rimini.it", name=f"R{i}", org="Rimini municipality",
                       country="IT")
        statuses.append(r.status)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(20)]
    for t in threads[:10]:
        t.start()
    r = d.post(f"/api/organisations/{dup}/merge", {"into": keep})
    for t in threads[10:]:
        t.start()
    for t in threads:
        t.join()
    assert r.status == 200, r.text
    assert statuses == [202] * 20
    assert pg.psql(db, "SELECT count(*) FROM registrations WHERE event_id = $1", ev) == [("22",)]
    assert pg.psql(db, "SELECT DISTINCT organisation_id FROM registrations") == [(str(keep),)]
    assert pg.psql(db, """SELECT count(*) FROM people
                          WHERE organisation_id = $1""", dup) == [("0",)]


def test_a_walk_in_of_no_organisation_counts_as_a_participant_of_no_country():
    pg, db, d = F.start()
    proj = F.project(pg, db, slug="solo")
    ev = F.event(pg, db, proj, title="Open day")
    (day,) = _span(pg, db, ev, 1)
    r = d.post(f"/api/events/{ev}/walk-ins", {"name": "Ola", "email": "ola@example.org",
                                              "day": day, "override": True})
    assert r.status == 201, r.text
    pack = _pack(d, ref="solo")
    assert pack["totals"] == {"participants": 1, "organisations": 0, "countries": 0,
                              "by_country": [{"country": None, "participants": 1,
                                              "name": None}]}
    assert pack["sentence"] == "1 participant from 0 organisations in 0 countries"
    assert pack["publication"].endswith("1 participant: - 1"), pack["publication"]
    # an empty project: zeros, no events
    F.project(pg, db, slug="empty")
    empty = _pack(d, ref="empty", lang="fi")
    assert empty["events"] == [] and empty["sentence"] == "0 osallistujaa 0 organisaatiosta 0 maasta"
