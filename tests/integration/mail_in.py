"""mail_in.py - shared set-up for the tests of mail that comes back on the
real path (issue 13): convened with the lmtp source plugin on a Unix socket
(Python's smtplib.LMTP talks to it, as Postfix's lmtp client would), the
decision read back from inbound_messages, and copies of the shared fixtures
(../shared/fixtures/mail, never copied into the repository) filled in the
way the calendar client or the MTA fills them from convened's own mail:
the invitation's UID, ORGANIZER and SEQUENCE and the invited ATTENDEE in an
iMIP reply; the Message-ID and recipient of convened's mail in a bounce.
Only the values are replaced; the rest of each message keeps its bytes
(encodings, folding, broken boundaries and all)."""

import base64
import binascii
import email
import email.policy
import os
import quopri
import re
import smtplib

import harness
import reg_fixtures as F

REPLY = "convened@example.org"
MAIL = {"reply_address": REPLY,
        "register_address": "register@example.org",
        "secretariat": "secretariat@example.org"}


def start(mail=None, config=None):
    """A fresh database and convened with [mail] MAIL (updated by MAIL) and
    the lmtp plugin listening on d.lmtp_socket: (pg, db, d)."""
    pg = harness.cluster()
    db = pg.new_database()
    cfg = {"mail": dict(MAIL, **(mail or {}))}
    cfg.update(config or {})
    d = harness.Daemon(db, config=cfg)
    d.lmtp_socket = os.path.join(d.dir, "lmtp.sock")
    d.sections["plugin lmtp"] = {"listen": f"unix:{d.lmtp_socket}"}
    harness.write_config(d.conf, d.sections)
    d.start()
    return pg, db, d


def fixture(*parts):
    """The bytes of a shared fixture, e.g. fixture("dsn", "sendmail-5.1.1.eml")."""
    with open(harness.shared_fixture("mail", *parts), "rb") as f:
        return f.read()


def deliver(d, raw, rcpt, mail_from=""):
    """Hand RAW to convened over LMTP for RCPT; the 250 line is its answer."""
    with smtplib.LMTP(d.lmtp_socket) as c:
        refused = c.sendmail(mail_from, [rcpt], raw)
    assert refused == {}, refused


def _split(raw):
    """(header block, rest) of RAW, split at its first empty line."""
    m = re.search(rb"\r?\n\r?\n", raw)
    return (raw[:m.start()], raw[m.start():]) if m else (raw, b"")


def message_id(raw):
    """The message's own Message-ID (not one in a returned message), or None."""
    m = re.search(rb"(?im)^Message-ID:[ \t]*(<[^>\r\n]+>)", _split(raw)[0])
    return m.group(1).decode() if m else None


def with_message_id(raw, msgid):
    """RAW with its own Message-ID replaced by MSGID, or one added."""
    head, rest = _split(raw)
    head, n = re.subn(rb"(?im)^Message-ID:[ \t]*<[^>\r\n]+>", b"Message-ID: " + msgid.encode(),
                      head, count=1)
    nl = b"\r\n" if b"\r\n" in head else b"\n"
    return head + rest if n else b"Message-ID: " + msgid.encode() + nl + raw


def receive(pg, db, d, raw, rcpt, mail_from=""):
    """Deliver RAW to RCPT and return its row: (decision, reason, class, id)."""
    deliver(d, raw, rcpt, mail_from)
    mid = message_id(raw)
    if mid is None:  # the daemon names it <sha256@convened.invalid>
        mid = pg.psql(db, """SELECT message_id FROM inbound_messages WHERE rcpt = lower($1)
                             AND message_id LIKE '%@convened.invalid>'
                             ORDER BY id DESC LIMIT 1""", rcpt)[0][0]
    rows = pg.psql(db, """SELECT decision, reason, class, id FROM inbound_messages
                          WHERE rcpt = lower($1) AND message_id = $2""", rcpt, mid)
    assert len(rows) == 1, (rcpt, mid, rows)
    return rows[0]


def plain(msgid, sender, subject="Hello", text="A plain message.", extra=""):
    """A plain text mail typed by a person."""
    return (f"From: {sender}\r\nTo: {REPLY}\r\nSubject: {subject}\r\n"
            f"Message-ID: {msgid}\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n{extra}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{text}\r\n").encode()


def reply_token(msg):
    """The token of the Reply-To of a mail convened sent."""
    m = re.fullmatch(r"<?convened\+([0-9a-f]{32})@example\.org>?", str(msg["Reply-To"]).strip())
    assert m, msg["Reply-To"]
    return m.group(1)


def wait_mail(d, to, kind, timeout=15):
    def find():
        for m in d.maildir_messages():
            if m["X-Convened-Kind"] == kind and to in str(m["To"]):
                return m
        return None
    return harness.wait_until(find, timeout=timeout, msg=f"{kind} mail to {to}")


def invitation(d, to):
    """What a calendar client reads from the invitation convened mailed TO:
    {"uid", "sequence", "organizer", "token", "message"}."""
    inv = wait_mail(d, to, "registration_confirmed")
    cal = next(p for p in inv.walk() if p.get_content_type() == "text/calendar")
    ics = re.sub(r"\r?\n[ \t]", "", cal.get_payload(decode=True).decode())
    org = re.search(r"(?m)^ORGANIZER[^:\r\n]*:mailto:(\S+)", ics).group(1)
    return {"uid": re.search(r"(?m)^UID:(\S+)", ics).group(1),
            "sequence": int(re.search(r"(?m)^SEQUENCE:(\d+)", ics).group(1)),
            "organizer": org, "token": reply_token(inv), "message": inv}


# ---------------------------------------------------------------- iMIP replies


def _split_params(line):
    """'NAME;P=1;CN="a:b":value' -> ('NAME;P=1;CN="a:b"', 'value')."""
    q = False
    for i, ch in enumerate(line):
        if ch == '"':
            q = not q
        elif ch == ":" and not q:
            return line[:i], line[i + 1:]
    return line, ""


def _fill_calendar(text, uid, attendee, organizer, sequence, partstat, dtstamp):
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = re.split(r"\r?\n", re.sub(r"\r?\n[ \t]", "", text))
    out = []
    for line in lines:
        name = re.match(r"[A-Za-z-]*", line).group(0).upper()
        head, _ = _split_params(line)
        if name == "UID":
            line = f"UID:{uid}"
        elif name == "ATTENDEE":
            head = re.sub(r'(?i)(;EMAIL=)("[^"]*"|[^;:]*)', r"\g<1>" + attendee, head)
            if partstat:
                head = re.sub(r"(?i);PARTSTAT=[^;:]*", ";PARTSTAT=" + partstat, head)
            line = f"{head}:mailto:{attendee}"
        elif name == "ORGANIZER":
            line = f"{head}:mailto:{organizer}"
        elif name == "SEQUENCE" and sequence is not None:
            line = f"SEQUENCE:{sequence}"
        elif name == "DTSTAMP" and dtstamp:
            line = f"DTSTAMP:{dtstamp}"
        out.append(line)
    return nl.join(out)


def _raw_payload(raw, payload):
    """The bytes of PAYLOAD (a part's undecoded payload) as they are in RAW."""
    for codec in ("ascii", "utf-8", "latin-1"):
        try:
            b = payload.encode(codec, "surrogateescape")
        except UnicodeEncodeError:
            continue
        if b.rstrip(b"\r\n") in raw:
            return b
    raise AssertionError("calendar part not found in the raw message")


def fill_reply(raw, uid, attendee, organizer, sequence=None, partstat=None, dtstamp=None):
    """RAW (an iMIP reply fixture) as the client would have sent it to our
    invitation: in every calendar part the UID, the ATTENDEE (and its
    EMAIL=), the ORGANIZER where the client copies one (Outlook omits it)
    and SEQUENCE (where present) are ours; PARTSTAT and DTSTAMP only when
    given (a test's own variation).  Each part keeps its transfer encoding;
    nothing outside the calendar parts changes."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    n = 0
    for part in msg.walk():
        if part.get_content_type() not in ("text/calendar", "application/ics"):
            continue
        old = _raw_payload(raw, part.get_payload())
        cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        data = part.get_payload(decode=True).decode("utf-8", "surrogateescape")
        new = _fill_calendar(data, uid, attendee, organizer, sequence, partstat,
                             dtstamp).encode("utf-8", "surrogateescape")
        if cte == "base64":
            nl = b"\r\n" if b"\r\n" in old else b"\n"
            enc = base64.encodebytes(new).replace(b"\n", nl)
        elif cte == "quoted-printable":
            nl = b"\r\n" if b"\r\n" in old else b"\n"
            if b"=0D=0A" in old:  # line ends encoded too (Apple iCal)
                enc = binascii.b2a_qp(new, istext=False).replace(b"=\n", b"=" + nl)
            else:
                enc = quopri.encodestring(new.replace(b"\r\n", b"\n")).replace(b"\n", nl)
        else:
            enc = new
        body = old.rstrip(b"\r\n")
        raw = raw.replace(body, enc.rstrip(b"\r\n"), 1)
        n += 1
    assert n, "no calendar part"
    return raw


# ---------------------------------------------------------------- bounces


def fill_bounce(raw, facts, address, msgid):
    """RAW (a bounce fixture whose parsed FACTS are given) as the MTA would
    have written it about convened's mail MSGID to ADDRESS: the failed
    recipient the report names (Final-/Original-Recipient or the address in
    the text) is ADDRESS; the returned message's Message-ID, where the
    report carries one, is MSGID."""
    for r in facts["rcpts"][:1]:
        for a in {r["address"], r["original"]} - {None, ""}:
            raw = re.sub(re.escape(a).encode(), address.encode(), raw, flags=re.I)
    if facts.get("orig_message_id"):
        raw = raw.replace(facts["orig_message_id"].encode(), msgid.encode())
    return raw


def facts_of(pg, db, iid):
    import json
    return json.loads(pg.psql(db, "SELECT facts::text FROM inbound_messages WHERE id = $1",
                              iid)[0][0])


def states(pg, db, ev):
    return F.states(pg, db, ev)
