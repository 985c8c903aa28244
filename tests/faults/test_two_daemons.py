"""test_two_daemons.py - two convened processes on one database."""
import faultlib


def test_two_daemons_nothing_twice():
    assert faultlib.outbox_scheduler_present(), "the outbox scheduler (daemon/outbox*.c) is not in this build"
    faultlib.scenario_two_daemons(due=5000)
