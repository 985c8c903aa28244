"""test_faults_short.py - the fault tests of tests/faults in small sizes for
`make check` (well under a minute together).  The scenarios needing the
outbox scheduler are defined only when the daemon has it, and say so."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "faults"))

import faultlib  # noqa: E402


def test_short_pg_outage():
    faultlib.scenario_pg_outage(outage_s=4, due=100, settle_s=1.0)


if faultlib.outbox_scheduler_present():

    def test_short_kill9():
        faultlib.scenario_kill9(kills=3, due=300, seed=7)

    def test_short_two_daemons():
        faultlib.scenario_two_daemons(due=300)

    def test_short_spool_full():
        faultlib.scenario_spool_full(due=100, full_s=3)

    def test_short_smtp_down():
        faultlib.scenario_smtp_down(due=100, down_s=4)

else:
    print("test_faults_short: kill -9, two daemons, spool full and SMTP down NOT RUN: "
          "the outbox scheduler is not in this build", flush=True)
