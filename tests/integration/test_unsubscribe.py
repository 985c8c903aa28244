"""test_unsubscribe.py - the List-Unsubscribe link of deadline reminders:
GET shows a page and changes nothing; POST (button or RFC 8058 one-click)
removes the follow and cancels its pending reminders."""

import secrets
import urllib.parse

import harness


def _setup(lang="sv"):
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config={"plugin spool": {"fsync": "no"}})
    d.start()
    proj = pg.psql(db, "INSERT INTO projects (slug, title) VALUES ('net', 'Nätverket <b>') "
                       "RETURNING id")[0][0]
    person = pg.psql(db, "INSERT INTO people (email, name, language, feed_token) "
                         "VALUES ('asa@example.se', 'Åsa', $1, $2) RETURNING id",
                     lang, secrets.token_hex(32))[0][0]
    tok = secrets.token_hex(32)
    pg.psql(db, "INSERT INTO deadline_followers (project_id, person_id, token) VALUES ($1, $2, $3)",
            proj, person, tok)
    # a deadline in 40 days: its P30D/P7D/P1D reminders are pending, not due
    dl = pg.psql(db, """INSERT INTO deadlines (project_id, kind, title, tz, due_local, due_at, uid)
        SELECT $1, 'grant_submission', 'Application', 'Europe/Brussels',
               (now() + interval '40 days') AT TIME ZONE 'Europe/Brussels',
               now() + interval '40 days', $2 RETURNING id""", proj, "dl-" + secrets.token_hex(6))[0][0]
    pg.psql(db, "SELECT cv_schedule_deadline_reminders($1)", dl)
    return pg, db, d, tok, person


def _pending(pg, db, person):
    return int(pg.psql(db, "SELECT count(*) FROM outbox WHERE person_id = $1 AND state = 'pending' "
                           "AND kind = 'deadline_reminder'", person)[0][0])


def _follows(pg, db):
    return int(pg.psql(db, "SELECT count(*) FROM deadline_followers")[0][0])


def test_get_shows_page_in_language_and_changes_nothing():
    pg, db, d, tok, person = _setup("sv")
    before = _pending(pg, db, person)
    assert before >= 3, before
    for _ in range(2):
        r = d.get(f"/unsubscribe/{tok}", auth=False)
        assert r.status == 200, r
        html = r.body.decode()
        assert 'lang="sv"' in html
        assert "Avsluta prenumerationen" in html
        assert "Nätverket &lt;b&gt;" in html and "<b>" not in html
        assert f'action="/unsubscribe/{tok}"' in html
    assert _follows(pg, db) == 1
    assert _pending(pg, db, person) == before
    d.stop()


def test_post_unsubscribes_and_cancels_pending_reminders():
    pg, db, d, tok, person = _setup("en")
    before = _pending(pg, db, person)
    r = d.request("POST", f"/unsubscribe/{tok}", body="List-Unsubscribe=One-Click",
                  headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=False)
    assert r.status == 200, r
    assert "no longer receive deadline reminders" in r.body.decode()
    assert _follows(pg, db) == 0
    assert _pending(pg, db, person) == 0
    cancelled = int(pg.psql(db, "SELECT count(*) FROM outbox WHERE person_id = $1 AND "
                                "state = 'cancelled'", person)[0][0])
    assert cancelled == before
    # the link is spent: a second POST is a 404 page and changes nothing
    r = d.request("POST", f"/unsubscribe/{tok}", body="", auth=False)
    assert r.status == 404, r
    d.stop()


def test_unknown_or_malformed_token_is_404():
    pg, db, d, tok, person = _setup("en")
    for bad in [secrets.token_hex(32), "short", urllib.parse.quote("<x>")]:
        for method in ("GET", "POST"):
            r = d.request(method, f"/unsubscribe/{bad}", body="" if method == "POST" else None,
                          auth=False)
            assert r.status == 404, (method, bad, r)
    assert _follows(pg, db) == 1
    d.stop()
