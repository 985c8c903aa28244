"""test_spool_full.py - disk full for the spool directory: retry, not loss."""
import faultlib


def test_spool_disk_full():
    assert faultlib.outbox_scheduler_present(), "the outbox scheduler (daemon/outbox*.c) is not in this build"
    faultlib.scenario_spool_full(due=2000, full_s=10)
