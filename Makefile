# sluice — one non-recursive Makefile.
# Targets: all check fuzz bench demo install clean.  SANITIZE=1 builds with
# address+undefined sanitizers.  Every .c under lib/ goes into lib/libsluice.a;
# every .c under a program folder links into that program; every
# tests/unit/*.c is one TAP test program.

.DEFAULT_GOAL := all
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS     = libsodium libtls libcrypto zlib libseccomp
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
# PIE=1 (the default) builds position-independent executables, loaded at a
# random address: the program and the libraries linked into it get ASLR.
# The price: at every start the dynamic linker writes about 17 500
# addresses into .data.rel.ro, which costs each connection ~350 KiB of
# private memory (README, Benchmark).  PIE=0 gives up that randomisation
# for the memory; not recommended where memory is not the limit.
PIE ?= 1
ifeq ($(PIE),1)
PIE_CFLAGS  = -fPIE
PIE_LDFLAGS = -pie
else
PIE_CFLAGS  = -fno-pie
PIE_LDFLAGS = -no-pie
endif
HARDEN   = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection \
           $(PIE_CFLAGS) -fcf-protection
CFLAGS  ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Ilib -I/usr/include/$(MULTIARCH) \
           $(shell pkg-config --cflags $(PKGS))
ALLCFLAGS = -std=c11 $(WARN) $(HARDEN) $(CFLAGS) -MMD -MP
# pack-relative-relocs (DT_RELR, glibc 2.36, binutils 2.38): a PIE's
# relocation table shrinks from 420 KiB to 6 KiB, pages the dynamic linker
# reads in every session process and that stay mapped (README, Benchmark).
LDFLAGS += $(PIE_LDFLAGS) -Wl,-z,relro,-z,now -Wl,--as-needed -Wl,-z,pack-relative-relocs

# STATIC=1 (the default) links the libraries we depend on statically and
# libc dynamically: a session then skips most of the dynamic linker's
# relocations, about 1 ms of CPU per session (README, Benchmark).  The
# price: a security update of libsodium, OpenSSL, libretls or zlib reaches
# sluice only when it is rebuilt.  STATIC=0 links them all dynamically.
STATIC ?= 1
ifeq ($(SANITIZE),1)
STATIC = 0
endif
ifeq ($(STATIC),1)
# yescrypt's work area faulted in at once (lib/account/account_prefault.c).
LDFLAGS += -Wl,--wrap=mmap -Wl,--undefined=__wrap_mmap
LDLIBS  += -Wl,-Bstatic $(shell pkg-config --static --libs $(PKGS)) -lskarnet -lcrypt \
           -Wl,-Bdynamic -ldl -pthread
else
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lskarnet -lcrypt
endif

ifeq ($(SANITIZE),1)
ALLCFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
HARDEN     = $(PIE_CFLAGS)
endif

LIB_SRC   := $(sort $(wildcard lib/*/*.c))
LIB_OBJ   := $(LIB_SRC:.c=.o)
LIB       := lib/libsluice.a

# The build-time filter generator (lib/sandbox/gen) and the policies it
# compiles are not part of the servers (they load the compiled filters).
GEN_SRC   := lib/sandbox/gen/gen_filters.c
SFTPD_GEN_SRC := sftpd/sandbox_policy.c
FTPSD_GEN_SRC := ftpsd/sandbox_policy.c
SFTPD_SRC := $(sort $(filter-out $(SFTPD_GEN_SRC),$(wildcard sftpd/*.c sftpd/*/*.c)))
SFTPD_OBJ := $(SFTPD_SRC:.c=.o)
FTPSD_SRC := $(sort $(filter-out $(FTPSD_GEN_SRC),$(wildcard ftpsd/*.c)))
FTPSD_OBJ := $(FTPSD_SRC:.c=.o)
KT_SRC    := $(sort $(wildcard keytools/*.c))
KT_OBJ    := $(KT_SRC:.c=.o)

PROGS := sftpd/sftpd keytools/sluice-keytool
ifneq ($(FTPSD_SRC),)
PROGS += ftpsd/ftpsd
endif

# Unit tests may link program objects (all but main.o) to test codecs.
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN  := $(UNIT_SRC:.c=.t)
# Program objects but main.o, as archives, so a test may define its own
# stand-in for a function (the linker then skips that archive member).
SFTPD_LIBOBJ := sftpd/libsftpd.a
FTPSD_LIBOBJ := ftpsd/libftpsd.a

sftpd/libsftpd.a: $(filter-out sftpd/main.o,$(SFTPD_OBJ))
	rm -f $@
	ar rcs $@ $^

ftpsd/libftpsd.a: $(filter-out ftpsd/main.o,$(FTPSD_OBJ))
	rm -f $@
	ar rcs $@ $^

all: $(PROGS)

# Objects are rebuilt when the flags change (e.g. SANITIZE=1 after a plain build).
FLAGS_NOW := $(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) $(LDLIBS)
FLAGS_OLD := $(shell cat .build-flags 2>/dev/null)
ifneq ($(FLAGS_NOW),$(FLAGS_OLD))
$(shell echo '$(FLAGS_NOW)' > .build-flags)
endif

# Never the built-in %.o rule: .build-flags always exists by now.
.build-flags: ;

%.o: %.c .build-flags
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# System call names for sandbox reports, from the C library's headers at
# build time (numbers without a name print as "syscall N").
lib/sandbox/syscall_names.h: .build-flags
	printf '#include <sys/syscall.h>\n' | $(CC) $(CPPFLAGS) -E -dM -x c - | \
	  awk '$$1 == "#define" && $$2 ~ /^__NR_/ && $$3 ~ /^[0-9]+$$/ { print $$3, substr($$2, 6) }' | \
	  sort -n | awk '{ printf "SYSCALL_NAME(%s, \"%s\")\n", $$1, $$2 }' >$@.tmp
	mv $@.tmp $@

lib/sandbox/sandbox.o tests/fuzz/obj/lib/sandbox/sandbox.o: lib/sandbox/syscall_names.h

# seccomp filters compiled at build time: a host program built like the rest
# (sanitizer builds allow more calls) writes them as C arrays.  Explicit
# dependencies: on a fresh clone no -MMD file says privsep.c includes it.
%/gen_filters: $(GEN_SRC:.c=.o) %/sandbox_policy.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

%/filters.h: %/gen_filters .build-flags
	$*/gen_filters $@

sftpd/privsep.o tests/fuzz/obj/sftpd/privsep.o: sftpd/filters.h
ftpsd/privsep.o tests/fuzz/obj/ftpsd/privsep.o: ftpsd/filters.h

sftpd/sftpd: $(SFTPD_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ftpsd/ftpsd: $(FTPSD_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

keytools/sluice-keytool: $(KT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# tests/unit/sftpd_*.c may use sftpd's own objects, ftpsd_*.c ftpsd's.
tests/unit/sftpd_%.t: tests/unit/sftpd_%.o $(SFTPD_LIBOBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/unit/ftpsd_%.t: tests/unit/ftpsd_%.o $(FTPSD_LIBOBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/unit/%.t: tests/unit/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Test drivers (not TAP programs) for integration scripts.
tests/helpers/%: tests/helpers/%.c $(SFTPD_LIBOBJ) $(LIB)
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< $(SFTPD_LIBOBJ) $(LIB) $(LDLIBS)

# A test-only sftpd whose network child makes a forbidden system call
# right after its sandbox is installed (tests/integration/sftpd_privsep.sh).
tests/helpers/sftpd-sigsys: sftpd/privsep.c $(filter-out sftpd/privsep.o,$(SFTPD_OBJ)) $(LIB) sftpd/filters.h
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) -DSFTPD_TEST_FORBIDDEN_SYSCALL $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)

# The same for ftpsd: its network process (FTPSD_TEST_FORBIDDEN_SYSCALL=1)
# or its session process (=2) makes a forbidden call (ftpsd_privsep.sh).
FTPSD_SIGSYS := tests/helpers/ftpsd-sigsys-net tests/helpers/ftpsd-sigsys-session
$(FTPSD_SIGSYS): tests/helpers/ftpsd-sigsys-%: ftpsd/privsep.c $(filter-out ftpsd/privsep.o,$(FTPSD_OBJ)) $(LIB) ftpsd/filters.h
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) -DFTPSD_TEST_FORBIDDEN_SYSCALL=$(if $(filter net,$*),1,2) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)

HELPERS := $(patsubst %.c,%,$(wildcard tests/helpers/*.c)) tests/helpers/sftpd-sigsys $(FTPSD_SIGSYS)

check: all $(UNIT_BIN) $(HELPERS)
	prove -v --timer tests/unit/*.t tests/integration/*.sh

check-unit: $(UNIT_BIN)
	prove tests/unit/*.t

# libFuzzer targets: clang only; each tests/fuzz/fuzz_X.c becomes tests/fuzz/fuzz_X.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:.c=)
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS)
FUZZ_LIBSRC = $(LIB_SRC) $(filter-out sftpd/main.c,$(SFTPD_SRC)) $(filter-out ftpsd/main.c,$(FTPSD_SRC))
FUZZ_LIBOBJ = $(patsubst %.c,tests/fuzz/obj/%.o,$(FUZZ_LIBSRC))
FUZZ_SECONDS ?= 20

# Everything a fuzz target may call, built once with the fuzz flags into an
# archive; a target may define its own stand-in for any function.
tests/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

tests/fuzz/libfuzzdeps.a: $(FUZZ_LIBOBJ)
	rm -f $@
	ar rcs $@ $^

tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/libfuzzdeps.a
	clang $(FUZZ_CFLAGS) -o $@ $< tests/fuzz/libfuzzdeps.a $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  echo "== $$f ($(FUZZ_SECONDS)s)"; \
	  mkdir -p $$f.corpus; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 $$f.corpus tests/fuzz/seeds/$$(basename $$f) 2>&1 | tail -n 3 || exit 1; \
	done

bench: all tests/bench/kex_cold
	tests/bench/bench.sh
	tests/bench/bench_kex.sh
	tests/bench/bench_proxy.sh
	tests/bench/bench_sftp.sh

# Per-operation CPU time of the post-quantum KEMs, run by hand.
tests/bench/pqkem_bench: tests/bench/pqkem_bench.c $(LIB)
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# One key exchange in a fresh process (bench_kex.sh).
tests/bench/kex_cold: tests/bench/kex_cold.c $(SFTPD_LIBOBJ) $(LIB)
	$(CC) $(CPPFLAGS) $(ALLCFLAGS) $(LDFLAGS) -o $@ $< $(SFTPD_LIBOBJ) $(LIB) $(LDLIBS)

demo: all
	sh service/demo.sh

# As root with an empty DESTDIR, install also creates the system user
# sluice, which sftpd's pre-authentication process runs as (INSTALL).
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 sftpd/sftpd $(DESTDIR)$(PREFIX)/sbin/sftpd
	install -m 755 keytools/sluice-keytool $(DESTDIR)$(PREFIX)/bin/sluice-keytool
	install -m 644 sftpd/sftpd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 keytools/sluice-keytool.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	if [ -x ftpsd/ftpsd ]; then install -m 755 ftpsd/ftpsd $(DESTDIR)$(PREFIX)/sbin/ftpsd; install -m 644 ftpsd/ftpsd.8 $(DESTDIR)$(PREFIX)/share/man/man8/; fi
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && ! id sluice >/dev/null 2>&1; then \
		useradd --system --no-create-home --home-dir /run/sluice/empty \
			--shell /usr/sbin/nologin sluice && echo "created system user sluice"; \
	fi

# The tests' C too, except the known-answer vectors (long generated tables).
TEST_C = $(wildcard tests/unit/*.c tests/fuzz/*.c tests/fuzz/*.h tests/bench/*.c \
	 tests/helpers/*.c tests/pam/*.c tests/tap.h) tests/unit/sftpd_monitor_child.h

format-check:
	clang-format --dry-run --Werror $(LIB_SRC) $(GEN_SRC) $(SFTPD_SRC) $(SFTPD_GEN_SRC) $(FTPSD_SRC) $(FTPSD_GEN_SRC) $(KT_SRC) $(filter-out %/filters.h lib/sandbox/syscall_names.h,$(wildcard lib/*/*.h sftpd/*.h sftpd/*/*.h ftpsd/*.h keytools/*.h)) $(TEST_C)

clean:
	rm -f $(LIB) $(PROGS) ftpsd/ftpsd $(UNIT_BIN) $(FUZZ_BIN) sftpd/libsftpd.a ftpsd/libftpsd.a tests/fuzz/libfuzzdeps.a
	rm -f sftpd/gen_filters sftpd/filters.h sftpd/filters.h.tmp ftpsd/gen_filters ftpsd/filters.h ftpsd/filters.h.tmp lib/sandbox/syscall_names.h*
	rm -rf tests/fuzz/obj $(HELPERS) tests/bench/pqkem_bench tests/bench/kex_cold
	find . -type f \( -name '*.o' -o -name '*.d' \) -delete

.PHONY: all check check-unit fuzz bench demo install clean format-check
.SECONDARY:

-include $(shell find . -name '*.d' -type f -not -path './.ci/*' 2>/dev/null)
