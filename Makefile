# gelombang — build, test and install.  See README.md.
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
DATADIR   = $(PREFIX)/share/gelombang
MANDIR    = $(PREFIX)/share/man/man1
SYSCONFDIR ?= $(PREFIX)/etc

CC       ?= cc
PG_INC   := $(shell pg_config --includedir)
PG_LIB   := $(shell pg_config --libdir)
VERSION  := 0.1.0
CFLAGS   ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I$(PG_INC) -Ibatch \
            -DGELOMBANG_VERSION='"$(VERSION)"' -DGELOMBANG_SYSCONFDIR='"$(SYSCONFDIR)"'
LDLIBS   += -L$(PG_LIB) -lpq -lconfig -lcrypto -lm -lcurl -lmicrohttpd

SRCS     := $(filter-out batch/main.c, $(wildcard batch/*.c))
OBJS     := $(SRCS:.c=.o) batch/sql_embedded.o batch/recompute_py.o
# sql/migrations: numbered, applied once each.  The code files: every
# function, view, trigger and grant, applied in this order (a file may use
# what an earlier one defines; roles.sql grants on everything, last).
MIGRATIONS := $(sort $(wildcard sql/migrations/[0-9]*.sql))
SQL_CODE   := sql/guards.sql sql/rules.sql sql/dashboard.sql sql/lifecycle.sql \
              sql/import.sql sql/outbox.sql sql/audit.sql sql/roles.sql
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=bin/tests/%)

.PHONY: all check unit install clean format format-check sanitize
all: bin/gelombang

# Fault points (batch/fault.h) are compiled into the builds the tests run;
# make install builds without them (FAULT_POINTS=0).  bin/.cflags holds
# the flags of the last build: when they change, every object is rebuilt.
FAULT_POINTS ?= 1
ifeq ($(FAULT_POINTS),1)
override CFLAGS += -DGELOMBANG_FAULT_POINTS
endif
$(OBJS) batch/main.o: bin/.cflags
bin/.cflags: FORCE
	@mkdir -p bin
	@echo '$(CC) $(CFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS)' > $@
.PHONY: FORCE

bin/gelombang: batch/main.o $(OBJS)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

batch/sql_embedded.c: $(MIGRATIONS) $(SQL_CODE) scripts/embed-sql Makefile
	sh scripts/embed-sql $(MIGRATIONS) -- $(SQL_CODE) > $@.tmp && mv $@.tmp $@

# the audit bundle's recompute.py, carried by the program (audit_bundle.c)
batch/recompute_py.c: batch/recompute.py scripts/embed-text
	sh scripts/embed-text gb_recompute_py batch/recompute.py > $@.tmp && mv $@.tmp $@

batch/%.o: batch/%.c $(wildcard batch/*.h)
	$(CC) $(CFLAGS) -c -o $@ $<

# Each unit test program: its suites, the one main() of cunit_main.c.
bin/tests/%: tests/unit/%.c tests/unit/cunit_main.c tests/unit/cunit_main.h $(OBJS)
	@mkdir -p bin/tests
	$(CC) $(CFLAGS) -o $@ $(filter %.c %.o, $^) $(LDFLAGS) $(LDLIBS) -lcunit

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

# Everything: unit tests, then pgTAP and integration tests against a
# throwaway cluster that tests/run starts and stops itself.
check:
	sh scripts/install-deps
	$(MAKE) all $(UNIT_BINS)
	sh tests/run

sanitize:
	$(MAKE) clean
	$(MAKE) CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check
	$(MAKE) clean

install:
	$(MAKE) FAULT_POINTS=0 all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/sql/migrations $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)/conf
	install -m 755 bin/gelombang $(DESTDIR)$(BINDIR)/gelombang
	install -m 644 $(MIGRATIONS) $(DESTDIR)$(DATADIR)/sql/migrations/
	install -m 644 $(SQL_CODE) $(DESTDIR)$(DATADIR)/sql/
	install -m 644 conf/gelombang.conf $(DESTDIR)$(DATADIR)/conf/gelombang.conf.example
	# the configuration gelombang reads after conf/gelombang.conf, where the
	# cron file and the systemd unit point; an existing one is kept (it may
	# hold a password: not world-readable)
	install -d $(DESTDIR)$(SYSCONFDIR)
	[ -e $(DESTDIR)$(SYSCONFDIR)/gelombang.conf ] || \
		install -m 640 conf/gelombang.conf $(DESTDIR)$(SYSCONFDIR)/gelombang.conf
	install -m 644 batch/gelombang.1 $(DESTDIR)$(MANDIR)/gelombang.1

# (not the generated C files)
FORMAT_SRCS = $(filter-out batch/sql_embedded.c batch/recompute_py.c, \
                $(wildcard batch/*.c batch/*.h tests/unit/*.c))
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf bin batch/*.o batch/sql_embedded.c batch/recompute_py.c tests/unit/*.o

# Fuzzing with libFuzzer (clang): each target for FUZZ_SECONDS from its
# corpus in tests/fuzz/corpus/<target> (tests/fuzz/run says how it went).
.PHONY: fuzz check-long
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_CFLAGS   = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -std=c11 -D_GNU_SOURCE -I$(PG_INC) -Ibatch -DGELOMBANG_VERSION='"$(VERSION)"'
FUZZ_TARGETS  = timeparse csvframe options
FUZZ_PROG     = $(sort $(filter-out batch/main.c, $(wildcard batch/*.c)) batch/sql_embedded.c batch/recompute_py.c)

bin/fuzz/fuzz_timeparse: tests/fuzz/fuzz_timeparse.c batch/timeparse.c
bin/fuzz/fuzz_csvframe: tests/fuzz/fuzz_csvframe.c batch/csvframe.c batch/strbuf.c
bin/fuzz/fuzz_options: tests/fuzz/fuzz_options.c batch/main.c $(FUZZ_PROG)
bin/fuzz/fuzz_%: $(wildcard batch/*.h)
	@mkdir -p bin/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter-out batch/main.c, $(filter %.c, $^)) $(LDFLAGS) $(LDLIBS)

fuzz: $(FUZZ_TARGETS:%=bin/fuzz/fuzz_%)
	sh tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The long versions of what check runs short: a 10-million-row import in
# constant memory, ten minutes of fuzzing per target.
check-long: all $(UNIT_BINS)
	BIG_ROWS=10000000 TESTS=test_bad_input sh tests/run
	$(MAKE) fuzz FUZZ_SECONDS=600
