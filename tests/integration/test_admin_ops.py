"""test_admin_ops.py - what the secretariat does beyond creating things
(issue 16, item 4): the outbox a page at a time, retrying a failed
notification, resending a person's link, listing and removing a project's
followers; through the API and convenectl, against the real daemon, its
spool channel and a real PostgreSQL."""

import json
import re

import harness
import reg_fixtures as F


def _outbox_ids(pg, db):
    return [int(r[0]) for r in pg.psql(db, "SELECT id FROM outbox ORDER BY id DESC")]


def test_outbox_pages_and_retry():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db))
    for i in range(5):
        assert F.register(d, ev, f"p{i}@example.org", name=f"P{i}").status == 202
    harness.wait_until(lambda: len(d.maildir_messages()) == 5, timeout=20)
    want = _outbox_ids(pg, db)
    assert len(want) >= 5

    # pages of 2, newest first, each row once, the last page says so
    seen, before = [], None
    while True:
        q = "/api/outbox?limit=2" + (f"&before={before}" if before else "")
        page = d.get(q).json()
        assert page["count"] == len(page["outbox"]) <= 2
        seen += [r["id"] for r in page["outbox"]]
        before = page["next_before"]
        if before is None:
            break
        assert before == page["outbox"][-1]["id"]
    assert seen == want

    # refusals name the parameter and change nothing
    for q, field in (("before=x", "before"), ("limit=0", "limit"), ("limit=1001", "limit"),
                     ("limit=2&before=-1", "before"), ("page=2", "page")):
        r = d.get(f"/api/outbox?{q}")
        assert r.status in (400, 422) and r.json()["error"]["field"] == field, (q, r)

    # a failed notification goes again, once, from the real scheduler
    rid = want[-1]
    pg.psql(db, "UPDATE outbox SET state = 'failed', attempts = 5, "
                "last_error = 'smtp: 451 try later' WHERE id = $1", rid)
    before = F.snapshot(pg, db)
    for bad, status in ((want[0], 409), (999999, 404)):
        r = d.post(f"/api/outbox/{bad}/retry", b"")
        assert r.status == status, r
    assert F.snapshot(pg, db) == before
    assert pg.psql(db, "SELECT state FROM outbox WHERE id = $1", want[0]) == [("sent",)]
    r = d.post(f"/api/outbox/{rid}/retry", b"")
    assert r.status == 200 and r.json() == {"id": rid, "state": "pending"}, r
    harness.wait_until(lambda: len(d.maildir_messages()) == 6, timeout=20)
    assert pg.psql(db, "SELECT state, attempts FROM outbox WHERE id = $1", rid) == [("sent", "1")]
    # the same mail as the first time: the same recipient and Message-ID
    to = pg.psql(db, "SELECT recipient FROM outbox WHERE id = $1", rid)[0][0]
    twice = [m for m in d.maildir_messages() if m["To"].addresses[0].addr_spec == to]
    assert len(twice) == 2 and twice[0]["Message-ID"] == twice[1]["Message-ID"]

    # convenectl: a page and the hint to the next one; retry
    r = d.ctl("outbox", "--limit", "2")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^\(more: --before \d+\)$", r.stderr, re.M), r.stderr
    assert len(r.stdout.strip().splitlines()) == 3  # head + 2 rows
    r = d.ctl("--json", "outbox", "--state", "sent", "--limit", "1000")
    assert json.loads(r.stdout)["next_before"] is None
    r = d.ctl("outbox", "retry", str(rid))
    assert r.returncode == 1 and "only a failed one can be retried" in r.stderr, r


def test_resend_link_follows_the_registration_state():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=1)
    assert F.register(d, ev, "ana@example.org", name="Ana").status == 202
    assert F.register(d, ev, "bo@example.org", name="Bo").status == 202
    ta, tb = F.token(pg, db, ev, "ana@example.org"), F.token(pg, db, ev, "bo@example.org")
    regs = dict(pg.psql(db, "SELECT p.email, r.id FROM registrations r JOIN people p "
                            "ON p.id = r.person_id"))
    harness.wait_until(lambda: len(d.maildir_messages()) == 2, timeout=20)

    # pending: the confirmation request again, with the same link
    r = d.post(f"/api/registrations/{regs['ana@example.org']}/resend", b"")
    assert r.status == 202 and r.json()["kind"] == "registration_confirm_request", r
    harness.wait_until(lambda: len(d.maildir_messages()) == 3, timeout=20)
    to_ana = [m for m in d.maildir_messages()
              if m["To"].addresses[0].addr_spec == "ana@example.org"]
    assert len(to_ana) == 2
    assert all(ta in m.get_body(("plain",)).get_content() for m in to_ana)
    assert to_ana[0]["Message-ID"] != to_ana[1]["Message-ID"]

    # confirmed -> the confirmation; waitlisted -> the waiting-list mail
    assert F.confirm(d, ta).status in (200, 303)
    assert F.confirm(d, tb).status in (200, 303)
    assert F.states(pg, db, ev)["bo@example.org"][0] == "waitlisted"
    kinds = {}
    for who in ("ana@example.org", "bo@example.org"):
        r = d.ctl("--json", "registration", "resend", regs[who])
        assert r.returncode == 0, r.stderr
        kinds[who] = json.loads(r.stdout)["kind"]
    assert kinds == {"ana@example.org": "registration_confirmed",
                     "bo@example.org": "registration_waitlisted"}

    # cancelled or unknown: refused, nothing written
    assert F.cancel(d, tb).status in (200, 303)
    before = F.snapshot(pg, db)
    r = d.post(f"/api/registrations/{regs['bo@example.org']}/resend", b"")
    assert r.status == 409 and r.json()["error"]["field"] == "state", r
    assert d.post("/api/registrations/999999/resend", b"").status == 404
    assert d.post("/api/registrations/x/resend", b"").status == 404
    assert F.snapshot(pg, db) == before


def test_followers_list_and_remove():
    pg, db, d = F.start()
    pid = F.project(pg, db, slug="grants")
    for i in range(3):
        r = d.post("/api/public/subscriptions", {"project": "grants", "email": f"f{i}@x.fi",
                                                 "name": f"F{i}", "language": "fi"}, auth=False)
        assert r.status == 202
    people = [int(p) for (p,) in pg.psql(db, "SELECT person_id FROM deadline_followers "
                                             "ORDER BY person_id DESC")]
    page = d.get("/api/projects/grants/followers?limit=2").json()
    assert [f["person"] for f in page["followers"]] == people[:2]
    assert page["next_before"] == people[1]
    rest = d.get(f"/api/projects/grants/followers?before={people[1]}").json()
    assert [f["person"] for f in rest["followers"]] == people[2:] and rest["next_before"] is None
    assert {f["email"] for f in page["followers"] + rest["followers"]} == \
        {"f0@x.fi", "f1@x.fi", "f2@x.fi"}
    assert all(f["confirmed"] is False and f["language"] == "fi" for f in rest["followers"])

    # removing one cancels what was pending for them in that project
    gone = people[0]
    pending = pg.psql(db, "SELECT count(*) FROM outbox WHERE person_id = $1 AND "
                          "state IN ('pending', 'sending')", gone)
    r = d.ctl("followers", "remove", "grants", str(gone))
    assert r.returncode == 0, r.stderr
    assert pg.psql(db, "SELECT count(*) FROM deadline_followers WHERE person_id = $1",
                   gone) == [("0",)]
    assert pg.psql(db, "SELECT count(*) FROM outbox WHERE person_id = $1 AND "
                       "state = 'pending'", gone) == [("0",)], pending
    r = d.ctl("followers", "list", "grants")
    assert r.returncode == 0, r.stderr
    listed = [ln.split()[0] for ln in r.stdout.splitlines()[1:]]
    assert listed == [str(p) for p in people[1:]], r.stdout

    # refusals: unknown project, not a follower, bad ids; nothing changes
    before = F.snapshot(pg, db)
    assert d.get("/api/projects/nope/followers").status == 404
    assert d.get("/api/projects/Bad%20Slug/followers").status == 404
    r = d.delete(f"/api/projects/grants/followers/{gone}")
    assert r.status == 404 and r.json()["error"]["field"] == "person", r
    assert d.delete("/api/projects/grants/followers/abc").status == 404
    assert d.get("/api/projects/grants/followers?limit=x").status == 422
    assert d.get("/api/projects/grants/followers", auth=False).status == 401
    assert F.snapshot(pg, db) == before
    assert pid
