"""test_ctl.py - convenectl against the real daemon: every admin command,
tables, --json, CSV, errors (exit 1, message on stderr), --help on every
command, URL/token from a config file or the environment, and the demo
data script."""

import csv
import datetime
import io
import json
import os
import re
import subprocess

import harness


def _ctl_raw(*args, env=None, timeout=60):
    """convenectl without the harness's --url/--token."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("CONVENED_")}
    if env:
        e.update(env)
    return subprocess.run(
        [harness.convenectl_bin(), *args], capture_output=True, text=True,
        timeout=timeout, env=e, stdin=subprocess.DEVNULL,
    )


def _ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def _fails(r, pattern):
    assert r.returncode == 1, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert re.search(pattern, r.stderr), f"stderr {r.stderr!r} lacks {pattern!r}"
    assert r.stderr.startswith("convenectl: "), r.stderr
    return r


def _json(d, *args):
    return json.loads(_ok(d.ctl("--json", *args)).stdout)


def _daemon():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    d.start()
    return pg, db, d


def _table(out):
    """A convenectl table -> list of dicts (columns split on 2+ spaces)."""
    lines = [ln for ln in out.splitlines() if ln.strip()]
    head = re.split(r"\s{2,}", lines[0].strip())
    rows = []
    for ln in lines[1:]:
        cells = re.split(r"\s{2,}", ln.strip())
        rows.append(dict(zip(head, cells)))
    return head, rows


def _add_seminar(d, title="Seminar in Poznań", **extra):
    args = [
        "event", "add", "--project", "towns", "--kind", "seminar",
        "--title", title, "--start", "2027-03-01T09:00",
        "--end", "2027-03-01T16:30", "--tz", "Europe/Warsaw",
        "--city", "Poznań", "--country", "PL", "--publish",
    ]
    for k, v in extra.items():
        args += ["--" + k.replace("_", "-"), str(v)]
    return json.loads(_ok(d.ctl("--json", *args)).stdout)


# --------------------------------------------------------------- version


def _version():
    with open(os.path.join(harness.REPO, "VERSION")) as f:
        return f.read().strip()


def test_ctl_version_prints_it_and_the_user_agent_carries_it():
    import http.server
    import threading

    r = _ok(_ctl_raw("--version"))
    assert r.stdout == f"convenectl {_version()}\n", r.stdout
    assert r.stderr == ""
    assert "--version" in _ok(_ctl_raw("--help")).stdout

    agents = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            agents.append(self.headers.get("User-Agent"))
            body = b'{"status":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        _ok(_ctl_raw("--url", f"http://127.0.0.1:{srv.server_address[1]}", "health"))
    finally:
        srv.shutdown()
        srv.server_close()
    assert agents == [f"convenectl/{_version()}"], agents


# ------------------------------------------------------------------ help


def test_ctl_help_on_every_command_exits_0_without_a_daemon():
    r = _ok(_ctl_raw("--help"))
    names = [m.group(1).strip() for m in re.finditer(r"^  ([a-z]+(?: [a-z]+)?)\s{2,}", r.stdout, re.M)]
    for want in ("project add", "project list", "org add", "org list", "event add",
                 "event list", "event show", "event update", "event cancel",
                 "deadline add", "deadline list", "registrations",
                 "registration cancel", "report attendance", "outbox", "import",
                 "project evidence", "org merge", "event attendance", "event mark"):
        assert want in names, (want, names)
    for name in names:
        h = _ok(_ctl_raw(*name.split(), "--help"))
        assert h.stdout.startswith(f"usage: convenectl {name}"), h.stdout
        assert "--help" in h.stdout
        assert h.stderr == ""
    h = _ok(_ctl_raw("event", "walk-in", "--help"))
    assert h.stdout.startswith("usage: convenectl event walk-in"), h.stdout
    # the options of event add are listed with the required ones marked
    h = _ok(_ctl_raw("event", "add", "--help")).stdout
    for opt in ("--project SLUG", "--tz ZONE", "--capacity N", "--org-cap N",
                "--opens LOCAL", "--closes LOCAL", "--all-day", "--publish",
                "--reminders"):
        assert opt in h, (opt, h)
    assert re.search(r"--tz ZONE .*\(required\)", h)
    # a family name alone lists its commands and fails
    r = _ctl_raw("event")
    assert r.returncode == 1 and "convenectl event add" in r.stderr
    # ... and with --help (or as `help GROUP`) lists them and succeeds
    for argv in (("event", "--help"), ("event", "-h"), ("help", "event")):
        r = _ok(_ctl_raw(*argv))
        fam = [n for n in names if n.startswith("event ")]
        assert fam and all(f"convenectl {n} " in r.stdout for n in fam), (argv, r.stdout)
        assert "deadline add" not in r.stdout
    r = _ctl_raw("event", "frobnicate")
    assert r.returncode == 1 and "unknown command 'event frobnicate'" in r.stderr
    # the global options are listed, --verbose among them
    top = _ok(_ctl_raw("--help")).stdout
    for opt in ("--url URL", "--token TOKEN", "--config FILE", "--json", "--verbose",
                "--version"):
        assert f"  {opt}" in top, opt
    # update does not offer what PATCH refuses; list helps say what they list
    assert "--project" not in _ok(_ctl_raw("event", "update", "--help")).stdout
    assert "--project" not in _ok(_ctl_raw("deadline", "update", "--help")).stdout
    assert "only this project's deadlines" in _ok(_ctl_raw("deadline", "list", "--help")).stdout


# ----------------------------------------------------------- items


def test_ctl_projects_orgs_events_deadlines():
    pg, db, d = _daemon()
    out = _ok(d.ctl("project", "add", "towns", "--title", "Towns Together",
                    "--programme", "Europe for Citizens")).stdout
    assert "slug: towns" in out and "title: Towns Together" in out
    _ok(d.ctl("org", "add", "Miasto Poznań", "--country", "PL", "--city", "Poznań"))
    _ok(d.ctl("org", "add", "Comune di Rimini", "--country", "IT"))

    head, rows = _table(_ok(d.ctl("project", "list")).stdout)
    assert head == ["ID", "SLUG", "TITLE", "PROGRAMME"]
    # global options after the command, as the man page says
    r = _ok(_ctl_raw("project", "list", "--url", d.url, "--verbose", "--token", d.token))
    assert re.search(r"^convenectl: GET http://\S+/api/projects$", r.stderr, re.M), r.stderr
    assert re.search(r"^convenectl: 200$", r.stderr, re.M), r.stderr
    assert _table(r.stdout)[1] == rows
    assert [r["SLUG"] for r in rows] == ["towns"]
    head, rows = _table(_ok(d.ctl("org", "list")).stdout)
    assert sorted(r["NAME"] for r in rows) == ["Comune di Rimini", "Miasto Poznań"]
    assert pg.psql(db, "SELECT name, country, city FROM organisations ORDER BY id") == [
        ("Miasto Poznań", "PL", "Poznań"), ("Comune di Rimini", "IT", "")]

    ev = _add_seminar(d, capacity=20, org_cap=3, reminders="P7D,P1D",
                      closes="2027-02-20T23:59")
    assert ev["start"]["utc"] == "2027-03-01T08:00:00Z", ev
    assert ev["capacity"] == 20 and ev["org_cap"] == 3 and ev["status"] == "published"
    assert pg.psql(db, "SELECT tz, capacity, org_cap, reminders::text, "
                       "to_char(reg_closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') "
                       "FROM events WHERE id = $1", ev["id"]) == [
        ("Europe/Warsaw", "20", "3", "{P7D,P1D}", "2027-02-20 22:59")]

    visit = json.loads(_ok(d.ctl(
        "--json", "event", "add", "--project", "towns", "--kind", "study_visit",
        "--title", "Study visit", "--start", "2027-05-03", "--end", "2027-05-06",
        "--tz", "Europe/Oslo", "--all-day")).stdout)
    assert visit["all_day"] is True and visit["status"] == "draft"
    # all-day: end given inclusive, stored exclusive
    assert pg.psql(db, "SELECT end_local::date - start_local::date FROM events WHERE id = $1",
                   visit["id"]) == [("4",)]

    head, rows = _table(_ok(d.ctl("event", "list", "--project", "towns")).stdout)
    assert head[:4] == ["ID", "PROJECT", "KIND", "STATUS"]
    assert [r["ID"] for r in rows] == [str(ev["id"]), str(visit["id"])]
    assert rows[0]["START"] == "2027-03-01 09:00 Europe/Warsaw", rows[0]
    assert rows[0]["CITY"] == "Poznań"
    # seats taken against capacity, and the waiting list
    assert (rows[0]["SEATS"], rows[0]["WAITING"]) == ("0", "0"), rows[0]
    assert rows[0]["CAPACITY"] == (str(ev["capacity"]) if ev["capacity"] else ""), rows[0]

    shown = _ok(d.ctl("event", "show", str(ev["id"]))).stdout
    assert "start.utc: 2027-03-01T08:00:00Z" in shown
    assert "tz: Europe/Warsaw" in shown

    # update: time and place change -> SEQUENCE rises
    seq0 = int(pg.psql(db, "SELECT sequence FROM events WHERE id = $1", ev["id"])[0][0])
    upd = json.loads(_ok(d.ctl("--json", "event", "update", str(ev["id"]),
                               "--venue", "Zamek", "--start", "2027-03-01T10:00",
                               "--capacity", "25")).stdout)
    assert upd["venue"] == "Zamek" and upd["capacity"] == 25
    assert upd["start"]["utc"] == "2027-03-01T09:00:00Z"
    assert int(pg.psql(db, "SELECT sequence FROM events WHERE id = $1", ev["id"])[0][0]) > seq0
    # nothing to change is a usage error
    _fails(d.ctl("event", "update", str(ev["id"])), r"nothing to change")

    dl = json.loads(_ok(d.ctl(
        "--json", "deadline", "add", "--project", "towns", "--kind", "grant_submission",
        "--title", "Grant application", "--due", "2027-09-01T12:00",
        "--tz", "Europe/Brussels", "--url", "https://example.org/call")).stdout)
    assert dl["due"]["utc"] == "2027-09-01T10:00:00Z"
    head, rows = _table(_ok(d.ctl("deadline", "list")).stdout)
    assert rows[0]["TITLE"] == "Grant application"
    assert rows[0]["DUE"] == "2027-09-01 12:00 Europe/Brussels"

    # --json lists are the server's JSON
    assert [p["slug"] for p in harness_rows(_json(d, "project", "list"))] == ["towns"]

    # cancel
    out = _ok(d.ctl("event", "cancel", str(visit["id"]))).stdout
    assert "status: cancelled" in out
    assert pg.psql(db, "SELECT status FROM events WHERE id = $1", visit["id"]) == [("cancelled",)]


def harness_rows(v):
    if isinstance(v, list):
        return v
    return next(x for x in v.values() if isinstance(x, list))


def test_ctl_fold_warns_and_gap_fails():
    pg, db, d = _daemon()
    _ok(d.ctl("project", "add", "towns", "--title", "T"))
    r = _ok(d.ctl("event", "add", "--project", "towns", "--kind", "seminar",
                  "--title", "Fold", "--start", "2027-10-31T02:30",
                  "--end", "2027-10-31T04:00", "--tz", "Europe/Stockholm"))
    assert "warning" in r.stderr and "2027-10-31T00:30:00Z" in r.stderr, r.stderr
    before = pg.psql(db, "SELECT count(*) FROM events")
    _fails(d.ctl("event", "add", "--project", "towns", "--kind", "seminar",
                 "--title", "Gap", "--start", "2027-03-28T02:30",
                 "--end", "2027-03-28T04:00", "--tz", "Europe/Stockholm"),
           r"does not exist.*HTTP 422")
    assert pg.psql(db, "SELECT count(*) FROM events") == before


# ----------------------------------------------------- registrations


def _register(d, event_id, name, email, org, country):
    r = d.post(f"/api/public/events/{event_id}/registrations",
               {"name": name, "email": email, "organisation": org,
                "country": country, "role": "official", "language": "en"}, auth=False)
    assert r.status == 202, r
    # the public answer names no registration (the same for everybody)
    return int(harness.psql(d.conninfo, """SELECT r.id FROM registrations r
        JOIN people p ON p.id = r.person_id
        WHERE r.event_id = $1 AND lower(p.email) = lower($2)""", event_id, email)[0][0])


def _confirm(pg, db, d, reg_id):
    tok = pg.psql(db, "SELECT token FROM registrations WHERE id = $1", reg_id)[0][0]
    r = d.post(f"/r/{tok}/confirm", b"", auth=False,
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status in (200, 303), r


def test_ctl_registrations_csv_cancel_and_report():
    pg, db, d = _daemon()
    _ok(d.ctl("project", "add", "towns", "--title", "Towns Together"))
    ev = _add_seminar(d, capacity=1)
    a = _register(d, ev["id"], "Anna Kowalska", "anna@example.org", "Miasto Poznań", "PL")
    b = _register(d, ev["id"], "=cmd|' /C calc'!A0", "bo@example.org", "Comune di Rimini", "IT")
    _confirm(pg, db, d, a)
    _confirm(pg, db, d, b)

    head, rows = _table(_ok(d.ctl("registrations", str(ev["id"]))).stdout)
    assert head == ["ID", "STATE", "WAIT", "NAME", "EMAIL", "ORGANISATION", "COUNTRY"]
    states = {r["ID"]: r["STATE"] for r in rows}
    assert states == {str(a): "confirmed", str(b): "waitlisted"}, rows

    out = _ok(d.ctl("registrations", str(ev["id"]), "--csv")).stdout
    recs = list(csv.DictReader(io.StringIO(out)))
    assert {r["email"]: r["state"] for r in recs} == {
        "anna@example.org": "confirmed", "bo@example.org": "waitlisted"}
    # CSV injection: a cell starting with = is neutralised by the server
    assert not any(r["name"].startswith("=") for r in recs), recs
    only = _json(d, "registrations", str(ev["id"]), "--state", "waitlisted")
    assert [r["id"] for r in harness_rows(only)] == [b]

    # report: one confirmed participant, one organisation, one country
    rep = _json(d, "report", "attendance", "towns")
    e0 = rep["events"][0]
    assert (e0["confirmed"], e0["organisations"], e0["countries"]) == (1, 1, 1), rep
    text = _ok(d.ctl("report", "attendance", "towns", "--participants")).stdout
    assert "Anna Kowalska" in text and "CONFIRMED" in text
    out = _ok(d.ctl("report", "attendance", "towns", "--csv")).stdout
    assert out.splitlines()[0].startswith('"scope"'), out

    # the secretariat cancels Anna: Bo moves up at once
    _ok(d.ctl("registration", "cancel", str(a)))
    assert dict(pg.psql(db, "SELECT id::text, state::text FROM registrations")) == {
        str(a): "cancelled", str(b): "confirmed"}

    # outbox: the confirmation requests are there (any state)
    kinds = {r["kind"] for r in harness_rows(_json(d, "outbox"))}
    assert "registration_confirm_request" in kinds, kinds
    _ok(d.ctl("outbox", "--failed"))

    # cancelling the event
    _ok(d.ctl("event", "cancel", str(ev["id"])))
    assert pg.psql(db, "SELECT status FROM events WHERE id = $1", ev["id"]) == [("cancelled",)]


# ------------------------------------------------------------- errors


def test_ctl_errors_exit_1_with_the_servers_message():
    pg, db, d = _daemon()
    _ok(d.ctl("project", "add", "towns", "--title", "T"))
    r = _fails(d.ctl("event", "show", "999999"), r"HTTP 404")
    assert r.stdout == ""
    _fails(d.ctl("registrations", "999999"), r"HTTP 404")
    _fails(d.ctl("registration", "cancel", "999999"), r"HTTP 404")
    _fails(d.ctl("project", "add", "towns", "--title", "again"), r"towns.*HTTP 409")
    _fails(d.ctl("project", "add", "Bad Slug", "--title", "x"), r"slug.*HTTP 4\d\d")
    _fails(d.ctl("event", "add", "--project", "nope", "--kind", "seminar", "--title", "x",
                 "--start", "2027-03-01T09:00", "--end", "2027-03-01T10:00",
                 "--tz", "Europe/Rome"), r"project")
    _fails(d.ctl("event", "add", "--project", "towns", "--kind", "seminar", "--title", "x",
                 "--start", "2027-03-01T09:00", "--end", "2027-03-01T10:00",
                 "--tz", "Mars/Olympus"), r"tz|zone")
    _fails(d.ctl("org", "add", "X", "--country", "Italy"), r"country")
    # usage errors: nothing is sent
    _fails(d.ctl("event", "add", "--project", "towns"), r"--kind is required")
    _fails(d.ctl("event", "list", "--bogus"), r"unknown option")
    _fails(d.ctl("event", "add", "--capacity", "many"), r"not a whole number")
    _fails(d.ctl("event", "show"), r"missing argument")
    _fails(d.ctl("event", "show", "1", "2"), r"unexpected argument")
    _fails(d.ctl("frobnicate"), r"unknown command")
    assert pg.psql(db, "SELECT count(*) FROM events") == [("0",)]
    # a wrong token, no token, no daemon
    _fails(_ctl_raw("--url", d.url, "--token", "x" * 64, "project", "list"), r"HTTP 403")
    _fails(_ctl_raw("--url", d.url, "project", "list"), r"no admin token")
    port = harness.free_port()
    _fails(_ctl_raw("--url", f"http://127.0.0.1:{port}", "--token", "x" * 64, "project", "list"),
           r"127\.0\.0\.1")
    # import without ctl/import.c says so
    if not os.path.exists(os.path.join(harness.REPO, "ctl", "import.c")):
        _fails(d.ctl("import", "/dev/null", "--project", "towns"), r"not implemented")


# ----------------------------------------------- where URL and token come from


def test_ctl_reads_url_and_token_from_config_and_environment():
    pg, db, d = _daemon()
    _ok(d.ctl("project", "add", "towns", "--title", "Towns Together"))
    # the daemon's own config file (listen, port, admin_token)
    r = _ok(_ctl_raw("--config", d.conf, "project", "list"))
    assert "towns" in r.stdout
    # global options may follow the command
    r = _ok(_ctl_raw("project", "list", "--config", d.conf))
    assert "towns" in r.stdout
    # admin_token_file, relative to the config file's directory
    with open(os.path.join(d.dir, "token"), "w") as f:
        f.write(d.token + "\n")
    conf2 = os.path.join(d.dir, "ctl.conf")
    harness.write_config(conf2, {
        "convened": {"listen": "0.0.0.0", "port": d.port, "admin_token_file": "token"},
        "database": {"conninfo": "dbname=x"},
    })
    r = _ok(_ctl_raw("project", "list", env={"CONVENED_CONFIG": conf2}))
    assert "towns" in r.stdout
    # the environment
    r = _ok(_ctl_raw("project", "list", env={"CONVENED_URL": d.url + "/",
                                              "CONVENED_TOKEN": d.token}))
    assert "towns" in r.stdout
    # flags win over the environment
    _fails(_ctl_raw("--token", "y" * 64, "project", "list",
                    env={"CONVENED_URL": d.url, "CONVENED_TOKEN": d.token}), r"HTTP 403")
    # a missing config file is an error
    _fails(_ctl_raw("--config", os.path.join(d.dir, "nope.conf"), "project", "list"),
           r"nope\.conf")
    # health needs no token
    assert _ok(_ctl_raw("--url", d.url, "health")).stdout.strip() == "ok"


# ------------------------------------------------------------- demo data


def test_demo_script_loads_future_events_once():
    pg, db, d = _daemon()
    env = dict(os.environ, CONVENED_CONF=d.conf, CONVENECTL=harness.convenectl_bin(),
               DEMO_WAIT="30")
    demo = os.path.join(harness.REPO, "scripts", "demo.sh")
    r = subprocess.run(["sh", demo], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    evs = pg.psql(db, "SELECT kind, tz, city, all_day, status, "
                      "start_at > now(), end_local::date - start_local::date "
                      "FROM events ORDER BY start_at")
    assert [(e[0], e[1]) for e in evs] == [
        ("meeting", "Europe/Rome"), ("seminar", "Europe/Warsaw"),
        ("seminar", "Europe/Rome"), ("seminar", "Europe/Madrid"),
        ("study_visit", "Europe/Oslo")], evs
    assert [e[2] for e in evs] == ["Bologna", "Poznań", "Rimini", "La Coruña", "Stavanger"]
    assert all(e[5] == "t" for e in evs), "every demo event is in the future"
    assert all(e[4] == "published" for e in evs)
    visit = evs[-1]
    assert visit[3] == "t" and visit[6] == "4", visit  # four all-day days
    assert pg.psql(db, "SELECT kind, tz, due_at > now(), to_char(due_local, 'HH24:MI') "
                       "FROM deadlines") == [("grant_submission", "Europe/Brussels", "t", "12:00")]
    countries = {r[0] for r in pg.psql(db, "SELECT DISTINCT country FROM events")}
    assert {"IT", "PL", "ES", "NO"} <= countries
    # a second run changes nothing
    r = subprocess.run(["sh", demo], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "not loading" in r.stderr
    assert pg.psql(db, "SELECT count(*) FROM events") == [("5",)]
    assert pg.psql(db, "SELECT count(*) FROM projects") == [("1",)]
    today = datetime.date.today()
    first = pg.psql(db, "SELECT min(start_local)::date FROM events")[0][0]
    assert datetime.date.fromisoformat(first) > today


# ------------------------------------------------- attendance and evidence

def test_ctl_attendance_evidence_and_org_merge():
    pg, db, d = _daemon()
    _ok(d.ctl("project", "add", "towns", "--title", "Twin towns"))
    ev = _add_seminar(d, title="Study visit Rimini")["id"]
    # two days, a month from now
    pg.psql(db, """UPDATE events SET start_local = s, end_local = s + interval '1 day 8 hours',
                                     start_at = s AT TIME ZONE tz,
                                     end_at = (s + interval '1 day 8 hours') AT TIME ZONE tz
                     FROM (SELECT date_trunc('day', now()) + interval '30 days 9 hours' AS s) t
                    WHERE id = $1""", ev)
    d1, d2 = [r[0] for r in pg.psql(db, """SELECT d::date::text FROM events,
                   generate_series(start_local::date, end_local::date, interval '1 day') d
                   WHERE id = $1 ORDER BY d""", ev)]
    anna = _register(d, ev, "Anna Bianchi", "anna@rimini.it", "Comune di Rimini", "IT")
    _confirm(pg, db, d, anna)

    # a walk-in with a new organisation by name: created, marked attended
    w = _json(d, "event", "walk-in", str(ev), "--name", "Zofia Łęcka", "--email",
              "zofia@gdansk.pl", "--org", "Miasto Gdańsk", "--country", "PL",
              "--day", d1, "--override", "--by", "Desk 1")
    assert w["origin"] == "walk_in" and w["organisation"] == "Miasto Gdańsk"
    assert w["marks"][d1]["state"] == "attended" and w["marks"][d1]["marked_by"] == "Desk 1"
    _ok(d.ctl("event", "mark", str(ev), str(anna), d1, "attended", "--override"))
    _ok(d.ctl("event", "mark", str(ev), str(anna), d2, "no_show", "--override"))
    head, rows = _table(_ok(d.ctl("event", "attendance", str(ev))).stdout)
    assert head == ["REG", "NAME", "ORGANISATION", "COUNTRY", "ORIGIN", d1, d2], head
    got = {r["NAME"]: r for r in rows}
    assert (got["Anna Bianchi"][d1], got["Anna Bianchi"][d2]) == ("attended", "no_show")
    assert got["Zofia Łęcka"][d1] == "attended"
    _ok(d.ctl("event", "mark", str(ev), str(anna), d2, "none", "--override"))
    assert _json(d, "event", "attendance", str(ev))["counts"][d2] == \
        {"attended": 0, "no_show": 0}
    _fails(d.ctl("event", "mark", str(ev), str(anna), "2001-01-01", "attended",
                 "--override"), r"day: one of the event's days")
    _fails(d.ctl("event", "mark", str(ev), str(anna), d1, "maybe"), r"attended, no_show or none")

    # the evidence pack: the sentence, the table, the publication text
    out = _ok(d.ctl("project", "evidence", "towns", "--lang", "pl")).stdout
    assert out.startswith("2 uczestników z 2 organizacji w 2 krajach\n"), out
    assert "Study visit Rimini" in out and "Włochy" in out and "Polska 1" in out
    pack = _json(d, "project", "evidence", "towns", "--lang", "fi")
    assert pack["sentence"] == "2 osallistujaa 2 organisaatiosta 2 maasta"
    rows = list(csv.DictReader(io.StringIO(
        _ok(d.ctl("project", "evidence", "towns", "--csv")).stdout)))
    assert [(r["scope"], r["attended"]) for r in rows if r["scope"] in ("event", "day")] == \
        [("event", "2"), ("day", "2"), ("day", "0")]
    _fails(d.ctl("project", "evidence", "nope"), r"no project")
    _fails(d.ctl("project", "evidence", "towns", "--lang", "de"), r"lang")

    # organisations: the duplicate is merged, its name lands on the merged one
    dup = _json(d, "org", "add", "Rimini municipality", "--country", "IT")["id"]
    keep = [o for o in _json(d, "org", "list", "--q", "comune")["organisations"]
            if o["name"] == "Comune di Rimini"][0]["id"]
    _fails(d.ctl("org", "merge", str(dup), str(dup)), r"not merged into itself")
    _fails(d.ctl("org", "merge", str(dup), "x"), r"INTO: an organisation id")
    m = _json(d, "org", "merge", str(dup), str(keep))
    assert m["merged"]["merged_into"] == keep
    head, rows = _table(_ok(d.ctl("org", "list", "--q", "rimini")).stdout)
    assert [r["ID"] for r in rows] == [str(keep)]
    gdansk = _json(d, "org", "list", "--q", "gdańsk")["organisations"][0]["id"]
    assert sorted(o["id"] for o in _json(d, "org", "list", "--project", "towns")["organisations"]) == \
        sorted([keep, gdansk])
    w2 = _json(d, "event", "walk-in", str(ev), "--name", "Bruno", "--email", "bruno@rimini.it",
               "--org", "Rimini municipality", "--country", "IT", "--day", d1, "--override")
    assert w2["organisation"] == "Comune di Rimini"
    _fails(d.ctl("event", "walk-in", str(ev), "--name", "X", "--email", "x@x.it",
                 "--org", "Nowhere"), r"needs --country")
