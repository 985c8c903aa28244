"""reg_fixtures.py - shared set-up for the registration tests: projects and
events written straight into PostgreSQL, registrations through HTTP, and
the tokens read back from the database (the daemon never reveals them)."""

import urllib.parse

import harness


def start(config=None):
    """A fresh database and a started daemon: (pg, db, daemon)."""
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config=config)
    d.start()
    return pg, db, d


def project(pg, db, slug="net", title="The Network"):
    return int(pg.psql(db, "INSERT INTO projects (slug, title) VALUES ($1, $2) RETURNING id",
                       slug, title)[0][0])


def event(pg, db, project_id, title="Seminar", capacity=None, org_cap=None, status="published",
          tz="Europe/Rome", starts_in="30 days", opens=None, closes=None, city="Rimini",
          country="IT", venue="Palazzo"):
    """Insert an event starting STARTS_IN from now (an interval) and return
    its id.  opens/closes: timestamptz literals for the window, or None."""
    rows = pg.psql(
        db,
        """
        INSERT INTO events (project_id, kind, title, tz, start_local, end_local, start_at,
                            end_at, status, capacity, org_cap, reg_opens_at, reg_closes_at,
                            uid, city, country, venue)
        SELECT $1, 'seminar', $2, $3, s AT TIME ZONE $3, (s + interval '3 hours') AT TIME ZONE $3,
               s, s + interval '3 hours', $4::item_status, $5::integer, $6::integer,
               $7::timestamptz, $8::timestamptz, gen_random_uuid()::text || '@test', $10, $11, $12
          FROM (SELECT date_trunc('hour', now() + $9::interval) AS s) t
        RETURNING id
        """,
        project_id, title, tz, status, capacity, org_cap, opens, closes, starts_in, city,
        country, venue,
    )
    return int(rows[0][0])


def register(d, event_id, email, name="Anna", org="Kommun", country="SE", role="official",
             language="en", **extra):
    body = {"email": email, "name": name, "organisation": org, "country": country,
            "role": role, "language": language}
    body.update(extra)
    body = {k: v for k, v in body.items() if v is not None}
    return d.post(f"/api/public/events/{event_id}/registrations", body, auth=False)


def token(pg, db, event_id, email):
    rows = pg.psql(db, """SELECT r.token FROM registrations r JOIN people p ON p.id = r.person_id
                          WHERE r.event_id = $1 AND lower(p.email) = lower($2)""", event_id, email)
    assert len(rows) == 1, rows
    return rows[0][0]


def confirm(d, tok):
    return d.post(f"/r/{tok}/confirm", b"", auth=False,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})


def cancel(d, tok):
    return d.post(f"/r/{tok}/cancel", b"", auth=False,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})


def form(d, path, fields, headers=None):
    """POST an urlencoded form (a dict, or a list of pairs, or raw bytes)."""
    if isinstance(fields, (bytes, str)):
        body = fields if isinstance(fields, bytes) else fields.encode()
    else:
        body = urllib.parse.urlencode(fields).encode()
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return d.post(path, body, auth=False, headers=h)


def states(pg, db, event_id):
    """{email: (state, waitlist_pos)} for the event."""
    rows = pg.psql(db, """SELECT p.email, r.state, r.waitlist_pos FROM registrations r
                          JOIN people p ON p.id = r.person_id WHERE r.event_id = $1""", event_id)
    return {e: (s, int(w) if w is not None else None) for e, s, w in rows}


def outbox(pg, db, kind=None):
    """[(kind, recipient, registration_id)] of registration_* rows (or of
    KIND) in id order; reminders scheduled by the outbox are left out."""
    rows = pg.psql(db, """SELECT kind, recipient, registration_id FROM outbox
                          WHERE ($1::text IS NULL AND kind LIKE 'registration\\_%')
                             OR kind = $1 ORDER BY id""", kind)
    return rows


def snapshot(pg, db):
    """Everything a bad request must leave unchanged."""
    return pg.psql(db, """SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM organisations),
                                 (SELECT count(*) FROM registrations), (SELECT count(*) FROM outbox),
                                 (SELECT count(*) FROM deadline_followers),
                                 (SELECT coalesce(string_agg(id || state::text || coalesce(waitlist_pos, 0)
                                         || updated_at::text, ',' ORDER BY id), '') FROM registrations)""")
