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
