"""test_kill9.py - kill -9 of convened at 20 random moments while 10,000
notifications are due and registrations keep arriving."""
import faultlib


def test_kill9_20_times_10000_due():
    assert faultlib.outbox_scheduler_present(), "the outbox scheduler (daemon/outbox*.c) is not in this build"
    faultlib.scenario_kill9(kills=20, due=10000)
