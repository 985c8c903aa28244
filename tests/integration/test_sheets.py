"""test_sheets.py - the funder's signature sheets (issue 14, item 3) from the
real daemon on real PostgreSQL, read back with poppler-utils: every
expected participant's name exactly once per day on the right town's
sheet (local and international), diacritics intact; the page count; a
200-character name whole; an empty event as one valid page; a 300-person
event rendered off the loop while /healthz and /metrics are answered; bad
input refused."""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import harness
import reg_fixtures as F

TZ = "Europe/Rome"


def _need_poppler():
    if not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
        raise harness.Skip("poppler-utils (pdftotext, pdfinfo) not installed")


def _three_days(pg, db, ev):
    pg.psql(db, """UPDATE events SET start_local = '2027-03-01 09:00', end_local = '2027-03-03 17:00',
                                     start_at = '2027-03-01 09:00'::timestamp AT TIME ZONE tz,
                                     end_at = '2027-03-03 17:00'::timestamp AT TIME ZONE tz
                    WHERE id = $1""", ev)


def _org(pg, db, name, city, country):
    rows = pg.psql(db, "SELECT id FROM organisations WHERE name = $1", name)
    if rows:
        return int(rows[0][0])
    return int(pg.psql(db, """INSERT INTO organisations (name, city, country) VALUES ($1, $2, $3)
                              RETURNING id""", name, city, country)[0][0])


def _person(pg, db, ev, name, email, org, city, country, state="confirmed",
            origin="registered", language="en"):
    """A registration of EV straight into the database; its id."""
    o = _org(pg, db, org, city, country)
    p = int(pg.psql(db, """INSERT INTO people (email, name, organisation_id, feed_token, language)
                           VALUES ($1, $2, $3, md5(random()::text), $4::person_lang)
                           RETURNING id""", email, name, o, language)[0][0])
    return int(pg.psql(db, """INSERT INTO registrations (event_id, person_id, organisation_id, state,
                                                       token, origin, confirmed_at)
                              VALUES ($1, $2, $3, $4::registration_state, md5(random()::text), $5,
                                      CASE WHEN $4 = 'confirmed' THEN now() END)
                              RETURNING id""", ev, p, o, state, origin)[0][0])


def _pdf(d, path):
    r = d.get(path)
    assert r.status == 200, r.text
    assert r.header("Content-Type") == "application/pdf"
    assert r.body.startswith(b"%PDF-")
    return r.body


def _pages(body):
    """The number of pages (pdfinfo) and the -layout text of each page."""
    with tempfile.TemporaryDirectory(prefix="convened-sheets-") as tmp:
        return _pages_in(os.path.join(tmp, "sheets.pdf"), body)


def _pages_in(f, body):
    with open(f, "wb") as fh:
        fh.write(body)
    info = subprocess.run(["pdfinfo", str(f)], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    texts = []
    for i in range(1, n + 1):
        texts.append(subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(f), "-"],
                                    capture_output=True, text=True, check=True).stdout)
    return n, texts


def _raw(body):
    with tempfile.TemporaryDirectory(prefix="convened-sheets-") as tmp:
        f = os.path.join(tmp, "raw.pdf")
        with open(f, "wb") as fh:
            fh.write(body)
        return subprocess.run(["pdftotext", "-raw", f, "-"], capture_output=True, text=True,
                              check=True).stdout


def _ctl(d, *args):
    return subprocess.run([harness.convenectl_bin(), "--url", d.url, "--token", d.token, *args],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


# the days as the sheets print them in English (ICU's CLDR, daemon/when.c)
DAY_WORDS = {"Monday, March 1, 2027": "2027-03-01", "Tuesday, March 2, 2027": "2027-03-02",
             "Wednesday, March 3, 2027": "2027-03-03"}


def _sheet_of(text):
    """(day, town line, scope) named in a page's header."""
    day = DAY_WORDS[re.search(r"Day: (.+)", text).group(1).strip()]
    town = re.search(r"Invited town: (.+)", text).group(1).strip()
    scope = "local" if "Local participants" in text else "international"
    return day, town, scope


PEOPLE = [
    # name, email, organisation, city, country
    ("Niccolò Ferraù", "niccolo@rimini.it", "Comune di Rimini", "Rimini", "IT"),
    ("Ludovica Bentivoglio", "ludo@bologna.it", "Comune di Bologna", "Bologna", "IT"),
    ("Zbigniew Łukasiewicz", "zb@poznan.pl", "Miasto Poznań", "Poznań", "PL"),
    ("Małgorzata Żółć", "mz@poznan.pl", "Miasto Poznań", "Poznań", "PL"),
    ("Åsa Öberg", "asa@malmo.se", "Malmö stad", "Malmö", "SE"),
    ("Björn Ängström", "bjorn@malmo.se", "Malmö stad", "Malmö", "SE"),
    ("Päivi Häkkinen", "paivi@jkl.fi", "Jyväskylän kaupunki", "Jyväskylä", "FI"),
    ("Begoña Núñez", "begona@coruna.es", "Concello da Coruña", "A Coruña", "ES"),
    ("José Ibáñez", "jose@coruna.es", "Concello da Coruña", "A Coruña", "ES"),
]


def test_sheets_per_day_and_town_local_and_international():
    _need_poppler()
    pg, db, d = F.start()
    pr = F.project(pg, db)
    pg.psql(db, "UPDATE projects SET programme = 'Europe for Citizens' WHERE id = $1", pr)
    ev = F.event(pg, db, pr, title="Seminario di Rimini", tz=TZ)
    _three_days(pg, db, ev)
    for p in PEOPLE:
        _person(pg, db, ev, *p)
    # not on the sheets: a pending, a waitlisted and a cancelled registration
    _person(pg, db, ev, "Pending Person", "pend@x.se", "Malmö stad", "Malmö", "SE", state="pending")
    _person(pg, db, ev, "Waiting Person", "wait@x.se", "Malmö stad", "Malmö", "SE",
            state="waitlisted")
    _person(pg, db, ev, "Cancelled Person", "canc@x.se", "Malmö stad", "Malmö", "SE",
            state="cancelled")
    # a walk-in, on the sheet of the day they came (day 2) only
    walk = _person(pg, db, ev, "Kaija Mäkelä", "kaija@jkl.fi", "Jyväskylän kaupunki", "Jyväskylä",
                   "FI", origin="walk_in")
    pg.psql(db, """INSERT INTO attendance (registration_id, day, state, marked_by)
                   VALUES ($1, '2027-03-02', 'attended', 'door')""", walk)

    n, pages = _pages(_pdf(d, f"/api/events/{ev}/sheets.pdf"))
    days = ["2027-03-01", "2027-03-02", "2027-03-03"]
    towns = {"Rimini (IT)": "local", "Bologna (IT)": "local", "Poznań (PL)": "international",
             "Malmö (SE)": "international", "Jyväskylä (FI)": "international",
             "A Coruña (ES)": "international"}
    # one page per day and town: every sheet fits on one page here
    assert n == len(days) * len(towns), n
    seen = {}
    for text in pages:
        day, town, scope = _sheet_of(text)
        assert towns[town] == scope, (town, scope)
        assert "Programme: Europe for Citizens" in text
        assert "Project: The Network" in text
        assert "Event: Seminario di Rimini" in text
        assert "Place: Palazzo, Rimini, Italy" in text
        assert ("Dates: Monday, March 1, 2027 at 9:00 AM – Wednesday, March 3, 2027 at 5:00 PM"
                in text), text
        assert "legal representative" in text
        assert re.search(r"Page \d+ of %d" % n, text)
        assert (day, town) not in seen
        seen[(day, town)] = text
    assert set(seen) == {(dd, t) for dd in days for t in towns}
    everyone = PEOPLE + [("Kaija Mäkelä", "kaija@jkl.fi", "", "Jyväskylä", "FI")]
    for (day, town), text in seen.items():
        for name, email, _org_, city, cc in everyone:
            expected = 1 if f"{city} ({cc})" == town else 0
            if name == "Kaija Mäkelä" and day != "2027-03-02":
                expected = 0
            assert text.count(name) == expected, (day, town, name, text)
            assert text.count(email) == expected, (day, town, email)
        for other in ("Pending Person", "Waiting Person", "Cancelled Person"):
            assert other not in text
    # page numbers run 1..n
    nums = sorted(int(re.search(r"Page (\d+) of", t).group(1)) for t in pages)
    assert nums == list(range(1, n + 1))

    # ?day= gives that day's sheets only
    n2, pages2 = _pages(_pdf(d, f"/api/events/{ev}/sheets.pdf?day=2027-03-02"))
    assert n2 == len(towns)
    assert {_sheet_of(t)[0] for t in pages2} == {"2027-03-02"}
    assert sum(t.count("Kaija Mäkelä") for t in pages2) == 1

    # in Polish, through convenectl
    with tempfile.TemporaryDirectory(prefix="convened-sheets-") as tmp:
        out = os.path.join(tmp, "pl.pdf")
        r = _ctl(d, "event", "sheets", str(ev), "-o", out, "--day", "2027-03-01", "--lang", "pl")
        assert r.returncode == 0, r.stderr
        with open(out, "rb") as fh:
            n3, pages3 = _pages(fh.read())
        r = _ctl(d, "event", "sheets", str(ev), "-o", out, "--day", "2001-01-01")
        assert r.returncode == 1 and "day" in r.stderr
    assert n3 == len(towns)
    assert "Lista obecności" in pages3[0]
    assert "Dzień: poniedziałek, 1 marca 2027" in pages3[0]
    assert "Podpis" in pages3[0]
    assert re.search(r"Strona 1 z %d" % n3, pages3[0])
    assert sum(t.count("Zbigniew Łukasiewicz") for t in pages3) == 1
    d.stop()


def test_a_long_name_wraps_and_a_long_sheet_breaks_repeating_the_header():
    _need_poppler()
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    words = ["Wilhelmina", "Åsa-Britt", "Żaneta", "Ferraù", "Häkkinen", "Núñez"]
    long = ""
    i = 0
    while len(long) < 200:
        long = (long + " " + words[i % len(words)]).strip()
        i += 1
    long = long[:200].rstrip()
    assert len(long) >= 195
    _person(pg, db, ev, long, "long@malmo.se", "Malmö stad", "Malmö", "SE")
    for k in range(40):
        _person(pg, db, ev, f"Deltagare Nummer {k:02d}", f"p{k}@malmo.se", "Malmö stad", "Malmö", "SE")
    # The fixture's event starts 30 days from now on the hour and lasts three
    # hours: run in the evening it spans two days, with a sheet for each.
    # One day's sheets are what this test reads.
    day = pg.psql(db, "SELECT start_local::date::text FROM events WHERE id = $1", ev)[0][0]
    body = _pdf(d, f"/api/events/{ev}/sheets.pdf?day={day}")
    n, pages = _pages(body)
    assert n > 1  # 41 rows to sign do not fit on one page
    for t in pages:
        assert "Signature" in t and "Organisation" in t  # the table's header on every page
        assert re.search(r"Page \d+ of %d" % n, t)
    raw = " ".join(_raw(body).split())
    assert raw.count(long) == 1, raw[:2000]
    for k in range(40):
        assert sum(t.count(f"Deltagare Nummer {k:02d}") for t in pages) == 1
    d.stop()


def test_an_event_without_participants_gives_one_valid_page():
    _need_poppler()
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), title="Empty seminar", tz=TZ)
    n, pages = _pages(_pdf(d, f"/api/events/{ev}/sheets.pdf"))
    assert n == 1
    assert "Empty seminar" in pages[0]
    assert "No participants." in pages[0]
    assert "Programme:" not in pages[0]  # the project has none
    assert "Page 1 of 1" in pages[0]
    d.stop()


def test_bad_input_is_refused():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    r = d.get(f"/api/events/{ev}/sheets.pdf", auth=False)
    assert r.status == 401
    r = d.get(f"/api/events/{ev + 1000}/sheets.pdf")
    assert r.status == 404 and r.json()["error"]["field"] == "event"
    r = d.get(f"/api/events/{ev}/sheets.pdf?day=2001-01-01")
    assert r.status == 422 and r.json()["error"]["field"] == "day", r.text
    r = d.get(f"/api/events/{ev}/sheets.pdf?day=tomorrow")
    assert r.status == 422 and r.json()["error"]["field"] == "day"
    r = d.get(f"/api/events/{ev}/sheets.pdf?lang=de")
    assert r.status == 422 and r.json()["error"]["field"] == "lang"
    r = d.get(f"/api/events/{ev}/sheets.pdf?colour=red")
    assert r.status == 400
    d.stop()


def test_300_participants_render_off_the_loop():
    _need_poppler()
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    _three_days(pg, db, ev)
    cities = [("Rimini", "IT"), ("Poznań", "PL"), ("Malmö", "SE"), ("Jyväskylä", "FI"),
              ("A Coruña", "ES"), ("Split", "HR")]
    pg.psql(db, """WITH o AS (
                       INSERT INTO organisations (name, city, country)
                       SELECT 'Organisation ' || c.city, c.city, c.cc
                         FROM (VALUES ('Rimini','IT'),('Poznań','PL'),('Malmö','SE'),
                                      ('Jyväskylä','FI'),('A Coruña','ES'),('Split','HR')) c(city, cc)
                       RETURNING id),
                   os AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM o),
                   p AS (
                       INSERT INTO people (email, name, organisation_id, feed_token)
                       SELECT 'p' || i || '@example.org', 'Participant Łódź ' || i,
                              (SELECT id FROM os WHERE k = i % 6), md5(i::text)
                         FROM generate_series(1, 300) i
                       RETURNING id, organisation_id)
                   INSERT INTO registrations (event_id, person_id, organisation_id, state, token,
                                              confirmed_at)
                   SELECT $1, id, organisation_id, 'confirmed', md5(random()::text), now() FROM p""",
            ev)
    assert len(cities) == 6
    done = {}

    def fetch():
        t0 = time.monotonic()
        done["r"] = d.get(f"/api/events/{ev}/sheets.pdf", timeout=120)
        done["t"] = time.monotonic()
        done["seconds"] = done["t"] - t0

    th = threading.Thread(target=fetch)
    th.start()
    # while the render runs, the loop answers: /metrics shows the render in
    # flight, and a /healthz sent then is answered before the PDF
    during = None
    while "r" not in done:
        m = d.get("/metrics", auth=False)
        if m.status == 200 and re.search(r"^convened_render_inflight 1$", m.text, re.M):
            h = d.get("/healthz", auth=False)
            during = (h.status, time.monotonic())
            break
    th.join()
    assert during is not None, "no /metrics answer came while the sheets were rendering"
    assert during[0] == 200
    assert during[1] < done["t"]
    r = done["r"]
    assert r.status == 200
    n, pages = _pages(r.body)
    rendered = re.search(r"sheets of event \d+: .*", d.log_text())
    print(f"300 participants x 3 days: {n} pages, {len(r.body)} bytes, answered in "
          f"{done['seconds'] * 1000:.0f} ms; the daemon: {rendered.group(0) if rendered else '?'}")
    for i in range(1, 301):
        assert sum(len(re.findall(r"Participant Łódź %d\b" % i, t)) for t in pages) == 3, i
    d.stop()


def test_names_sort_as_an_alphabet_not_by_bytes():
    _need_poppler()
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), country="PL", city="Łódź", venue="Urząd")
    for name in ("Zofia Nowak", "Łukasz Łęcki", "Lena Berg", "Åsa Öberg", "Adam Abel"):
        _person(pg, db, ev, name, name.split()[0].lower() + "@lodz.pl", "Urząd Miasta Łodzi",
                "Łódź", "PL")
    n, texts = _pages(_pdf(d, f"/api/events/{ev}/sheets.pdf"))
    text = "\n".join(texts)
    order = sorted(("Zofia Nowak", "Łukasz Łęcki", "Lena Berg", "Åsa Öberg", "Adam Abel"),
                   key=text.index)
    assert order == ["Adam Abel", "Åsa Öberg", "Lena Berg", "Łukasz Łęcki", "Zofia Nowak"], order
