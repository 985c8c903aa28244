#!/bin/sh
# dist.sh - release artefacts from the working tree.
#   dist.sh dist       dist/convened-VERSION.tar.gz: every file git tracks, as
#                      it is in the working tree, under convened-VERSION/
#   dist.sh distcheck  make that tarball, unpack it in build-deb/ and build
#                      it there (make all), check both binaries' --version
#   dist.sh deb        make that tarball, build the Debian packages from it
#                      (dpkg-buildpackage -us -uc -b) in build-deb/, copy the
#                      .deb files to dist/ and run lintian on them
# The version is the one in VERSION (Debian's is the same with ~ for -:
# 0.2.0-dev is 0.2.0~dev, which sorts before 0.2.0).
set -eu

cd "$(dirname "$0")/.."
VERSION=$(cat VERSION)
NAME=convened-$VERSION
TARBALL=dist/$NAME.tar.gz
say() { echo "dist: $*" >&2; }

make_tarball() {
	command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1 || {
		say "not a git checkout: the tarball lists the files git tracks"
		exit 1
	}
	if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
		say "note: the working tree has uncommitted changes; they are in the tarball"
	fi
	mkdir -p dist
	# tracked files that exist (a deleted, not yet committed file is left out);
	# fixed owner, order and mtime (the last commit's) so that the same tree
	# gives the same tarball
	mtime=$(git log -1 --format=%ct 2>/dev/null || date +%s)
	git ls-files --deleted >dist/.deleted
	git ls-files | grep -vxF -f dist/.deleted | LC_ALL=C sort >dist/.files
	tar --verbatim-files-from -T dist/.files --transform "s|^|$NAME/|" \
		--owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
		--mode='u+rw,go+r,go-w' -cf - | gzip -n -9 >"$TARBALL.tmp"
	rm -f dist/.files dist/.deleted
	mv "$TARBALL.tmp" "$TARBALL"
	say "$TARBALL ($(wc -c <"$TARBALL") bytes)"
}

unpack() {
	rm -rf "build-deb/$1"
	mkdir -p "build-deb/$1"
	tar -xzf "$TARBALL" -C "build-deb/$1"
	echo "build-deb/$1/$NAME"
}

case ${1:-} in
dist)
	make_tarball
	;;
distcheck)
	make_tarball
	dir=$(unpack distcheck)
	say "building $TARBALL in $dir"
	make -C "$dir" --no-print-directory -j2 all >"$dir.log" 2>&1 || {
		tail -n 40 "$dir.log" >&2
		say "FAIL: the tarball does not build (log: $dir.log)"
		exit 1
	}
	for prog in convened convenectl; do
		got=$("$dir/build/$prog" --version)
		if [ "$got" != "$prog $VERSION" ]; then
			say "FAIL: $prog --version says '$got', not '$prog $VERSION'"
			exit 1
		fi
	done
	rm -rf build-deb/distcheck build-deb/distcheck.log
	say "ok: $TARBALL builds; both binaries say $VERSION"
	;;
deb)
	make_tarball
	dir=$(unpack deb)
	say "building the Debian packages from $TARBALL in $dir"
	(cd "$dir" && dpkg-buildpackage -us -uc -b) >"build-deb/deb.log" 2>&1 || {
		tail -n 40 build-deb/deb.log >&2
		say "FAIL: dpkg-buildpackage (log: build-deb/deb.log)"
		exit 1
	}
	debver=$(dpkg-parsechangelog -l "$dir/debian/changelog" -S Version)
	arch=$(dpkg-architecture -q DEB_HOST_ARCH)
	rm -f dist/*.deb
	cp "build-deb/deb/convened_${debver}_$arch.deb" \
		"build-deb/deb/convened-dev_${debver}_all.deb" dist/
	ls -l dist/*.deb >&2
	# lintian: errors and warnings fail (every warning is fixed or
	# overridden with its reason in debian/*.lintian-overrides)
	lintian --fail-on error,warning --display-info --no-tag-display-limit \
		dist/*.deb
	say "ok: lintian has nothing against dist/*.deb"
	;;
*)
	echo "usage: dist.sh dist|distcheck|deb" >&2
	exit 2
	;;
esac
