"""test_lmtp.py - mail that comes back through the lmtp source plugin (issue
13): a private Postfix (Debian's package, its own config, queue and data
directories, an smtpd on a loopback port, virtual_transport to convened's
LMTP socket) delivers mail submitted by SMTP; convened stores one row per
message and recipient in inbound_messages with the parser's class and facts,
answers 452 while PostgreSQL is away so Postfix keeps the mail, and applies
a message delivered twice once.  Protocol tests talk to the socket directly.
"""

import json
import os
import shutil
import smtplib
import socket
import tempfile
import time

import harness
from private_postfix import DOMAIN, Postfix

def message(msgid, subject="Hello", body="A plain message.\r\n", extra=""):
    return (f"From: Anna <anna@example.se>\r\nTo: secretariat@{DOMAIN}\r\n"
            f"Subject: {subject}\r\nMessage-ID: {msgid}\r\n"
            f"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n{extra}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}").encode()


class Setup:
    """A database, convened with the lmtp plugin on a Unix socket in a
    directory Postfix can reach, and (postfix=True) a private Postfix."""

    def __init__(self, postfix=True, lmtp=None, database=None, pf_size_limit=10240000):
        self.pg = harness.cluster()
        self.db = self.pg.new_database()
        self.sockdir = tempfile.mkdtemp(prefix="convened-lmtp-", dir="/tmp")
        os.chmod(self.sockdir, 0o755)
        self.socket = os.path.join(self.sockdir, "lmtp.sock")
        conf = {"listen": f"unix:{self.socket}", "socket_mode": "0666"}
        conf.update(lmtp or {})
        cfg = {"plugin lmtp": conf}
        if database:
            cfg["database"] = database
        self.postfix = None
        try:
            self.d = harness.Daemon(self.db, config=cfg)
            self.d.start()
            if postfix:
                self.postfix = Postfix(self.socket, message_size_limit=pf_size_limit).start()
        except BaseException:
            self.cleanup()
            raise

    def rows(self, where="true", *params):
        return self.pg.psql(self.db, "SELECT message_id, rcpt, class, decision, reason, source, "
                            "mail_from, size, raw IS NOT NULL, facts::text FROM inbound_messages "
                            f"WHERE {where} ORDER BY id", *params)

    def cleanup(self):
        if self.postfix:
            self.postfix.cleanup()
        if not os.environ.get("CONVENED_KEEP"):
            shutil.rmtree(self.sockdir, ignore_errors=True)


def _wait_rows(s, n, where="true", *params, timeout=30):
    return harness.wait_until(lambda: (lambda r: r if len(r) >= n else None)(s.rows(where, *params)),
                              timeout=timeout, msg=f"{n} inbound row(s) where {where}")


# ------------------------------------------------------------ through Postfix


def test_postfix_delivers_smtp_mail_to_convened_which_stores_and_decides_it():
    s = Setup()
    try:
        raw = message("<pf-1@example.se>", subject="Question about Rimini")
        assert s.postfix.send(raw, [f"secretariat@{DOMAIN}", f"Register+42@{DOMAIN}"]) == {}
        rows = _wait_rows(s, 2, "message_id = $1", "<pf-1@example.se>")
        assert sorted(r[1] for r in rows) == [f"register+42@{DOMAIN}", f"secretariat@{DOMAIN}"]
        for (msgid, rcpt, cls, decision, reason, source, mail_from, size, has_raw,
             facts) in rows:
            assert cls == "human"
            # no reply token in the address and no [mail] secretariat:
            # recorded, never applied (cv_inbound_decide)
            assert decision == "unmatched" and "not applied" in reason, reason
            assert source == "lmtp" and mail_from == "sender@example.net"
            assert has_raw == "t" and int(size) >= len(raw)
            f = json.loads(facts)
            assert f["cls"] == "human" and f["subject"] == "Question about Rimini"
            assert f["from"] == "anna@example.se" and f["message_id"] == "<pf-1@example.se>"
            assert "A plain message." in f["text"] and f["attendees"] == [] and f["rcpts"] == []
        # Postfix got a 250 per recipient and dropped the mail
        log = harness.wait_until(
            lambda: (lambda t: t if t.count("status=sent") >= 2 else None)(s.postfix.log()),
            timeout=20, msg="two status=sent lines")
        assert "250 2.1.5 <secretariat@convened.test> unmatched: no token" in log, log[-2000:]
        assert s.postfix.queued() == []
        m = harness.parse_metrics(s.d.get("/metrics").text)
        assert harness.metric_value(m, "convened_inbound_total", **{"class": "human",
                                    "decision": "unmatched"}) == 2
    finally:
        s.cleanup()


def test_postgresql_away_gives_452_postfix_keeps_the_mail_and_it_is_stored_once_after():
    s = Setup(database={"query_timeout_ms": 1500})
    try:
        s.pg.stop()
        try:
            assert s.postfix.send(message("<pf-outage@example.se>"), [f"info@{DOMAIN}"]) == {}
            log = harness.wait_until(
                lambda: (lambda t: t if "status=deferred" in t else None)(s.postfix.log()),
                timeout=60, msg="Postfix deferred the mail")
            assert "452 4.3.0" in log, log[-2000:]
            q = s.postfix.queued()
            assert len(q) == 1 and q[0]["queue_name"] == "deferred", q
            assert q[0]["recipients"][0]["address"] == f"info@{DOMAIN}"
            assert "452 4.3.0" in q[0]["recipients"][0]["delay_reason"]
        finally:
            s.pg.start()
        # the daemon reconnects; Postfix retries when told to
        harness.wait_until(lambda: s.d.get("/healthz").status == 200, timeout=30,
                           msg="convened reconnected")

        def flushed():
            s.postfix.flush()
            return s.rows("message_id = $1", "<pf-outage@example.se>")

        rows = harness.wait_until(flushed, timeout=60, interval=1.0, msg="stored after flush")
        assert len(rows) == 1 and rows[0][3] == "unmatched"
        harness.wait_until(lambda: s.postfix.queued() == [], timeout=30, msg="queue empty")
        assert len(s.rows("message_id = $1", "<pf-outage@example.se>")) == 1
        m = harness.parse_metrics(s.d.get("/metrics").text)
        assert harness.metric_value(m, "convened_inbound_total", **{"class": "human",
                                    "decision": "deferred"}) >= 1
    finally:
        s.pg.start()
        s.cleanup()


def test_a_message_delivered_twice_is_stored_and_applied_once():
    s = Setup()
    try:
        raw = message("<pf-twice@example.se>")
        s.postfix.send(raw, [f"info@{DOMAIN}"])
        _wait_rows(s, 1, "message_id = $1", "<pf-twice@example.se>")
        s.postfix.send(raw, [f"info@{DOMAIN}"])  # an MTA retry after a lost answer
        harness.wait_until(
            lambda: (lambda t: t if t.count("status=sent") >= 2 else None)(s.postfix.log()),
            timeout=30, msg="both deliveries answered")
        rows = s.rows("message_id = $1", "<pf-twice@example.se>")
        assert len(rows) == 1
        assert "already received" in s.postfix.log()
        # decided once: decided_at did not move
        assert s.pg.psql(s.db, "SELECT count(*) FROM inbound_messages WHERE decided_at IS NOT NULL"
                         ) == [("1",)]
        m = harness.parse_metrics(s.d.get("/metrics").text)
        assert harness.metric_value(m, "convened_inbound_total", **{"class": "human",
                                    "decision": "duplicate"}) == 1
        # no Message-ID: one derived from the bytes, so a re-delivery is still one row
        noid = (b"From: x@example.se\r\nTo: info@convened.test\r\nSubject: no id\r\n\r\nhi\r\n")
        with smtplib.LMTP(s.socket) as c:
            c.sendmail("x@example.se", ["info@convened.test"], noid)
            c.sendmail("x@example.se", ["info@convened.test"], noid)
        rows = s.rows("message_id LIKE $1", "%@convened.invalid>")
        assert len(rows) == 1 and len(rows[0][0]) == len("<@convened.invalid>") + 64
    finally:
        s.cleanup()


def test_over_the_size_limit_is_refused_with_552_and_not_stored():
    s = Setup(lmtp={"max_size": "4k"}, pf_size_limit=10240000)
    try:
        big = message("<pf-big@example.se>", body="x" * 70 + "\r\n") + b"y" * 76 * 100 + b"\r\n"
        # straight at the socket: 552 5.3.4 after DATA, per recipient
        with smtplib.LMTP(s.socket) as c:
            c.ehlo_or_helo_if_needed()
            assert c.mail("a@example.net")[0] == 250
            assert c.rcpt(f"info@{DOMAIN}")[0] == 250
            code, msg = c.data(big)
            assert (code, msg[:5]) == (552, b"5.3.4"), (code, msg)
            # SIZE= in MAIL FROM is refused at once
            assert c.rset()[0] == 250
            code, msg = c.mail("a@example.net", ["SIZE=999999"])
            assert (code, msg[:5]) == (552, b"5.3.4"), (code, msg)
        # through Postfix: bounced for good, not kept, not stored
        s.postfix.send(big, [f"info@{DOMAIN}"])
        log = harness.wait_until(
            lambda: (lambda t: t if "status=bounced" in t else None)(s.postfix.log()),
            timeout=30, msg="Postfix bounced the big message")
        assert "5.3.4" in log
        assert s.rows("message_id = $1", "<pf-big@example.se>") == []
        harness.wait_until(lambda: s.postfix.queued() == [], timeout=30, msg="queue empty")
    finally:
        s.cleanup()


# the parser's class for each (unit test test_inbound_parse holds the facts)
FIXTURES = [
    ("imip-reply", "gmail-accept.eml", "imip_reply"),
    ("imip-reply", "outlook-mac-2011-decline.eml", "imip_reply"),
    ("imip-reply", "gmail-counter-mime-says-reply.eml", "imip_counter"),
    ("dsn", "postfix-5.1.1-user-unknown.eml", "dsn_failed"),
    ("dsn", "exim-delay-warning-24h.eml", "dsn_delayed"),
    ("dsn", "sonicwall-relayed-2.0.0-not-a-failure.eml", "dsn_success"),
    ("autoreply", "aol-vacation-auto-submitted.eml", "auto_reply"),
    ("human", "thunderbird-3-reply-flowed.eml", "human"),
]


def test_real_fixtures_pass_through_postfix_and_are_stored_with_the_parsers_class():
    paths = [(harness.shared_fixture("mail", d, f), cls) for d, f, cls in FIXTURES]
    s = Setup()
    try:
        for i, (path, cls) in enumerate(paths):
            with open(path, "rb") as f:
                raw = f.read()
            rcpt = f"reply+fixture{i}@{DOMAIN}"
            assert s.postfix.send(raw, [rcpt], mail_from="") == {}
            rows = _wait_rows(s, 1, "rcpt = $1", rcpt)
            assert len(rows) == 1
            facts = json.loads(rows[0][9])
            assert (os.path.basename(path), rows[0][2]) == (os.path.basename(path), cls)
            assert facts["cls"] == cls and rows[0][6] == ""
            if cls.startswith("imip"):
                assert facts["uid"] and facts["attendees"], facts
            if cls.startswith("dsn"):
                assert facts["rcpts"] and facts["rcpts"][0]["severity"], facts
            if cls == "auto_reply":
                assert facts["is_automatic"] is True and facts["auto_reason"]
        assert s.postfix.queued() == []
    finally:
        s.cleanup()


# ------------------------------------------------------------ the protocol


def _lmtp_session(sock_path, data, until=None, timeout=10.0):
    """Send DATA (bytes) on a fresh connection and read until UNTIL (bytes)
    appears or the server closes; returns everything read."""
    out = b""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(timeout)
        c.connect(sock_path)
        c.sendall(data)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = c.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if until and until in out:
                break
    return out


def _codes(out):
    """Reply codes of the final lines of each reply."""
    return [line[:3].decode() for line in out.split(b"\r\n") if len(line) > 3 and line[3:4] == b" "]


def test_lmtp_protocol_pipelining_rset_errors_and_dot_stuffing():
    s = Setup(postfix=False, lmtp={"max_recipients": 2})
    try:
        body = (b"From: p@example.se\r\nTo: a@convened.test\r\nSubject: dots\r\n"
                b"Message-ID: <dots@example.se>\r\n\r\n"
                b"..leading dot\r\nplain\r\n...\r\n")
        script = (b"LHLO client.example\r\n"
                  b"MAIL FROM:<p@example.se>\r\n"
                  b"RCPT TO:<a@convened.test>\r\n"
                  b"RCPT TO:<B@Convened.Test>\r\n"
                  b"RCPT TO:<c@convened.test>\r\n"      # over max_recipients: 452
                  b"DATA\r\n" + body + b".\r\n"
                  b"NOOP\r\n"
                  b"MAIL FROM:<q@example.se>\r\nRSET\r\nRCPT TO:<a@convened.test>\r\n"  # 503
                  b"EHLO wrong.example\r\n"                # 500: this is LMTP
                  b"FROB\r\n"                              # 500
                  b"QUIT\r\n")
        out = _lmtp_session(s.socket, script, until=b"221 ")
        assert out.startswith(b"220 "), out
        assert b"250-PIPELINING" in out and b"250-ENHANCEDSTATUSCODES" in out, out
        assert _codes(out) == ["220", "250", "250", "250", "250", "452", "354", "250", "250",
                               "250", "250", "250", "503", "500", "500", "221"], out
        assert b"250 2.1.5 <a@convened.test>" in out and b"250 2.1.5 <B@Convened.Test>" in out
        rows = s.rows("message_id = $1", "<dots@example.se>")
        assert sorted(r[1] for r in rows) == ["a@convened.test", "b@convened.test"]
        raw = s.pg.psql(s.db, "SELECT convert_from(raw, 'UTF8') FROM inbound_messages "
                        "WHERE rcpt = 'a@convened.test'")[0][0]
        assert raw.endswith("\r\n.leading dot\r\nplain\r\n..\r\n"), repr(raw)
        # commands out of order and a DATA without recipients
        out = _lmtp_session(s.socket, b"MAIL FROM:<x@y.z>\r\nLHLO a\r\nDATA\r\n"
                            b"MAIL FROM:<x@y.z>\r\nDATA\r\nRCPT TO:<nobody>\r\nQUIT\r\n",
                            until=b"221 ")
        assert _codes(out) == ["220", "503", "250", "503", "250", "503", "501", "221"], out
    finally:
        s.cleanup()


def test_lmtp_config_is_checked_and_shutdown_answers_421():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db, config={"plugin lmtp": {"listen": "tcp:somewhere"}})
    d.start(wait=False)
    assert d.wait(timeout=30) == 1
    assert "listen: 'tcp:somewhere' is neither unix:/path nor inet:ADDRESS:PORT" in d.log_text()
    d = harness.Daemon(db, config={"plugin lmtp": {"listen": "unix:/tmp/x.sock",
                                                   "max_size": "1G"}})
    d.start(wait=False)
    assert d.wait(timeout=30) == 1
    assert "[plugin lmtp] max_size: 1G is out of range" in d.log_text(), d.log_text()
    # a TCP listener, and a session open at SIGTERM gets 421
    port = harness.free_port()
    d = harness.Daemon(db, config={"plugin lmtp": {"listen": f"inet:127.0.0.1:{port}"}})
    d.start()
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        assert c.recv(1000).startswith(b"220 ")
        c.sendall(b"LHLO x\r\n")
        assert b"250 SIZE" in harness.wait_until(lambda: c.recv(1000), timeout=10)
        assert d.stop() == 0
        out = b""
        while True:
            chunk = c.recv(1000)
            if not chunk:
                break
            out += chunk
        assert out.startswith(b"421 4.3.2"), out
    finally:
        c.close()


def test_sigterm_with_a_message_in_flight_answers_452_then_421_and_stores_nothing():
    # the database is away and the query would wait long: at SIGTERM the
    # message is answered "try again" (the MTA keeps it), then the session 421
    s = Setup(postfix=False, database={"query_timeout_ms": 600000})
    try:
        s.pg.stop()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.settimeout(60)
            c.connect(s.socket)
            c.sendall(b"LHLO a\r\nMAIL FROM:<a@example.se>\r\nRCPT TO:<x@convened.test>\r\n"
                      b"DATA\r\n" + message("<inflight@example.se>") + b".\r\n")
            out = b""
            while b"354 " not in out:
                out += c.recv(4096)
            assert s.d.stop() == 0
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                out += chunk
        assert _codes(out)[-2:] == ["452", "421"], out
        assert b"452 4.3.0 <x@convened.test> try again later" in out
    finally:
        s.pg.start()
        s.cleanup()
    assert s.rows("message_id = $1", "<inflight@example.se>") == []
