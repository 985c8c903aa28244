"""test_console_api.py - the API the console needs (issue 16, item 4) on
the real daemon and real PostgreSQL: every list a page at a time with the
outbox's convention (before=ID&limit=N, "next_before"), walked to the end
over 250 rows without a duplicate or a gap in the list's own order (events
by start, deadlines by due time, organisations and accounts by name, an
event's registrations pending, confirmed, waiting in line, cancelled), with
their filters and convenectl's "(more: --before ID)"; an account's own API
tokens (/api/me/tokens: shown once, revoked at once, audited) and the
audit log by action; the check-in page taking a door account's, a
coordinator's or an admin's session beside the event's secret, the marks
saying who made them; the inbound list naming whom a message concerns."""

import re

import harness
import reg_fixtures as F
from test_accounts import Session, _request, _token, _world
from test_inbound_api import DOMAIN, Setup, plain


def _ok(r, status=200):
    assert r.status == status, r
    return r.json()


def _walk(d, path, key, limit, auth=True):
    """Every item of list PATH, page by page (LIMIT each); asserts each page
    but the last is full and names its last item as next_before."""
    items, before, pages = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&before={before}" if before else "")
        page = _ok(d.get(url, auth=auth))
        pages += 1
        assert page["count"] == len(page[key]) <= limit, page
        items += page[key]
        if page["next_before"] is None:
            return items, pages
        assert page["count"] == limit and page["next_before"] == page[key][-1]["id"], page
        before = page["next_before"]


def _ids(rows):
    return [int(r[0]) for r in rows]


def test_paging_walks_250_of_every_list_to_the_end():
    pg, db, d = F.start()
    pid = F.project(pg, db, "big", "Big project")
    F.project(pg, db, "other", "Other project")
    # 250 events, ten at each start (ties are ordered by id), a third drafts
    pg.psql(db, """
        INSERT INTO events (project_id, kind, title, tz, start_local, end_local, start_at,
                            end_at, status, uid)
        SELECT $1, 'seminar', 'Seminar ' || i, 'Europe/Rome', s AT TIME ZONE 'Europe/Rome',
               (s + interval '3 hours') AT TIME ZONE 'Europe/Rome', s, s + interval '3 hours',
               CASE WHEN i % 3 = 0 THEN 'draft' ELSE 'published' END::item_status,
               'paging-' || i || '@test'
          FROM generate_series(1, 250) i,
               LATERAL (SELECT timestamptz '2030-01-01 09:00+01' + (i / 10) * interval '1 day'
                               AS s) t""", pid)
    want = _ids(pg.psql(db, "SELECT id FROM events WHERE project_id = $1 "
                            "ORDER BY start_at, id", pid))
    got, pages = _walk(d, "/api/events?project=big", "events", 37)
    assert [e["id"] for e in got] == want and len(set(want)) == 250
    assert pages == 7
    # one page of 1000 is the same list; the default page is 100
    assert [e["id"] for e in _ok(d.get("/api/events?project=big&limit=1000"))["events"]] == want
    first = _ok(d.get("/api/events?project=big"))
    assert first["count"] == 100 and first["next_before"] == want[99]
    # filters: state, days (in the event's zone), another project
    drafts, _ = _walk(d, "/api/events?project=big&state=draft", "events", 20)
    assert [e["id"] for e in drafts] == _ids(pg.psql(
        db, "SELECT id FROM events WHERE project_id = $1 AND status = 'draft' "
            "ORDER BY start_at, id", pid))
    assert all(e["status"] == "draft" for e in drafts) and len(drafts) == 83
    days = _ok(d.get("/api/events?project=big&from=2030-01-03&to=2030-01-04&limit=1000"))
    assert {e["start"]["local"][:10] for e in days["events"]} == {"2030-01-03", "2030-01-04"}
    assert days["count"] == 20
    assert _ok(d.get("/api/events?project=other")) == {"events": [], "count": 0,
                                                      "next_before": None}
    # refusals name the parameter and change nothing
    for q, status, field in (("before=abc", 422, "before"), ("limit=0", 422, "limit"),
                             ("limit=1001", 422, "limit"), ("state=open", 422, "state"),
                             ("from=2030-02-30", 422, "from"), ("to=soon", 422, "to"),
                             ("before=999999", 422, "before"), ("sort=title", 400, "sort")):
        r = d.get(f"/api/events?project=big&{q}")
        assert r.status == status and r.json()["error"]["field"] == field, (q, r)

    # 250 deadlines
    pg.psql(db, """
        INSERT INTO deadlines (project_id, kind, title, tz, due_local, due_at, uid)
        SELECT $1, 'report', 'Report ' || i, 'Europe/Brussels',
               (timestamptz '2030-03-01 12:00+01' + (i / 4) * interval '1 day')
                   AT TIME ZONE 'Europe/Brussels',
               timestamptz '2030-03-01 12:00+01' + (i / 4) * interval '1 day',
               'paging-dl-' || i || '@test'
          FROM generate_series(1, 250) i""", pid)
    want = _ids(pg.psql(db, "SELECT id FROM deadlines WHERE project_id = $1 "
                            "ORDER BY due_at, id", pid))
    got, _ = _walk(d, "/api/deadlines?project=big", "deadlines", 60)
    assert [x["id"] for x in got] == want and len(want) == 250

    # 250 registrations of one event of 50 seats: pending, confirmed,
    # waiting in line; each from an organisation of its own
    ev = F.event(pg, db, pid, title="Popular seminar", capacity=50)
    pg.psql(db, """
        SELECT cv_register($1, 'person' || i || '@example.org', 'Person ' || i, NULL,
                           'Organisation ' || lpad(i::text, 3, '0'), 'IT', 'official', 'en',
                           encode(sha256(convert_to('reg' || i, 'UTF8')), 'hex'),
                           encode(sha256(convert_to('feed' || i, 'UTF8')), 'hex'))
          FROM generate_series(1, 250) i""", ev)
    pg.psql(db, """SELECT cv_confirm(r.token) FROM registrations r
                    WHERE r.event_id = $1 AND r.id % 5 <> 0 ORDER BY r.id""", ev)
    whole = _ok(d.get(f"/api/events/{ev}/registrations?limit=1000"))
    assert whole["event_id"] == ev and whole["count"] == 250
    states = [x["state"] for x in whole["registrations"]]
    assert states == sorted(states, key=["pending", "confirmed", "waitlisted",
                                         "cancelled"].index)
    assert states.count("confirmed") == 50 and states.count("waitlisted") == 150
    waiting = [x["waitlist_position"] for x in whole["registrations"]
               if x["state"] == "waitlisted"]
    assert waiting == list(range(1, 151))
    got, pages = _walk(d, f"/api/events/{ev}/registrations", "registrations", 40)
    assert got == whole["registrations"] and pages == 7
    assert len({x["id"] for x in got}) == 250
    # filters: state and q (name, address or organisation), paged too
    got, _ = _walk(d, f"/api/events/{ev}/registrations?state=waitlisted", "registrations", 33)
    assert [x["waitlist_position"] for x in got] == list(range(1, 151))
    got, _ = _walk(d, f"/api/events/{ev}/registrations?q=person1", "registrations", 4)
    assert sorted(x["email"] for x in got) == sorted(
        f"person{i}@example.org" for i in range(1, 251) if str(i).startswith("1"))
    assert [x["name"] for x in _ok(d.get(
        f"/api/events/{ev}/registrations?q=ORGANISATION%20007"))["registrations"]] == ["Person 7"]
    # the CSV stays whole, and is not paged
    csv = d.get(f"/api/events/{ev}/registrations?format=csv")
    assert csv.status == 200 and len(csv.text.strip().split("\r\n")) == 251
    r = d.get(f"/api/events/{ev}/registrations?format=csv&limit=10")
    assert r.status == 422 and r.json()["error"]["field"] == "limit"
    r = d.get(f"/api/events/{ev}/registrations?before=999999")
    assert r.status == 422 and r.json()["error"]["field"] == "before"

    # 250 organisations (the registrations made them), by name
    want = [o for o, in pg.psql(db, "SELECT id FROM organisations WHERE merged_into IS NULL "
                                    "ORDER BY lower(name), country, id")]
    got, _ = _walk(d, "/api/organisations", "organisations", 99)
    assert [str(o["id"]) for o in got] == want and len(want) == 250
    got, _ = _walk(d, "/api/organisations?q=organisation%2000", "organisations", 3)
    assert [o["name"] for o in got] == [f"Organisation 00{i}" for i in range(1, 10)]

    # 250 accounts, by name; a role filter
    pg.psql(db, """INSERT INTO accounts (name, role)
                   SELECT 'user' || lpad(i::text, 3, '0'),
                          CASE WHEN i % 10 = 0 THEN 'door' ELSE 'coordinator' END
                     FROM generate_series(1, 250) i""")
    got, _ = _walk(d, "/api/users", "users", 64)
    assert [u["name"] for u in got] == [f"user{i:03}" for i in range(1, 251)]
    got, _ = _walk(d, "/api/users?role=door", "users", 7)
    assert [u["name"] for u in got] == [f"user{i:03}" for i in range(10, 251, 10)]

    # convenectl says when there is more, and takes the page options
    r = d.ctl("event", "list", "--project", "big", "--limit", "2")
    assert r.returncode == 0, r.stderr
    assert f"(more: --before {want_ev2(pg, db, pid)})" in r.stderr
    r = d.ctl("registrations", str(ev), "--state", "waitlisted", "--limit", "3")
    assert r.returncode == 0 and "(more: --before" in r.stderr, r.stderr
    assert len([ln for ln in r.stdout.splitlines() if "waitlisted" in ln]) == 3
    r = d.ctl("user", "list", "--role", "door", "--limit", "1000")
    assert r.returncode == 0 and "(more:" not in r.stderr
    assert len(re.findall(r"^user\d+\s+door", r.stdout, re.M)) == 25
    for args in (("org", "list", "--limit", "5"), ("deadline", "list", "--limit", "5")):
        r = d.ctl(*args)
        assert r.returncode == 0 and "(more: --before" in r.stderr, (args, r.stderr)


def want_ev2(pg, db, pid):
    """The id of the second event of project PID in the list's order."""
    return int(pg.psql(db, "SELECT id FROM events WHERE project_id = $1 "
                           "ORDER BY start_at, id OFFSET 1 LIMIT 1", pid)[0][0])


def test_my_tokens_are_shown_once_and_revoked_at_once():
    w = _world()
    d, pg, db = w["d"], w["pg"], w["db"]
    s = Session(d, "cora")
    made = _ok(s.request("POST", "/api/me/tokens", {"name": "laptop"}), 201)
    assert made["account"] == "cora" and re.fullmatch(r"[0-9a-f]{64}", made["token"])
    listed = _ok(s.request("GET", "/api/me/tokens"))["tokens"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0] and made["token"] not in str(listed)
    # the token works as cora, for what cora may do
    me = _ok(d.get("/api/me", auth=made["token"]))
    assert me["name"] == "cora"
    _ok(d.get(f"/api/events/{w['a']['event']}", auth=made["token"]))
    assert d.get(f"/api/events/{w['b']['event']}", auth=made["token"]).status == 403
    # a token manages its own account's tokens too (no CSRF with a bearer)
    other = _ok(d.post("/api/me/tokens", {"name": "script"}, auth=made["token"]), 201)
    # the same name twice while live: 409
    r = s.request("POST", "/api/me/tokens", {"name": "laptop"})
    assert r.status == 409, r
    # nobody revokes another account's token through /api/me
    ada_tok = _ok(d.post("/api/users/ada/tokens", {"name": "ada's"}), 201)
    r = s.request("DELETE", f"/api/me/tokens/{ada_tok['id']}")
    assert r.status == 404, r
    _ok(d.get("/api/me", auth=ada_tok["token"]))
    # revoked: refused at once
    _ok(s.request("DELETE", f"/api/me/tokens/{made['id']}"))
    assert d.get("/api/me", auth=made["token"]).status == 403
    _ok(d.get("/api/me", auth=other["token"]))
    revoked = {t["name"]: t["revoked_at"] for t in
               _ok(s.request("GET", "/api/me/tokens"))["tokens"]}
    assert revoked["laptop"] is not None and revoked["script"] is None
    # a session needs its CSRF token for these changes too
    assert s.request("POST", "/api/me/tokens", {"name": "x"}, csrf=False).status == 403
    # door staff manage their own tokens as well
    dora = _ok(Session(d, "dora").request("POST", "/api/me/tokens", {"name": "door phone"}), 201)
    assert _ok(d.get("/api/me", auth=dora["token"]))["name"] == "dora"
    # the bootstrap token is no account
    assert d.post("/api/me/tokens", {"name": "boot"}).status == 404
    assert d.get("/api/me/tokens").status == 404
    # audited by name, and the secret is nowhere in the log
    rows = pg.psql(db, "SELECT actor, method, route, status FROM audit_log "
                       "WHERE route LIKE '/api/me/tokens%' ORDER BY id")
    assert ("cora", "POST", "/api/me/tokens", "201") in rows
    assert ("cora", "DELETE", "/api/me/tokens/{id}", "200") in rows
    assert ("dora", "POST", "/api/me/tokens", "201") in rows
    dump = str(pg.psql(db, "SELECT * FROM audit_log")) + str(pg.psql(db, "SELECT * FROM api_tokens"))
    assert made["token"] not in dump and dora["token"] not in dump
    # the audit log by actor and action, as the console's screen asks
    page = _ok(d.get("/api/audit?actor=cora&action=change&limit=1000"))
    assert page["count"] >= 4
    assert {(e["actor"], e["action"]) for e in page["entries"]} == {("cora", "change")}
    assert {e["route"] for e in page["entries"]} >= {"/api/me/tokens", "/api/me/tokens/{id}"}
    logins = _ok(d.get("/api/audit?action=login&limit=1000"))["entries"]
    assert {e["actor"] for e in logins} >= {"cora", "dora"}
    assert all(e["action"] == "login" for e in logins)
    r = d.get("/api/audit?action=delete")
    assert r.status == 422 and r.json()["error"]["field"] == "action"


def _marks(pg, db, reg):
    return pg.psql(db, "SELECT state, marked_by FROM attendance WHERE registration_id = $1 "
                       "ORDER BY day", reg)


def test_checkin_page_takes_a_door_accounts_session_for_its_event_only():
    w = _world()
    d, pg, db, a, b = w["d"], w["pg"], w["db"], w["a"], w["b"]
    dora = Session(d, "dora")
    # the page's list with the session cookie alone
    lst = _ok(dora.request("GET", f"/checkin/{a['event']}/api/list"))
    assert [x["registration"] for x in lst["registrations"]] == [a["registration"]]
    mark = {"client_id": "dora-mark-0001", "registration": a["registration"],
            "state": "attended", "by": "typed name is not who marks"}
    r = dora.request("POST", f"/checkin/{a['event']}/api/marks", mark)
    assert r.status == 200, r
    assert _marks(pg, db, a["registration"]) == [("attended", "dora")]
    assert r.json()["registration"]["marks"][lst["today"]]["marked_by"] == "dora"
    # a change with the cookie needs the session's CSRF token
    r = dora.request("POST", f"/checkin/{a['event']}/api/marks",
                     dict(mark, client_id="dora-mark-0002", state="no_show"), csrf=False)
    assert r.status == 403 and r.json()["error"]["code"] == "csrf", r
    # another event: 403 for the list, the marks and walk-ins; nothing changes
    before = pg.psql(db, "SELECT count(*) FROM attendance")
    assert dora.request("GET", f"/checkin/{b['event']}/api/list").status == 403
    r = dora.request("POST", f"/checkin/{b['event']}/api/marks",
                     dict(mark, client_id="dora-mark-0003", registration=b["registration"]))
    assert r.status == 403, r
    r = dora.request("POST", f"/checkin/{b['event']}/api/walk-ins",
                     {"client_id": "dora-walk-0001", "name": "Walk In",
                      "email": "walk@example.org"})
    assert r.status == 403, r
    assert pg.psql(db, "SELECT count(*) FROM attendance") == before
    assert _marks(pg, db, b["registration"]) == []
    # door staff's API token works the same way
    tok = _token(d, "dora", "door phone")
    r = d.post(f"/checkin/{a['event']}/api/marks",
               dict(mark, client_id="dora-mark-0004", state="no_show"), auth=tok)
    assert r.status == 200, r
    assert _marks(pg, db, a["registration"]) == [("no_show", "dora")]
    assert d.get(f"/checkin/{b['event']}/api/list", auth=tok).status == 403
    # a coordinator of the event's project, and an admin, may; the marker is
    # the account
    cora = Session(d, "cora")
    r = cora.request("POST", f"/checkin/{a['event']}/api/marks",
                     dict(mark, client_id="cora-mark-0001"))
    assert r.status == 200, r
    assert _marks(pg, db, a["registration"]) == [("attended", "cora")]
    assert cora.request("GET", f"/checkin/{b['event']}/api/list").status == 403
    ada = Session(d, "ada")
    r = ada.request("POST", f"/checkin/{b['event']}/api/marks",
                    dict(mark, client_id="ada-mark-0001", registration=b["registration"]))
    assert r.status == 200, r
    assert _marks(pg, db, b["registration"]) == [("attended", "ada")]
    # the event's secret still works, and says so
    secret = _ok(d.post(f"/api/events/{b['event']}/checkin-secret", {}), 201)["secret"]
    r = _request(d, "POST", f"/checkin/{b['event']}/api/marks",
                 dict(mark, client_id="secret-mark-01", registration=b["registration"],
                      state="no_show", by="Desk 1"),
                 headers={"X-Checkin-Secret": secret})
    assert r.status == 200, r
    assert _marks(pg, db, b["registration"]) == [("no_show", "door secret (Desk 1)")]
    # nothing at all: 401; a session that ended: 401
    assert _request(d, "GET", f"/checkin/{a['event']}/api/list").status == 401
    _ok(dora.request("POST", "/api/logout"))
    assert dora.request("GET", f"/checkin/{a['event']}/api/list").status == 401
    # the accounts' marks are in the audit log under their names
    rows = pg.psql(db, "SELECT actor, status FROM audit_log "
                       "WHERE route = '/checkin/{event}/api/marks' ORDER BY id")
    assert ("dora", "200") in rows and ("cora", "200") in rows and ("ada", "200") in rows
    assert ("dora", "403") in rows


def test_inbound_list_names_the_person_and_the_event():
    s = Setup()
    try:
        pg, db, d = s.pg, s.db, s.d
        pid = F.project(pg, db, "towns", "Towns")
        ev = F.event(pg, db, pid, title="Seminar in Rimini")
        pg.psql(db, """SELECT cv_register($1, 'anna@rimini.it', 'Anna Bianchi', NULL,
                                          'Comune di Rimini', 'IT', 'official', 'it',
                                          repeat('a', 64), repeat('b', 64))""", ev)
        (reg, person, tag), = pg.psql(db, "SELECT r.id, r.person_id, r.reply_token "
                                          "FROM registrations r WHERE r.event_id = $1", ev)
        assert s.deliver(plain("<about@example.it>", subject="Re: your seminar"),
                         [f"reply+{tag}@{DOMAIN}"]) == {}
        assert s.deliver(plain("<nobody@example.it>"), [f"info@{DOMAIN}"]) == {}
        rows = _ok(d.get("/api/inbound"))["inbound"]
        bare, about = rows
        assert about["person"] == {"id": int(person), "name": "Anna Bianchi",
                                   "email": "anna@rimini.it"}
        assert about["event"] == {"id": ev, "title": "Seminar in Rimini"}
        assert about["project"] == "towns" and about["decision"] and about["reason"]
        assert bare["person"] is None and bare["event"] is None and bare["project"] is None
        # the one message's page says the same
        one = _ok(d.get(f"/api/inbound/{about['id']}"))
        assert one["person"]["name"] == "Anna Bianchi" and one["event"]["id"] == ev
    finally:
        s.cleanup()
