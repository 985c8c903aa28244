#!/usr/bin/python3
"""registrations.py - registration and confirmation over HTTP (wrk + Lua,
16 and 64 connections, one event with room for everyone) against the
same SQL function convened calls, run by pgbench at the same connection
count on the same cluster with the same parameters:

- register: cv_register_local(event, unique email, name, organisation,
  country, role, language, two fresh tokens, no zone, '{}') - what
  reg_submit (daemon/reg.c) sends.  convened / that is the daemon's own
  overhead (HTTP, JSON, the pool); goal >= 0.8.  pgbench's one-row
  INSERT runs in the same rounds: how much work a registration is for
  the database.
- confirm: cv_confirm(token) over pending registrations (the token page's
  button, daemon/pages_token.c), each round on fresh tokens for both
  sides; goal >= 0.8.  And confirm against register, both convened, at
  the same connection count (issue 18: >= 0.7).

Every figure is the median of BENCH_ROUNDS interleaved rounds of
BENCH_SECONDS each (pgbench, wrk, pgbench, wrk ...)."""

import os

import benchlib as B

B_NAME = "registrations"
HERE = os.path.dirname(os.path.abspath(__file__))

INSERT_SQL = "\\set v random(1, 1000000000)\nINSERT INTO bench_insert (v) VALUES (:v);\n"

# :n counts this client's transactions (pgbench keeps a client's variables
# from one transaction to the next), so every address is new.
REGISTER_SQL = """\\set n :n + 1
SELECT registration_id, reg_state, created, resent FROM cv_register_local(:ev::bigint, 'pg-' || :run || '-' || :client_id || '-' || :n || '@example.org', 'Bench ' || :n, NULL, 'Org ' || (:n % 50), 'SE', 'official', 'en', md5(:run || :client_id || '-' || :n || 'a') || md5(:run || :client_id || '-' || :n || 'b'), md5(:run || :client_id || '-' || :n || 'c') || md5(:run || :client_id || '-' || :n || 'd'), NULL, '{}'::jsonb);
"""

# the K-th token of bench_tokens (this round's pending registrations made
# by pgbench), clients taking every NC-th
CONFIRM_SQL = """\\set n :n + 1
\\set k :client_id + 1 + (:n - 1) * :nc
\\if :k <= :have
SELECT registration_id, reg_state FROM cv_confirm((SELECT token FROM bench_tokens WHERE k = :k));
\\else
\\sleep 1 s
\\endif
"""


def rate(w):
    """wrk's rate of 2xx/3xx answers."""
    return w["rps"] * (1 - w["non2xx"] / max(w["requests"], 1))


def main():
    conns = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "16 64").split()]
    secs = B.SECONDS
    pg = B.cluster()
    try:
        db = pg.new_database()
        d = B.daemon(db, config={"database": {"pool_size": 8}})
        pg.psql(db, "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, v bigint, at timestamptz DEFAULT now())")
        pg.psql(db, "CREATE TABLE bench_tokens (k int PRIMARY KEY, token text NOT NULL)")
        for c in conns:
            ev = B.faultlib.make_event(pg, db, slug=f"bench{c}", capacity=1000000)
            notes = []

            # 1. register: pgbench cv_register_local, pgbench INSERT, convened
            def pg_register(i):
                p = B.pgbench(pg, db, c, secs, REGISTER_SQL, {"ev": ev, "run": f"'c{c}r{i}'", "n": 0})
                if p["failed"]:
                    notes.append(f"pgbench register round {i + 1}: {p['failed']} failed")
                return p["tps"]

            def pg_insert(i):
                return B.pgbench(pg, db, c, secs, INSERT_SQL)["tps"]

            def wrk_register(i):
                w = B.wrk(f"{d.url}/", c, secs, script=os.path.join(HERE, "wrk", "register.lua"),
                          env={"EVENT_ID": str(ev), "RUN": f"c{c}r{i}"})
                if w["non2xx"] or w["errors"]:
                    notes.append(f"convened register round {i + 1}: {w['non2xx']} non-2xx, "
                                 f"{w['errors']} socket errors")
                return rate(w)
            reg = B.rounds(pg_register, wrk_register, also={"insert": pg_insert}, label=f"register {c}")
            B.figure_rounds(B_NAME, f"register, {c} conn", reg, "req/s", "pgbench cv_register_local",
                            ratio_goal=(">=", 0.8), note="; ".join(notes))
            B.figure_rounds(B_NAME, f"register, {c} conn, against a 1-row INSERT", reg, "req/s",
                            "pgbench 1-row INSERT", ref="insert")
            B.figure_rounds(B_NAME, f"pgbench cv_register_local against a 1-row INSERT, {c} conn", reg,
                            "tps", "pgbench 1-row INSERT", ref="insert", conv=reg.ref,
                            note="the database's work for a registration, no daemon")

            # 2. confirm: each round on the pending registrations left, in
            # id order (pgbench's pg-* ones for pgbench, the rest for wrk)
            notes = []

            def pg_confirm(i):
                pg.psql(db, "TRUNCATE bench_tokens")
                pg.psql(db, """INSERT INTO bench_tokens
                               SELECT row_number() OVER (ORDER BY r.id), r.token
                                 FROM registrations r JOIN people p ON p.id = r.person_id
                                WHERE r.event_id = $1 AND r.state = 'pending' AND p.email LIKE 'pg-%'""", ev)
                have = int(pg.psql(db, "SELECT count(*) FROM bench_tokens")[0][0])
                p = B.pgbench(pg, db, c, secs, CONFIRM_SQL, {"n": 0, "nc": c, "have": have})
                if p["transactions"] + c > have:
                    notes.append(f"pgbench confirm round {i + 1} ran out of tokens "
                                 f"({p['transactions']} for {have})")
                if p["failed"]:
                    notes.append(f"pgbench confirm round {i + 1}: {p['failed']} failed")
                return p["tps"]

            def wrk_confirm(i):
                tokfile = os.path.join(B.OUT, f"tokens-{c}.txt")
                rows = pg.psql(db, """SELECT r.token FROM registrations r JOIN people p ON p.id = r.person_id
                                       WHERE r.event_id = $1 AND r.state = 'pending'
                                         AND p.email NOT LIKE 'pg-%' ORDER BY r.id""", ev)
                with open(tokfile, "w") as f:
                    f.write("\n".join(r[0] for r in rows) + "\n")
                w = B.wrk(f"{d.url}/", c, secs, script=os.path.join(HERE, "wrk", "confirm.lua"),
                          env={"TOKENS": tokfile, "THREADS": "2"})
                if w["requests"] > len(rows):
                    notes.append(f"convened confirm round {i + 1} ran out of tokens "
                                 f"({w['requests']} for {len(rows)})")
                if w["non2xx"] or w["errors"]:
                    notes.append(f"convened confirm round {i + 1}: {w['non2xx']} non-2xx, "
                                 f"{w['errors']} socket errors")
                return rate(w)
            conf = B.rounds(pg_confirm, wrk_confirm, label=f"confirm {c}")
            states = dict(pg.psql(db, "SELECT state::text, count(*) FROM registrations WHERE event_id = $1 "
                                  "GROUP BY 1", ev))
            B.say(f"registrations of event {ev} now: {states}")
            B.figure_rounds(B_NAME, f"confirm, {c} conn", conf, "req/s", "pgbench cv_confirm",
                            ratio_goal=(">=", 0.8), note="; ".join(notes))
            # convened's confirm rounds against its register rounds
            both = B.Rounds()
            both.ref, both.conv = reg.conv, conf.conv
            B.figure_rounds(B_NAME, f"confirm against register, {c} conn, one event", both, "req/s",
                            "convened register", ratio_goal=(">=", 0.7) if c >= 64 else None)
        d.stop()
    finally:
        pg.destroy()


if __name__ == "__main__":
    main()
