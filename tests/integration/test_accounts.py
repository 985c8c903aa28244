"""test_accounts.py - accounts, roles, sessions and the audit log (issue 16,
items 1 and 2) against the real daemon on real PostgreSQL: every admin
route of the route table (GET /api/_routes) walked for every role, with a
session and with an API token, against the scope it declares; a
coordinator of project A refused on project B; door staff who can only
check in; a disabled account stopped at once; CSRF; a session id that
dies at logout; no password, token or session id in clear in the
database dump or the log; the login throttle per address; every change
in the audit log with the name of who made it; convenectl user and
audit."""

import http.client
import json
import os
import re
import subprocess
import urllib.parse

import harness
import reg_fixtures as F
from test_attendance import _move

PASSWORDS = {"ada": "Ada-Lovelace-1815!", "cora": "Coordinatrice-2027",
             "dora": "Door-Staff-Sesame-42"}


def _ok(r, status=200):
    assert r.status == status, r
    return r


def _request(d, method, path, body=None, headers=None, source=None):
    """One request from SOURCE (a local address) or 127.0.0.1."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        else:
            data = body.encode() if isinstance(body, str) else body
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        return harness.Response(r.status, r.reason, r.headers, r.read())
    finally:
        conn.close()


def _cookies(r):
    """{name: (value, attributes)} of the response's Set-Cookie headers."""
    out = {}
    for line in r.headers.get_all("Set-Cookie") or []:
        first, *attrs = [p.strip() for p in line.split(";")]
        k, _, v = first.partition("=")
        out[k] = (v, attrs)
    return out


class Session:
    """A logged-in console session: the cookie and its CSRF token."""

    def __init__(self, d, name, password=None, source=None):
        self.d = d
        r = _request(d, "POST", "/api/login",
                     {"name": name, "password": password or PASSWORDS[name]}, source=source)
        assert r.status == 200, r
        self.sid = _cookies(r)["convened_session"][0]
        self.csrf = r.json()["csrf_token"]
        self.account = r.json()["account"]

    def request(self, method, path, body=None, csrf=True, headers=None):
        h = {"Cookie": f"convened_session={self.sid}"}
        if csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        return _request(self.d, method, path, body, headers=h)


def _user(d, name, role, **kw):
    body = {"name": name, "role": role, "password": PASSWORDS.get(name, "Some-Password-123")}
    body.update(kw)
    return _ok(d.post("/api/users", body), 201).json()


def _token(d, name, label="walk"):
    return _ok(d.post(f"/api/users/{name}/tokens", {"name": label}), 201).json()["token"]


def _reg_id(pg, db, ev, email):
    return int(pg.psql(db, """SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                              WHERE r.event_id = $1 AND p.email = $2""", ev, email)[0][0])


def _world(config=None):
    """Two projects with an event, a deadline and a confirmed registration
    each; an admin, a coordinator of A and door staff of A's event."""
    pg, db, d = F.start(config)
    w = {"pg": pg, "db": db, "d": d}
    for key, slug in (("a", "proj-a"), ("b", "proj-b")):
        pid = F.project(pg, db, slug, f"Project {key.upper()}")
        ev = F.event(pg, db, pid, title=f"Seminar {key.upper()}")
        email = f"anna.{key}@rimini.it"
        assert F.register(d, ev, email, name="Anna Bianchi").status == 202
        assert F.confirm(d, F.token(pg, db, ev, email)).status == 303
        _move(pg, db, ev, 0, days=1)  # today: the door may check people in
        dl = _ok(d.post("/api/deadlines", {
            "project": slug, "kind": "grant_submission", "title": f"Report {key.upper()}",
            "tz": "Europe/Brussels", "due": "2030-09-01T12:00"}), 201).json()["id"]
        q = _ok(d.post(f"/api/events/{ev}/questions", {
            "key": "notes", "kind": "short_text", "label": {"en": "Notes"}}), 201).json()
        w[key] = {"slug": slug, "event": ev, "deadline": dl, "question": q["id"],
                  "registration": _reg_id(pg, db, ev, email)}
    _user(d, "ada", "admin")
    _user(d, "cora", "coordinator", projects=["proj-a"])
    _user(d, "dora", "door", events=[w["a"]["event"]])
    return w


# ------------------------------------------------------------ the walk

# The value each {capture} gets for a resource of project A or B.
def _fill(pattern, rt, side, w):
    res = w[side]

    def one(m):
        name = m.group(1)
        if name == "id" and rt.get("resource") in ("event", "deadline", "registration",
                                                   "question"):
            return str(res[rt["resource"]])
        if name == "id" and "/events/" in pattern:
            return str(res["event"])
        if name == "slug":
            return res["slug"]
        if name == "registration":
            return str(res["registration"])
        if name == "day":
            return "2030-01-01"
        if name == "name":
            return "ada"
        if name == "kind":
            return "seminar"
        if name == "address":
            return "nobody@example.org"
        return "999999"
    return re.sub(r"\{(\w+)\}", one, pattern)


def _expected(role, rt, side):
    """Allowed (True) or 403 (False) for ROLE on a resource of SIDE."""
    scope = rt["scope"]
    if role == "admin" or scope == "account":
        return True
    if scope == "admin":
        return False
    if scope == "staff":
        return role == "coordinator"
    if scope == "project":
        return role == "coordinator" and side == "a"
    if scope == "door":
        return side == "a"   # cora: A's project; dora: A's event
    raise AssertionError(f"unknown scope {scope} on {rt}")


def _walk_requests(rt, w):
    """(side, path, body) to try for route RT: one per project when the
    scope is judged on a resource, else one."""
    sides = ("a", "b") if rt["scope"] in ("project", "door") else ("a",)
    for side in sides:
        path = _fill(rt["pattern"], rt, side, w)
        if rt.get("in_query"):
            path += f"?{rt['in_query']}={w[side]['slug']}"
        body = None
        if rt["method"] in ("POST", "PUT", "PATCH"):
            # a field no route takes: an allowed call is refused by the
            # handler (400) and changes nothing
            body = {"walk_probe": True}
            if rt.get("in_body"):
                body[rt["in_body"]] = w[side]["slug"]
        yield side, path, body


def test_every_admin_route_for_every_role_with_session_and_token():
    w = _world()
    d, pg, db = w["d"], w["pg"], w["db"]
    routes = _ok(d.get("/api/_routes")).json()["routes"]
    admin = [rt for rt in routes if rt["admin"]]
    # every route under /api/ but the public ones is an admin route
    for rt in routes:
        if rt["pattern"].startswith("/api/") and not rt["pattern"].startswith("/api/public/"):
            assert rt["admin"] or rt["pattern"] == "/api/login", rt
    assert len(admin) >= 45, len(admin)
    assert all(rt["scope"] in ("admin", "staff", "account", "project", "door")
               for rt in admin), admin
    last = [rt for rt in admin if rt["pattern"].startswith("/api/logout")]
    admin = [rt for rt in admin if rt not in last] + last

    creds = {}
    # the admin last: an allowed DELETE (a question) really deletes, and
    # the others must meet the resource while it exists
    for name in ("cora", "dora", "ada"):
        creds[(name, "token")] = {"Authorization": f"Bearer {_token(d, name)}"}
        s = Session(d, name)
        creds[(name, "session")] = {"Cookie": f"convened_session={s.sid}",
                                    "X-CSRF-Token": s.csrf}
    roles = {"ada": "admin", "cora": "coordinator", "dora": "door"}
    before = pg.psql(db, """SELECT (SELECT count(*) FROM events WHERE status <> 'cancelled'),
                                   (SELECT count(*) FROM registrations WHERE state = 'confirmed'),
                                   (SELECT count(*) FROM projects),
                                   (SELECT count(*) FROM accounts)""")
    walked, problems = 0, []
    for rt in admin:
        for side, path, body in _walk_requests(rt, w):
            # nobody without credentials: 401, whatever the route
            r = _request(d, rt["method"], path, body)
            if r.status != 401:
                problems.append(f"anonymous {rt['method']} {path}: {r.status}")
            for (name, via), hdrs in creds.items():
                want = _expected(roles[name], rt, side)
                if via == "session" and rt["pattern"].startswith("/api/logout"):
                    fresh = Session(d, name)   # these end the session they are given
                    hdrs = {"Cookie": f"convened_session={fresh.sid}",
                            "X-CSRF-Token": fresh.csrf}
                r = _request(d, rt["method"], path, body, headers=hdrs)
                got = r.status not in (401, 403)
                if got != want or r.status == 401:
                    problems.append(f"{name} by {via}: {rt['method']} {path} "
                                    f"(scope {rt['scope']}): {r.status} {r.text[:120]}")
                walked += 1
    assert not problems, "\n".join(problems)
    assert walked >= 45 * 6
    # the probes changed nothing
    after = pg.psql(db, """SELECT (SELECT count(*) FROM events WHERE status <> 'cancelled'),
                                  (SELECT count(*) FROM registrations WHERE state = 'confirmed'),
                                  (SELECT count(*) FROM projects),
                                  (SELECT count(*) FROM accounts)""")
    assert after == before


def test_coordinator_of_a_gets_403_on_b_and_works_on_a():
    w = _world()
    d = w["d"]
    s = Session(d, "cora")
    a, b = w["a"], w["b"]
    for path in (f"/api/events/{b['event']}", f"/api/events/{b['event']}/registrations",
                 f"/api/reports/attendance?project={b['slug']}", f"/api/deadlines/{b['deadline']}",
                 f"/api/events?project={b['slug']}", f"/api/projects/{b['slug']}",
                 "/api/events", "/api/outbox", "/api/users", "/api/audit"):
        r = s.request("GET", path)
        assert r.status == 403, (path, r)
        assert r.json()["error"]["code"] == "forbidden"
    r = s.request("PATCH", f"/api/events/{b['event']}", {"title": "Mine now"})
    assert r.status == 403, r
    r = s.request("POST", f"/api/registrations/{b['registration']}/cancel", {})
    assert r.status == 403, r
    r = s.request("POST", "/api/events", {"project": b["slug"], "kind": "seminar",
                                          "title": "Sneaky", "tz": "Europe/Rome",
                                          "start": "2030-03-01T09:00", "end": "2030-03-01T17:00"})
    assert r.status == 403, r
    assert w["pg"].psql(w["db"], "SELECT title FROM events WHERE id = $1",
                        b["event"])[0][0] == "Seminar B"
    # the one place that knows where a resource hangs: a project by slug or
    # (for routes that take /api/projects/{id}/...) by id
    pg, db = w["pg"], w["db"]
    pid_b = pg.psql(db, "SELECT id::text FROM projects WHERE slug = 'proj-b'")[0][0]
    for kind, value in (("project", "proj-b"), ("project", pid_b), ("event", b["event"]),
                        ("deadline", b["deadline"]), ("registration", b["registration"])):
        assert pg.psql(db, "SELECT cv_resource_project($1, $2)::text", kind,
                       str(value))[0][0] == pid_b, (kind, value)
    assert pg.psql(db, "SELECT cv_resource_project('event', '999999')")[0][0] is None
    # on A: reads and writes work
    assert _ok(s.request("GET", f"/api/events/{a['event']}")).json()["title"] == "Seminar A"
    _ok(s.request("GET", f"/api/events/{a['event']}/registrations"))
    _ok(s.request("GET", f"/api/reports/attendance?project={a['slug']}"))
    assert _ok(s.request("PATCH", f"/api/events/{a['event']}",
                         {"title": "Seminar A, renamed"})).json()["title"] == "Seminar A, renamed"
    created = _ok(s.request("POST", "/api/events", {
        "project": a["slug"], "kind": "seminar", "title": "Second seminar", "tz": "Europe/Rome",
        "start": "2030-03-01T09:00", "end": "2030-03-01T17:00"}), 201).json()
    evs = _ok(s.request("GET", f"/api/events?project={a['slug']}")).json()
    assert created["id"] in [e["id"] for e in evs["events"]]


def test_door_account_can_only_check_in_at_its_event():
    w = _world()
    d, a, b = w["d"], w["a"], w["b"]
    s = Session(d, "dora")
    day = w["pg"].psql(w["db"], "SELECT (start_at AT TIME ZONE tz)::date::text FROM events "
                                "WHERE id = $1", a["event"])[0][0]
    r = s.request("POST", f"/api/events/{a['event']}/attendance",
                  {"registration": a["registration"], "day": day, "state": "attended",
                   "by": "dora"})
    assert r.status == 200, r
    _ok(s.request("GET", f"/api/events/{a['event']}/attendance"))
    assert w["pg"].psql(w["db"], "SELECT state FROM attendance WHERE registration_id = $1",
                        a["registration"]) == [("attended",)]
    # nothing else, and not at another event
    for method, path, body in (
            ("POST", f"/api/events/{b['event']}/attendance",
             {"registration": b["registration"], "day": day, "state": "attended"}),
            ("GET", f"/api/events/{b['event']}/attendance", None),
            ("GET", f"/api/events/{a['event']}", None),
            ("GET", f"/api/events/{a['event']}/registrations", None),
            ("PATCH", f"/api/events/{a['event']}", {"title": "x"}),
            ("POST", f"/api/registrations/{a['registration']}/cancel", {}),
            ("GET", "/api/projects", None),
            ("GET", "/api/organisations", None)):
        r = s.request(method, path, body)
        assert r.status == 403, (method, path, r)
    assert _ok(s.request("GET", "/api/me")).json()["events"] == [a["event"]]


def test_disabled_account_stops_at_once_session_and_token():
    w = _world()
    d = w["d"]
    s = Session(d, "cora")
    tok = _token(d, "cora")
    _ok(s.request("GET", "/api/me"))
    _ok(d.get("/api/me", auth=tok))
    assert _ok(d.patch("/api/users/cora", {"disabled": True})).json()["disabled"] is True
    r = s.request("GET", "/api/me")
    assert r.status == 401, r
    assert d.get("/api/me", auth=tok).status == 403
    r = _request(d, "POST", "/api/login", {"name": "cora", "password": PASSWORDS["cora"]})
    assert r.status == 401, r
    # enabled again: the old session stays ended, a new login works
    _ok(d.patch("/api/users/cora", {"disabled": False}))
    assert s.request("GET", "/api/me").status == 401
    _ok(Session(d, "cora").request("GET", "/api/me"))
    _ok(d.get("/api/me", auth=tok))


def test_csrf_token_needed_for_changes_made_with_a_cookie():
    w = _world()
    d, a = w["d"], w["a"]
    s = Session(d, "cora")
    path = f"/api/events/{a['event']}"
    r = s.request("PATCH", path, {"title": "No token"}, csrf=False)
    assert r.status == 403 and r.json()["error"]["code"] == "csrf", r
    r = s.request("PATCH", path, {"title": "Wrong token"}, csrf=False,
                  headers={"X-CSRF-Token": "0" * 64})
    assert r.status == 403 and r.json()["error"]["code"] == "csrf", r
    other = Session(d, "cora")   # another session's token is not this one's
    r = s.request("PATCH", path, {"title": "Other token"}, csrf=False,
                  headers={"X-CSRF-Token": other.csrf})
    assert r.status == 403, r
    assert w["pg"].psql(w["db"], "SELECT title FROM events WHERE id = $1",
                        a["event"])[0][0] == "Seminar A"
    # reads need none; with the token the change goes through
    _ok(s.request("GET", path, csrf=False))
    _ok(s.request("PATCH", path, {"title": "With token"}))
    # bearer requests need none
    tok = _token(d, "cora")
    _ok(d.patch(path, {"title": "By token"}, auth=tok))


def test_cookies_and_logout_end_a_leaked_session():
    w = _world()
    d = w["d"]
    r = _request(d, "POST", "/api/login", {"name": "ada", "password": PASSWORDS["ada"]})
    c = _cookies(r)
    sid, attrs = c["convened_session"]
    assert re.fullmatch(r"[0-9a-f]{64}", sid)
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and "Secure" not in attrs
    assert "HttpOnly" not in c["convened_csrf"][1]
    s = Session(d, "ada")
    leaked = {"Cookie": f"convened_session={s.sid}"}
    _ok(_request(d, "GET", "/api/users", headers=leaked))
    _ok(s.request("POST", "/api/logout"))
    r = _request(d, "GET", "/api/users", headers=leaked)
    assert r.status == 401, r
    # logout everywhere ends every session of the account, none of others'
    s1, s2, other = Session(d, "ada"), Session(d, "ada"), Session(d, "cora")
    # (ada's first login above is a third session)
    assert _ok(s1.request("POST", "/api/logout-everywhere")).json()["ended"] == 3
    assert s2.request("GET", "/api/me").status == 401
    _ok(other.request("GET", "/api/me"))
    # a form login works too
    r = _request(d, "POST", "/api/login",
                 urllib.parse.urlencode({"name": "cora", "password": PASSWORDS["cora"]}),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200 and r.json()["account"]["name"] == "cora", r


def test_secure_cookie_when_base_url_is_https_and_session_expiry():
    w = _world({"convened": {"base_url": "https://events.example.org"},
                "accounts": {"session_idle": "1h", "session_lifetime": "8h"}})
    d, pg, db = w["d"], w["pg"], w["db"]
    r = _request(d, "POST", "/api/login", {"name": "ada", "password": PASSWORDS["ada"]})
    assert "Secure" in _cookies(r)["convened_session"][1]
    assert "Secure" in _cookies(r)["convened_csrf"][1]
    idle, old = Session(d, "ada"), Session(d, "ada")
    fresh = Session(d, "ada")
    pg.psql(db, "UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE id = "
                "(SELECT max(id) - 2 FROM sessions)")
    pg.psql(db, "UPDATE sessions SET created_at = now() - interval '481 minutes' WHERE id = "
                "(SELECT max(id) - 1 FROM sessions)")
    assert idle.request("GET", "/api/me").status == 401
    assert old.request("GET", "/api/me").status == 401
    _ok(fresh.request("GET", "/api/me"))


def test_tokens_are_shown_once_stored_hashed_and_revocable():
    w = _world()
    d = w["d"]
    made = _ok(d.post("/api/users/cora/tokens", {"name": "laptop"}), 201).json()
    tok = made["token"]
    assert re.fullmatch(r"[0-9a-f]{64}", tok)
    assert _ok(d.get("/api/me", auth=tok)).json()["name"] == "cora"
    listed = _ok(d.get("/api/users/cora/tokens")).json()["tokens"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert tok not in json.dumps(listed)
    assert d.post("/api/users/cora/tokens", {"name": "laptop"}).status == 409
    _ok(d.delete(f"/api/users/cora/tokens/{made['id']}"))
    assert d.get("/api/me", auth=tok).status == 403
    assert d.delete("/api/users/cora/tokens/99999").status == 404


def test_passwords_tokens_and_session_ids_never_in_clear():
    w = _world()
    d, pg, db = w["d"], w["pg"], w["db"]
    wrong = "Wrong-Guess-Password-77"
    assert _request(d, "POST", "/api/login", {"name": "ada", "password": wrong}).status == 401
    # a password typed into the name field is not kept either
    assert _request(d, "POST", "/api/login",
                    {"name": PASSWORDS["cora"], "password": wrong}).status == 401
    s = Session(d, "cora")
    tok = _token(d, "ada")
    _ok(d.patch("/api/users/dora", {"password": "Changed-Door-Pass-99"}))
    hashes = pg.psql(db, "SELECT name, password_hash FROM accounts ORDER BY name")
    assert all(h.startswith("$argon2id$") for _, h in hashes), hashes
    dump = subprocess.run(
        [os.path.join(harness.pg_bindir(), "pg_dump"), "--data-only", "-d", db],
        capture_output=True, text=True, check=True).stdout
    assert "$argon2id$" in dump and "audit_log" in dump
    log = d.log_text()
    secrets = list(PASSWORDS.values()) + [wrong, "Changed-Door-Pass-99", tok, s.sid, s.csrf]
    for secret in secrets:
        assert secret not in dump, secret
        assert secret not in log, secret
    # the hash of the session id is what is kept
    assert pg.psql(db, "SELECT count(*) FROM sessions WHERE length(hash) = 64")[0][0] != "0"


def test_login_throttle_per_address_and_another_address_still_logs_in():
    w = _world({"accounts": {"login_lockout": "10m"}})
    d = w["d"]
    for i in range(20):
        r = _request(d, "POST", "/api/login", {"name": "ada", "password": f"wrong-{i}-xxxxx"})
        assert r.status == 401, (i, r)
    r = _request(d, "POST", "/api/login", {"name": "ada", "password": PASSWORDS["ada"]})
    assert r.status == 429, r
    assert 0 < int(r.header("Retry-After")) <= 600
    assert r.json()["error"]["code"] == "too_many_requests"
    # other names from the throttled address too
    assert _request(d, "POST", "/api/login",
                    {"name": "cora", "password": PASSWORDS["cora"]}).status == 429
    # the right password from another address works
    r = _request(d, "POST", "/api/login", {"name": "ada", "password": PASSWORDS["ada"]},
                 source="127.0.0.2")
    assert r.status == 200, r
    audit = _ok(d.get("/api/audit?limit=1000")).json()["entries"]
    acts = [(e["actor"], e["action"], e["client"]) for e in audit]
    assert acts.count(("ada", "login_failed", "127.0.0.1")) == 20
    assert ("ada", "login_throttled", "127.0.0.1") in acts
    assert ("ada", "login", "127.0.0.2") in acts


def test_every_change_is_in_the_audit_log_with_the_name():
    w = _world()
    d, a = w["d"], w["a"]
    s = Session(d, "cora")
    _ok(s.request("PATCH", f"/api/events/{a['event']}", {"title": "Audited"}))
    tok = _token(d, "ada")
    made = _ok(d.post("/api/projects", {"slug": "proj-c", "title": "Project C"}, auth=tok), 201)
    assert s.request("PATCH", f"/api/events/{w['b']['event']}", {"title": "x"}).status == 403
    _ok(s.request("POST", "/api/logout"))
    entries = _ok(d.get("/api/audit")).json()["entries"]
    rows = [(e["actor"], e["via"], e["action"], e["method"], e["route"], e["resource"],
             e["status"]) for e in entries]
    assert ("cora", "session", "change", "PATCH", "/api/events/{id}", str(a["event"]),
            200) in rows
    assert ("ada", "token", "change", "POST", "/api/projects", str(made.json()["id"]),
            201) in rows
    assert ("cora", "session", "change", "PATCH", "/api/events/{id}", str(w["b"]["event"]),
            403) in rows, rows
    assert ("cora", "session", "logout", "POST", "/api/logout") == rows[0][:5]
    # the users made by the bootstrap token, the logins
    assert ("bootstrap", "bootstrap", "change", "POST", "/api/users", rows[-1][5], 201) in rows
    assert any(r[0] == "cora" and r[2] == "login" for r in rows)
    assert all(e["client"] == "127.0.0.1" for e in entries)
    # reads are not logged; paging goes back through everything
    assert not any(r[3] == "GET" for r in rows)
    page = _ok(d.get("/api/audit?limit=2")).json()
    assert page["count"] == 2 and page["next_before"] == page["entries"][-1]["id"]
    older = _ok(d.get(f"/api/audit?limit=1000&before={page['next_before']}")).json()
    assert [e["id"] for e in page["entries"] + older["entries"]] == [e["id"] for e in entries]
    # admins only
    assert s.request("GET", "/api/audit").status == 401
    assert Session(d, "cora").request("GET", "/api/audit").status == 403
    # convenectl audit shows the same
    r = d.ctl("audit", "--limit", "1000")
    assert r.returncode == 0, r.stderr
    assert "cora" in r.stdout and "/api/events/{id}" in r.stdout


def test_convenectl_user_add_passwd_disable_list():
    pg, db, d = F.start()
    F.project(pg, db, "proj-a", "Project A")
    pw = "Typed-On-Stdin-2027"
    r = d.ctl("user", "add", "eva", "--role", "coordinator", "--projects", "proj-a",
              input=pw + "\n")
    assert r.returncode == 0, r.stderr
    assert pw not in r.stdout + r.stderr
    Session(d, "eva", pw)
    new = "Second-Password-2027"
    r = d.ctl("user", "passwd", "eva", input=new + "\n")
    assert r.returncode == 0, r.stderr
    assert _request(d, "POST", "/api/login", {"name": "eva", "password": pw}).status == 401
    Session(d, "eva", new)
    r = d.ctl("user", "list")
    assert r.returncode == 0 and re.search(r"eva\s+coordinator", r.stdout), r.stdout
    assert "proj-a" in r.stdout
    r = d.ctl("user", "disable", "eva")
    assert r.returncode == 0, r.stderr
    assert _request(d, "POST", "/api/login", {"name": "eva", "password": new}).status == 401
    # a password on the command line is refused: there is no such option
    r = d.ctl("user", "add", "fred", "--role", "admin", "--password", "x" * 12)
    assert r.returncode != 0
    # empty stdin: nothing made
    r = d.ctl("user", "add", "gus", "--role", "admin", input="")
    assert r.returncode != 0
    assert d.get("/api/users/gus").status == 404
