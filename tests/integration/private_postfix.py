"""private_postfix.py - a private Postfix instance (Debian's package) for
tests and benchmarks: its own config, queue and data directories under one
temp dir, an smtpd on a loopback port, mail for one or more domains handed
to LMTP sockets (convened's lmtp plugin, or smtp-sink -L in bench/inbound),
every other mail discarded.  Used by test_lmtp.py and bench/inbound.py."""

import json
import os
import pwd
import shutil
import smtplib
import socket
import subprocess
import tempfile

import harness

DOMAIN = "convened.test"

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """A private Postfix instance: config_directory, queue_directory and
    data_directory under one temp dir, an smtpd on 127.0.0.1:PORT, mail for
    DOMAIN handed to LMTP_SOCKET (virtual_transport), every other mail
    discarded, retries only when the test flushes.  TRANSPORTS
    ({domain: "lmtp:unix:/path"}) adds domains with their own transport
    (transport_maps); MAIN_CF_EXTRA adds or overrides main.cf settings.  Needs
    root (Postfix's master runs as root and its daemons as the postfix
    user)."""

    def __init__(self, lmtp_socket, message_size_limit=10240000, transports=None, main_cf_extra=None):
        if not harness.IS_ROOT:
            raise harness.Skip("a private Postfix needs root (postfix -c DIR start)")
        if not shutil.which("postfix"):
            raise harness.Skip("postfix is not installed (make deps)")
        self.dir = tempfile.mkdtemp(prefix="convened-pf-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.etc = os.path.join(self.dir, "etc")
        self.queue = os.path.join(self.dir, "queue")
        self.data = os.path.join(self.dir, "data")
        self.maillog = os.path.join(self.dir, "maillog")
        for d in (self.etc, self.queue, self.data):
            os.mkdir(d, 0o755)
        pw = pwd.getpwnam("postfix")
        os.chown(self.data, pw.pw_uid, pw.pw_gid)
        self.port = harness.free_port()
        self.running = False
        main_cf = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue,
            "data_directory": self.data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "myhostname": "mx." + DOMAIN,
            "mydestination": "",
            "mynetworks": "127.0.0.0/8",
            "alias_maps": "",
            "alias_database": "",
            "smtputf8_enable": "no",
            "maillog_file": self.maillog,
            "maillog_file_prefixes": "/tmp",
            "virtual_mailbox_domains": DOMAIN,
            "virtual_transport": f"lmtp:unix:{lmtp_socket}",
            "default_transport": "discard:no mail leaves a test",
            "message_size_limit": str(message_size_limit),
            # the test decides when deferred mail is retried (postqueue -f)
            "queue_run_delay": "3600s",
            "minimal_backoff_time": "3600s",
            "maximal_backoff_time": "3600s",
        }
        if transports:
            tmap = os.path.join(self.etc, "transport")
            with open(tmap, "w") as f:
                for dom, tr in transports.items():
                    f.write(f"{dom} {tr}\n")
            main_cf["virtual_mailbox_domains"] = " ".join([DOMAIN, *transports])
            main_cf["transport_maps"] = f"texthash:{tmap}"
        main_cf.update(main_cf_extra or {})
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            for k, v in main_cf.items():
                f.write(f"{k} = {v}\n")
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(port=self.port))

    def _run(self, *argv, check=True):
        r = subprocess.run(list(argv), capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}):\n{r.stdout}{r.stderr}\n"
                               f"{self.log()[-3000:]}")
        return r

    def start(self):
        self._run("postfix", "-c", self.etc, "start")
        self.running = True
        harness.wait_until(self._smtp_up, timeout=30, msg="Postfix smtpd answering")
        return self

    def _smtp_up(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            return s.recv(100).startswith(b"220")

    def stop(self):
        if self.running:
            self._run("postfix", "-c", self.etc, "stop", check=False)
            pidfile = os.path.join(self.queue, "pid", "master.pid")

            def gone():
                try:
                    pid = int(open(pidfile).read().split()[0])
                    os.kill(pid, 0)
                    return False
                except (OSError, ValueError, IndexError):
                    return True

            harness.wait_until(gone, timeout=30, msg="Postfix master exited")
            self.running = False

    def cleanup(self):
        try:
            self.stop()
        finally:
            if not os.environ.get("CONVENED_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    def send(self, raw, rcpts, mail_from="sender@example.net"):
        """Submit RAW (bytes) by SMTP; returns smtplib's refused dict."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as s:
            return s.sendmail(mail_from, rcpts, raw)

    def queued(self):
        """The queue as postqueue -j reports it: a list of dicts."""
        r = self._run("postqueue", "-c", self.etc, "-j")
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def flush(self):
        self._run("postqueue", "-c", self.etc, "-f")

    def log(self):
        try:
            with open(self.maillog, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""
