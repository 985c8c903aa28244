#!/usr/bin/python3
"""registrations.py - registration and confirmation over HTTP (wrk + Lua,
16 and 64 connections) against a 10,000-seat event, versus pgbench running
a single-row INSERT transaction at the same concurrency on the same
cluster.  Goal: convened >= 50 % of pgbench's TPS."""

import os
import subprocess
import tempfile

import benchlib as B

B_NAME = "registrations"


def pgbench_insert(pg, db, clients, seconds):
    pg.psql(db, "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, v bigint, at timestamptz DEFAULT now())")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("\\set v random(1, 1000000000)\nINSERT INTO bench_insert (v) VALUES (:v);\n")
        script = f.name
    os.chmod(script, 0o644)
    dbname = db.split("dbname=")[1].split()[0]
    argv = ["pgbench", "-n", "-h", pg.sockdir, "-p", str(pg.port), "-U", "postgres",
            "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", script, dbname]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    os.unlink(script)
    for line in r.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError(f"pgbench failed:\n{r.stdout}\n{r.stderr}")


def main():
    conns = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "16 64").split()]
    secs = B.SECONDS
    pg = B.cluster()
    try:
        db = pg.new_database()
        d = B.daemon(db, config={"database": {"pool_size": 8}})
        ev = B.faultlib.make_event(pg, db, slug="bench", capacity=10000)
        here = os.path.dirname(os.path.abspath(__file__))
        for c in conns:
            # 1. registrations
            w = B.wrk(f"{d.url}/", c, secs, script=os.path.join(here, "wrk", "register.lua"),
                      env={"EVENT_ID": str(ev), "RUN": f"c{c}"})
            B.say(f"register, {c} connections: {w['requests']} requests, {w['non2xx']} non-2xx, {w['errors']} socket errors")
            reg_rps = w["rps"] * (1 - w["non2xx"] / max(w["requests"], 1))
            # 2. confirmations of the pending registrations just made
            tokfile = os.path.join(B.OUT, f"tokens-{c}.txt")
            rows = pg.psql(db, "SELECT token FROM registrations WHERE state = 'pending' ORDER BY id")
            with open(tokfile, "w") as f:
                f.write("\n".join(r[0] for r in rows) + "\n")
            w2 = B.wrk(f"{d.url}/", c, secs, script=os.path.join(here, "wrk", "confirm.lua"),
                       env={"TOKENS": tokfile, "THREADS": "2"})
            repeats = max(0, w2["requests"] - len(rows))
            B.say(f"confirm, {c} connections: {w2['requests']} requests for {len(rows)} tokens "
                  f"({repeats} repeated), {w2['non2xx']} non-2xx, {w2['errors']} socket errors")
            conf_rps = w2["rps"] * (1 - w2["non2xx"] / max(w2["requests"], 1))
            states = dict(pg.psql(db, "SELECT state::text, count(*) FROM registrations WHERE event_id = $1 GROUP BY 1", ev))
            B.say(f"registrations now: {states}")
            # 3. the reference, same cluster and concurrency
            tps = pgbench_insert(pg, db, c, secs)
            pair = 1.0 / (1.0 / reg_rps + 1.0 / conf_rps) if reg_rps and conf_rps else 0.0
            B.figure(B_NAME, f"register, {c} conn", reg_rps, tps, "req/s", "pgbench 1-row INSERT", ">= 0.50")
            B.figure(B_NAME, f"confirm, {c} conn", conf_rps, tps, "req/s", "pgbench 1-row INSERT", ">= 0.50",
                     note=f"{repeats} repeated confirmations" if repeats else "")
            B.figure(B_NAME, f"register+confirm pairs, {c} conn", pair, tps, "pairs/s", "pgbench 1-row INSERT", ">= 0.50")
        d.stop()
    finally:
        pg.destroy()


if __name__ == "__main__":
    main()
