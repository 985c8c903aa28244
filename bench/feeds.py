#!/usr/bin/python3
"""feeds.py - a 50-event and a 10,000-event project feed served by convened
and the same bytes as a static file by nginx (one worker, like convened's
one event loop), both measured with wrk in interleaved rounds; and the
cold render of the 10,000-event feed (the first request after a start,
the database query included) beside libical alone serialising the same
VCALENDAR (build/bench/ical_ref: the feed's own bytes parsed, untimed,
then icalcomponent_as_ical_string timed), also in interleaved rounds.
Goals: >= 0.5 of nginx's rate for both sizes; cold render <= 1.5x
libical alone."""

import json
import os
import shutil
import subprocess
import tempfile
import time

import benchlib as B

NAME = "feeds"

NGINX_CONF = """daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    types {{ text/calendar ics; }}
    default_type application/octet-stream;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
    }}
}}
"""


def make_events(pg, db, slug, n):
    pg.psql(db, "SELECT cv_project_create($1::jsonb)", json.dumps({"slug": slug, "title": f"Feed {n}"}))
    # n published events over the coming year, in three zones, in working
    # hours (never in the hour the clocks skip in spring, which is refused)
    pg.psql(db, """
        SELECT count(cv_event_write(NULL, jsonb_build_object(
            'project', $1::text, 'kind', 'seminar', 'title', 'Seminar ' || i,
            'description', 'Agenda and registration: https://example.org/e/' || i,
            'tz', (ARRAY['Europe/Rome','Europe/Stockholm','Europe/Helsinki'])[1 + i % 3],
            'start', to_char(date_trunc('day', now()) + make_interval(days => 1 + i % 365, hours => 8 + i % 8),
                             'YYYY-MM-DD"T"HH24:00'),
            'end', to_char(date_trunc('day', now()) + make_interval(days => 1 + i % 365, hours => 10 + i % 8),
                           'YYYY-MM-DD"T"HH24:00'),
            'venue', 'Sala ' || i, 'city', 'Roma', 'country', 'IT', 'status', 'published'), 'bench.example'))
          FROM generate_series(1, $2::int) i""", slug, n, timeout=900)


def main():
    secs = B.SECONDS
    conns = B.env_int("BENCH_FEED_CONNECTIONS", 16)
    big = B.env_int("BENCH_FEED_EVENTS", 10000)
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        B.not_run(NAME, "nginx not installed (sh bench/deps.sh)")
        return
    pg = B.cluster()
    ndir = tempfile.mkdtemp(prefix="convened-nginx-")
    os.chmod(ndir, 0o755)  # nginx's worker runs as www-data
    nginx = None
    try:
        db = pg.new_database()
        d = B.daemon(db)
        make_events(pg, db, "small", 50)
        t0 = time.monotonic()
        make_events(pg, db, "large", big)
        B.say(f"made 50 + {big} events ({time.monotonic() - t0:.0f}s)")
        os.makedirs(os.path.join(ndir, "www"))
        os.makedirs(os.path.join(ndir, "tmp"))
        sizes = {}
        for slug in ("small", "large"):
            r = d.get(f"/calendars/projects/{slug}.ics", auth=False, timeout=120)
            assert r.status == 200, r
            with open(os.path.join(ndir, "www", f"{slug}.ics"), "wb") as f:
                f.write(r.body)
            sizes[slug] = len(r.body)
        nport = harness_port()
        with open(os.path.join(ndir, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=ndir, port=nport))
        nginx = subprocess.Popen(["nginx", "-c", os.path.join(ndir, "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=open(os.path.join(ndir, "stderr.log"), "wb"))
        try:
            B.harness.wait_until(lambda: B.harness.http_request(nport, "GET", "/small.ics").status == 200,
                                 timeout=10, msg="nginx up")
        except TimeoutError:
            raise RuntimeError("nginx did not start: " + open(os.path.join(ndir, "stderr.log")).read()
                               + open(os.path.join(ndir, "error.log")).read())
        for slug, label in (("small", "50 events"), ("large", f"{big:,} events")):
            rn = B.harness.http_request(nport, "GET", f"/{slug}.ics")
            assert rn.body == open(os.path.join(ndir, "www", f"{slug}.ics"), "rb").read()

            def served(url):
                w = B.wrk(url, conns, secs)
                if w["non2xx"] or w["errors"]:
                    B.say(f"  {url}: {w['non2xx']} non-2xx, {w['errors']} socket errors")
                return w["rps"] * (1 - w["non2xx"] / max(w["requests"], 1))
            r = B.rounds(lambda i: served(f"http://127.0.0.1:{nport}/{slug}.ics"),
                         lambda i: served(f"{d.url}/calendars/projects/{slug}.ics"), label=label)
            B.figure_rounds(NAME, f"{label} feed ({sizes[slug] // 1024:,} KB), {conns} conn", r, "req/s",
                            "nginx static", ratio_goal=(">=", 0.5))
        # cold render: the first request after a start, beside libical
        # alone serialising the same VCALENDAR (parsed from the same bytes)
        ref_bin = os.path.join(B.REPO, "build", "bench", "ical_ref")
        feed_file = os.path.join(ndir, "www", "large.ics")
        ncomp = []

        def libical(i):
            out = subprocess.run([ref_bin, feed_file], capture_output=True, text=True, timeout=300)
            if out.returncode != 0:
                raise RuntimeError(f"ical_ref failed: {out.stderr}")
            ms, _, nbytes, _, n, _ = out.stdout.split()
            ncomp.append((int(nbytes), int(n)))
            return float(ms)

        def cold(i):
            d.stop()
            d.start(timeout=60)
            t = time.monotonic()
            r = d.get("/calendars/projects/large.ics", auth=False, timeout=120)
            ms = (time.monotonic() - t) * 1000
            assert r.status == 200 and r.body == open(feed_file, "rb").read(), "the cold feed changed"
            return ms
        r = B.rounds(libical, cold, label="cold render")
        B.figure_rounds(NAME, f"cold render of {big:,} events (first request, DB query included)", r, "ms",
                        "libical alone serialising the same VCALENDAR", ratio_goal=("<=", 1.5),
                        note=f"libical wrote {ncomp[0][0]:,} B for {ncomp[0][1]:,} components; "
                             f"convened served {sizes['large']:,} B")
        d.stop()
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(10)
        shutil.rmtree(ndir, ignore_errors=True)
        pg.destroy()


def harness_port():
    return B.harness.free_port()


if __name__ == "__main__":
    main()
