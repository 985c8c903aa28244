"""harness.py - integration-test harness: a private PostgreSQL cluster, the real
convened binary, HTTP/raw-socket clients and helpers (Python stdlib only).

Typical use in a test file (tests/integration/test_*.py):

    import harness

    def test_something():
        pg = harness.cluster()                 # one started cluster per run
        db = pg.new_database()                 # fresh database -> conninfo
        d = harness.Daemon(db, config={"outbox": {"batch_size": 10}})
        d.start()                              # waits for /healthz == 200
        r = d.post("/api/projects", {"slug": "x", "title": "X"})
        assert r.status == 201, r
        rows = pg.psql(db, "SELECT slug FROM projects WHERE id = $1", r.json()["id"])
        assert rows == [("x",)]

Daemons started in a test are killed by the runner after the test (even
when it fails); the cluster is destroyed when the process exits.
A test that needs something this machine lacks raises harness.Skip(reason);
the runner reports it as SKIP, by name, never as passed.  Real-client data
(calendar exports, mail) lives outside the repository, in
../shared/fixtures/ next to the clone: harness.shared_fixture("ics", NAME)
finds it or skips the test.

Environment: CONVENED_BUILD (build dir, default "build"), CONVENED_BIN
(binary path override), CONVENED_KEEP=1 (keep temp dirs for debugging),
CONVENED_SHARED_FIXTURES (the shared fixtures folder, default
<repo>/../shared/fixtures).
"""

import atexit
import email.parser
import email.policy
import glob
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IS_ROOT = os.geteuid() == 0
PG_OS_USER = "postgres"  # OS user running PostgreSQL when we are root
PG_SUPERUSER = "postgres"  # database superuser name in our clusters

_NULL = "\x1dNULL\x1d"
_FS = "\x1f"


def build_dir():
    """Absolute build directory (env CONVENED_BUILD, default 'build')."""
    b = os.environ.get("CONVENED_BUILD", "build")
    return b if os.path.isabs(b) else os.path.join(REPO, b)


def convened_bin():
    """Path of the convened binary under test."""
    return os.environ.get("CONVENED_BIN") or os.path.join(build_dir(), "convened")


def convenectl_bin():
    return os.environ.get("CONVENECTL_BIN") or os.path.join(build_dir(), "convenectl")


def is_asan():
    return "asan" in os.path.basename(build_dir().rstrip("/"))


_next_port = None


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago.  Under the
    parallel runner each worker hands out ports from its own range
    (CONVENED_PORT_BASE, CONVENED_PORT_SPAN; below the kernel's ephemeral
    ports), in turn, so two workers never pick the same port and a port
    is not reused soon after a test let it go."""
    global _next_port
    base = int(os.environ.get("CONVENED_PORT_BASE") or 0)
    if base:
        span = int(os.environ.get("CONVENED_PORT_SPAN") or 1000)
        if _next_port is None:
            _next_port = base
        for _ in range(span):
            port = _next_port
            _next_port = base + (_next_port + 1 - base) % span
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in {base}..{base + span - 1}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(fn, timeout=10.0, interval=0.05, msg=None):
    """Call fn until it returns a truthy value and return that value.
    Exceptions from fn count as falsy.  Raises TimeoutError after timeout
    seconds (message includes msg and the last exception, if any)."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last_exc = e
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_exc!r})" if last_exc else ""
            raise TimeoutError(f"timed out after {timeout}s waiting for {msg or fn}{detail}")
        time.sleep(interval)


class Skip(Exception):
    """Raised by a test that cannot run here; the message says why."""


def shared_fixtures_dir():
    """The folder of real-client fixtures shared by the projects of this
    CI (env CONVENED_SHARED_FIXTURES, default <repo>/../shared/fixtures);
    never copied into the repository."""
    d = os.environ.get("CONVENED_SHARED_FIXTURES") or os.path.join(
        os.path.dirname(REPO), "shared", "fixtures")
    return os.path.abspath(d)


def shared_fixture(*parts):
    """Path of a shared fixture, e.g. shared_fixture("ics", "thunderbird.ics");
    raises Skip naming the missing path when it is absent."""
    path = os.path.join(shared_fixtures_dir(), *parts)
    if not os.path.exists(path):
        raise Skip(f"shared fixture {path} is absent (set CONVENED_SHARED_FIXTURES "
                   "to the folder holding ics/ and mail/)")
    return path


def _tail(path, lines=60):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def _rmtree(path):
    if path and not os.environ.get("CONVENED_KEEP"):
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- PostgreSQL


def pg_bindir():
    """Directory holding initdb/pg_ctl (Debian keeps them off PATH)."""
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        d = out.stdout.strip()
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    except (OSError, subprocess.CalledProcessError):
        pass

    def ver(p):
        m = re.search(r"/(\d+)/bin$", p)
        return int(m.group(1)) if m else 0

    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=ver, reverse=True)
    for d in cands:
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    raise RuntimeError("initdb not found (install postgresql: make deps)")


class PsqlError(Exception):
    pass


class PgCluster:
    """A private PostgreSQL cluster in a temp dir under /tmp: unix socket
    only (listen_addresses=''), fsync off, trust auth, superuser 'postgres'.
    As root the server runs as the postgres user (runuser)."""

    def __init__(self):
        self.bindir = pg_bindir()
        self.dir = None
        self.port = None
        self.running = False

    @property
    def datadir(self):
        return os.path.join(self.dir, "data")

    @property
    def sockdir(self):
        return os.path.join(self.dir, "sock")

    @property
    def logfile(self):
        return os.path.join(self.dir, "postgresql.log")

    def _as_pg(self, argv, **kw):
        if IS_ROOT:
            argv = ["runuser", "-u", PG_OS_USER, "--"] + argv
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        kw.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run(argv, **kw)

    def _init(self):
        self.dir = tempfile.mkdtemp(prefix="convened-pg-", dir="/tmp")
        os.mkdir(self.sockdir)
        if IS_ROOT:
            import pwd

            pw = pwd.getpwnam(PG_OS_USER)
            for p in (self.dir, self.sockdir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self.port = free_port()
        r = self._as_pg(
            [
                os.path.join(self.bindir, "initdb"),
                "-D", self.datadir, "-U", PG_SUPERUSER, "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync",
            ]
        )
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{r.stdout}\n{r.stderr}")
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as f:
            f.write(
                "\n# convened test harness\n"
                "listen_addresses = ''\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.sockdir}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "max_connections = 200\n"
                "shared_buffers = 32MB\n"
                "log_min_messages = warning\n"
            )

    def start(self):
        """initdb on first call; (re)start the server on the same data."""
        if self.dir is None:
            self._init()
        if self.running:
            return self
        r = self._as_pg(
            [
                os.path.join(self.bindir, "pg_ctl"),
                "-D", self.datadir, "-l", self.logfile, "-w", "-t", "60", "start",
            ]
        )
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed:\n{r.stdout}\n{r.stderr}\n{_tail(self.logfile)}")
        self.running = True
        return self

    def stop(self, mode="fast"):
        """Stop the server (data kept; start() brings it back)."""
        if not self.running:
            return
        r = self._as_pg(
            [
                os.path.join(self.bindir, "pg_ctl"),
                "-D", self.datadir, "-m", mode, "-w", "-t", "60", "stop",
            ]
        )
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed:\n{r.stdout}\n{r.stderr}")
        self.running = False

    def destroy(self):
        """Stop immediately and remove the cluster's directory."""
        if self.dir is None:
            return
        try:
            self.stop(mode="immediate")
        except RuntimeError:
            pass
        _rmtree(self.dir)
        self.dir = None

    def conninfo(self, dbname="postgres"):
        """libpq conninfo for DBNAME on this cluster."""
        return f"host={self.sockdir} port={self.port} dbname={dbname} user={PG_SUPERUSER}"

    def new_database(self, name=None):
        """CREATE DATABASE (from template0) and return its conninfo."""
        name = name or "t_" + secrets.token_hex(6)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"bad database name {name!r}")
        self.psql(self.conninfo(), f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.conninfo(name)

    def psql(self, conninfo, sql, *params, timeout=60):
        """Run SQL through the psql CLI; return the rows of every result as
        tuples of str (None for NULL).  Parameters are written $1, $2 ...
        in SQL and passed as psql variables (None -> NULL; other values
        str()-ed; bools -> 'true'/'false').  Raises PsqlError on failure."""
        return psql(conninfo, sql, *params, timeout=timeout, bindir=self.bindir)


def psql(conninfo, sql, *params, timeout=60, bindir=None):
    """Module-level psql (see PgCluster.psql)."""
    bindir = bindir or pg_bindir()
    argv = [
        os.path.join(bindir, "psql"), "-X", "-q", "-A", "-t",
        "-F", _FS, "-0", "-P", "null=" + _NULL, "-v", "ON_ERROR_STOP=1",
    ]

    def repl(m):
        i = int(m.group(1))
        if i < 1 or i > len(params):
            raise ValueError(f"${i} has no parameter")
        v = params[i - 1]
        if v is None:
            return "NULL"
        return f":'p{i}'"

    for i, v in enumerate(params, 1):
        if v is None:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        s = str(v)
        if "\0" in s:
            raise ValueError("NUL byte in psql parameter")
        argv += ["-v", f"p{i}={s}"]
    if params:
        sql = re.sub(r"(?<![\w$])\$(\d+)\b", repl, sql)
    argv += ["-d", conninfo, "-f", "-"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    r = subprocess.run(argv, input=sql.encode(), capture_output=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise PsqlError(r.stderr.decode("utf-8", "replace").strip() or f"psql exit {r.returncode}")
    out = r.stdout.decode("utf-8")
    recs = out.split("\0")
    if recs and recs[-1] in ("", "\n"):
        recs.pop()
    return [tuple(None if f == _NULL else f for f in rec.split(_FS)) for rec in recs]


_cluster = None


def cluster():
    """The process-wide started PgCluster (created on first use, destroyed
    at exit).  Tests that stop it must start it again before returning."""
    global _cluster
    if _cluster is None:
        _cluster = PgCluster()
        atexit.register(_cluster.destroy)
    if not _cluster.running:
        _cluster.start()
    return _cluster


# -------------------------------------------------------------------- HTTP


class Response:
    """An HTTP response: status (int), headers (http.client.HTTPMessage,
    case-insensitive .get), body (bytes); .text and .json() decode it."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def __repr__(self):
        b = self.body[:500].decode("utf-8", "replace")
        return f"<Response {self.status} {self.reason}: {b!r}>"


def http_request(port, method, path, body=None, headers=None, host="127.0.0.1", timeout=30):
    """One HTTP/1.1 request on a fresh connection; returns Response.
    body: dict/list -> JSON, str -> UTF-8, bytes as is."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = bytes(body)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        return Response(r.status, r.reason, r.headers, r.read())
    finally:
        conn.close()


def raw_request(port, data, timeout=5.0, host="127.0.0.1", shutdown_write=False):
    """Send raw bytes on a new TCP connection and return everything read
    until the server closes or timeout passes (b'' if nothing)."""
    out = b""
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(data)
            if shutdown_write:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            return out
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def parse_metrics(text):
    """Prometheus text -> {'name{labels}': float} (labels as written)."""
    m = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, val = line.rpartition(" ")
        # a trailing timestamp is allowed: "name{..} value ts"
        if key and " " in key and not key.endswith("}"):
            k2, _, v2 = key.rpartition(" ")
            if re.fullmatch(r"-?\d+", val):
                key, val = k2, v2
        try:
            m[key.strip()] = float(val)
        except ValueError:
            continue
    return m


def metric_value(metrics, name, **labels):
    """The value of metric NAME whose labels include LABELS (any order),
    or None.  metrics is a dict from parse_metrics."""
    for key, v in metrics.items():
        n, _, rest = key.partition("{")
        if n != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', rest))
        if all(got.get(k) == str(v2) for k, v2 in labels.items()):
            return v
    return None


# ------------------------------------------------------------------ Daemon

_live = []  # every Daemon started and not yet cleaned up
_used = []  # Daemons created during the current test


def run_convened(*args, env=None, timeout=60, binary=None):
    """Run the convened binary with ARGS to completion (e.g. '-n', '-c',
    path); returns CompletedProcess with text stdout/stderr."""
    e = _daemon_env(env)
    return subprocess.run(
        [binary or convened_bin(), *args],
        capture_output=True, text=True, timeout=timeout, env=e, stdin=subprocess.DEVNULL,
    )


REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run_browser(script, env=None, timeout=180):
    """Run a browser script (tests/js/NAME.mjs, driving Debian's chromium
    through puppeteer-core; see tests/js/browser.mjs) with ENV added to the
    environment; returns the JSON object it prints as its last line.  A
    script that fails (a thrown assertion) fails the test with its output."""
    path = script if os.path.isabs(script) else os.path.join(REPO, "tests", "js", script)
    e = dict(os.environ)
    e.setdefault("SCREENSHOT_DIR", os.path.join(REPO, "build", "screenshots"))
    for k, v in (env or {}).items():
        e[k] = str(v)
    p = subprocess.run(
        ["node", path], capture_output=True, text=True, timeout=timeout, env=e,
        stdin=subprocess.DEVNULL, cwd=REPO,
    )
    if p.returncode != 0:
        raise AssertionError(
            f"browser script {os.path.basename(path)} failed (exit {p.returncode}):\n"
            f"{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
        )
    last = [ln for ln in p.stdout.splitlines() if ln.strip()]
    if not last:
        raise AssertionError(f"browser script {os.path.basename(path)} printed no result")
    return json.loads(last[-1])


def _daemon_env(extra=None):
    e = dict(os.environ)
    e.pop("CONVENED_DATABASE", None)  # the test's config decides
    e.pop("NOTIFY_SOCKET", None)
    e.pop("WATCHDOG_USEC", None)
    e["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
    e["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    if extra:
        for k, v in extra.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = str(v)
    return e


def _ini_value(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def write_config(path, sections):
    """Write {section: {key: value}} as an INI file (None values skipped)."""
    with open(path, "w") as f:
        for sec, kv in sections.items():
            if kv is None:
                continue
            f.write(f"[{sec}]\n")
            for k, v in kv.items():
                if v is None:
                    continue
                f.write(f"{k} = {_ini_value(v)}\n")
            f.write("\n")


class Daemon:
    """The real convened binary on a private config.

    conninfo: libpq conninfo for [database] conninfo.
    config: {section: {key: value}} merged over the defaults; a value of
      None removes a key, a section of None removes the section.
    extra_env: extra environment (None values unset a variable).
    Attributes: port, url, token, dir (temp dir), conf (config path),
    maildir, logfile, proc."""

    def __init__(self, conninfo, config=None, extra_env=None, binary=None, verbose=True, port=None):
        self.conninfo = conninfo
        self.binary = binary or convened_bin()
        self.extra_env = extra_env
        self.verbose = verbose
        self.dir = tempfile.mkdtemp(prefix="convened-d-")
        self.port = port or free_port()
        self.token = secrets.token_hex(32)
        self.maildir = os.path.join(self.dir, "mail")
        self.logfile = os.path.join(self.dir, "convened.log")
        self.conf = os.path.join(self.dir, "convened.conf")
        self.proc = None
        self._logf = None
        plugin_dir = os.path.join(build_dir(), "plugins")
        self.sections = {
            "convened": {
                "listen": "127.0.0.1",
                "port": self.port,
                "base_url": f"http://127.0.0.1:{self.port}",
                "admin_token": self.token,
                "plugin_dir": plugin_dir,
                "template_dir": os.path.join(REPO, "config", "templates"),
                "sql_dir": os.path.join(REPO, "sql"),
                "instance": f"test-{self.port}",
            },
            "database": {
                "conninfo": conninfo,
                "reconnect_min_ms": 100,
                "reconnect_max_ms": 1000,
            },
            # Tests post hundreds of requests from 127.0.0.1 and resend
            # confirmations on purpose: the throttles are off unless a test
            # (test_guard.py) turns them on.
            "throttle": {
                "post_burst": 10000000,
                "mail_interval": 0,
                "mail_per_day": 0,
            },
        }
        # The spool plugin is the default channel for email in tests.
        if os.path.exists(os.path.join(plugin_dir, "spool.so")):
            self.sections["plugin spool"] = {"channels": "email", "maildir": self.maildir}
        for sec, kv in (config or {}).items():
            if kv is None:
                self.sections.pop(sec, None)
                continue
            cur = self.sections.setdefault(sec, {})
            for k, v in kv.items():
                if v is None:
                    cur.pop(k, None)
                else:
                    cur[k] = v
        # maildir_messages() reads the maildir the spool plugin really uses
        spool_dir = self.sections.get("plugin spool", {}).get("maildir")
        if spool_dir:
            self.maildir = spool_dir
        tok = self.sections.get("convened", {}).get("admin_token")
        if tok is not None:
            self.token = str(tok)
        write_config(self.conf, self.sections)
        _used.append(self)

    # -- life cycle
    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self):
        return _daemon_env(self.extra_env)

    def start(self, wait=True, healthy=True, timeout=20.0, args=()):
        """Start `convened -f [-v] -c conf`, output to logfile.  wait: block
        until /healthz answers 200 (healthy=True) or anything at all
        (healthy=False); on timeout or early exit raise RuntimeError with the
        log tail."""
        if self.proc and self.proc.poll() is None:
            raise RuntimeError("daemon already running")
        argv = [self.binary, "-f"] + (["-v"] if self.verbose else []) + ["-c", self.conf, *args]
        self._logf = open(self.logfile, "ab")
        self.proc = subprocess.Popen(
            argv, stdout=self._logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=self.env(), cwd=self.dir,
        )
        if self not in _live:
            _live.append(self)
        if wait:
            self.wait_ready(healthy=healthy, timeout=timeout)
        return self

    def wait_ready(self, healthy=True, timeout=20.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"convened exited with {self.proc.returncode} during start-up; log:\n{self.log_tail()}"
                )
            try:
                r = http_request(self.port, "GET", "/healthz", timeout=2)
                last = r
                if r.status == 200 or not healthy:
                    return self
            except OSError as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError(
            f"convened not ready after {timeout}s (last: {last!r}); log:\n{self.log_tail()}"
        )

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Send SIG and wait for exit; return the exit code (negative:
        killed by a signal).  On timeout kill -9 and raise TimeoutError."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                raise TimeoutError(f"convened did not exit {timeout}s after signal {sig}")
        self._close_log()
        return self.proc.returncode

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def wait(self, timeout=15.0):
        """Wait for the process to exit by itself; return its code."""
        rc = self.proc.wait(timeout)
        self._close_log()
        return rc

    def _close_log(self):
        if self._logf:
            self._logf.close()
            self._logf = None

    def cleanup(self):
        """Kill if running and remove the temp dir (the runner does this)."""
        self.kill9()
        if self in _live:
            _live.remove(self)
        _rmtree(self.dir)

    # -- output
    def log_text(self):
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, lines=60):
        return _tail(self.logfile, lines)

    def maildir_messages(self):
        """Messages in the spool maildir's new/ (sorted by file name) as
        email.message.EmailMessage."""
        d = os.path.join(self.maildir, "new")
        if not os.path.isdir(d):
            return []
        out = []
        p = email.parser.BytesParser(policy=email.policy.default)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                msg = p.parse(f)
            msg.filename = name
            out.append(msg)
        return out

    # -- HTTP
    def request(self, method, path, body=None, headers=None, auth=True, timeout=30):
        """HTTP request to this daemon.  auth: True -> bearer admin token,
        False/None -> no Authorization, str -> that bearer token."""
        h = dict(headers or {})
        if auth is True:
            h.setdefault("Authorization", f"Bearer {self.token}")
        elif isinstance(auth, str):
            h.setdefault("Authorization", f"Bearer {auth}")
        return http_request(self.port, method, path, body=body, headers=h, timeout=timeout)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def raw(self, data, timeout=5.0, shutdown_write=False):
        """Raw bytes to the HTTP port; returns what came back."""
        return raw_request(self.port, data, timeout=timeout, shutdown_write=shutdown_write)

    def healthz(self):
        """Status code of GET /healthz (None when it does not answer)."""
        try:
            return http_request(self.port, "GET", "/healthz", timeout=5).status
        except OSError:
            return None

    def metrics(self):
        """GET /metrics parsed: {'name{labels}': float}."""
        r = self.get("/metrics")
        if r.status != 200:
            raise AssertionError(f"/metrics answered {r!r}")
        return parse_metrics(r.text)

    # -- tools
    def ctl(self, *args, env=None, input=None, timeout=60):
        """Run convenectl --url URL --token TOKEN ARGS; CompletedProcess
        with text stdout/stderr."""
        e = dict(os.environ)
        if env:
            e.update(env)
        return subprocess.run(
            [convenectl_bin(), "--url", self.url, "--token", self.token, *args],
            capture_output=True, text=True, timeout=timeout, env=e, input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    def check_config(self):
        """`convened -n -c conf` -> CompletedProcess."""
        return run_convened("-n", "-c", self.conf, env=self.extra_env, binary=self.binary)


# ------------------------------------------------------- runner integration


def begin_test():
    """Called by the runner before each test."""
    _used.clear()


def used_daemons():
    """Daemons created during the current test."""
    return list(_used)


def end_test():
    """Called by the runner after each test: kill every daemon still
    running and remove their temp dirs; restart the cluster if a test left
    it stopped."""
    for d in list(_used) + list(_live):
        try:
            d.cleanup()
        except Exception:  # noqa: BLE001 - best effort
            pass
    _used.clear()
    if _cluster is not None and _cluster.dir is not None and not _cluster.running:
        try:
            _cluster.start()
        except RuntimeError:
            pass


def _kill_all():
    for d in list(_live):
        d.kill9()


atexit.register(_kill_all)
