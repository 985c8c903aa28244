"""test_build.py - what the build and `make install` promise about the
artefacts themselves: the binaries and plugins under test are hardened
(stack protector, fortified libc calls, full RELRO), and `make install`
puts them, and plugin.h for third-party plugin authors, where it says."""

import glob
import os
import subprocess
import tempfile

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


def test_make_install_puts_plugin_h_where_a_plugin_author_finds_it():
    dest = tempfile.mkdtemp(prefix="convened-install-")
    try:
        # -o all: install what the build under test holds, build nothing
        r = subprocess.run(
            ["make", "--no-print-directory", "-o", "all", "install", f"DESTDIR={dest}",
             "PREFIX=/usr", f"BUILD={harness.build_dir()}"],
            cwd=harness.REPO, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        header = os.path.join(dest, "usr", "include", "convened", "plugin.h")
        with open(header, "rb") as f, open(os.path.join(harness.REPO, "plugins", "plugin.h"), "rb") as g:
            assert f.read() == g.read()
        assert os.stat(header).st_mode & 0o777 == 0o644
        for path in ("usr/sbin/convened", "usr/bin/convenectl",
                     "usr/lib/convened/plugins/spool.so"):
            assert os.access(os.path.join(dest, path), os.X_OK), path
        # a third-party plugin compiles against the installed header alone
        src = os.path.join(dest, "third_party.c")
        with open(src, "w") as f:
            f.write(
                "#include <convened/plugin.h>\n"
                "static const struct cv_plugin p = {\n"
                "        .abi = CV_PLUGIN_ABI, .size = sizeof(struct cv_plugin),\n"
                "        .name = \"third_party\"};\n"
                "const struct cv_plugin *cv_plugin_entry(void) { return &p; }\n")
        r = subprocess.run(
            ["cc", "-std=gnu11", "-Wall", "-Werror", "-fsyntax-only",
             "-I", os.path.join(dest, "usr", "include"), src],
            capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
    finally:
        harness._rmtree(dest)


def test_one_version_string_in_binaries_and_man_pages():
    """VERSION is the one version: both binaries print it, and every man
    page's .TH line names it (a release that bumps VERSION and forgets the
    pages fails here)."""
    version = open(os.path.join(harness.REPO, "VERSION")).read().strip()
    for prog in ("convened", "convenectl"):
        out = subprocess.run([os.path.join(harness.build_dir(), prog), "--version"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, (prog, out.stderr)
        assert out.stdout.strip() == f"{prog} {version}", out.stdout
    pages = sorted(glob.glob(os.path.join(harness.REPO, "man", "*.[0-9]")))
    assert len(pages) >= 3, pages
    for page in pages:
        th = [line for line in open(page) if line.startswith(".TH ")]
        assert th and f'"convened {version}"' in th[0], (page, th)
