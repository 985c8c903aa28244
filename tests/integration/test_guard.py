"""test_guard.py - issue 12, throttles and small ones: the per-address token
bucket on public POSTs (429 with Retry-After, nothing written, counted in
/metrics; X-Forwarded-For only from a trusted proxy), the per-recipient mail
throttle decided in PostgreSQL (shared by two daemons), Referrer-Policy,
/metrics behind a token, List-Unsubscribe-Post, and `convened -n` on
base_url."""

import concurrent.futures
import os
import secrets

import harness
import reg_fixtures as rf

HOUR = 3600


def _throttle(**kw):
    """A [throttle] section: the harness turns throttles off by default."""
    t = {"post_burst": 20, "post_interval": HOUR, "mail_interval": 600, "mail_per_day": 5}
    t.update(kw)
    return {"throttle": t}


def _regs(pg, db, ev):
    return {r[0] for r in pg.psql(db, """SELECT p.email FROM registrations r
                                         JOIN people p ON p.id = r.person_id
                                        WHERE r.event_id = $1""", ev)}


def _confirm_mails(pg, db, email):
    return int(pg.psql(db, """SELECT count(*) FROM outbox WHERE kind = 'registration_confirm_request'
                               AND lower(recipient) = lower($1)""", email)[0][0])


def _metric(d, name, **labels):
    r = d.get("/metrics", auth=False)
    assert r.status == 200, r
    return harness.metric_value(harness.parse_metrics(r.text), name, **labels)


def test_burst_of_200_registrations_from_one_address():
    pg, db, d = rf.start(_throttle(post_burst=20))
    ev = rf.event(pg, db, rf.project(pg, db))
    emails = [f"p{i}-{secrets.token_hex(3)}@example.org" for i in range(200)]

    def one(e):
        r = rf.register(d, ev, e)
        return e, r

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        results = list(ex.map(one, emails))
    accepted = {e for e, r in results if r.status == 202}
    refused = [(e, r) for e, r in results if r.status == 429]
    assert len(accepted) == 20, [r.status for _, r in results]
    assert len(refused) == 180, [r.status for _, r in results]
    for _, r in refused:
        ra = r.header("Retry-After")
        assert ra is not None and ra.isdigit() and 1 <= int(ra) <= HOUR, r.headers
        assert r.json()["error"]["code"] == "too_many_requests"
    # the database holds exactly the accepted ones, each with one mail
    assert _regs(pg, db, ev) == accepted
    assert int(pg.psql(db, "SELECT count(*) FROM outbox WHERE kind = "
                           "'registration_confirm_request'")[0][0]) == 20
    assert _metric(d, "convened_throttled_requests_total") == 180
    # the HTML form is throttled too (same bucket), with a page
    r = rf.form(d, f"/events/{ev}/register", {"email": "late@example.org", "name": "Late",
                                             "organisation": "X", "country": "SE"},
                headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert r.status == 429 and r.header("Retry-After"), r
    assert "text/html" in r.header("Content-Type")
    assert 'lang="sv"' in r.text and "För många förfrågningar" in r.text, r.text
    assert "late@example.org" not in _regs(pg, db, ev)
    # GETs and the admin API are not throttled
    assert d.get(f"/events/{ev}/register", auth=False).status == 200
    assert d.get("/api/projects").status == 200
    d.stop()


def test_forwarded_for_only_from_a_trusted_proxy():
    # 127.0.0.1 is not trusted: X-Forwarded-For is ignored, one bucket
    pg, db, d = rf.start(_throttle(post_burst=3))
    ev = rf.event(pg, db, rf.project(pg, db))
    codes = [d.post(f"/api/public/events/{ev}/registrations",
                    {"email": f"a{i}@example.org", "name": "A", "organisation": "O",
                     "country": "SE"}, auth=False,
                    headers={"X-Forwarded-For": f"198.51.100.{i}"}).status
             for i in range(5)]
    assert codes == [202, 202, 202, 429, 429], codes
    d.stop()

    # trusted: each forwarded client has its own bucket; the right-most
    # untrusted address counts (a client cannot pick its own by prepending)
    pg, db, d = rf.start(_throttle(post_burst=2, trusted_proxies="127.0.0.1, 10.0.0.0/8"))
    ev = rf.event(pg, db, rf.project(pg, db))

    def post(i, xff):
        return d.post(f"/api/public/events/{ev}/registrations",
                      {"email": f"b{i}@example.org", "name": "B", "organisation": "O",
                       "country": "SE"}, auth=False, headers={"X-Forwarded-For": xff}).status

    got = [post(i, f"{i}.0.0.1, 198.51.100.7, 10.1.2.3") for i in range(1, 5)]
    assert got == [202, 202, 429, 429], got
    assert post(10, "198.51.100.8") == 202
    assert post(11, "198.51.100.8") == 202
    assert post(12, "198.51.100.8") == 429
    d.stop()


def test_ten_posts_of_one_registration_send_one_mail():
    pg, db, d = rf.start(_throttle(post_burst=100))
    ev = rf.event(pg, db, rf.project(pg, db))
    victim = "victim@example.org"
    answers = []
    for _ in range(10):
        r = rf.register(d, ev, victim)
        assert r.status == 202, r
        answers.append(r.json()["message"])
    # the answer does not tell the throttle's state: every post reads the
    # same, "check your email" (the one mail is on its way)
    assert len(set(answers)) == 1 and "check your email" in answers[0], answers
    assert _confirm_mails(pg, db, victim) == 1
    harness.wait_until(lambda: len([m for m in d.maildir_messages()
                                    if victim in m["To"]]) == 1, msg="one mail delivered")
    assert _metric(d, "convened_mail_throttled_total") == 9
    # another address is not affected
    rf.register(d, ev, "other@example.org")
    assert _confirm_mails(pg, db, "other@example.org") == 1
    # the database keeps no address in the throttle's tables
    dump = pg.psql(db, "SELECT string_agg(t::text, ' ') FROM (SELECT * FROM mail_throttle_days "
                       "UNION ALL SELECT address, null, null, null FROM mail_throttle_last) t")
    assert "victim" not in str(dump)
    d.stop()


def test_ten_follow_requests_send_one_confirmation_mail():
    pg, db, d = rf.start(_throttle(post_burst=100))
    rf.project(pg, db, slug="grants", title="Grants 2030")
    victim = "victim@example.org"
    bodies = set()
    for _ in range(10):
        r = d.post("/api/public/subscriptions", {"project": "grants", "email": victim,
                                                  "name": "V", "language": "en"}, auth=False)
        assert r.status == 202, r
        bodies.add(r.text)
    assert len(bodies) == 1, bodies
    n = pg.psql(db, """SELECT count(*) FROM outbox WHERE kind = 'follow_confirm_request'
                        AND lower(recipient) = $1""", victim)
    assert n == [("1",)], n
    assert _metric(d, "convened_mail_throttled_total") == 9
    d.stop()


def test_mail_throttle_per_day_cap_and_shared_by_two_daemons():
    pg = harness.cluster()
    db = pg.new_database()
    cfg = _throttle(post_burst=100, mail_interval=600, mail_per_day=3)
    d1 = harness.Daemon(db, config=cfg)
    d1.start()
    d2 = harness.Daemon(db, config=cfg)
    d2.start()
    proj = rf.project(pg, db)
    evs = [rf.event(pg, db, proj, title=f"S{i}") for i in range(5)]
    who = "busy@example.org"
    # alternate daemons: the limit is one, in the database
    for i, ev in enumerate(evs):
        r = rf.register(d1 if i % 2 == 0 else d2, ev, who)
        assert r.status == 202, r
    # five registrations exist (the request changed nothing else) ...
    assert int(pg.psql(db, "SELECT count(*) FROM registrations")[0][0]) == 5
    # ... but three confirmation mails per day went out
    assert _confirm_mails(pg, db, who) == 3
    # a resend through the other daemon within the interval: nothing
    rf.register(d2, evs[0], who)
    assert _confirm_mails(pg, db, who) == 3
    assert _metric(d1, "convened_mail_throttled_total") == 3
    # the state survives a restart (it is in PostgreSQL)
    d1.stop()
    d1.start()
    rf.register(d1, evs[1], who)
    assert _confirm_mails(pg, db, who) == 3
    d1.stop()
    d2.stop()


def test_referrer_policy_on_pages_and_feeds():
    pg, db, d = rf.start()
    proj = rf.project(pg, db)
    ev = rf.event(pg, db, proj)
    rf.register(d, ev, "ref@example.org")
    tok = rf.token(pg, db, ev, "ref@example.org")
    for path in (f"/events/{ev}/register", f"/r/{tok}", "/calendars/public.ics",
                 "/calendars/projects/net.ics", "/healthz"):
        r = d.get(path, auth=False)
        assert r.status == 200, (path, r)
        assert r.header("Referrer-Policy") == "no-referrer", (path, r.headers)
    d.stop()


def test_metrics_behind_a_token():
    tok = secrets.token_hex(20)
    pg, db, d = rf.start({"http": {"metrics_token": tok}})
    r = d.get("/metrics", auth=False)
    assert r.status == 401, r
    r = d.request("GET", "/metrics", auth=False, headers={"Authorization": "Bearer " + "x" * 40})
    assert r.status == 403, r
    r = d.request("GET", "/metrics", auth=False, headers={"Authorization": "Bearer " + tok})
    assert r.status == 200 and "convened_uptime_seconds" in r.text, r
    # the admin token is not the metrics token
    assert d.get("/metrics").status == 403
    d.stop()
    # without the key, /metrics stays open (loopback deployments, tests)
    pg, db, d = rf.start()
    assert d.get("/metrics", auth=False).status == 200
    d.stop()


def _check(base_url, listen="127.0.0.1"):
    d_dir = harness.Daemon("dbname=unused", config={"convened": {"base_url": base_url,
                                                                  "listen": listen}})
    return harness.run_convened("-n", "-c", d_dir.conf)


def test_config_check_warns_about_base_url():
    # a public listener with an http:// base_url: warned (still exit 0)
    p = _check("http://events.example.org", listen="0.0.0.0")
    assert p.returncode == 0, p
    assert "base_url" in p.stderr and "https" in p.stderr, p.stderr
    # a relative or loopback base_url on a public listener: warned
    p = _check("https://127.0.0.1:8080", listen="0.0.0.0")
    assert p.returncode == 0 and "base_url" in p.stderr, p.stderr
    # https on a public listener, or anything on loopback: quiet
    for url, listen in (("https://events.example.org", "0.0.0.0"),
                        ("http://127.0.0.1:8080", "127.0.0.1")):
        p = _check(url, listen=listen)
        assert p.returncode == 0, p
        assert "base_url" not in p.stderr, (url, p.stderr)


def test_deadline_reminder_one_click_unsubscribe():
    """Every mail with List-Unsubscribe also says List-Unsubscribe-Post
    (RFC 8058), and the one-click POST a mail client sends works, with the
    throttle on."""
    pg, db, d = rf.start(_throttle(post_burst=5))
    proj = rf.project(pg, db)
    person = pg.psql(db, "INSERT INTO people (email, name, language, feed_token) "
                         "VALUES ('f@example.org', 'F', 'en', $1) RETURNING id",
                     secrets.token_hex(32))[0][0]
    tok = secrets.token_hex(32)
    pg.psql(db, "INSERT INTO deadline_followers (project_id, person_id, token) VALUES ($1, $2, $3)",
            proj, person, tok)
    dl = pg.psql(db, """INSERT INTO deadlines (project_id, kind, title, tz, due_local, due_at, uid, reminders)
        SELECT $1, 'grant_submission', 'Application', 'Europe/Brussels',
               (now() + interval '2 hours 2 seconds') AT TIME ZONE 'Europe/Brussels',
               now() + interval '2 hours 2 seconds', $2, '{PT2H}' RETURNING id""",
                 proj, "dl-" + secrets.token_hex(6))[0][0]
    pg.psql(db, "SELECT cv_schedule_deadline_reminders($1)", dl)
    harness.wait_until(lambda: len(d.maildir_messages()) == 1, msg="the reminder delivered")
    m = d.maildir_messages()[0]
    url = m["List-Unsubscribe"].strip("<>")
    assert url == f"{d.url}/unsubscribe/{tok}", url
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # what Gmail and others send: a POST with exactly this body, no cookies
    path = url[len(d.url):]
    r = d.request("POST", path, body="List-Unsubscribe=One-Click", auth=False,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    assert r.header("Referrer-Policy") == "no-referrer"
    assert int(pg.psql(db, "SELECT count(*) FROM deadline_followers")[0][0]) == 0
    d.stop()
