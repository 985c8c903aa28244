"""test_inbound_api.py - the mail that came back, as the secretariat sees it
(issue 13, visibility): real messages (the shared fixtures and plain mail)
fed over LMTP to the lmtp plugin's socket of the real daemon, then
GET /api/inbound (filters, paging, newest first, bad values refused naming
the field), GET /api/inbound/{id} with the facts, the raw message, the
metrics of messages in flight, and `convenectl inbound`.  Every answer is
compared with the rows in inbound_messages, so the tests hold whatever
cv_inbound_decide decides."""

import base64
import datetime
import json
import os
import shutil
import smtplib
import subprocess
import tempfile
import threading
import time

import harness

DOMAIN = "convened.test"

# real messages of several kinds (their provenance: the fixtures' README)
FIXTURES = [
    ("imip-reply", "gmail-accept.eml"),
    ("dsn", "postfix-5.1.1-user-unknown.eml"),
    ("autoreply", "aol-vacation-auto-submitted.eml"),
    ("human", "thunderbird-3-reply-flowed.eml"),
]


def plain(msgid, subject="Hello", body="A plain message.\r\n"):
    return (f"From: Anna <anna@example.se>\r\nTo: secretariat@{DOMAIN}\r\n"
            f"Subject: {subject}\r\nMessage-ID: {msgid}\r\n"
            f"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}").encode()


class Setup:
    """A database and convened with the lmtp plugin on a Unix socket."""

    def __init__(self, config=None):
        self.pg = harness.cluster()
        self.db = self.pg.new_database()
        self.sockdir = tempfile.mkdtemp(prefix="convened-inapi-", dir="/tmp")
        self.socket = os.path.join(self.sockdir, "lmtp.sock")
        cfg = {"plugin lmtp": {"listen": f"unix:{self.socket}"}}
        cfg.update(config or {})
        try:
            self.d = harness.Daemon(self.db, config=cfg)
            self.d.start()
        except BaseException:
            self.cleanup()
            raise

    def deliver(self, raw, rcpts, mail_from=""):
        """LMTP to the plugin's socket: one reply per recipient after DATA
        (smtplib's sendmail reads only the first); {rcpt: reply} of the
        ones not accepted."""
        with smtplib.LMTP(self.socket) as c:
            c.ehlo()
            assert c.mail(mail_from)[0] == 250
            for r in rcpts:
                assert c.rcpt(r)[0] == 250, r
            replies = [c.data(raw)] + [c.getreply() for _ in rcpts[1:]]
        return {r: rep for r, rep in zip(rcpts, replies) if rep[0] != 250}

    def rows(self, where="true", *params):
        """inbound_messages as the API should show them, newest first."""
        out = self.pg.psql(self.db, "SELECT id, class, decision, reason, rcpt, message_id, "
                           "facts::text, raw IS NOT NULL FROM inbound_messages "
                           f"WHERE {where} ORDER BY id DESC", *params)
        return [{"id": int(r[0]), "class": r[1], "decision": r[2] or None,
                 "reason": r[3] or None, "rcpt": r[4], "message_id": r[5],
                 "facts": json.loads(r[6]), "raw_kept": r[7] == "t"} for r in out]

    def cleanup(self):
        shutil.rmtree(self.sockdir, ignore_errors=True)


def _fill(s):
    """The fixtures, one recipient each, and a plain message to two."""
    for i, (d, f) in enumerate(FIXTURES):
        with open(harness.shared_fixture("mail", d, f), "rb") as fh:
            raw = fh.read()
        assert s.deliver(raw, [f"reply+fixture{i}@{DOMAIN}"]) == {}
    assert s.deliver(plain("<two@example.se>", subject="Rimini, room?"),
                     [f"info@{DOMAIN}", f"Register+7@{DOMAIN}"]) == {}
    return s.rows()


def _list(d, query=""):
    r = d.get("/api/inbound" + query)
    assert r.status == 200, r
    assert r.header("Cache-Control") == "no-store"
    return r.json()


def _same(api_row, db_row):
    for k in ("id", "class", "decision", "reason", "rcpt", "message_id", "raw_kept"):
        assert api_row[k] == db_row[k], (k, api_row, db_row)


def test_inbound_list_shows_what_came_in_and_what_was_decided_newest_first_with_filters():
    s = Setup()
    try:
        rows = _fill(s)
        assert len(rows) == len(FIXTURES) + 2
        v = _list(s.d)
        assert v["count"] == len(rows) and v["next_before"] is None
        assert [r["id"] for r in v["inbound"]] == [r["id"] for r in rows]
        for a, b in zip(v["inbound"], rows):
            _same(a, b)
            assert a["decision"] is not None and a["decided_at"].endswith("Z")
            assert a["received_at"].endswith("Z") and a["source"] == "lmtp"
            assert a["from"] == b["facts"]["from"] and a["subject"] == b["facts"]["subject"]
            assert a["size"] > 0 and a["mail_from"] == ""
            assert "facts" not in a  # the list stays small; the facts are in the show
        # class=: only that class, from the database's own count
        for cls in ("imip_reply", "dsn_failed", "auto_reply", "human"):
            got = _list(s.d, f"?class={cls}")["inbound"]
            assert [r["id"] for r in got] == [r["id"] for r in rows if r["class"] == cls], cls
            assert got, cls
        assert _list(s.d, "?class=imip_counter") == {"inbound": [], "count": 0,
                                                      "next_before": None}
        # decision=: whatever cv_inbound_decide wrote
        decisions = {r["decision"] for r in rows}
        for dec in decisions:
            got = _list(s.d, f"?decision={dec}")["inbound"]
            assert [r["id"] for r in got] == [r["id"] for r in rows if r["decision"] == dec]
        assert _list(s.d, "?decision=no_such_decision")["count"] == 0
        # rcpt=: the envelope recipient, any case
        got = _list(s.d, f"?rcpt=REGISTER%2B7@{DOMAIN.upper()}")["inbound"]
        assert [r["rcpt"] for r in got] == [f"register+7@{DOMAIN}"]
        assert got[0]["subject"] == "Rimini, room?"
        # since=: an instant with its offset, or a duration back from now
        now = datetime.datetime.now(datetime.timezone.utc)
        later = (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        earlier = (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M+00:00")
        assert _list(s.d, f"?since={later}")["count"] == 0
        assert _list(s.d, f"?since={earlier.replace('+', '%2B')}")["count"] == len(rows)
        assert _list(s.d, "?since=P1D")["count"] == len(rows)
        assert _list(s.d, "?since=PT1H&class=human")["count"] == 3
        # combined with a recipient that has other classes: nothing
        assert _list(s.d, f"?class=dsn_failed&rcpt=info@{DOMAIN}")["count"] == 0
    finally:
        s.cleanup()


def test_inbound_pages_walk_every_message_once_with_before_and_limit():
    s = Setup()
    try:
        for i in range(7):
            s.deliver(plain(f"<page-{i}@example.se>"), [f"info@{DOMAIN}"])
        ids = [r["id"] for r in s.rows()]
        seen, before, pages = [], None, 0
        while True:
            v = _list(s.d, "?limit=3" + (f"&before={before}" if before else ""))
            pages += 1
            seen += [r["id"] for r in v["inbound"]]
            assert v["count"] == len(v["inbound"]) <= 3
            before = v["next_before"]
            if before is None:
                break
            assert before == v["inbound"][-1]["id"]
        assert seen == ids and pages == 3
        # exactly a page's worth left: no empty page after it
        v = _list(s.d, f"?limit=1&before={ids[-2]}")
        assert [r["id"] for r in v["inbound"]] == [ids[-1]] and v["next_before"] is None
        v = _list(s.d, f"?limit=6&before={ids[0]}")
        assert v["count"] == 6 and v["next_before"] is None
        assert _list(s.d, "?limit=1000")["count"] == 7
    finally:
        s.cleanup()


def test_inbound_show_has_the_facts_and_the_raw_message_when_kept():
    s = Setup(config={"inbound": {"keep_raw_max": "2k"}})
    try:
        small = plain("<small@example.se>", subject="Kept")
        big = plain("<big@example.se>", subject="Not kept") + (b"y" * 76 + b"\r\n") * 60
        s.deliver(small, [f"info@{DOMAIN}"])
        s.deliver(big, [f"info@{DOMAIN}"])
        kept, gone = s.rows("message_id = '<small@example.se>'")[0], \
            s.rows("message_id = '<big@example.se>'")[0]
        assert kept["raw_kept"] and not gone["raw_kept"]

        r = s.d.get(f"/api/inbound/{kept['id']}")
        assert r.status == 200, r
        v = r.json()
        _same(v, kept)
        assert v["facts"] == kept["facts"] and v["facts"]["subject"] == "Kept"
        assert v["raw"] == f"/api/inbound/{kept['id']}/raw"
        raw = s.d.get(v["raw"])
        assert raw.status == 200 and raw.header("Content-Type") == "message/rfc822"
        assert f'inbound-{kept["id"]}.eml' in raw.header("Content-Disposition")
        stored = base64.b64decode(s.pg.psql(
            s.db, "SELECT encode(raw, 'base64') FROM inbound_messages WHERE id = $1",
            str(kept["id"]))[0][0].replace("\n", ""))
        assert raw.body == stored and b"Message-ID: <small@example.se>" in raw.body

        v = s.d.get(f"/api/inbound/{gone['id']}").json()
        assert v["raw"] is None and v["raw_kept"] is False and v["facts"]["subject"] == "Not kept"
        r = s.d.get(f"/api/inbound/{gone['id']}/raw")
        assert r.status == 404 and "not kept" in r.json()["error"]["message"], r
        assert f"its {s.pg.psql(s.db, 'SELECT size FROM inbound_messages WHERE id = $1', str(gone['id']))[0][0]} bytes were not kept" in r.json()["error"]["message"], r

        for path in ("/api/inbound/999999", "/api/inbound/999999/raw", "/api/inbound/abc",
                     "/api/inbound/0/raw", "/api/inbound/01"):
            r = s.d.get(path)
            assert r.status == 404 and r.json()["error"]["code"] == "not_found", (path, r)
        assert s.d.get("/api/inbound", auth=False).status == 401
        assert s.d.get(f"/api/inbound/{kept['id']}/raw", auth=False).status == 401
    finally:
        s.cleanup()


BAD = [
    ("class=bogus", "class", "one of malformed, human, auto_reply"),
    ("decision=Cancelled", "decision", "a-z and _"),
    ("decision=" + "a" * 41, "decision", "at most 40"),
    ("since=2026-02-30T00:00Z", "since", "an instant with its offset"),
    ("since=2026-12-03T09:00", "since", "an instant with its offset"),
    ("since=2026-12-03", "since", "duration"),
    ("since=yesterday", "since", "duration"),
    ("since=P", "since", "duration"),
    ("since=PT", "since", "duration"),
    ("since=P1H", "since", "duration"),
    ("since=PT1D", "since", "duration"),
    ("since=P1D1W", "since", "duration"),
    ("since=2026-12-03T24:00Z", "since", "instant"),
    ("since=2026-12-03T09:00%2B24:00", "since", "instant"),
    ("rcpt=nobody", "rcpt", "an address"),
    ("rcpt=a%20b@example.se", "rcpt", "an address"),
    ("rcpt=%3Ca@example.se%3E", "rcpt", "an address"),
    ("before=0", "before", "an id"),
    ("before=-3", "before", "an id"),
    ("limit=0", "limit", "1 to 1000"),
    ("limit=1001", "limit", "1 to 1000"),
    ("limit=ten", "limit", "1 to 1000"),
]


def test_inbound_list_refuses_bad_query_values_naming_the_field():
    s = Setup()
    try:
        s.deliver(plain("<bad-q@example.se>"), [f"info@{DOMAIN}"])
        for q, field, words in BAD:
            r = s.d.get("/api/inbound?" + q)
            assert r.status == 422, (q, r)
            e = r.json()["error"]
            assert (e["code"], e["field"]) == ("invalid_value", field), (q, e)
            assert words in e["message"] and f"query parameter {field}" in e["message"], (q, e)
        r = s.d.get("/api/inbound?state=sent")
        assert r.status == 400 and r.json()["error"] == {
            "code": "unknown_field", "field": "state",
            "message": r.json()["error"]["message"]}
        # the good forms of each are taken
        for q in ("since=2026-02-28T23:59:59.123456-05:30", "since=2024-02-29T00:00z",
                  "since=P2W", "since=P1DT12H", "since=PT90M", "decision=bounce_hard",
                  "rcpt=x@y.z", "before=9223372036854775807", "limit=1"):
            assert s.d.get("/api/inbound?" + q).status == 200, q
    finally:
        s.cleanup()


def _metrics(d):
    return harness.parse_metrics(d.get("/metrics").text)


def test_metrics_show_a_message_in_flight_while_its_insert_waits_and_the_last_stored():
    # A session holds a lock on inbound_messages: the message's insert waits
    # (the MTA has no answer yet), which is what a slow or stuck database
    # looks like to the secretariat's alerting.
    s = Setup()
    locker = None
    try:
        m = _metrics(s.d)
        assert harness.metric_value(m, "convened_inbound_inflight") == 0
        assert harness.metric_value(m, "convened_inbound_oldest_inflight_seconds") == 0
        assert harness.metric_value(m, "convened_inbound_last_stored_timestamp_seconds",
                                    source="lmtp") is None
        locker = subprocess.Popen(
            [os.path.join(s.pg.bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
             "-d", s.db], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={k: v for k, v in os.environ.items()
                                            if not k.startswith("PG")})
        locker.stdin.write(b"BEGIN; LOCK TABLE inbound_messages IN EXCLUSIVE MODE;\n")
        locker.stdin.flush()
        harness.wait_until(lambda: s.pg.psql(
            s.db, "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'inbound_messages' AND l.mode = 'ExclusiveLock' AND l.granted"),
            timeout=30, msg="the lock is held")
        result = {}

        def send():
            try:
                result["refused"] = s.deliver(plain("<flight@example.se>"), [f"info@{DOMAIN}"])
            except Exception as e:  # noqa: BLE001 - reported below
                result["error"] = e

        t = threading.Thread(target=send)
        t.start()
        m = harness.wait_until(
            lambda: (lambda m: m if harness.metric_value(m, "convened_inbound_inflight") == 1
                     else None)(_metrics(s.d)),
            timeout=30, msg="one message in flight")
        first = harness.metric_value(m, "convened_inbound_oldest_inflight_seconds")
        assert first > 0
        # still waiting on the lock, unanswered
        harness.wait_until(lambda: s.pg.psql(
            s.db, "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE '%cv_inbound_receive%'"), timeout=30, msg="the insert waits")
        m = _metrics(s.d)
        assert harness.metric_value(m, "convened_inbound_inflight") == 1
        assert harness.metric_value(m, "convened_inbound_oldest_inflight_seconds") >= first
        assert t.is_alive() and result == {}
        before = time.time()
        locker.stdin.write(b"COMMIT;\n")
        locker.stdin.close()
        locker.wait(30)
        t.join(60)
        after = time.time()
        assert not t.is_alive() and result.get("refused") == {}, result
        m = _metrics(s.d)
        assert harness.metric_value(m, "convened_inbound_inflight") == 0
        assert harness.metric_value(m, "convened_inbound_oldest_inflight_seconds") == 0
        at = harness.metric_value(m, "convened_inbound_last_stored_timestamp_seconds",
                                  source="lmtp")
        assert int(before) <= at <= after + 1, (before, at, after)
        row = s.rows()[0]
        assert row["message_id"] == "<flight@example.se>"
        assert harness.metric_value(m, "convened_inbound_total", **{
            "class": "human", "decision": row["decision"]}) == 1
    finally:
        if locker and locker.poll() is None:
            locker.kill()
            locker.wait(10)
        s.cleanup()


def _ctl_ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def test_convenectl_inbound_list_filters_show_and_raw():
    s = Setup()
    try:
        rows = _fill(s)
        out = _ctl_ok(s.d.ctl("inbound")).stdout
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert lines[0].split()[:6] == ["ID", "RECEIVED", "TO", "FROM", "CLASS", "DECISION"]
        assert [int(ln.split()[0]) for ln in lines[1:]] == [r["id"] for r in rows]
        assert _ctl_ok(s.d.ctl("inbound", "list")).stdout == out
        # filters become the query
        v = json.loads(_ctl_ok(s.d.ctl("--json", "inbound", "list", "--class", "dsn_failed",
                                       "--since", "P1D")).stdout)
        assert [r["id"] for r in v["inbound"]] == [r["id"] for r in rows if r["class"] == "dsn_failed"]
        dec = rows[0]["decision"]
        v = json.loads(_ctl_ok(s.d.ctl("--json", "inbound", "--decision", dec,
                                       "--rcpt", f"INFO@{DOMAIN}")).stdout)
        assert [r["id"] for r in v["inbound"]] == [r["id"] for r in rows
                                                  if r["decision"] == dec and
                                                  r["rcpt"] == f"info@{DOMAIN}"]
        # paging: the next page is named on stderr
        r = _ctl_ok(s.d.ctl("inbound", "list", "--limit", "2"))
        assert f"(more: --before {rows[1]['id']})" in r.stderr
        r = _ctl_ok(s.d.ctl("inbound", "list", "--limit", "2", "--before", str(rows[1]["id"])))
        assert [int(ln.split()[0]) for ln in r.stdout.splitlines()[1:]] == \
            [rows[2]["id"], rows[3]["id"]]
        # show: key: value lines with the facts
        dsn = next(r for r in rows if r["class"] == "dsn_failed")
        out = _ctl_ok(s.d.ctl("inbound", "show", str(dsn["id"]))).stdout
        assert f"id: {dsn['id']}\n" in out and "class: dsn_failed\n" in out
        assert f"decision: {dsn['decision']}\n" in out
        assert "facts.cls: dsn_failed\n" in out
        assert f"facts.message_id: {dsn['message_id']}\n" in out
        assert f"raw: /api/inbound/{dsn['id']}/raw\n" in out
        raw = _ctl_ok(s.d.ctl("inbound", "show", str(dsn["id"]), "--raw")).stdout
        with open(harness.shared_fixture("mail", "dsn", "postfix-5.1.1-user-unknown.eml"),
                  "rb") as f:
            first_line = f.read().split(b"\n", 1)[0].rstrip(b"\r").decode()
        assert raw.startswith(first_line) or first_line in raw, (first_line, raw[:200])
        # errors: the server's message, exit 1
        r = s.d.ctl("inbound", "--class", "nonsense")
        assert r.returncode == 1 and "query parameter class: one of" in r.stderr, r
        r = s.d.ctl("inbound", "--since", "yesterday")
        assert r.returncode == 1 and "query parameter since" in r.stderr, r
        r = s.d.ctl("inbound", "show", "999999")
        assert r.returncode == 1 and "no such inbound message" in r.stderr, r
        r = s.d.ctl("inbound", "show", "x1")
        assert r.returncode == 1 and "'x1' is not an id" in r.stderr, r
        r = s.d.ctl("inbound", "show")
        assert r.returncode == 1 and "missing argument" in r.stderr, r
        for cmd in (["inbound"], ["inbound", "list"], ["inbound", "show"]):
            h = _ctl_ok(s.d.ctl(*cmd, "--help")).stdout
            assert h.startswith("usage: convenectl " + " ".join(cmd)), h
        assert "--since WHEN" in _ctl_ok(s.d.ctl("inbound", "--help")).stdout
        assert "--raw" in _ctl_ok(s.d.ctl("inbound", "show", "--help")).stdout
    finally:
        s.cleanup()
