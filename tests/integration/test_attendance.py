"""test_attendance.py - who actually came (issue 14, item 1), through the
admin API of the real daemon on real PostgreSQL: a confirmed registration
is marked attended or no_show on each day of a three-day event, undone
with state "none" and with DELETE, and a walk-in is added on the spot and
counted.  Refusals (a registration not confirmed, a day outside the
event, too early or too late unless overridden, a walk-in already
registered) name the field and change nothing."""

import reg_fixtures as F

TZ = "Europe/Rome"


def _move(pg, db, ev, first, days=3):
    """Make EV run DAYS days from today + FIRST (days, in its zone), 09:00
    on the first day to 17:00 on the last."""
    pg.psql(db, """UPDATE events SET start_local = s, end_local = e,
                                     start_at = s AT TIME ZONE tz, end_at = e AT TIME ZONE tz
                     FROM (SELECT ((now() AT TIME ZONE $2)::date + $3::int) + time '09:00' AS s,
                                  ((now() AT TIME ZONE $2)::date + $3::int + $4::int - 1)
                                      + time '17:00' AS e) t
                    WHERE id = $1""", ev, TZ, first, days)


def _days(pg, db, ev):
    return [r[0] for r in pg.psql(db, """SELECT d::date::text FROM events,
                                            generate_series(start_local::date, end_local::date,
                                                            interval '1 day') d
                                          WHERE id = $1 ORDER BY d""", ev)]


def _reg_id(pg, db, ev, email):
    return int(pg.psql(db, """SELECT r.id FROM registrations r JOIN people p ON p.id = r.person_id
                              WHERE r.event_id = $1 AND p.email = $2""", ev, email)[0][0])


def _confirmed(pg, db, d, ev, email, name):
    assert F.register(d, ev, email, name=name, org="Comune di Rimini",
                      country="IT").status == 202
    assert F.confirm(d, F.token(pg, db, ev, email)).status == 303
    return _reg_id(pg, db, ev, email)


def _ok(r):
    assert r.status == 200, r.text
    return r


def _marks(pg, db):
    return pg.psql(db, """SELECT registration_id, day::text, state, marked_by FROM attendance
                          ORDER BY registration_id, day""")


def _state(pg, db):
    """Everything a refusal must leave alone."""
    return (_marks(pg, db),
            pg.psql(db, "SELECT id, state, origin FROM registrations ORDER BY id"),
            pg.psql(db, "SELECT count(*) FROM people"))


def _refused(pg, db, d, path, body, status, field):
    before = _state(pg, db)
    r = d.post(path, body)
    assert r.status == status, r.text
    err = r.json()["error"]
    assert err["field"] == field, err
    assert err["message"]
    assert _state(pg, db) == before
    return err


def test_marks_per_day_of_a_three_day_event_and_undo():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    anna = _confirmed(pg, db, d, ev, "anna@rimini.it", "Anna Bianchi")
    bo = _confirmed(pg, db, d, ev, "bo@malmo.se", "Bo Ek")
    _move(pg, db, ev, -1)  # yesterday, today, tomorrow
    day1, day2, day3 = _days(pg, db, ev)
    path = f"/api/events/{ev}/attendance"

    got = d.get(path).json()
    assert got["days"] == [day1, day2, day3]
    assert [x["registration"] for x in got["registrations"]] == [anna, bo]
    assert all(x["marks"] == {} for x in got["registrations"])

    r = d.post(path, {"registration": anna, "day": day1, "state": "attended",
                      "by": "Desk 1"})
    assert r.status == 200, r.text
    assert r.json()["marks"][day1]["state"] == "attended"
    assert r.json()["marks"][day1]["marked_by"] == "Desk 1"
    _ok(d.post(path, {"registration": anna, "day": day2,
                         "state": "no_show"}))
    _ok(d.post(path, {"registration": anna, "day": day3,
                         "state": "attended"}))
    _ok(d.post(path, {"registration": bo, "day": day2,
                         "state": "attended"}))
    assert _marks(pg, db) == [(str(anna), day1, "attended", "Desk 1"),
                              (str(anna), day2, "no_show", "admin API"),
                              (str(anna), day3, "attended", "admin API"),
                              (str(bo), day2, "attended", "admin API")]
    got = d.get(path).json()
    assert got["counts"] == {day1: {"attended": 1, "no_show": 0},
                             day2: {"attended": 1, "no_show": 1},
                             day3: {"attended": 1, "no_show": 0}}
    assert sorted(got["registrations"][0]["marks"]) == [day1, day2, day3]

    # marking again replaces the mark (no_show -> attended)
    _ok(d.post(path, {"registration": anna, "day": day2, "state": "attended",
                         "by": "Desk 2"}))
    assert d.get(path).json()["counts"][day2] == {"attended": 2, "no_show": 0}
    # undo: state "none", then DELETE
    r = d.post(path, {"registration": anna, "day": day2, "state": "none"})
    assert r.status == 200, r.text
    assert sorted(r.json()["marks"]) == [day1, day3]
    r = d.delete(f"{path}/{bo}/{day2}")
    assert r.status == 200, r.text
    assert r.json()["marks"] == {}
    assert _marks(pg, db) == [(str(anna), day1, "attended", "Desk 1"),
                              (str(anna), day3, "attended", "admin API")]
    # without the admin token nothing answers
    assert d.get(path, auth=False).status == 401
    assert d.post(path, {"registration": bo, "day": day1, "state": "attended"},
                  auth=False).status == 401
    assert len(_marks(pg, db)) == 2


def test_refusals_name_the_field_and_change_nothing():
    pg, db, d = F.start()
    proj = F.project(pg, db)
    ev = F.event(pg, db, proj, tz=TZ, capacity=1)
    anna = _confirmed(pg, db, d, ev, "anna@rimini.it", "Anna Bianchi")
    # Bo is on the waiting list, Cai never confirmed
    assert F.register(d, ev, "bo@malmo.se", name="Bo Ek").status == 202
    assert F.confirm(d, F.token(pg, db, ev, "bo@malmo.se")).status == 303
    bo = _reg_id(pg, db, ev, "bo@malmo.se")
    assert F.register(d, ev, "cai@poznan.pl", name="Cai").status == 202
    cai = _reg_id(pg, db, ev, "cai@poznan.pl")
    _move(pg, db, ev, -1)
    day1, day2, day3 = _days(pg, db, ev)
    path = f"/api/events/{ev}/attendance"
    _ok(d.post(path, {"registration": anna, "day": day1,
                         "state": "attended"}))

    for reg in (bo, cai):
        err = _refused(pg, db, d, path, {"registration": reg, "day": day2,
                                         "state": "attended"}, 409, "registration")
        assert "confirmed" in err["message"]
    # a day before or after the event
    for day in (pg.psql(db, "SELECT ($1::date - 1)::text", day1)[0][0],
                pg.psql(db, "SELECT ($1::date + 1)::text", day3)[0][0]):
        _refused(pg, db, d, path, {"registration": anna, "day": day, "state": "attended"},
                 422, "day")
    # another event's registration, an unknown state, a malformed day
    other = F.event(pg, db, proj, title="Other")
    _refused(pg, db, d, f"/api/events/{other}/attendance",
             {"registration": anna, "day": day1, "state": "attended"}, 404, "registration")
    _refused(pg, db, d, path, {"registration": anna, "day": day1, "state": "present"},
             422, "state")
    _refused(pg, db, d, path, {"registration": anna, "day": "2027-02-30",
                               "state": "attended"}, 422, "day")
    # a walk-in who is already registered: mark that registration instead
    _refused(pg, db, d, f"/api/events/{ev}/walk-ins",
             {"name": "Cai", "email": "cai@poznan.pl", "day": day2}, 409, "email")
    assert _marks(pg, db) == [(str(anna), day1, "attended", "admin API")]


def test_too_early_and_too_late_unless_overridden():
    pg, db, d = F.start()
    proj = F.project(pg, db)
    early = F.event(pg, db, proj, tz=TZ, title="Later")
    late = F.event(pg, db, proj, tz=TZ, title="Long ago")
    ok = F.event(pg, db, proj, tz=TZ, title="Tomorrow")
    a = _confirmed(pg, db, d, early, "anna@rimini.it", "Anna")
    b = _confirmed(pg, db, d, late, "anna@rimini.it", "Anna")
    c = _confirmed(pg, db, d, ok, "anna@rimini.it", "Anna")
    _move(pg, db, early, 2)     # starts the day after tomorrow: too early
    _move(pg, db, late, -40)    # ended 38 days ago, more than 30: too late
    _move(pg, db, ok, 1)        # starts tomorrow: marks allowed from today

    for ev, reg, word in ((early, a, "from"), (late, b, "until")):
        path = f"/api/events/{ev}/attendance"
        day = _days(pg, db, ev)[0]
        err = _refused(pg, db, d, path, {"registration": reg, "day": day,
                                         "state": "attended"}, 409, "day")
        assert word in err["message"], err
        _refused(pg, db, d, f"/api/events/{ev}/walk-ins",
                 {"name": "Eva", "email": "eva@kunta.fi", "day": day}, 409, "day")
        # the admin overrides
        r = d.post(path, {"registration": reg, "day": day, "state": "attended",
                          "override": True})
        assert r.status == 200, r.text
        assert r.json()["marks"][day]["state"] == "attended"
    day = _days(pg, db, ok)[0]
    _ok(d.post(f"/api/events/{ok}/attendance",
                  {"registration": c, "day": day, "state": "no_show"}))
    # the window follows the setting
    pg.psql(db, "UPDATE attendance_settings SET mark_until_after = '60 days'")
    day = _days(pg, db, late)[1]
    _ok(d.post(f"/api/events/{late}/attendance",
                  {"registration": b, "day": day, "state": "no_show"}))
    assert len(_marks(pg, db)) == 4


def test_walk_in_is_added_attended_and_counted():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), tz=TZ)
    anna = _confirmed(pg, db, d, ev, "anna@rimini.it", "Anna Bianchi")
    _move(pg, db, ev, 0)
    day1 = _days(pg, db, ev)[0]
    org = int(pg.psql(db, """INSERT INTO organisations (name, country) VALUES
                             ('Gmina Poznań', 'PL') RETURNING id""")[0][0])
    mails = pg.psql(db, "SELECT count(*) FROM outbox")
    r = d.post(f"/api/events/{ev}/walk-ins",
               {"name": "Łukasz Żółć", "email": "lukasz@poznan.pl", "organisation": org,
                "by": "Desk 1"})
    assert r.status == 201, r.text
    w = r.json()
    assert (w["origin"], w["state"], w["name"], w["organisation"]) == \
        ("walk_in", "confirmed", "Łukasz Żółć", "Gmina Poznań")
    assert w["marks"] == {day1: {"state": "attended", "marked_at": w["marks"][day1]["marked_at"],
                                 "marked_by": "Desk 1"}}
    _ok(d.post(f"/api/events/{ev}/attendance",
                  {"registration": anna, "day": day1, "state": "attended"}))
    got = d.get(f"/api/events/{ev}/attendance").json()
    assert got["walk_ins"] == 1
    assert got["counts"][day1] == {"attended": 2, "no_show": 0}
    assert {x["name"] for x in got["registrations"]} == {"Anna Bianchi", "Łukasz Żółć"}
    # a walk-in is not sent a confirmation request
    assert pg.psql(db, "SELECT count(*) FROM outbox") == mails
    # the same person again is refused, and a malformed body changes nothing
    _refused(pg, db, d, f"/api/events/{ev}/walk-ins",
             {"name": "Łukasz", "email": "LUKASZ@poznan.pl"}, 409, "email")
    _refused(pg, db, d, f"/api/events/{ev}/walk-ins",
             {"name": "Eva", "email": "not an address"}, 422, "email")
    _refused(pg, db, d, f"/api/events/{ev}/walk-ins",
             {"name": "Eva", "email": "eva@kunta.fi", "organisation": 999999}, 422,
             "organisation")
    assert d.get("/api/events/999999/attendance").status == 404
