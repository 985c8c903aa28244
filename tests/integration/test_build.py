"""test_build.py - what the build and `make install` promise about the
artefacts themselves: the binaries and plugins under test are hardened
(stack protector, fortified libc calls, full RELRO), and `make install`
puts them, and plugin.h for third-party plugin authors, where it says;
VERSION, NEWS.md and debian/changelog name one version, and the Debian
package's conffile is the example config with the package's paths.
(Building, installing and purging the package: make check-package.)"""

import glob
import os
import re
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
        # -o programs: install what the build under test holds, build nothing
        r = subprocess.run(
            ["make", "--no-print-directory", "-o", "programs", "install", f"DESTDIR={dest}",
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


def _release_versions():
    """(VERSION, NEWS.md's newest heading, debian/changelog's first line)."""
    version = open(os.path.join(harness.REPO, "VERSION")).read().strip()
    news = [line.rstrip("\n") for line in open(os.path.join(harness.REPO, "NEWS.md"))
            if line.startswith("## ")]
    assert news, "NEWS.md has no '## VERSION (...)' section"
    changelog = open(os.path.join(harness.REPO, "debian", "changelog")).readline().rstrip("\n")
    return version, news[0], changelog


def release_problems(version, news, changelog):
    """What disagrees between VERSION, NEWS.md's newest heading and
    debian/changelog's first line (an empty list: they agree).  A
    development version X.Y.Z-dev is '## X.Y.Z (unreleased)' in NEWS.md and
    'convened (X.Y.Z~dev) UNRELEASED' in debian/changelog (~ sorts before
    the release, so X.Y.Z upgrades it); a release X.Y.Z is '## X.Y.Z
    (YYYY-MM-DD)' and 'convened (X.Y.Z) DIST' with a real distribution."""
    m = re.fullmatch(r"(\d+\.\d+\.\d+)(-dev)?", version)
    if not m:
        return [f"VERSION {version!r} is not X.Y.Z or X.Y.Z-dev"]
    release, dev = m.group(1), bool(m.group(2))
    c = re.fullmatch(r"convened \(([^)]+)\) ([A-Za-z0-9-]+); urgency=\w+", changelog)
    if not c:
        return [f"debian/changelog's first line is not 'convened (VERSION) DIST; "
                f"urgency=...': {changelog!r}"]
    problems = []
    if dev:
        if news != f"## {release} (unreleased)":
            problems.append(f"NEWS.md's newest section is {news!r}, "
                            f"not '## {release} (unreleased)'")
        if c.group(1) != f"{release}~dev":
            problems.append(f"debian/changelog is {c.group(1)}, not {release}~dev")
        if c.group(2) != "UNRELEASED":
            problems.append(f"debian/changelog's {c.group(1)} is for {c.group(2)}, "
                            "not UNRELEASED")
    else:
        if not re.fullmatch(rf"## {re.escape(release)} \(\d{{4}}-\d{{2}}-\d{{2}}\)", news):
            problems.append(f"NEWS.md's newest section is {news!r}, "
                            f"not '## {release} (YYYY-MM-DD)'")
        if c.group(1) != release:
            problems.append(f"debian/changelog is {c.group(1)}, not {release}")
        if c.group(2) == "UNRELEASED":
            problems.append(f"debian/changelog's {release} is still UNRELEASED")
    return problems


def test_version_news_and_debian_changelog_agree():
    """One version: VERSION says it; NEWS.md's newest section and
    debian/changelog's newest entry name the same one (release_problems)."""
    assert release_problems(*_release_versions()) == []


def test_release_check_refuses_what_disagrees():
    """release_problems names each way the three can drift apart: a
    version bumped in one place only, a release still UNRELEASED, a
    development version NEWS.md gives a date."""
    cl = "convened ({}) {}; urgency=medium"
    ok_dev = ("0.3.0-dev", "## 0.3.0 (unreleased)", cl.format("0.3.0~dev", "UNRELEASED"))
    ok_rel = ("0.3.0", "## 0.3.0 (2027-01-15)", cl.format("0.3.0", "bookworm"))
    assert release_problems(*ok_dev) == []
    assert release_problems(*ok_rel) == []
    bad = [
        ("0.3.0-dev", "## 0.2.0 (unreleased)", cl.format("0.3.0~dev", "UNRELEASED")),
        ("0.3.0-dev", "## 0.3.0 (unreleased)", cl.format("0.2.0~dev", "UNRELEASED")),
        ("0.3.0-dev", "## 0.3.0 (unreleased)", cl.format("0.3.0-dev", "UNRELEASED")),
        ("0.3.0-dev", "## 0.3.0 (2027-01-15)", cl.format("0.3.0~dev", "UNRELEASED")),
        ("0.3.0", "## 0.3.0 (unreleased)", cl.format("0.3.0", "bookworm")),
        ("0.3.0", "## 0.3.0 (2027-01-15)", cl.format("0.3.0", "UNRELEASED")),
        ("0.3.0", "## 0.3.0 (2027-01-15)", cl.format("0.3.0~dev", "bookworm")),
        ("0.3", "## 0.3 (2027-01-15)", cl.format("0.3", "bookworm")),
        ("0.3.0", "## 0.3.0 (2027-01-15)", "convened 0.3.0 bookworm"),
    ]
    for case in bad:
        assert release_problems(*case), case


def test_debian_conffile_is_the_example_config_with_packaged_paths():
    """debian/make-conf.sh (what debian/rules runs) still finds every line
    of config/convened.conf it rewrites, and the result names only the
    package's paths: a change to the example config that would leave the
    package's conffile pointing at build/ or var/ fails here, not only in
    make check-package."""
    r = subprocess.run(["sh", os.path.join(harness.REPO, "debian", "make-conf.sh"),
                        os.path.join(harness.REPO, "config", "convened.conf")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    keys = dict(re.findall(r"^([a-z_]+) = (.*)$", r.stdout, re.M))
    assert keys["admin_token_file"] == "/etc/convened/admin_token"
    assert keys["plugin_dir"] == "/usr/lib/convened/plugins"
    assert keys["template_dir"] == "/usr/share/convened/templates"
    assert keys["sql_dir"] == "/usr/share/convened/sql"
    assert keys["maildir"] == "/var/lib/convened/mail"
    relative = [line for line in r.stdout.splitlines()
                if re.match(r"^#?\s*[a-z_]+ = (var|build|config)/", line)]
    assert not relative, relative
    # everything else is the example, line for line
    example = open(os.path.join(harness.REPO, "config", "convened.conf")).read()
    assert len(r.stdout.splitlines()) == len(example.splitlines()) + 1
