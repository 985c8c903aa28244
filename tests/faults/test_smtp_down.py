"""test_smtp_down.py - SMTP server down for 60 s: nothing lost."""
import faultlib


def test_smtp_down_60s():
    assert faultlib.outbox_scheduler_present(), "the outbox scheduler (daemon/outbox*.c) is not in this build"
    faultlib.scenario_smtp_down(due=2000, down_s=60)
