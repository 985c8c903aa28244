#!/usr/bin/python3
"""inbound.py - mail that comes back, end to end: N iMIP REPLY messages
(default 1,000 a round of 1.4 KB, distinct Message-IDs) through a private Postfix
(tests/integration/private_postfix.py) over LMTP into convened's lmtp
plugin, parsed, stored and decided (cv_inbound_receive), and in the same
run the same Postfix delivering the same messages over LMTP to its own
smtp-sink.  Both are timed the same way: the messages wait in Postfix's
queue (defer_transports) until `postqueue -f`, then the clock runs until
Postfix has logged status=sent for every one.  BENCH_ROUNDS interleaved
rounds (smtp-sink, convened, ...) of BENCH_INBOUND_MESSAGES (1,000) each;
prints both rates' medians and the ratio's median and spread."""

import os
import re
import secrets
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time

import benchlib as B

sys.path.insert(0, os.path.join(B.REPO, "tests", "integration"))
import private_postfix  # noqa: E402

NAME = "inbound"
CONVENED = private_postfix.DOMAIN  # convened.test: to convened's LMTP socket
SINK = "sink.test"  # to smtp-sink -L


def reply(i):
    """An Outlook-style iMIP REPLY (ACCEPTED) as bytes; the recipient
    domain is added by the envelope only, so both runs get the same bytes."""
    uid = f"bench-{i % 50}@convened.example.org"
    ics = ("BEGIN:VCALENDAR\r\nPRODID:Microsoft Exchange Server 2010\r\n"
           "VERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
           f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Participant {i}:mailto:p{i}@malmo.example.se\r\n"
           "COMMENT;LANGUAGE=sv-SE:Vi ses i Rimini.\r\n"
           "SUMMARY;LANGUAGE=sv-SE:Accepted: Training seminar in Rimini\r\n"
           "DTSTART:20270301T080000Z\r\nDTEND:20270301T153000Z\r\n"
           f"UID:{uid}\r\nSEQUENCE:0\r\nDTSTAMP:20261203T100000Z\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n")
    text = ("Vi ses i Rimini.\r\n\r\n" + "Med vänliga hälsningar\r\nParticipant\r\n") * 8
    return (f"From: Participant {i} <p{i}@malmo.example.se>\r\n"
            f"To: <reply+{secrets.token_hex(16)}@{CONVENED}>\r\n"
            "Subject: Accepted: Training seminar in Rimini\r\n"
            f"Message-ID: <bench-{i}-{secrets.token_hex(6)}@malmo.example.se>\r\n"
            "Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + text +
            '--b1\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n'
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + ics + "--b1--\r\n").encode()


def submit(pf, msgs, domain, sessions):
    """Submit every message by SMTP over SESSIONS parallel connections, each
    to reply+<n>@DOMAIN (untimed: they wait in the queue)."""
    errors = []

    def one(part):
        try:
            with smtplib.SMTP("127.0.0.1", pf.port, timeout=60) as s:
                for i, raw in part:
                    s.sendmail("", [f"reply+{i}@{domain}"], raw)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    parts = [list(enumerate(msgs))[k::sessions] for k in range(sessions)]
    ts = [threading.Thread(target=one, args=(p,)) for p in parts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(f"submitting to Postfix failed: {errors[0]!r}")


def queued(pf):
    return len(pf.queued())


def timed_flush(pf, domain, n, timeout=600):
    """postqueue -f, then wait until Postfix logged status=sent for N
    recipients in DOMAIN; returns the seconds it took."""
    pat = re.compile(r"to=<[^>]*@" + re.escape(domain) + r">.*status=sent")
    start_at = len(pf.log())
    t0 = time.monotonic()
    pf.flush()
    done, seen = 0, start_at
    deadline = t0 + timeout
    while done < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {done} of {n} delivered to {domain} in {timeout} s")
        text = pf.log()
        # count whole lines only
        end = text.rfind("\n") + 1
        if end > seen:
            done += len(pat.findall(text[seen:end]))
            seen = end
        else:
            time.sleep(0.02)
    return time.monotonic() - t0


def main():
    n = B.env_int("BENCH_INBOUND_MESSAGES", 1000)
    sessions = B.env_int("BENCH_INBOUND_SESSIONS", 4)
    if os.geteuid() != 0:
        B.not_run(NAME, "a private Postfix needs root (postfix -c DIR start)")
        return
    if not shutil.which("postfix") or not os.path.exists("/usr/sbin/smtp-sink"):
        B.not_run(NAME, "Postfix and its smtp-sink are not installed (sh bench/deps.sh)")
        return
    tmp = tempfile.mkdtemp(prefix="convened-inbench-", dir="/tmp")
    os.chmod(tmp, 0o755)
    lmtp_sock = os.path.join(tmp, "lmtp.sock")
    sink_sock = os.path.join(tmp, "sink.sock")
    pg = B.cluster()
    pf = sink = d = None
    try:
        db = pg.new_database()
        d = B.daemon(db, config={"plugin lmtp": {"listen": f"unix:{lmtp_sock}",
                                                 "socket_mode": "0666"}})
        old = os.umask(0)  # the socket must be writable by Postfix's lmtp (user postfix)
        try:
            sink = subprocess.Popen(["smtp-sink", "-L", "-u", "nobody", "-m", "1000",
                                     f"unix:{sink_sock}", "1000"],
                                    stdout=subprocess.DEVNULL,
                                    stderr=open(os.path.join(tmp, "sink.err"), "wb"))
        finally:
            os.umask(old)
        B.harness.wait_until(lambda: os.path.exists(sink_sock), timeout=10, msg="smtp-sink up")
        pf = private_postfix.Postfix(lmtp_sock, transports={SINK: f"lmtp:unix:{sink_sock}"},
                                     main_cf_extra={"defer_transports": "lmtp"}).start()
        size = len(reply(0))

        def flushed(domain, i):
            msgs = [reply(i * n + k) for k in range(n)]
            submit(pf, msgs, domain, sessions)
            B.harness.wait_until(lambda: queued(pf) >= n, timeout=300, interval=0.5,
                                 msg=f"{n} messages queued for {domain}")
            dt = timed_flush(pf, domain, n)
            B.harness.wait_until(lambda: queued(pf) == 0, timeout=120, msg="queue empty")
            return n / dt
        r = B.rounds(lambda i: flushed(SINK, i), lambda i: flushed(CONVENED, i), label="inbound")
        rows = pg.psql(db, "SELECT decision, count(*) FROM inbound_messages "
                       "GROUP BY decision ORDER BY 2 DESC")
        stored = sum(int(c) for _, c in rows)
        if stored != n * len(r.conv):
            raise RuntimeError(f"{stored} rows in inbound_messages, expected {n * len(r.conv)}")
        B.say("decisions: " + ", ".join(f"{dec or 'undecided'} {c}" for dec, c in rows))
        B.figure_rounds(NAME, f"{n:,} iMIP REPLY messages of ~{size:,} B a round, Postfix -> LMTP -> decision",
                        r, "msg/s", "Postfix -> smtp-sink (LMTP)",
                        note="same Postfix, same messages, queued then flushed; decisions: "
                             + ", ".join(f"{dec or 'undecided'} {c}" for dec, c in rows))
    finally:
        if pf:
            pf.cleanup()
        if sink:
            sink.terminate()
            sink.wait(10)
        if d:
            d.stop()
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
