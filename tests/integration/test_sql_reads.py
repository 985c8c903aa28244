"""test_sql_reads.py - rules in SQL, C passes through (issue 10, part 2):
C reads query results only by column name (daemon/db_row.c is the one
place that touches a value by index), and the rules the database decides
(registration window, waiting-list rank) are not restated in C.  A check
over the sources, plus one that each checker catches what it looks for."""

import glob
import os
import re
import tempfile

import harness

DAEMON = os.path.join(harness.REPO, "daemon")

# libpq's positional value readers
_POSITIONAL = re.compile(r"\bPQget(?:value|isnull|length)\s*\(")

# Files that may still call them, and why.  Each must still need it (the
# test fails when one no longer does, so the list only shrinks).
ALLOWED = {
    "db_row.c": "the by-name reader itself",
}

# What C must not decide again: the columns behind the rules.
_RULES = re.compile(r"\b(reg_opens_at|reg_closes_at|waitlist_pos)\b")


def _sources(root):
    out = sorted(glob.glob(os.path.join(root, "daemon", "*.c")))
    out += sorted(glob.glob(os.path.join(root, "plugins", "*", "*.c")))
    return out


def _strip_comments(text):
    """TEXT without C comments, line numbers kept."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text,
                  flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def positional_reads(root):
    """{file name: [line numbers]} of positional reads outside ALLOWED, and
    the ALLOWED files that no longer have any."""
    found, users = {}, set()
    for path in _sources(root):
        name = os.path.basename(path)
        text = open(path, encoding="utf-8").read()
        text = _strip_comments(text)
        lines = [text.count("\n", 0, m.start()) + 1
                 for m in _POSITIONAL.finditer(text)]
        if not lines:
            continue
        users.add(name)
        if name not in ALLOWED:
            found[name] = lines
    stale = sorted(n for n in ALLOWED if n not in users)
    return found, stale


def restated_rules(root):
    """[(file, column)] of C files that name a rule's columns."""
    out = []
    for path in _sources(root):
        name = os.path.basename(path)
        if name in ALLOWED:
            continue
        for m in _RULES.finditer(_strip_comments(open(path, encoding="utf-8").read())):
            out.append((name, m.group(1)))
    return out


def test_c_reads_results_by_name_only():
    found, stale = positional_reads(harness.REPO)
    assert found == {}, f"positional reads (use db_row.h): {found}"
    assert stale == [], f"no longer needed in ALLOWED: {stale}"


def test_c_does_not_restate_the_window_or_the_waiting_list_rank():
    assert restated_rules(harness.REPO) == []


def test_the_checks_catch_each_breach():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "daemon"))
        os.makedirs(os.path.join(root, "plugins", "x"))
        for name in ALLOWED:
            with open(os.path.join(root, "daemon", name), "w") as f:
                f.write("x = PQgetvalue(res, 0, 0);\n")
        with open(os.path.join(root, "daemon", "pages.c"), "w") as f:
            f.write("/* PQgetvalue(res, 0, 1) in a comment is fine */\n"
                    "int a;\nconst char *s = PQgetvalue (res, i, C_TITLE);\n"
                    "static const char q[] = \"now() < e.reg_opens_at\";\n")
        with open(os.path.join(root, "plugins", "x", "x.c"), "w") as f:
            f.write("if (PQgetisnull(res, 0, 3)) return;\n")
        found, stale = positional_reads(root)
        assert found == {"pages.c": [3], "x.c": [1]}
        assert stale == []
        assert restated_rules(root) == [("pages.c", "reg_opens_at")]
        os.remove(os.path.join(root, "daemon", "db_row.c"))
        assert positional_reads(root)[1] == ["db_row.c"]
