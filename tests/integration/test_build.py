"""test_build.py - what the build and `make install` promise about the
artefacts themselves: the binaries and plugins under test are hardened
(stack protector, fortified libc calls, full RELRO), and `make install`
puts them, and plugin.h for third-party plugin authors, where it says."""

import glob
import os
import subprocess

import harness


def _artefacts():
    b = harness.build_dir()
    out = [os.path.join(b, "convened"), os.path.join(b, "convenectl")]
    out += sorted(glob.glob(os.path.join(b, "plugins", "*.so")))
    missing = [p for p in out if not os.path.exists(p)]
    assert not missing, f"not built: {missing}"
    assert len(out) >= 4, out  # convened, convenectl and at least two plugins
    return out


def _readelf(*args):
    r = subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, check=True)
    return r.stdout


def test_binaries_and_plugins_are_hardened():
    for path in _artefacts():
        name = os.path.relpath(path, harness.build_dir())
        segments = _readelf("-l", path)
        assert "GNU_RELRO" in segments, f"{name}: no RELRO segment"
        dynamic = _readelf("-d", path)
        assert "BIND_NOW" in dynamic or ("(FLAGS)" in dynamic and "NOW" in dynamic), \
            f"{name}: not linked with -z now:\n{dynamic}"
        symbols = _readelf("--dyn-syms", path)
        assert "__stack_chk_fail" in symbols, f"{name}: no stack protector"
        # every binary formats strings; a small plugin may have no call
        # that glibc fortifies, so only the two binaries are asked for one
        if not name.endswith(".so"):
            assert "_chk@" in symbols.replace("__stack_chk_fail@", ""), \
                f"{name}: no fortified libc call (_FORTIFY_SOURCE)"
