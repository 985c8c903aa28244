"""test_runner.py - the integration runner itself, on test files written
for the occasion: files run in parallel workers and each file's lines stay
together; a failure prints its traceback and the tail of the daemon's log;
a skipped test is SKIP by name and never counted as passed; -k and -x
work; tests/run.sh reads the summary line."""

import os
import re
import subprocess
import tempfile

import harness

RUNNER = os.path.join(harness.REPO, "tests", "integration", "runner.py")

FILES = {
    "test_a_pass.py": '''
import os
def test_one():
    assert 1 + 1 == 2
def test_two():
    print("a line of output from test_two")
''',
    "test_b_fail.py": '''
import harness
def test_daemon_then_fail():
    pg = harness.cluster()
    d = harness.Daemon(pg.new_database())
    d.start()
    assert d.get("/healthz").status == 200
    assert "the answer" == 42, "deliberate failure"
def test_after():
    pass
''',
    "test_c_skip.py": '''
import harness
def test_needs_fixture():
    harness.shared_fixture("ics", "no-such-export.ics")
    raise AssertionError("not reached")
def test_plain():
    pass
''',
}


def _tree():
    d = tempfile.mkdtemp(prefix="convened-runner-")
    for name, text in FILES.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return d


def _run(d, *args):
    return subprocess.run(
        ["/usr/bin/python3", RUNNER, d, *args], capture_output=True, text=True, timeout=600,
        stdin=subprocess.DEVNULL, cwd=harness.REPO)


def _blocks(out):
    """The file names of the result lines, in the order they appear."""
    return [m.group(1) for m in re.finditer(r"^(?:PASS|FAIL|SKIP) (test_\w+\.py)::", out, re.M)]


def test_parallel_run_keeps_files_together_and_reports_fail_and_skip():
    d = _tree()
    try:
        r = _run(d, "-j", "2")
        out = r.stdout
        assert r.returncode == 1, out + r.stderr
        assert out.splitlines()[-1] == "4 passed, 1 failed, 1 skipped", out
        assert "with 2 worker(s)" in out, out
        # each file's lines are contiguous, whatever order files finished in
        files = _blocks(out.split("====")[0])
        assert sorted(set(files)) == sorted(FILES), files
        collapsed = [f for i, f in enumerate(files) if i == 0 or files[i - 1] != f]
        assert len(collapsed) == len(FILES), files
        # a test's own output stays with it
        assert re.search(r"a line of output from test_two\nPASS test_a_pass.py::test_two", out), out
        # the failure: traceback with the assertion, then the daemon's log tail
        fail = out[out.index("FAIL test_b_fail.py::test_daemon_then_fail"):]
        assert "Traceback" in fail and "deliberate failure" in fail, fail
        assert re.search(r"--- daemon log .*convened\.log \(tail\) ---\n(.+\n)+--- end of daemon log",
                         fail), fail
        assert "PASS test_b_fail.py::test_after" in out  # the file goes on
        # the skip: by name, with the reason, again before the summary
        assert re.search(r"^SKIP test_c_skip.py::test_needs_fixture \(.*\): shared fixture "
                         r".*no-such-export\.ics is absent", out, re.M), out
        tail = out[out.index("TEST(S) SKIPPED"):]
        assert "SKIP test_c_skip.py::test_needs_fixture: shared fixture" in tail, tail
        assert "PASS test_c_skip.py::test_needs_fixture" not in out
        assert "not reached" not in out

        # -k selects; -x stops at the first failure (one worker: files in order)
        r = _run(d, "-k", "test_c_skip", "-j", "2")
        assert r.returncode == 0 and r.stdout.splitlines()[-1] == "1 passed, 0 failed, 1 skipped", \
            r.stdout
        r = _run(d, "-x", "-j", "1")
        assert r.returncode == 1
        assert r.stdout.splitlines()[-1] == "2 passed, 1 failed, 0 skipped", r.stdout
        assert "test_after" not in r.stdout and "test_c_skip" not in r.stdout, r.stdout
    finally:
        harness._rmtree(d)


def test_run_sh_reads_the_summary_with_skips():
    # tests/run.sh's parser, fed the runner's line through a stand-in runner
    d = tempfile.mkdtemp(prefix="convened-runsh-")
    try:
        fake = os.path.join(d, "tests", "integration")
        os.makedirs(fake)
        with open(os.path.join(fake, "runner.py"), "w") as f:
            f.write('print("PASS x.py::test_y (0.1s)")\nprint("7 passed, 0 failed, 2 skipped")\n')
        # a copy of run.sh in a tree of its own (it cds to its own clone)
        with open(os.path.join(harness.REPO, "tests", "run.sh")) as src, \
                open(os.path.join(d, "tests", "run.sh"), "w") as dst:
            dst.write(src.read())
        r = subprocess.run(["sh", os.path.join(d, "tests", "run.sh")], capture_output=True, text=True,
                           timeout=60, cwd=d, env=dict(os.environ, CONVENED_BUILD="build"))
        assert "x.py::test_y" in r.stdout, r.stdout + r.stderr
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.splitlines()[-1] == "7 passed, 0 failed, 2 skipped", r.stdout
        assert "2 integration test(s) SKIPPED" in r.stdout, r.stdout
    finally:
        harness._rmtree(d)
