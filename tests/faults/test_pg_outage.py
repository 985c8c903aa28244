"""test_pg_outage.py - PostgreSQL stopped for 20 s mid-load and restarted."""
import faultlib


def test_pg_outage_20s():
    faultlib.scenario_pg_outage(outage_s=20, due=2000)
