"""test_migrations.py - the migration runner (issue 10): numbered files once
each with a checksum, an edited applied migration refused by name, a
database from before the squashed baseline refused with what to do, and
sql/functions/ re-applied (signature changes included) when it changes."""

import os
import re
import shutil
import tempfile

import harness

SQL = os.path.join(harness.REPO, "sql")
LEGACY = ["001_schema.sql", "002_items.sql", "003_outbox.sql", "004_registrations.sql",
          "005_feeds.sql", "006_unsubscribe.sql", "007_import.sql", "008_perf.sql",
          "009_one_update_path.sql"]


def _copy_sql():
    """A private copy of sql/ the test may edit; its daemon config."""
    tmp = tempfile.mkdtemp(prefix="convened-sql-")
    shutil.copytree(SQL, os.path.join(tmp, "sql"))
    return os.path.join(tmp, "sql")


def _migrate(d):
    return harness.run_convened("--migrate", "-c", d.conf)


def _append(path, text):
    with open(path, "a") as f:
        f.write(text)


def test_database_made_before_the_squash_is_refused_with_what_to_do():
    pg = harness.cluster()
    db = pg.new_database()
    # what today's main left behind: no checksums, the nine old files
    pg.psql(db, "CREATE TABLE schema_migrations (version text PRIMARY KEY,"
                " applied_at timestamptz NOT NULL DEFAULT now())")
    for v in LEGACY:
        pg.psql(db, "INSERT INTO schema_migrations (version) VALUES ($1)", v)
    pg.psql(db, "CREATE TABLE projects (id bigserial PRIMARY KEY, slug text)")
    d = harness.Daemon(db)
    r = _migrate(d)
    assert r.returncode != 0, r
    assert "001_schema.sql" in r.stderr and "pg_dump --data-only" in r.stderr, r.stderr
    assert "new database" in r.stderr and "convened --migrate" in r.stderr, r.stderr
    # a plain start is refused the same way, and nothing was touched
    d.start(wait=False)
    assert d.wait(timeout=30) != 0
    assert "pg_dump --data-only" in d.log_text()
    assert pg.psql(db, "SELECT count(*) FROM schema_migrations") == [(str(len(LEGACY)),)]
    assert pg.psql(db, "SELECT to_regclass('events') IS NULL, to_regclass('schema_functions') IS NULL") \
        == [("t", "t")]


def test_migrations_are_recorded_with_checksums_and_an_edited_one_is_refused_by_name():
    pg = harness.cluster()
    db = pg.new_database()
    sql = _copy_sql()
    d = harness.Daemon(db, config={"convened": {"sql_dir": sql}})
    assert _migrate(d).returncode == 0
    rows = pg.psql(db, "SELECT version, checksum FROM schema_migrations ORDER BY version")
    assert [v for v, _ in rows] == sorted(f for f in os.listdir(sql) if re.match(r"\d{3}_.*\.sql$", f))
    assert all(re.fullmatch(r"[0-9a-f]{64}", c) for _, c in rows), rows

    # a new numbered file: applied once, recorded, the functions still there
    _append(os.path.join(sql, "900_test_column.sql"),
            "ALTER TABLE projects ADD COLUMN test_note text NOT NULL DEFAULT '';\n")
    assert _migrate(d).returncode == 0
    assert _migrate(d).returncode == 0
    assert pg.psql(db, "SELECT count(*) FROM schema_migrations WHERE version = '900_test_column.sql'") \
        == [("1",)]
    assert pg.psql(db, "SELECT to_regprocedure('cv_confirm(text)') IS NOT NULL") == [("t",)]

    # editing an applied file stops start-up, naming it; nothing changes
    _append(os.path.join(sql, "900_test_column.sql"), "ALTER TABLE projects DROP COLUMN test_note;\n")
    r = _migrate(d)
    assert r.returncode != 0
    assert "900_test_column.sql was changed after it was applied" in r.stderr, r.stderr
    d.start(wait=False)
    assert d.wait(timeout=30) != 0
    assert "900_test_column.sql was changed after it was applied" in d.log_text()
    assert pg.psql(db, "SELECT count(*) FROM information_schema.columns"
                       " WHERE table_name = 'projects' AND column_name = 'test_note'") == [("1",)]

    # a migration the files do not have (a newer convened made it)
    os.remove(os.path.join(sql, "900_test_column.sql"))
    r = _migrate(d)
    assert r.returncode != 0 and "900_test_column.sql, which is not in" in r.stderr, r.stderr


def _triggers(pg, db):
    return pg.psql(db, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1")


def test_changed_function_file_is_reapplied_on_next_start_even_with_a_new_signature():
    pg = harness.cluster()
    db = pg.new_database()
    sql = _copy_sql()
    probe = os.path.join(sql, "functions", "zz_probe.sql")
    with open(probe, "w") as f:
        f.write("CREATE OR REPLACE FUNCTION cv_probe() RETURNS integer LANGUAGE sql AS 'SELECT 1';\n")
    d = harness.Daemon(db, config={"convened": {"sql_dir": sql}})
    d.start()
    assert d.stop() == 0
    assert pg.psql(db, "SELECT cv_probe()") == [("1",)]
    triggers = _triggers(pg, db)
    assert len(triggers) >= 10, triggers
    applied = pg.psql(db, "SELECT file, checksum, applied_at FROM schema_functions ORDER BY file")

    # the return type changes: CREATE OR REPLACE alone could not do that
    with open(probe, "w") as f:
        f.write("CREATE OR REPLACE FUNCTION cv_probe() RETURNS text LANGUAGE sql AS $$SELECT 'two'$$;\n")
    # and another file changes in place
    _append(os.path.join(sql, "functions", "registrations.sql"), "\n-- edited by a test\n")
    seen = len(d.log_text())
    d.start()
    assert d.stop() == 0
    assert "function files applied" in d.log_text()[seen:], d.log_text()[seen:]
    assert pg.psql(db, "SELECT cv_probe()") == [("two",)]
    assert pg.psql(db, "SELECT pg_typeof(cv_probe())::text") == [("text",)]
    # the triggers dropped with their functions came back
    assert _triggers(pg, db) == triggers
    after = {f: (c, t) for f, c, t in pg.psql(db, "SELECT file, checksum, applied_at FROM schema_functions")}
    before = {f: (c, t) for f, c, t in applied}
    assert after["registrations.sql"][0] != before["registrations.sql"][0]
    assert after["events.sql"][0] == before["events.sql"][0]

    # unchanged files: a restart applies nothing
    seen = len(d.log_text())
    d.start()
    assert d.stop() == 0
    assert "convened ready" in d.log_text()[seen:]
    assert "function files applied" not in d.log_text()[seen:]
    assert {f: (c, t) for f, c, t in pg.psql(db, "SELECT file, checksum, applied_at FROM schema_functions")} \
        == after

    # a file removed: its functions go
    os.remove(probe)
    assert _migrate(d).returncode == 0
    assert pg.psql(db, "SELECT to_regprocedure('cv_probe()') IS NULL") == [("t",)]

    # a table may not depend on a cv_* function (the loader re-creates them)
    _append(os.path.join(sql, "910_bad_default.sql"),
            "ALTER TABLE projects ADD COLUMN bad text DEFAULT cv_iso_utc(now());\n")
    r = _migrate(d)
    assert r.returncode != 0
    assert "depends on cv_iso_utc" in r.stderr, r.stderr
    assert pg.psql(db, "SELECT count(*) FROM schema_migrations WHERE version = '910_bad_default.sql'") \
        == [("0",)]
    assert pg.psql(db, "SELECT to_regprocedure('cv_iso_utc(timestamptz)') IS NOT NULL") == [("t",)]
