"""test_sql_layout.py - sql/ as one picture (issue 10): numbered files hold
schema changes only; every function, trigger and view is defined in exactly
one file of sql/functions/; what the database holds after migrating is what
those files define, and the kinds tables are the kinds."""

import glob
import os
import re
import tempfile

import harness

SQL = os.path.join(harness.REPO, "sql")

# what may only live in sql/functions/
_FORBIDDEN = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?(FUNCTION|PROCEDURE|TRIGGER|VIEW)\b",
    re.I)
_DEFINES = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?(FUNCTION|PROCEDURE|TRIGGER|VIEW)\s+"
    r"(?:public\.)?\"?(\w+)", re.I)


def _strip_comments(text):
    """SQL without -- comments (dollar-quoted bodies are kept: a definition
    inside a DO block still counts)."""
    return re.sub(r"--[^\n]*", "", text)


def layout_problems(sql_dir):
    """Every breach of the layout rules in SQL_DIR, as sentences."""
    problems = []
    for path in sorted(glob.glob(os.path.join(sql_dir, "[0-9][0-9][0-9]_*.sql"))):
        text = _strip_comments(open(path, encoding="utf-8").read())
        for m in _FORBIDDEN.finditer(text):
            problems.append(f"{os.path.basename(path)}: CREATE {m.group(1).upper()} in a "
                            "numbered migration (it belongs in sql/functions/)")
    seen = {}
    for path in sorted(glob.glob(os.path.join(sql_dir, "functions", "*.sql"))):
        name = "functions/" + os.path.basename(path)
        text = _strip_comments(open(path, encoding="utf-8").read())
        for m in _DEFINES.finditer(text):
            what, obj = m.group(1).upper(), m.group(2).lower()
            if what in ("FUNCTION", "PROCEDURE", "VIEW") and not obj.startswith("cv_"):
                problems.append(f"{name}: {what} {obj} is not named cv_* (the loader "
                                "re-creates only cv_* objects)")
            key = ("TRIGGER" if what == "TRIGGER" else "ROUTINE", obj)
            if key in seen:
                problems.append(f"{what} {obj} is defined in {seen[key]} and again in {name}")
            else:
                seen[key] = name
    return problems


def defined_objects(sql_dir):
    """{('ROUTINE'|'TRIGGER'|'VIEW', name): file} of sql/functions/."""
    out = {}
    for path in sorted(glob.glob(os.path.join(sql_dir, "functions", "*.sql"))):
        text = _strip_comments(open(path, encoding="utf-8").read())
        for m in _DEFINES.finditer(text):
            what = m.group(1).upper()
            what = "ROUTINE" if what in ("FUNCTION", "PROCEDURE") else what
            out[(what, m.group(2).lower())] = os.path.basename(path)
    return out


def test_numbered_migrations_hold_schema_only_and_functions_are_defined_once():
    assert glob.glob(os.path.join(SQL, "[0-9][0-9][0-9]_*.sql")), "no numbered migration"
    assert glob.glob(os.path.join(SQL, "functions", "*.sql")), "no sql/functions/"
    assert layout_problems(SQL) == []


def test_layout_check_catches_each_breach():
    # the check above must be able to fail: feed it each kind of breach
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "functions"))

        def write(name, text):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)

        write("001_base.sql", "CREATE TABLE t (id int);\n-- CREATE FUNCTION in a comment is fine\n")
        write("functions/a.sql", "CREATE OR REPLACE FUNCTION cv_a() RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
        assert layout_problems(tmp) == []
        write("002_fn.sql", "create or replace function cv_x() returns int language sql as 'select 1';\n")
        write("003_trg.sql", "CREATE TRIGGER t_x AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION cv_a();\n")
        write("004_fn.sql", "CREATE FUNCTION cv_y() RETURNS int LANGUAGE sql AS 'SELECT 2';\n")
        write("functions/b.sql", "CREATE OR REPLACE FUNCTION cv_a() RETURNS int LANGUAGE sql AS 'SELECT 3';\n"
                                 "CREATE FUNCTION helper() RETURNS int LANGUAGE sql AS 'SELECT 4';\n")
        p = layout_problems(tmp)
        assert any("002_fn.sql: CREATE FUNCTION" in s for s in p), p
        assert any("003_trg.sql: CREATE TRIGGER" in s for s in p), p
        assert any("004_fn.sql: CREATE FUNCTION" in s for s in p), p
        assert any("cv_a is defined in functions/a.sql and again in functions/b.sql" in s for s in p), p
        assert any("helper is not named cv_*" in s for s in p), p
        assert len(p) == 5, p


def test_database_holds_exactly_what_the_function_files_define():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    r = harness.run_convened("--migrate", "-c", d.conf)
    assert r.returncode == 0, r.stderr
    want = defined_objects(SQL)
    routines = {("ROUTINE", n) for (n,) in pg.psql(db, """
        SELECT DISTINCT p.proname FROM pg_proc p
         WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())""")}
    triggers = {("TRIGGER", n) for (n,) in pg.psql(db, """
        SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())""")}
    views = {("VIEW", n) for (n,) in pg.psql(db, """
        SELECT c.relname FROM pg_class c
         WHERE c.relkind IN ('v', 'm') AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())""")}
    assert routines | triggers | views == set(want), (
        sorted((routines | triggers | views) ^ set(want)))
    # the dead ones are gone and the run-time probes with them
    assert ("ROUTINE", "cv_reg_reminders") not in want and ("ROUTINE", "cv_event_changed") not in want
    src = "".join(open(p).read() for p in glob.glob(os.path.join(SQL, "functions", "*.sql")))
    assert "to_regprocedure" not in src
    files = [f for (f,) in pg.psql(db, "SELECT file FROM schema_functions ORDER BY file")]
    assert files == sorted(os.path.basename(p) for p in glob.glob(os.path.join(SQL, "functions", "*.sql")))


def _c_kinds(array):
    """The names of the NULL-terminated list ARRAY in daemon/kinds.c."""
    src = open(os.path.join(harness.REPO, "daemon", "kinds.c")).read()
    m = re.search(r"const char \*const " + array + r"\[\] = \{(.*?)\};", src, re.S)
    assert m, f"{array} not found in daemon/kinds.c"
    return re.findall(r'"([a-z_]+)"', m.group(1))


def test_kind_columns_follow_the_kinds_tables():
    pg = harness.cluster()
    db = pg.new_database()
    d = harness.Daemon(db)
    assert harness.run_convened("--migrate", "-c", d.conf).returncode == 0
    # the database's kinds tables are the C table (daemon/kinds.c), name
    # for name and in order; tests/unit/test_kinds.c checks the docs and
    # convenectl against that table
    for table, array in (("event_kinds", "kinds_event"), ("deadline_kinds", "kinds_deadline"),
                         ("notification_kinds", "kinds_notification"),
                         ("programme_kinds", "kinds_programme")):
        c = _c_kinds(array)
        assert len(c) >= 4, (array, c)
        assert [k for (k,) in pg.psql(db, f"SELECT name FROM {table} ORDER BY position")] == c, table
    proj = pg.psql(db, "INSERT INTO projects (slug, title) VALUES ('k', 'K') RETURNING id")[0][0]
    insert = """INSERT INTO events (project_id, kind, title, tz, start_local, end_local,
                                    start_at, end_at, uid)
                VALUES ($1, $2, 'T', 'Europe/Rome', '2027-03-01 09:00', '2027-03-01 10:00',
                        '2027-03-01 08:00Z', '2027-03-01 09:00Z', $3)"""
    pg.psql(db, insert, proj, "seminar", "u1")
    for bad in ("party", "grant_submission"):
        try:
            pg.psql(db, insert, proj, bad, "u-" + bad)
        except harness.PsqlError as e:
            assert "event_kinds" in str(e), e
        else:
            raise AssertionError(f"an event of kind {bad} was accepted")
    try:
        pg.psql(db, "INSERT INTO outbox (kind, recipient, dedupe_key) VALUES ('spam', 'a@b.c', 'x')")
    except harness.PsqlError as e:
        assert "notification_kinds" in str(e), e
    else:
        raise AssertionError("an outbox row of an unknown kind was accepted")
