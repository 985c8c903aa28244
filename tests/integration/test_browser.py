"""test_browser.py - the browser rig (tests/js/browser.mjs): Debian's
chromium, driven by puppeteer-core, fills in the registration form at a
phone viewport, in Polish; axe-core runs inside the page."""

import harness
import reg_fixtures as F


def test_chromium_registers_through_the_form():
    pg, db, d = F.start()
    ev = F.event(pg, db, F.project(pg, db), capacity=3)
    got = harness.run_browser("smoke.mjs", {"BASE_URL": f"http://127.0.0.1:{d.port}", "EVENT": ev})
    assert got["lang"] == "pl"
    assert got["width"] <= 390, got["width"]  # no sideways scrolling on a phone
    assert got["violations"] == [], got["violations"]
    assert pg.psql(db, "SELECT p.name, o.name FROM people p JOIN organisations o "
                       "ON o.id = p.organisation_id") == [("Zażółć Gęślą", "Urząd Miasta Łodzi")]
    assert "Dziękujemy! Sprawdź pocztę" in got["after"], got["after"]
