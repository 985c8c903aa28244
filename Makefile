# convened - build, run, check, bench, install.
# Sources are picked up by wildcard: daemon/*.c is the daemon, ctl/*.c is
# convenectl, plugins/NAME/*.c is plugin NAME.so, tests/unit/test_*.c are
# cmocka tests linked with the daemon's objects (all but main.o).

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc
VERSION  := $(shell cat VERSION)
PKGS     := libevent libevent_pthreads libpq libesmtp-1.0 libical jansson inih icu-uc icu-i18n \
            libsodium libsystemd zlib openssl gmime-3.0 cairo pangocairo libqrencode
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
OPT      ?= -O2 -g
SANFLAGS ?=
# Hardening for every binary and plugin: stack protector, fortified libc
# calls (glibc needs optimisation for those, so not with -O0) and full RELRO
# (relocations read-only, symbols bound at load).  HARDEN= turns them off.
HARDEN   ?= -fstack-protector-strong \
            $(if $(filter -O0,$(OPT)),,-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
HARDEN_LDFLAGS ?= -Wl,-z,relro,-z,now
CFLAGS   ?=
override CFLAGS += $(OPT) $(SANFLAGS) $(HARDEN) -std=gnu11 $(WARN) -fPIC -D_GNU_SOURCE \
            -DCONVENED_PREFIX='"$(PREFIX)"' \
            -DCONVENED_VERSION='"$(VERSION)"' \
            -Idaemon -Iplugins $(PKG_CFLAGS)
LDFLAGS  ?=
override LDFLAGS += $(SANFLAGS) $(HARDEN_LDFLAGS)
LIBS     := $(PKG_LIBS) -lpthread -ldl

SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

DAEMON_SRC := $(wildcard daemon/*.c)
# The console's files (web/admin/, but its README) are built into the
# binary by a generated table: a file added there needs no other change.
ADMIN_FILES := $(shell find web/admin -type f ! -name '*.md' 2>/dev/null | LC_ALL=C sort)
ADMIN_DIRS  := $(shell find web/admin -type d 2>/dev/null)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/admin_assets.o
LIB_OBJ    := $(filter-out $(BUILD)/daemon/main.o,$(DAEMON_OBJ))
CTL_SRC    := $(wildcard ctl/*.c)
CTL_OBJ    := $(CTL_SRC:%.c=$(BUILD)/%.o)
PLUGIN_DIRS := $(patsubst plugins/%/,%,$(sort $(dir $(wildcard plugins/*/*.c))))
PLUGINS    := $(PLUGIN_DIRS:%=$(BUILD)/plugins/%.so)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:%.c=$(BUILD)/%)
HEADERS    := $(wildcard daemon/*.h plugins/*.h plugins/*/*.h ctl/*.h) VERSION

BINS := $(BUILD)/convened $(if $(CTL_SRC),$(BUILD)/convenectl)

.PHONY: all programs run check check-unit check-integration check-faults \
        check-failover deps asan install clean bench bench-refs bench-inbound fuzz \
        format format-check dist distcheck deb check-package

all: $(BINS) $(PLUGINS) $(UNIT_BIN)

# What `make install` installs: the binaries and plugins, not the tests.
programs: $(BINS) $(PLUGINS)

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The check-in page's files are built into the binary (.incbin).
$(BUILD)/daemon/checkin_assets.o: $(wildcard web/checkin/*)

# The console's table (scripts/admin-assets.sh); its directories are
# prerequisites too, so that adding or removing a file regenerates it.
$(BUILD)/gen/admin_assets.c: scripts/admin-assets.sh $(ADMIN_FILES) $(ADMIN_DIRS)
	@mkdir -p $(dir $@)
	sh scripts/admin-assets.sh $(ADMIN_FILES) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/admin_assets.o: $(BUILD)/gen/admin_assets.c $(ADMIN_FILES) $(HEADERS)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/convened: $(DAEMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -rdynamic -o $@ $^ $(LIBS)

$(BUILD)/ctl/%.o: ctl/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

# convenectl shares the daemon's kinds table and id/slug rules.
CTL_SHARED := $(BUILD)/daemon/kinds.o $(BUILD)/daemon/ident.o

$(BUILD)/convenectl: $(CTL_OBJ) $(CTL_SHARED)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CURL_LIBS) $(LIBS)

.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(wildcard plugins/%/*.c) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@ $(filter %.c,$^) $(LIBS)

# The imap source plugin speaks IMAP through libcurl.
$(BUILD)/plugins/imap.so: override CFLAGS += $(CURL_CFLAGS)
$(BUILD)/plugins/imap.so: LIBS += $(CURL_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(CMOCKA_LIBS) $(LIBS)

# Install missing Debian packages (idempotent; does nothing when all present).
deps:
	@sh scripts/deps.sh

# AddressSanitizer + UBSan build of everything, in build-asan/.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
		SANFLAGS="$(SAN)" all

# Run convened in the foreground on its defaults (private cluster in ./var).
run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh

# The whole test suite: builds, replays the fuzz corpora (regressions), runs
# unit and integration tests; ends with one line "N passed, N failed, N
# skipped" (skipped: could not run on this machine, never counted as passed).
check: deps
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@FUZZ_SECONDS=0 sh tests/fuzz/run.sh
	@sh tests/run.sh

check-faults: deps
	@$(MAKE) --no-print-directory all
	@FAULTS=full sh tests/run.sh faults

# PostgreSQL failover under load (tests/failover): a primary and a streaming
# standby, the primary killed and the standby promoted, with synchronous and
# with asynchronous replication; prints what was lost and how long convened
# took to answer 200 again.  A few minutes; not part of `make check`.
check-failover: deps
	@$(MAKE) --no-print-directory all
	@CONVENED_BUILD=build /usr/bin/python3 tests/integration/runner.py tests/failover -j 1

# The benchmarks' physical references in C (bench/ref/*.c): the spool
# plugin's durable writes alone, libical's serialisation alone.
BENCH_REFS := $(BUILD)/bench/spool_ref $(BUILD)/bench/ical_ref

$(BUILD)/bench/%: bench/ref/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS)

bench-refs: $(BENCH_REFS)

bench: deps
	@$(MAKE) --no-print-directory all bench-refs
	@sh bench/run.sh

# One benchmark: iMIP replies through a private Postfix into convened's LMTP
# and decision, side by side with Postfix to smtp-sink (needs root).
bench-inbound: deps
	@$(MAKE) --no-print-directory all bench-refs
	@BENCH=inbound sh bench/run.sh

fuzz:
	@sh tests/fuzz/run.sh

# Every C file clang-format keeps: `make format` rewrites them, `make
# format-check` (the first step of `make check`) fails naming each file
# clang-format would change.
FORMAT_SRC := $(wildcard daemon/*.[ch] ctl/*.[ch] plugins/*.h plugins/*/*.[ch] \
                tests/unit/*.[ch] tests/fuzz/*.[ch] tests/plugins/*.c bench/ref/*.c)

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@out=$$(clang-format --dry-run --Werror $(FORMAT_SRC) 2>&1); rc=$$?; \
	bad=$$(printf '%s\n' "$$out" | \
		sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u); \
	if [ -n "$$bad" ]; then \
		echo "format: clang-format would change these files (run make format):"; \
		for f in $$bad; do echo "  $$f"; done; \
		exit 1; \
	elif [ $$rc -ne 0 ]; then \
		printf 'format: clang-format failed:\n%s\n' "$$out" | head -n 20; \
		exit 1; \
	fi; \
	echo "format: ok, $(words $(FORMAT_SRC)) files as clang-format writes them"

install: programs
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib/convened/plugins \
		$(DESTDIR)$(PREFIX)/share/convened/sql \
		$(DESTDIR)$(PREFIX)/share/convened/templates \
		$(DESTDIR)$(PREFIX)/include/convened \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/share/doc/convened
	install -m 0755 $(BUILD)/convened $(DESTDIR)$(PREFIX)/sbin/convened
	if [ -f $(BUILD)/convenectl ]; then install -m 0755 $(BUILD)/convenectl $(DESTDIR)$(PREFIX)/bin/convenectl; fi
	for p in $(PLUGINS); do install -m 0755 $$p $(DESTDIR)$(PREFIX)/lib/convened/plugins/; done
	install -m 0644 plugins/plugin.h $(DESTDIR)$(PREFIX)/include/convened/plugin.h
	install -m 0644 sql/*.sql $(DESTDIR)$(PREFIX)/share/convened/sql/
	install -d $(DESTDIR)$(PREFIX)/share/convened/sql/functions
	install -m 0644 sql/functions/*.sql $(DESTDIR)$(PREFIX)/share/convened/sql/functions/
	cp -R config/templates/. $(DESTDIR)$(PREFIX)/share/convened/templates/
	install -m 0644 config/convened.conf $(DESTDIR)$(PREFIX)/share/doc/convened/convened.conf.example
	sed 's|@PREFIX@|$(PREFIX)|g' systemd/convened.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/convened.service
	for m in man/*.1; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done; true
	for m in man/*.5; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man5/; done; true
	for m in man/*.8; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done; true
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 debian/bash-completion/convenectl $(DESTDIR)$(PREFIX)/share/bash-completion/completions/convenectl

# Releases.  VERSION is the one version; NEWS.md's top section and
# debian/changelog must agree with it (test_build.py checks).  `make dist`
# writes dist/convened-VERSION.tar.gz from the files git tracks, as they are
# in the working tree; `make distcheck` builds that tarball in a scratch
# directory; `make deb` builds the Debian packages from it into dist/ and runs
# lintian on them; `make check-package` installs, runs and purges them on this
# machine (root; see scripts/check-package.sh).  None of these is part of
# `make check`.

dist:
	@sh scripts/dist.sh dist

distcheck: deps
	@sh scripts/dist.sh distcheck

deb:
	@sh scripts/deps.sh package
	@sh scripts/dist.sh deb

check-package:
	@sh scripts/deps.sh package
	@sh scripts/check-package.sh

clean:
	rm -rf build build-asan build-fuzz build-deb
