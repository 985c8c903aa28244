"""test_imap.py - mail that comes back through the imap source plugin (issue
13): a private Dovecot (Debian's dovecot-imapd: its own dovecot.conf, base
and state directories, a passwd-file user, maildir under the test's temp
dir, IMAP on a loopback port) holds the mailbox; messages are APPENDed with
imaplib; convened polls it, stores each message in inbound_messages with the
parser's class, moves it to the done folder (created by convened), leaves it
in INBOX while PostgreSQL is away and handles it once it is back, stores a
message delivered twice once, and files a message over max_size in the
failed folder.  Nothing is ever deleted: every message is in one folder.
"""

import imaplib
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import harness

DOMAIN = "convened.test"
ADDRESS = f"events@{DOMAIN}"
USER, PASSWORD = "secretariat", "s3cret-imap"

DOVECOT_CONF = """\
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = convened-test-{port}
listen = 127.0.0.1
protocols = imap
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {dir}/dovecot.log
first_valid_uid = 1
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
mail_location = maildir:{dir}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
"""


class Dovecot:
    """A private Dovecot: one user with a maildir under a temp dir, IMAP
    without TLS on 127.0.0.1:PORT (loopback only), run in the foreground
    (dovecot -c FILE -F) and stopped by the test."""

    def __init__(self, tls=False):
        exe = shutil.which("dovecot") or ("/usr/sbin/dovecot"
                                           if os.path.exists("/usr/sbin/dovecot") else None)
        if not exe:
            raise harness.Skip("dovecot is not installed (make deps: dovecot-imapd)")
        self.exe = exe
        self.dir = tempfile.mkdtemp(prefix="convened-dc-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.port = harness.free_port()
        if harness.IS_ROOT:
            # Dovecot runs no mail or login process as root
            try:
                mail = pwd.getpwnam("dovecot")
                login = pwd.getpwnam("dovenull")
            except KeyError:
                raise harness.Skip("the dovecot/dovenull users are missing (dovecot-core)")
            internal, internal_group = "dovecot", "dovecot"
            uid, gid, login_name = mail.pw_uid, mail.pw_gid, login.pw_name
        else:
            me = pwd.getpwuid(os.getuid())
            internal = login_name = me.pw_name
            internal_group = subprocess.run(["id", "-gn"], capture_output=True,
                                            text=True).stdout.strip()
            uid, gid = os.getuid(), os.getgid()
        for d in ("mail", "home"):
            p = os.path.join(self.dir, d)
            os.mkdir(p, 0o755)
            os.chown(p, uid, gid)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        os.chmod(os.path.join(self.dir, "passwd"), 0o644)
        self.tls_port = harness.free_port() if tls else 0
        ssl = "ssl = no"
        if tls:
            self.ca = self._make_certs()
            ssl = (f"ssl = required\nssl_cert = <{self.dir}/server.pem\n"
                   f"ssl_key = <{self.dir}/server.key")
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF.format(dir=self.dir, port=self.port, uid=uid, gid=gid,
                                        internal=internal, internal_group=internal_group,
                                        login=login_name, ssl=ssl, tls_port=self.tls_port))
        self.proc = None

    def _make_certs(self):
        """A private CA and a server certificate for IP 127.0.0.1 signed by
        it (openssl); returns the CA file."""
        def run(*argv):
            r = subprocess.run(["openssl", *argv], capture_output=True, text=True,
                               cwd=self.dir, stdin=subprocess.DEVNULL)
            assert r.returncode == 0, r.stderr
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=convened test CA")
        run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
        with open(os.path.join(self.dir, "ext.cnf"), "w") as f:
            f.write("subjectAltName = IP:127.0.0.1\n")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
        os.chmod(os.path.join(self.dir, "server.key"), 0o600)
        return os.path.join(self.dir, "ca.pem")

    def start(self):
        self.out = open(os.path.join(self.dir, "dovecot.out"), "wb")
        self.proc = subprocess.Popen([self.exe, "-c", self.conf, "-F"], stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        harness.wait_until(self._up, timeout=30, msg="Dovecot answering IMAP")
        return self

    def _up(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"dovecot exited {self.proc.returncode}: {self.log()[-2000:]}")
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            return s.recv(100).startswith(b"* OK")

    def log(self):
        text = ""
        for name in ("dovecot.out", "dovecot.log"):
            try:
                with open(os.path.join(self.dir, name), encoding="utf-8",
                          errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.out.close()
        self.proc = None

    def cleanup(self):
        try:
            self.stop()
        finally:
            if not os.environ.get("CONVENED_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    # -- the mailbox, as a mail client sees it
    def client(self):
        c = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        c.login(USER, PASSWORD)
        return c

    def append(self, raw, folder="INBOX"):
        c = self.client()
        try:
            typ, data = c.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            c.logout()

    def deliver_file(self, raw):
        """Put RAW straight into the user's maildir (new/), as an MDA would:
        for what APPEND refuses (Dovecot takes no empty message)."""
        new = os.path.join(self.dir, "mail", USER, "new")
        st = os.stat(os.path.join(self.dir, "mail", USER))
        path = os.path.join(new, f"{time.time():.0f}.M{os.getpid()}P{len(os.listdir(new))}.test")
        with open(path, "wb") as f:
            f.write(raw)
        os.chown(path, st.st_uid, st.st_gid)

    def folders(self):
        c = self.client()
        try:
            typ, data = c.list()
            assert typ == "OK", data
            return sorted(re.search(rb'"/" "?([^"]*)"?$', line).group(1).decode()
                          for line in data)
        finally:
            c.logout()

    def messages(self, folder):
        """[(message_id, flags, raw)] of FOLDER, read without marking them
        seen ([] when the folder does not exist)."""
        c = self.client()
        try:
            typ, _ = c.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            typ, data = c.uid("SEARCH", None, "ALL")
            out = []
            for uid in data[0].split():
                typ, d = c.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                raw = d[0][1]
                m = re.search(rb"^Message-ID:\s*(<[^>]*>)", raw, re.I | re.M)
                flags = re.search(rb"FLAGS \(([^)]*)\)", d[0][0]).group(1).decode()
                out.append((m.group(1).decode() if m else None, flags, raw))
            return out
        finally:
            c.logout()


def message(msgid, to=ADDRESS, subject="Hello", body="A plain message.\r\n", extra=""):
    return (f"From: Anna <anna@example.se>\r\nTo: {to}\r\n"
            f"Subject: {subject}\r\nMessage-ID: {msgid}\r\n"
            f"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n{extra}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}").encode()


class Setup:
    """A database, a private Dovecot and (start()) convened with [plugin
    imap] polling it every second."""

    def __init__(self, imap=None, database=None, tls=False):
        self.pg = harness.cluster()
        self.db = self.pg.new_database()
        self.dovecot = Dovecot(tls=tls).start()
        self.pwfile = os.path.join(self.dovecot.dir, "imap-password")
        with open(self.pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(self.pwfile, 0o600)
        conf = {"url": f"imap://127.0.0.1:{self.dovecot.port}/INBOX", "user": USER,
                "password_file": self.pwfile, "address": ADDRESS, "poll_interval": "1s",
                "timeout": "20s"}
        conf.update(imap or {})
        self.cfg = {"plugin imap": conf}
        if database:
            self.cfg["database"] = database
        self.d = None

    def start(self):
        try:
            self.d = harness.Daemon(self.db, config=self.cfg)
            self.d.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def rows(self, where="true", *params):
        return self.pg.psql(self.db, "SELECT message_id, rcpt, class, decision, source, "
                            "facts::text FROM inbound_messages "
                            f"WHERE {where} ORDER BY id", *params)

    def wait_folder(self, folder, n, timeout=60):
        return harness.wait_until(
            lambda: (lambda m: m if len(m) >= n else None)(self.dovecot.messages(folder)),
            timeout=timeout, msg=f"{n} message(s) in {folder}")

    def cleanup(self):
        self.dovecot.cleanup()


FIXTURES = [
    ("imip-reply", "gmail-accept.eml", "imip_reply"),
    ("imip-reply", "outlook-mac-2011-decline.eml", "imip_reply"),
    ("dsn", "postfix-5.1.1-user-unknown.eml", "dsn_failed"),
    ("autoreply", "aol-vacation-auto-submitted.eml", "auto_reply"),
    ("human", "thunderbird-3-reply-flowed.eml", "human"),
]


def _msgid(raw):
    m = re.search(rb"^Message-ID:\s*(<[^>]*>)", raw, re.I | re.M)
    return m.group(1).decode() if m else None


def test_imap_stores_each_message_with_its_class_and_moves_it_to_the_done_folder():
    paths = [(harness.shared_fixture("mail", d, f), cls) for d, f, cls in FIXTURES]
    s = Setup()
    try:
        sent = []
        for path, cls in paths:
            with open(path, "rb") as f:
                raw = f.read()
            assert _msgid(raw), path
            s.dovecot.append(raw)
            sent.append((_msgid(raw), cls))
        # a reply to a token address: the tagged address is the recipient
        tagged = message("<imap-tag@example.se>", to=f"Events <events+Tok3n42@{DOMAIN}>",
                         extra=f"Cc: other@example.se, {ADDRESS}\r\n")
        s.dovecot.append(tagged)
        sent.append(("<imap-tag@example.se>", "human"))
        s.start()
        done = s.wait_folder("convened/done", len(sent))
        assert sorted(m[0] for m in done) == sorted(m for m, _ in sent)
        assert s.dovecot.messages("INBOX") == []
        assert s.dovecot.messages("convened/failed") == []
        assert {"INBOX", "convened", "convened/done", "convened/failed"} <= set(
            s.dovecot.folders())
        # nothing changed on the way: the bytes in done are the bytes sent
        assert any(m[2] == tagged for m in done)
        for msgid, cls in sent:
            rows = s.rows("message_id = $1", msgid)
            assert len(rows) == 1, (msgid, rows)
            _, rcpt, got, decision, source, facts = rows[0]
            assert (msgid, got) == (msgid, cls)
            assert source == "imap" and decision
            assert json.loads(facts)["cls"] == cls
            if msgid == "<imap-tag@example.se>":
                assert rcpt == f"events+tok3n42@{DOMAIN}"
            else:
                assert rcpt == ADDRESS
        m = harness.parse_metrics(s.d.get("/metrics").text)
        assert harness.metric_value(m, "convened_inbound_total", **{"class": "imip_reply"}) == 2
        # SIGTERM joins the IMAP thread; the mailbox is as it was left
        assert s.d.stop() == 0
        assert len(s.dovecot.messages("convened/done")) == len(sent)
    finally:
        s.cleanup()


def test_with_postgresql_away_mail_stays_in_inbox_unread_and_is_handled_once_it_is_back():
    s = Setup(database={"query_timeout_ms": 1500}).start()
    try:
        s.pg.stop()
        try:
            s.dovecot.append(message("<imap-outage@example.se>"))

            def deferred():
                m = harness.parse_metrics(s.d.get("/metrics").text)
                return (harness.metric_value(m, "convened_inbound_total",
                                             **{"decision": "deferred"}) or 0) >= 2

            harness.wait_until(deferred, timeout=60, msg="two deferred attempts")
            inbox = s.dovecot.messages("INBOX")
            assert [m[0] for m in inbox] == ["<imap-outage@example.se>"]
            assert "\\Seen" not in inbox[0][1] and "\\Deleted" not in inbox[0][1], inbox[0][1]
            assert s.dovecot.messages("convened/done") == []
            assert "left in the mailbox for the next poll" in s.d.log_text()
        finally:
            s.pg.start()
        done = s.wait_folder("convened/done", 1)
        assert [m[0] for m in done] == ["<imap-outage@example.se>"]
        assert s.dovecot.messages("INBOX") == []
        rows = s.rows("message_id = $1", "<imap-outage@example.se>")
        assert len(rows) == 1 and rows[0][2] == "human" and rows[0][3]
    finally:
        s.pg.start()
        s.cleanup()


def test_a_message_delivered_twice_gives_one_row_and_both_copies_are_kept():
    s = Setup().start()
    try:
        raw = message("<imap-twice@example.se>")
        s.dovecot.append(raw)
        s.wait_folder("convened/done", 1)
        s.dovecot.append(raw)  # delivered again (a retry upstream)
        done = s.wait_folder("convened/done", 2)
        assert [m[0] for m in done] == ["<imap-twice@example.se>"] * 2
        assert s.dovecot.messages("INBOX") == []
        assert len(s.rows("message_id = $1", "<imap-twice@example.se>")) == 1
        m = harness.parse_metrics(s.d.get("/metrics").text)
        assert harness.metric_value(m, "convened_inbound_total", **{"class": "human",
                                    "decision": "duplicate"}) == 1
    finally:
        s.cleanup()


def test_over_max_size_goes_to_the_failed_folder_unstored_and_folders_are_configurable():
    s = Setup(imap={"max_size": "4k", "done_folder": "Handled",
                    "failed_folder": "Handled/Refused"}).start()
    try:
        big = message("<imap-big@example.se>", body=("x" * 70 + "\r\n") * 100)
        small = message("<imap-small@example.se>")
        s.dovecot.append(big)
        s.dovecot.deliver_file(b"")  # an empty message: nothing to hand over
        s.dovecot.append(small)
        failed = s.wait_folder("Handled/Refused", 2)
        done = s.wait_folder("Handled", 1)
        assert [m[2] for m in failed] == [big, b""]
        assert [m[0] for m in done] == ["<imap-small@example.se>"]
        assert s.dovecot.messages("INBOX") == []
        assert s.rows("message_id = $1", "<imap-big@example.se>") == []
        assert len(s.rows("message_id = $1", "<imap-small@example.se>")) == 1
        assert "over max_size" in s.d.log_text()
        assert "an empty message: moved to Handled/Refused" in s.d.log_text()
    finally:
        s.cleanup()


class NoMoveProxy:
    """A loopback TCP relay in front of Dovecot that answers every UID MOVE
    with BAD, as a server without MOVE (RFC 6851) does, and passes the rest
    through unchanged; it counts the refused commands."""

    def __init__(self, port):
        self.target = port
        self.refused = 0
        self.lsock = socket.create_server(("127.0.0.1", 0))
        self.port = self.lsock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._down, args=(u, c), daemon=True).start()
            threading.Thread(target=self._up, args=(c, u), daemon=True).start()

    def _down(self, u, c):
        try:
            while (data := u.recv(65536)):
                c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()

    def _up(self, c, u):
        buf = b""
        try:
            while (data := c.recv(65536)):
                buf += data
                while b"\r\n" in buf:
                    line, buf = buf.split(b"\r\n", 1)
                    m = re.match(rb"(\S+) UID MOVE ", line, re.I)
                    if m:
                        self.refused += 1
                        c.sendall(m.group(1) + b" BAD Error in IMAP command: Unknown command.\r\n")
                    else:
                        u.sendall(line + b"\r\n")
        except OSError:
            pass
        finally:
            u.close()

    def close(self):
        self.lsock.close()


def test_without_uid_move_a_message_is_copied_then_expunged_alone():
    s = Setup()
    proxy = NoMoveProxy(s.dovecot.port)
    try:
        s.cfg["plugin imap"]["url"] = f"imap://127.0.0.1:{proxy.port}/INBOX"
        # someone else's message flagged \Deleted stays: only ours is expunged
        s.dovecot.append(message("<imap-theirs@example.se>"))
        c = s.dovecot.client()
        c.select("INBOX")
        c.uid("STORE", "1", "+FLAGS.SILENT", "(\\Deleted)")
        c.logout()
        s.dovecot.append(message("<imap-nomove-1@example.se>"))
        s.dovecot.append(message("<imap-nomove-2@example.se>"))
        s.start()
        done = s.wait_folder("convened/done", 2)
        assert sorted(m[0] for m in done) == ["<imap-nomove-1@example.se>",
                                              "<imap-nomove-2@example.se>"]
        harness.wait_until(lambda: [m[0] for m in s.dovecot.messages("INBOX")] ==
                           ["<imap-theirs@example.se>"], timeout=30, msg="ours expunged")
        inbox = s.dovecot.messages("INBOX")
        assert "\\Deleted" in inbox[0][1]
        # MOVE was tried once, then COPY used for the rest of the session
        assert proxy.refused == 1
        assert "UID MOVE refused" in s.d.log_text()
        assert s.rows("message_id = $1", "<imap-theirs@example.se>") == []
        assert len(s.rows("message_id LIKE $1", "<imap-nomove-%")) == 2
    finally:
        proxy.close()
        s.cleanup()


def test_imaps_verifies_the_server_certificate_against_the_system_or_the_ca_file():
    s = Setup(tls=True)
    try:
        s.cfg["plugin imap"]["url"] = f"imaps://127.0.0.1:{s.dovecot.tls_port}/INBOX"
        s.dovecot.append(message("<imap-tls@example.se>"))
        # a certificate from a CA the system does not know: nothing is taken
        s.start()
        log = harness.wait_until(
            lambda: (lambda t: t if "certificate" in t else None)(s.d.log_text()),
            timeout=30, msg="a certificate error in the log")
        assert "SSL certificate problem" in log, log[-2000:]
        assert s.d.stop() == 0
        assert [m[0] for m in s.dovecot.messages("INBOX")] == ["<imap-tls@example.se>"]
        assert s.rows() == []
        # with that CA named, the same server is trusted
        s.cfg["plugin imap"]["ca_file"] = s.dovecot.ca
        s.start()
        done = s.wait_folder("convened/done", 1)
        assert [m[0] for m in done] == ["<imap-tls@example.se>"]
        assert len(s.rows("message_id = $1", "<imap-tls@example.se>")) == 1
        # Dovecot logged the logins as TLS sessions
        assert re.search(r"Login: user=<secretariat>.*, TLS,", s.dovecot.log()), s.dovecot.log()
    finally:
        s.cleanup()


def test_a_bad_imap_section_is_refused_at_start_with_the_key_named():
    pg = harness.cluster()
    db = pg.new_database()
    tmp = tempfile.mkdtemp(prefix="convened-imapconf-")
    try:
        pw = os.path.join(tmp, "pw")
        with open(pw, "w") as f:
            f.write("x\n")
        base = {"url": "imaps://imap.example.org/INBOX", "user": "u", "password_file": pw,
                "address": ADDRESS}
        for bad, needle in [({"url": "pop3://x/INBOX"}, "url:"),
                            ({"address": None}, "address:"),
                            ({"password_file": os.path.join(tmp, "missing")}, "password_file"),
                            ({"poll_interval": "0s"}, "poll_interval"),
                            ({"done_folder": 'a"b'}, "done_folder"),
                            ({"failed_folder": "convened/done"}, "must differ")]:
            conf = dict(base)
            conf.update(bad)
            conf = {k: v for k, v in conf.items() if v is not None}
            d = harness.Daemon(db, config={"plugin imap": conf})
            d.start(wait=False)
            assert d.wait(timeout=30) == 1, bad
            assert "plugin imap failed to start" in d.log_text(), (bad, d.log_text())
            assert needle in d.log_text(), (bad, d.log_text())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
