"""test_concurrency.py - seats are never oversold: 200 simultaneous
confirmations for 20 seats through two convened processes on one database
give exactly 20 seats and 180 distinct waiting-list places; simultaneous
cancellations promote the first waiting people, in order."""

import threading

import harness
import reg_fixtures as F

N, SEATS = 200, 20


def _all_at_once(fns):
    """Run every fn on its own thread, released together; return results."""
    barrier = threading.Barrier(len(fns))
    out = [None] * len(fns)

    def run(i, fn):
        barrier.wait()
        try:
            out[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the caller
            out[i] = e

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def test_200_confirmations_for_20_seats_on_two_daemons():
    pg = harness.cluster()
    db = pg.new_database()
    a = harness.Daemon(db)
    b = harness.Daemon(db)
    a.start(wait=False)
    b.start(wait=False)
    a.wait_ready(timeout=30)
    b.wait_ready(timeout=30)
    ev = F.event(pg, db, F.project(pg, db), capacity=SEATS)
    # 200 pending registrations, each with its own organisation
    pg.psql(db, """SELECT cv_register($1, 'p' || i || '@town' || i || '.eu', 'P' || i, NULL,
                                      'Town ' || i, 'SE', 'official', 'en',
                                      encode(sha256(('t' || i)::bytea), 'hex'),
                                      encode(sha256(('f' || i)::bytea), 'hex'))
                     FROM generate_series(1, $2) i""", ev, N)
    toks = [t for t, in pg.psql(db, "SELECT token FROM registrations WHERE event_id = $1 ORDER BY id", ev)]
    assert len(toks) == N

    daemons = (a, b)
    res = _all_at_once([lambda i=i, t=t: F.confirm(daemons[i % 2], t) for i, t in enumerate(toks)])
    bad = [r for r in res if not isinstance(r, harness.Response) or r.status != 303]
    assert not bad, bad[:3]

    counts = dict(pg.psql(db, "SELECT state, count(*) FROM registrations WHERE event_id = $1 GROUP BY 1", ev))
    assert counts == {"confirmed": str(SEATS), "waitlisted": str(N - SEATS)}, counts
    pos = [int(p) for p, in pg.psql(db, """SELECT waitlist_pos FROM registrations
                                          WHERE event_id = $1 AND state = 'waitlisted'""", ev)]
    assert sorted(pos) == list(range(1, N - SEATS + 1)), "waiting-list places not distinct"
    kinds = dict(pg.psql(db, """SELECT kind, count(*) FROM outbox
                               WHERE kind IN ('registration_confirmed', 'registration_waitlisted')
                               GROUP BY 1"""))
    assert kinds == {"registration_confirmed": str(SEATS), "registration_waitlisted": str(N - SEATS)}
    # both daemons did part of the work
    for d in daemons:
        m = d.metrics()
        served = sum(v for k, v in m.items() if k.startswith("convened_http_requests_total")
                     and "/r/{token}/confirm" in k)
        assert served > 0, f"daemon {d.port} confirmed nothing"

    # 10 seat holders cancel at once: the first 10 waiting people get the seats
    seated = [t for t, in pg.psql(db, """SELECT token FROM registrations WHERE event_id = $1
                                          AND state = 'confirmed' ORDER BY id LIMIT 10""", ev)]
    first10 = {t for t, in pg.psql(db, """SELECT token FROM registrations WHERE event_id = $1
                                          AND state = 'waitlisted' ORDER BY waitlist_pos LIMIT 10""", ev)}
    res = _all_at_once([lambda i=i, t=t: F.cancel(daemons[i % 2], t) for i, t in enumerate(seated)])
    assert all(isinstance(r, harness.Response) and r.status == 303 for r in res), res[:3]
    now_seated = {t for t, in pg.psql(db, """SELECT token FROM registrations WHERE event_id = $1
                                             AND state = 'confirmed'""", ev)}
    assert len(now_seated) == SEATS
    assert first10 <= now_seated
    assert pg.psql(db, "SELECT count(*) FROM registrations WHERE state = 'waitlisted'") == [(str(N - SEATS - 10),)]
    assert a.stop() == 0 and b.stop() == 0


def _register_sql(pg, db, ev, who, org):
    """A pending registration of WHO (an email local part) from ORG (a name,
    country SE) straight through cv_register; returns its token."""
    tok = pg.psql(db, """SELECT encode(sha256(('t-' || $2)::bytea), 'hex')""", ev, who)[0][0]
    pg.psql(db, """SELECT cv_register($1, $2 || '@x.eu', $2, NULL, $3, 'SE', 'official', 'en',
                                      encode(sha256(('t-' || $2)::bytea), 'hex'),
                                      encode(sha256(('f-' || $2)::bytea), 'hex'))""", ev, who, org)
    return tok


def _greedy(waiting, org_of, confirmed_per_org, cap, k):
    """The first K people of WAITING (tokens in waiting-list order) that
    promotion takes, one seat at a time, skipping those whose organisation
    is at CAP: what K cancellations that each free one seat must give."""
    per = dict(confirmed_per_org)
    out = []
    for t in waiting:
        if len(out) == k:
            break
        if per.get(org_of[t], 0) < cap:
            per[org_of[t]] = per.get(org_of[t], 0) + 1
            out.append(t)
    return out


def test_64_confirmations_with_org_caps_and_waiting_list_on_two_daemons():
    """Seats as rows (issue 18, item 3): 64 people of organisations with a
    cap of 3 (one of them merged from two, one of 12 people) confirm at once through two
    daemons for the 16 seats left: exactly 24 seats, no organisation over
    its cap (the merged one counted as one), every other person waiting on
    a distinct place, nobody lost.  Then 8 seat holders cancel while 8
    newcomers confirm, all at once: the freed seats go to the first waiting
    people the cap allows, in order, each exactly once, and the newcomers
    wait behind them."""
    cap, seats = 3, 24
    pg = harness.cluster()
    db = pg.new_database()
    a = harness.Daemon(db)
    b = harness.Daemon(db)
    a.start(wait=False)
    b.start(wait=False)
    a.wait_ready(timeout=30)
    b.wait_ready(timeout=30)
    ev = F.event(pg, db, F.project(pg, db), capacity=seats, org_cap=cap)
    # "Big 7 alias" was merged into "Big 7": its people count as Big 7's
    big7 = int(pg.psql(db, "INSERT INTO organisations (name, country) VALUES ('Big 7', 'SE') RETURNING id")[0][0])
    alias = int(pg.psql(db, "INSERT INTO organisations (name, country) VALUES ('Big 7 alias', 'SE') RETURNING id")[0][0])
    pg.psql(db, "SELECT cv_organisation_merge($1, $2)", alias, big7)

    # 8 seat holders of their own organisations, confirmed beforehand
    holders = [_register_sql(pg, db, ev, f"holder{i}", f"Holder {i}") for i in range(8)]
    for t in holders:
        assert pg.psql(db, "SELECT reg_state FROM cv_confirm($1)", t) == [("confirmed",)]
    # 64 racers: Big 0 of 12 people (many at once on one cap), 7 more
    # organisations of 5 (Big 7's two last by the alias's name) and 17
    # people of an organisation each
    org_name = {}
    racers = []
    for o in range(8):
        for i in range(12 if o == 0 else 5):
            name = "Big 7 alias" if o == 7 and i >= 3 else f"Big {o}"
            t = _register_sql(pg, db, ev, f"big{o}-{i}", name)
            racers.append(t)
            org_name[t] = f"Big {o}"
    for i in range(17):
        t = _register_sql(pg, db, ev, f"solo{i}", f"Solo {i}")
        racers.append(t)
        org_name[t] = f"Solo {i}"
    assert len(racers) == 64
    org_id = dict(pg.psql(db, "SELECT token, organisation_id FROM registrations WHERE event_id = $1", ev))
    # the alias's people landed on Big 7
    assert {org_id[t] for t in racers if org_name[t] == "Big 7"} == {str(big7)}

    # every decision holds its locks a little longer, as on a slow disk, so
    # that the confirmations in flight overlap (a test-only trigger)
    pg.psql(db, """CREATE FUNCTION test_slow_decision() RETURNS trigger LANGUAGE plpgsql AS
                   $$BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END$$;
                   CREATE TRIGGER test_slow_decision AFTER UPDATE OF state ON registrations
                   FOR EACH ROW EXECUTE FUNCTION test_slow_decision()""")

    daemons = (a, b)
    res = _all_at_once([lambda i=i, t=t: F.confirm(daemons[i % 2], t) for i, t in enumerate(racers)])
    bad = [r for r in res if not isinstance(r, harness.Response) or r.status != 303]
    assert not bad, bad[:3]

    def check(n_waiting, n_cancelled):
        counts = dict(pg.psql(db, "SELECT state, count(*) FROM registrations WHERE event_id = $1 GROUP BY 1", ev))
        want = {"confirmed": str(seats), "waitlisted": str(n_waiting)}
        if n_cancelled:
            want["cancelled"] = str(n_cancelled)
        assert counts == want, counts
        over = pg.psql(db, """SELECT organisation_id, count(*) FROM registrations
                              WHERE event_id = $1 AND state = 'confirmed'
                              GROUP BY 1 HAVING count(*) > $2""", ev, cap)
        assert over == [], over
        # every seat row is held by a distinct confirmed registration
        assert pg.psql(db, """SELECT count(*), count(DISTINCT s.registration_id),
                                     count(*) FILTER (WHERE r.state = 'confirmed')
                              FROM seats s LEFT JOIN registrations r ON r.id = s.registration_id
                              WHERE s.event_id = $1""", ev) == [(str(seats),) * 3]
        pos = [int(p) for p, in pg.psql(db, """SELECT waitlist_pos FROM registrations
                                              WHERE event_id = $1 AND state = 'waitlisted'""", ev)]
        assert len(set(pos)) == len(pos) == n_waiting, "waiting-list places not distinct"

    check(64 - 16, 0)
    pos = sorted(int(p) for p, in pg.psql(db, """SELECT waitlist_pos FROM registrations
                                                WHERE event_id = $1 AND state = 'waitlisted'""", ev))
    assert pos == list(range(1, 49)), pos
    # one mail per decision, no registration lost or decided twice
    kinds = dict(pg.psql(db, """SELECT kind, count(DISTINCT registration_id) || '/' || count(*) FROM outbox
                               WHERE kind IN ('registration_confirmed', 'registration_waitlisted')
                               GROUP BY 1"""))
    assert kinds == {"registration_confirmed": "24/24", "registration_waitlisted": "48/48"}, kinds
    for d in daemons:
        m = d.metrics()
        served = sum(v for k, v in m.items() if k.startswith("convened_http_requests_total")
                     and "/r/{token}/confirm" in k)
        assert served > 0, f"daemon {d.port} confirmed nothing"

    # the promotions the waiting list and the caps call for
    waiting = [t for t, in pg.psql(db, """SELECT token FROM registrations WHERE event_id = $1
                                          AND state = 'waitlisted' ORDER BY waitlist_pos""", ev)]
    per_org = dict((o, int(n)) for o, n in pg.psql(db, """SELECT organisation_id, count(*) FROM registrations
                                                       WHERE event_id = $1 AND state = 'confirmed'
                                                       GROUP BY 1""", ev))
    expected = _greedy(waiting, org_id, per_org, cap, 8)
    assert len(expected) == 8

    newcomers = [_register_sql(pg, db, ev, f"new{i}", f"New {i}") for i in range(8)]
    calls = [lambda i=i, t=t: F.cancel(daemons[i % 2], t) for i, t in enumerate(holders)]
    calls += [lambda i=i, t=t: F.confirm(daemons[i % 2], t) for i, t in enumerate(newcomers)]
    res = _all_at_once(calls)
    assert all(isinstance(r, harness.Response) and r.status == 303 for r in res), res[:3]

    check(48 - 8 + 8, 8)
    state = {t: (s, p) for t, s, p in pg.psql(db, """SELECT token, state, waitlist_pos FROM registrations
                                                    WHERE event_id = $1""", ev)}
    promoted = {t for t in racers if state[t][0] == "confirmed" and t in waiting}
    assert promoted == set(expected), (sorted(promoted), sorted(expected))
    # each promoted exactly once
    assert pg.psql(db, """SELECT count(*), count(DISTINCT registration_id) FROM outbox
                          WHERE kind = 'registration_promoted'""") == [("8", "8")]
    # the newcomers wait behind everyone who waited before them
    assert all(state[t][0] == "waitlisted" for t in newcomers), [state[t] for t in newcomers]
    assert sorted(int(state[t][1]) for t in newcomers) == list(range(49, 57))
    assert all(state[t][0] == "cancelled" for t in holders)
    assert a.stop() == 0 and b.stop() == 0


def _seat_rows(pg, db, ev):
    """(seat rows, taken, taken by a confirmed registration) of event EV."""
    return tuple(int(x) for x in pg.psql(db, """
        SELECT count(*), count(s.registration_id), count(*) FILTER (WHERE r.state = 'confirmed')
          FROM seats s LEFT JOIN registrations r ON r.id = s.registration_id
         WHERE s.event_id = $1""", ev)[0])


def test_017_gives_existing_events_their_seat_rows():
    """sql/017_seat_rows.sql on a database with events and registrations:
    a taken seat for each confirmed registration, free ones up to the
    capacity, none beyond it or without a capacity; then the rows work."""
    import os
    import shutil
    import tempfile
    pg = harness.cluster()
    db = pg.new_database()
    sql = os.path.join(tempfile.mkdtemp(prefix="convened-sql-"), "sql")
    shutil.copytree(os.path.join(harness.REPO, "sql"), sql)
    aside = os.path.join(os.path.dirname(sql), "017_seat_rows.sql")
    shutil.move(os.path.join(sql, "017_seat_rows.sql"), aside)
    d = harness.Daemon(db, config={"convened": {"sql_dir": sql}})
    assert harness.run_convened("--migrate", "-c", d.conf).returncode == 0
    # the data of a database before 017 (today's triggers, which need the
    # seat rows, are not run)
    p = F.project(pg, db)
    pg.psql(db, """SET session_replication_role = replica;
        INSERT INTO people (email, name, feed_token)
        SELECT 'p' || i || '@x.eu', 'P' || i, 'f' || i FROM generate_series(1, 12) i;
        INSERT INTO events (id, project_id, kind, title, tz, start_local, end_local, start_at, end_at,
                            status, capacity, uid)
        SELECT i, $1, 'seminar', 'E' || i, 'UTC', now() + interval '9 days',
               now() + interval '10 days', now() + interval '9 days', now() + interval '10 days',
               'published', c, 'e' || i || '@t'
          FROM (VALUES (1, 3), (2, 2), (3, NULL)) v(i, c);
        SELECT setval('events_id_seq', 3);
        INSERT INTO registrations (event_id, person_id, state, waitlist_pos, token)
        VALUES (1, 1, 'confirmed', NULL, 't1'), (1, 2, 'confirmed', NULL, 't2'),
               (1, 3, 'cancelled', NULL, 't3'), (1, 4, 'pending', NULL, 't4'),
               (2, 5, 'confirmed', NULL, 't5'), (2, 6, 'confirmed', NULL, 't6'),
               (2, 7, 'confirmed', NULL, 't7'), (2, 8, 'waitlisted', 1, 't8'),
               (3, 9, 'confirmed', NULL, 't9'), (3, 10, 'confirmed', NULL, 't10')""", p)
    shutil.move(aside, os.path.join(sql, "017_seat_rows.sql"))
    r = harness.run_convened("--migrate", "-c", d.conf)
    assert r.returncode == 0, r.stderr
    assert pg.psql(db, "SELECT to_regclass('event_seats') IS NULL") == [("t",)]
    assert _seat_rows(pg, db, 1) == (3, 2, 2)
    assert _seat_rows(pg, db, 2) == (3, 3, 3)   # over the capacity: every seat kept
    assert _seat_rows(pg, db, 3) == (0, 0, 0)   # no capacity, no rows
    # the free seat is taken by a confirmation; B's extra row goes when
    # its holder cancels, and the seat left is the waiting person's
    assert pg.psql(db, "SELECT reg_state FROM cv_confirm('t4')") == [("confirmed",)]
    assert _seat_rows(pg, db, 1) == (3, 3, 3)
    assert pg.psql(db, "SELECT promoted FROM cv_cancel_registration('t5', NULL)") == [("0",)]
    assert _seat_rows(pg, db, 2) == (2, 2, 2)
    assert pg.psql(db, "SELECT promoted FROM cv_cancel_registration('t6', NULL)") == [("1",)]
    assert pg.psql(db, "SELECT state FROM registrations WHERE token = 't8'") == [("confirmed",)]
    assert _seat_rows(pg, db, 2) == (2, 2, 2)


def test_capacity_changes_keep_the_seat_rows_in_step():
    """PATCH capacity down below the seats taken keeps them (nobody is
    promoted until enough cancel), up promotes in order, none and back
    again rebuilds the rows from the confirmed registrations; walk-ins may
    go over the capacity."""
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=3)
    assert _seat_rows(pg, db, ev) == (3, 0, 0)
    toks = [_register_sql(pg, db, ev, f"c{i}", f"Org {i}") for i in range(6)]
    for t in toks:
        pg.psql(db, "SELECT cv_confirm($1)", t)
    assert _seat_rows(pg, db, ev) == (3, 3, 3)
    st = lambda: [s for s, in pg.psql(db, "SELECT state FROM registrations WHERE event_id = $1 ORDER BY id", ev)]  # noqa: E731
    assert st() == ["confirmed"] * 3 + ["waitlisted"] * 3

    def patch(cap):
        r = d.patch(f"/api/events/{ev}", {"capacity": cap})
        assert r.status == 200, r
    patch(1)
    assert _seat_rows(pg, db, ev) == (3, 3, 3)
    assert pg.psql(db, "SELECT promoted FROM cv_cancel_registration($1, NULL)", toks[0]) == [("0",)]
    assert _seat_rows(pg, db, ev) == (2, 2, 2)
    patch(4)
    assert _seat_rows(pg, db, ev) == (4, 4, 4)
    assert st() == ["cancelled"] + ["confirmed"] * 4 + ["waitlisted"]
    patch(None)   # no capacity: no rows, and the waiting person has a seat
    assert _seat_rows(pg, db, ev) == (0, 0, 0)
    assert st() == ["cancelled"] + ["confirmed"] * 5
    patch(2)      # back below the confirmed: a row for each of them
    assert _seat_rows(pg, db, ev) == (5, 5, 5)
    patch(6)
    assert _seat_rows(pg, db, ev) == (6, 5, 5)
    patch(5)
    assert _seat_rows(pg, db, ev) == (5, 5, 5)
    # a walk-in on a full event: one more row, held
    pg.psql(db, """INSERT INTO people (email, name, feed_token) VALUES ('w@x.eu', 'W', 'fw');
                   INSERT INTO registrations (event_id, person_id, state, token, confirmed_at)
                   SELECT $1, id, 'confirmed', 'walkin', now() FROM people WHERE email = 'w@x.eu'""", ev)
    assert _seat_rows(pg, db, ev) == (6, 6, 6)
    assert d.stop() == 0
