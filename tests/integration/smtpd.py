#!/usr/bin/python3
"""smtpd.py - a real SMTP server (aiosmtpd) for tests, run as a subprocess.

    smtpd.py --port P --dir D [--host 127.0.0.1]
             [--tls-cert C --tls-key K] [--require-starttls] [--auth USER:PASS]
             [--fail-rcpt ADDR:CODE ...] [--tempfail-first N]

Stores every accepted message as D/NNNNNN.eml and appends one JSON line per
message to D/messages.jsonl ({"n", "session", "mail_from", "rcpt_tos",
"file", "tls", "auth"}).  Every TCP connection appends one line to
D/sessions.log.  --tempfail-first N answers 451 to the first N messages (at
DATA); --fail-rcpt answers CODE (e.g. 550) to RCPT TO:<ADDR>.  --auth demands
AUTH (PLAIN/LOGIN) before MAIL.  When listening, writes the port to D/ready.
Stops on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Store:
    """Shared counters and the files of one server run."""

    def __init__(self, directory, tempfail_first, fail_rcpt):
        self.dir = directory
        self.sessions = 0
        self.messages = 0
        self.tempfail_left = tempfail_first
        self.fail_rcpt = fail_rcpt

    def new_session(self, peer):
        self.sessions += 1
        with open(os.path.join(self.dir, "sessions.log"), "a") as f:
            f.write("%d %s\n" % (self.sessions, peer))
        return self.sessions

    def save(self, session_id, envelope, tls, auth, tls_version=None):
        self.messages += 1
        name = "%06d.eml" % self.messages
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(envelope.original_content)
        rec = {
            "n": self.messages,
            "session": session_id,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "file": name,
            "tls": tls,
            "tls_version": tls_version,
            "auth": auth,
        }
        with open(os.path.join(self.dir, "messages.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        return self.messages


class Handler:
    def __init__(self, store):
        self.store = store

    async def handle_RCPT(self, server, session, envelope, address, options):
        code = self.store.fail_rcpt.get(address.lower())
        if code is not None:
            kind = "5.1.1" if code >= 500 else "4.2.0"
            return "%d %s <%s>: mailbox unavailable (test)" % (code, kind, address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.store.tempfail_left > 0:
            self.store.tempfail_left -= 1
            return "451 4.3.0 Temporary failure, try again later (test)"
        auth = session.auth_data.login.decode() if isinstance(
            session.auth_data, LoginPassword) else None
        tls_obj = session.ssl.get("ssl_object") if session.ssl else None
        n = self.store.save(server.cv_session_id, envelope,
                            session.ssl is not None, auth,
                            tls_obj.version() if tls_obj else None)
        return "250 OK queued as %d" % n


class CountingSMTP(SMTP):
    """SMTP that numbers each TCP connection once (STARTTLS calls
    connection_made a second time on the same connection)."""

    store = None

    def connection_made(self, transport):
        first = self._original_transport is None and not hasattr(
            self, "cv_session_id")
        super().connection_made(transport)
        if first:
            self.cv_session_id = self.store.new_session(self.session.peer)


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return authenticate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--auth", help="USER:PASS")
    ap.add_argument("--fail-rcpt", action="append", default=[],
                    help="ADDR:CODE")
    ap.add_argument("--tempfail-first", type=int, default=0)
    a = ap.parse_args()

    fail = {}
    for item in a.fail_rcpt:
        addr, _, code = item.rpartition(":")
        fail[addr.lower()] = int(code)
    os.makedirs(a.dir, exist_ok=True)
    store = Store(a.dir, a.tempfail_first, fail)
    CountingSMTP.store = store

    tls = None
    if a.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.tls_cert, a.tls_key)
    kw = {}
    if a.auth:
        user, _, password = a.auth.partition(":")
        kw.update(authenticator=make_authenticator(user, password),
                  auth_required=True, auth_require_tls=tls is not None)
    handler = Handler(store)

    def factory():
        return CountingSMTP(handler, tls_context=tls,
                            require_starttls=a.require_starttls,
                            hostname="smtpd.test", **kw)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, host=a.host, port=a.port))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(a.dir, "ready.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(a.dir, "ready.tmp"), os.path.join(a.dir, "ready"))
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
