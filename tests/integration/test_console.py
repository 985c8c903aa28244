"""test_console.py - the secretariat's console under /admin/ (issue 16,
item 3): its files as the daemon serves them (ETag and 304, the immutable
long cache of versioned names, the CSP and frame headers), the catalogues
(every English key in the five other languages, with the same
placeholders), the two API calls the console added (PATCH
/api/projects/{slug}, GET /api/local-time), and the issue's flow in
Chromium (tests/js/console.mjs): log in, create a project and an event in
Europe/Helsinki with the DST-gap refusal shown inline, three people
registering through the public form for two seats, the waiting one moved
up by a cancellation in the console, log out; axe on every screen, at
phone and desktop sizes."""

import json
import os
import re

import harness
import reg_fixtures as F
from test_accounts import PASSWORDS, Session, _request, _user

ADMIN = os.path.join(harness.REPO, "web", "admin")
LANGS = ("en", "sv", "it", "pl", "es", "fi")


def _catalogue(lang):
    with open(os.path.join(ADMIN, "i18n", f"{lang}.json"), encoding="utf-8") as f:
        return json.load(f)


def test_every_english_key_in_every_language_with_its_placeholders():
    en = _catalogue("en")
    assert len(en) > 100, len(en)
    # every key the code asks for by its literal name is in English
    used = set()
    for root, _, files in os.walk(ADMIN):
        for name in files:
            if name.endswith(".js"):
                text = open(os.path.join(root, name), encoding="utf-8").read()
                used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", text))
                used |= set(re.findall(r"""\bnav:\s*["']([a-z0-9_.]+)["']""", text))
    assert used, "no t() calls found"
    assert not used - set(en), sorted(used - set(en))
    problems = []
    for lang in LANGS[1:]:
        cat = _catalogue(lang)
        for key, text in en.items():
            if key not in cat:
                problems.append(f"{lang}: {key} missing")
            elif not cat[key].strip():
                problems.append(f"{lang}: {key} empty")
            elif set(re.findall(r"\{\w+\}", text)) != set(re.findall(r"\{\w+\}", cat[key])):
                problems.append(f"{lang}: {key} placeholders differ: {cat[key]!r}")
        problems += [f"{lang}: {k} is not in en.json" for k in set(cat) - set(en)]
    assert not problems, "\n".join(problems)


def _versioned(page):
    """The versioned URLs of the console's page (style and script)."""
    return re.findall(r'(?:href|src)="(/admin/static/v[0-9a-f]{16}/[^"]+)"', page)


def test_files_etag_304_immutable_names_and_strict_headers():
    pg, db, d = F.start()
    r = d.get("/admin", auth=False)
    assert r.status == 301 and r.header("Location") == "/admin/", r
    page = d.get("/admin/", auth=False)
    assert page.status == 200, page
    assert page.header("Content-Type").startswith("text/html")
    assert page.header("Cache-Control") == "no-cache"
    csp = page.header("Content-Security-Policy")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert page.header("X-Frame-Options") == "DENY"
    assert page.header("Referrer-Policy") == "no-referrer"
    # nothing inline for the CSP to refuse
    assert "<script>" not in page.text and "style=" not in page.text
    urls = _versioned(page.text)
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["app.js", "style.css"], urls
    version = urls[0].split("/")[3]
    assert all(u.split("/")[3] == version for u in urls)

    # the page itself revalidates by its ETag
    etag = page.header("ETag")
    assert etag and etag.startswith('"')
    again = d.get("/admin/", auth=False, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"", again

    # versioned names: cached for a year, immutable, and a 304 too
    for u in urls + [f"/admin/static/{version}/views/login.js",
                     f"/admin/static/{version}/i18n/fi.json"]:
        r = d.get(u, auth=False)
        assert r.status == 200, (u, r)
        assert r.header("Cache-Control") == "public, max-age=31536000, immutable", u
        assert r.header("Content-Security-Policy") == csp
        assert r.header("X-Frame-Options") == "DENY"
        assert r.header("X-Content-Type-Options") == "nosniff"
        r2 = d.get(u, auth=False, headers={"If-None-Match": r.header("ETag")})
        assert r2.status == 304, (u, r2)
    js = d.get(f"/admin/static/{version}/app.js", auth=False)
    assert js.header("Content-Type").startswith("text/javascript")
    with open(os.path.join(ADMIN, "app.js"), "rb") as f:
        assert js.body == f.read()  # the file as it is in the tree
    assert d.get(f"/admin/static/{version}/i18n/sv.json",
                 auth=False).header("Content-Type").startswith("application/json")

    # without the version (or with another build's): the same bytes, revalidated
    plain = d.get("/admin/static/app.js", auth=False)
    assert plain.status == 200 and plain.body == js.body
    assert plain.header("Cache-Control") == "no-cache"
    assert plain.header("ETag") == js.header("ETag")
    old = d.get("/admin/static/v0000000000000000/app.js", auth=False)
    assert old.status == 200 and old.header("Cache-Control") == "no-cache"
    assert d.get("/admin/static/nothing.js", auth=False).status == 404
    assert d.get(f"/admin/static/{version}/README.md", auth=False).status == 404
    assert d.get("/admin/static/../../etc/passwd", auth=False).status == 404


def test_project_edit_and_local_time_check():
    pg, db, d = F.start()
    F.project(pg, db, "net", "The Network")
    _user(d, "ada", "admin")
    s = Session(d, "ada")
    feed = d.get("/calendars/projects/net.ics", auth=False)
    assert feed.status == 200 and "The Network" in feed.text, feed
    r = s.request("PATCH", "/api/projects/net", {"title": "Rural network", "language": "fi"})
    assert r.status == 200, r
    assert r.json()["title"] == "Rural network" and r.json()["language"] == "fi"
    assert r.json()["slug"] == "net"
    assert pg.psql(db, "SELECT title, language::text FROM projects") == [("Rural network", "fi")]
    # the feed (cached above) follows the new title
    harness.wait_until(lambda: "Rural network" in d.get("/calendars/projects/net.ics",
                                                         auth=False).text,
                       msg="the project's feed shows the new title")
    # refusals change nothing
    assert s.request("PATCH", "/api/projects/net", {"title": " "}).status == 422
    assert s.request("PATCH", "/api/projects/net", {"slug": "x"}).status == 400
    assert s.request("PATCH", "/api/projects/nope", {"title": "X"}).status == 404
    assert s.request("PATCH", "/api/projects/net", {"title": "X"}, csrf=False).status == 403
    assert pg.psql(db, "SELECT title FROM projects") == [("Rural network",)]
    # the change is in the audit log with the name
    assert pg.psql(db, "SELECT actor FROM audit_log WHERE route = '/api/projects/{slug}'"
                       " AND status = 200") == [("ada",)]

    # a local time judged as the event's write judges it
    ok = s.request("GET", "/api/local-time?local=2027-03-28T10:00&tz=Europe/Helsinki&field=start")
    assert ok.status == 200, ok
    assert ok.json()["time"]["utc"] == "2027-03-28T07:00:00Z" and ok.json()["warnings"] == []
    gap = s.request("GET", "/api/local-time?local=2027-03-28T03:30&tz=Europe/Helsinki&field=start")
    assert gap.status == 422 and gap.json()["error"]["field"] == "start", gap
    ev = s.request("POST", "/api/events", {
        "project": "net", "kind": "seminar", "title": "S", "tz": "Europe/Helsinki",
        "start": "2027-03-28T03:30", "end": "2027-03-28T05:00"})
    assert ev.status == 422 and ev.json()["error"] == gap.json()["error"], (ev, gap)
    fold = s.request("GET", "/api/local-time?local=2027-10-31T03:30&tz=Europe/Helsinki&field=end")
    assert fold.status == 200 and fold.json()["time"]["ambiguous"] is True
    assert "occurs twice in Europe/Helsinki" in fold.json()["warnings"][0], fold
    cet = s.request("GET", "/api/local-time?local=2027-03-28T10:00&tz=CET")
    assert cet.status == 422 and cet.json()["error"]["field"] == "tz"
    assert s.request("GET", "/api/local-time?local=2027-02-30T10:00&tz=UTC").status == 422
    assert s.request("GET", "/api/local-time?local=x&tz=UTC&when=1").status == 400
    assert _request(d, "GET", "/api/local-time?local=2027-03-28T10:00&tz=UTC").status == 401


def test_console_flow_in_chromium():
    pg, db, d = F.start()
    _user(d, "ada", "admin")
    got = harness.run_browser("console.mjs", {
        "BASE_URL": d.url, "MAILDIR": d.maildir, "NAME": "ada",
        "PASSWORD": PASSWORDS["ada"], "RUN": "t"}, timeout=400)
    assert got["violations"] == [], got["violations"]
    assert len(got["screens"]) >= 14, got["screens"]
    assert got["states"] == ["confirmed", "confirmed", "waitlisted"], got
    assert "does not exist in Europe/Helsinki" in got["gap"], got
    assert got["after_logout"] == 401 and got["page_after_logout"] == 401, got
    ev = int(got["event"])
    # the database agrees with what the console showed
    assert pg.psql(db, "SELECT tz, start_local::text, capacity FROM events WHERE id = $1", ev) \
        == [("Europe/Helsinki", "2027-03-28 10:00:00", "2")]
    assert F.states(pg, db, ev) == {
        "aino-t@espoo.fi": ("cancelled", None), "bjorn-t@umea.se": ("confirmed", None),
        "chiara-t@rimini.it": ("confirmed", None)}, F.states(pg, db, ev)
    # the correction went through PATCH (a country code that is not one was
    # refused next to its field first), and the link went out again
    assert "country" in got["country_error"], got["country_error"]
    assert pg.psql(db, "SELECT name FROM people WHERE email = 'bjorn-t@umea.se'") \
        == [("Björn Lindqvist",)]
    assert pg.psql(db, "SELECT count(*) FROM outbox WHERE registration_id = $1"
                       " AND kind = 'registration_confirmed'", int(got["bjorn"])) == [("2",)]
    # every change the console made is in the audit log under the account's name
    routes = {r[0] for r in pg.psql(db, "SELECT route FROM audit_log WHERE actor = 'ada'"
                                        " AND status < 300")}
    assert {"/api/projects", "/api/events", "/api/registrations/{id}/cancel",
            "/api/registrations/{id}/resend", "/api/registrations/{id}",
            "/api/events/{id}/checkin-secret", "/api/logout"} <= routes, routes


def test_login_throttle_said_with_its_wait_in_words():
    pg, db, d = F.start({"accounts": {"login_failures_per_address": 2, "login_lockout": "10m"}})
    _user(d, "ada", "admin")
    got = harness.run_browser("console_login.mjs", {
        "BASE_URL": d.url, "NAME": "ada", "PASSWORD": PASSWORDS["ada"]})
    assert got["failed"] == ["The name or the password is wrong."] * 2, got
    # the right password, but from a throttled address: 429 and its wait
    assert got["throttled"] == "Too many wrong passwords. You can try again in 10 minutes.", got
    assert got["violations"] == [], got["violations"]
