# sloop - a static-budget event loop for safety-critical C.
#
#   make              build build/libsloop.a (gcc, -O2)
#   make check        every test stage; one summary line each, then a total
#   make unit         unit tests with $(CC) into $(B)
#
# Variables: CC (gcc|clang|...), B (build directory), SAN=1 (ASan+UBSan),
# EXTRA_CFLAGS. Each toolchain builds into its own directory, so gcc, clang and
# sanitizer builds never mix objects.

ifeq ($(origin CC),default)
CC      := gcc
endif
B       ?= build
AR      ?= ar

WARN := -Wall -Wextra -Werror -Wpedantic -Wconversion -Wsign-conversion -Wshadow \
        -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wcast-align \
        -Wpointer-arith -Wundef -Wvla -Wformat=2 -Wdouble-promotion -Wswitch-default \
        -Wnull-dereference -Wwrite-strings -Wmissing-declarations

OPT     ?= -O2
CFLAGS  := -std=c11 $(OPT) -g $(WARN) -Iinclude -Isrc $(EXTRA_CFLAGS)
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRC := src/core/tick.c src/core/ring.c src/core/slots.c src/core/frame.c \
            src/core/timer.c
LOOP_SRC := src/loop/loop.c src/loop/conn.c src/loop/listen.c src/loop/watch.c \
            src/loop/signal.c src/loop/wake.c src/loop/fork.c \
            src/loop/timers.c src/loop/names.c src/backend/backend.c src/backend/poll.c \
            src/backend/epoll.c src/backend/sim.c src/sys/posix.c src/sys/win32.c
LIB_SRC  := $(CORE_SRC) $(LOOP_SRC)
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB      := $(B)/libsloop.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all lib unit check clean
all: lib
lib: $(LIB)

Q := $(if $(V),,@)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC $(B) $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/tests/%: tests/unit/%.c $(LIB) tests/harness.h tests/open_fds.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB) $(LDFLAGS) -o $@

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

check:
	@ci/check

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d)

# ---- Freestanding build of the pure core -------------------------------------
# The core must build with no C library at all: -ffreestanding -nostdlib, and its
# objects may reference nothing but memcpy/memset (which compilers emit for copy
# loops). Built for Cortex-M4 and Cortex-M0+ when arm-none-eabi-gcc is present,
# else for the host, so the check never silently disappears.
ARM_CC  ?= arm-none-eabi-gcc
FS_DIR  := build/freestanding
.PHONY: freestanding
freestanding:
	@rm -rf $(FS_DIR) && mkdir -p $(FS_DIR)
	@set -e; if command -v $(ARM_CC) >/dev/null; then \
	  targets="cortex-m4 cortex-m0plus"; else targets=host; fi; \
	for t in $$targets; do \
	  mkdir -p $(FS_DIR)/$$t; \
	  for f in $(CORE_SRC); do \
	    o=$(FS_DIR)/$$t/$$(basename $$f .c).o; \
	    if [ $$t = host ]; then $(CC) -std=c11 -Os -ffreestanding -nostdlib $(WARN) -Iinclude -c $$f -o $$o; \
	    else $(ARM_CC) -std=c11 -mcpu=$$t -mthumb -Os -ffreestanding -nostdlib $(WARN) -Iinclude -c $$f -o $$o; fi; \
	  done; \
	  nm --defined-only $(FS_DIR)/$$t/*.o | awk 'NF==3{print $$3}' | sort -u >$(FS_DIR)/$$t/defined; \
	  undef=$$(nm -u $(FS_DIR)/$$t/*.o | awk 'NF==2{print $$2}' | sort -u | comm -23 - $(FS_DIR)/$$t/defined | grep -Ev '^(memcpy|memset)$$' | tr '\n' ' '); \
	  if [ -n "$$undef" ]; then echo "freestanding: $$t core references $$undef"; exit 1; fi; \
	  echo "freestanding: $$t core builds, text bytes: $$(size -t $(FS_DIR)/$$t/*.o 2>/dev/null | tail -1 | awk '{print $$1}')"; \
	done

# ---- Parts owned by their own directories ------------------------------------
# proofs/prove.mk: make prove, make prove-mutants (Frama-C WP and Eva)
# fuzz/fuzz.mk:    make fuzz-regress, make fuzz, make coverage
-include proofs/prove.mk
-include fuzz/fuzz.mk

# ---- Applications: examples and integration tests ----------------------------
# Built against an "appliance" budget (1024 connections) so that the demo and
# the loopback tests can hold 1000 concurrent connections.
APP_B     := build/app
APP_FLAGS := -DSLOOP_MAX_CONNS=1024U
EXAMPLES  := echo_server echo_load http_hello
.PHONY: examples demo
examples:
	@$(MAKE) --no-print-directory B=$(APP_B) EXTRA_CFLAGS="$(APP_FLAGS)" $(EXAMPLES:%=$(APP_B)/examples/%)

$(B)/examples/%: examples/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L $< $(LIB) $(LDFLAGS) -o $@

# http_hello also builds its request parser and /stats JSON (examples/http/).
HTTP_SRC := examples/http/request.c examples/http/stats.c
$(B)/examples/http_hello: examples/http_hello.c $(HTTP_SRC) $(wildcard examples/http/*.h) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -Iexamples $< $(HTTP_SRC) $(LIB) $(LDFLAGS) -o $@

# The request parser alone, under ASan+UBSan (ci/check http runs it).
.PHONY: http-unit
http-unit:
	@mkdir -p build/http-unit
	$(Q)clang -std=c11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -Iexamples -Itests tests/http/test_request.c examples/http/request.c -o build/http-unit/test_request
	@build/http-unit/test_request

demo: examples
	@ci/demo

# ---- Loopback integration tests (tests/loop) ------------------------------------
# Built with a 2048-connection budget: the 1000-connection test holds both ends
# of every connection in one process. Run each backend: poll, epoll, epoll-et.
ITEST_B     ?= build/itest
ITEST_FLAGS := -DSLOOP_MAX_CONNS=2048U
LOOP_TEST_SRC := $(wildcard tests/loop/test_*.c)
LOOP_SUPPORT  := $(filter-out $(LOOP_TEST_SRC),$(wildcard tests/loop/*.c)) tests/tsock.c
LOOP_TEST_BIN := $(LOOP_TEST_SRC:tests/loop/%.c=$(B)/tests/loop/%)
.PHONY: itest itest-bins
$(B)/tests/loop/%: tests/loop/%.c $(LOOP_SUPPORT) $(LIB) $(wildcard tests/loop/*.h) tests/harness.h tests/tsock.h tests/open_fds.h
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD $@")
	$(Q)$(CC) $(CFLAGS) -D_GNU_SOURCE -Itests $< $(LOOP_SUPPORT) $(LIB) $(LDFLAGS) -lpthread -o $@
itest-bins: $(LOOP_TEST_BIN)
# test_sigwake runs a second time over the portable channels of posix.c (pipes
# and a sigaction handler instead of eventfd and signalfd).
ITEST_PIPE_FLAGS := -DSLOOP_WAKE_PIPE -DSLOOP_SIGNAL_PIPE
itest:
	@$(MAKE) --no-print-directory B=$(ITEST_B) EXTRA_CFLAGS="$(ITEST_FLAGS) $(EXTRA_CFLAGS)" itest-bins
	@$(MAKE) --no-print-directory B=$(ITEST_B)-pipes \
	  EXTRA_CFLAGS="$(ITEST_FLAGS) $(ITEST_PIPE_FLAGS) $(EXTRA_CFLAGS)" \
	  $(ITEST_B)-pipes/tests/loop/test_sigwake
	@ulimit -n $$(ulimit -Hn) 2>/dev/null; status=0; \
	for t in $(LOOP_TEST_SRC:tests/loop/%.c=$(ITEST_B)/tests/loop/%) \
	         $(ITEST_B)-pipes/tests/loop/test_sigwake; do \
	  timeout 300 $$t || status=1; done; exit $$status

# Fault injection and simulation suites bring their own rules.
-include tests/fault/fault.mk

# ---- Memory budget ---------------------------------------------------------------
# make budget: sizeof(sloop_loop) and per-connection cost for three configurations.
BUDGET_MCU       := -DSLOOP_MAX_CONNS=16U -DSLOOP_MAX_FRAME=512U -DSLOOP_MAX_TIMERS=8U \
                    -DSLOOP_MAX_LISTENERS=1U -DSLOOP_MAX_WATCHERS=2U -DSLOOP_MAX_EVENTS=16U \
                    -DSLOOP_READ_CHUNK=512U
BUDGET_APPLIANCE := -DSLOOP_MAX_CONNS=1024U
.PHONY: budget
budget:
	@mkdir -p build/budget
	@set -e; for cfg in default mcu appliance; do \
	  case $$cfg in default) f="";; mcu) f="$(BUDGET_MCU)";; appliance) f="$(BUDGET_APPLIANCE)";; esac; \
	  $(CC) -std=c11 -Wall -Wextra -Werror -Iinclude -Isrc $$f bench/budget.c -o build/budget/$$cfg; \
	  build/budget/$$cfg $$cfg; done

# ---- Stack bound -------------------------------------------------------------------
# make stack: per-function frames (-fstack-usage) and the call graph
# (-fcallgraph-info) give the worst-case depth of every entry point; fails on
# recursion, VLA or alloca. -Wvla and -Wstack-usage also guard at compile time.
.PHONY: stack
stack:
	@rm -rf build/stack && mkdir -p build/stack
	@set -e; for f in $(LIB_SRC); do \
	  gcc -std=c11 -O2 $(WARN) -Wstack-usage=512 -Iinclude -Isrc -fstack-usage -fcallgraph-info=su \
	    -c $$f -o build/stack/$$(basename $$f .c).o -dumpbase $$(basename $$f .c) -dumpdir build/stack/; done
	@! grep -rn "alloca\s*(" src include || { echo "stack: alloca is not allowed"; exit 1; }
	@ci/stack-depth build/stack

# Windows build (MinGW) and its tests under Wine: make windows, make check-windows
-include tests/windows/windows.mk
-include bench/bench.mk

# ---- Vendoring: amalgamation and install ----------------------------------------
# make amalgamate: dist/sloop.h, dist/sloop.c, dist/sloop_config.h; then proves
# they stand alone: one compile command, and the unit tests built against dist/
# only (core/*.h and sloop_sim.h resolve to one-line shims that include the
# amalgamated header, which holds their declarations).
.PHONY: amalgamate install
amalgamate:
	@ci/amalgamate dist $(LIB_SRC)
	@rm -rf build/amalg && mkdir -p build/amalg/shim/core
	@for h in tick ring slots frame timer; do echo '#include "sloop.h"' > build/amalg/shim/core/$$h.h; done
	@echo '#include "sloop.h"' > build/amalg/shim/sloop_sim.h
	$(Q)$(CC) -std=c11 -O2 $(WARN) -Idist -c dist/sloop.c -o build/amalg/sloop.o
	@echo "amalgamate: dist/sloop.c compiles alone: $(CC) -std=c11 -O2 -Idist -c dist/sloop.c"
	@set -e; for t in $(UNIT_SRC); do n=$$(basename $$t .c); \
	  $(CC) -std=c11 -O1 $(WARN) -Idist -Ibuild/amalg/shim -Itests $$t build/amalg/sloop.o -o build/amalg/$$n; \
	  build/amalg/$$n | tail -n 1; done

PREFIX  ?= /usr/local
DESTDIR ?=
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/sloop/core
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libsloop.a
	install -m 644 include/*.h $(DESTDIR)$(PREFIX)/include/sloop/
	install -m 644 src/core/*.h $(DESTDIR)$(PREFIX)/include/sloop/core/
	sed -e 's|@PREFIX@|$(PREFIX)|' ci/sloop.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sloop.pc

# ---- Firmware footprint -------------------------------------------------------------
# make firmware: the pure core and the simulation backend, and the whole loop
# over the sim (no OS at all), with arm-none-eabi-gcc -Os -ffreestanding for
# Cortex-M4 and Cortex-M0+; and a host -Os build of the full loop with each
# backend. Prints .text/.data/.bss per module.
FW_CORE  := $(CORE_SRC) src/backend/sim.c
FW_LOOP  := src/loop/loop.c src/loop/conn.c src/loop/listen.c src/loop/watch.c \
            src/loop/signal.c src/loop/wake.c src/loop/fork.c \
            src/loop/timers.c src/loop/names.c src/backend/backend.c src/backend/poll.c \
            src/backend/epoll.c
.PHONY: firmware
firmware:
	@rm -rf build/firmware && mkdir -p build/firmware
	@set -e; for cpu in cortex-m4 cortex-m0plus; do \
	  d=build/firmware/$$cpu; mkdir -p $$d; \
	  for f in $(FW_CORE) $(FW_LOOP); do \
	    $(ARM_CC) -std=c11 -mcpu=$$cpu -mthumb -Os -ffreestanding -ffunction-sections $(WARN) \
	      -Iinclude -Isrc -c $$f -o $$d/$$(basename $$f .c).o; done; \
	  echo "firmware: $$cpu, $$($(ARM_CC) --version | head -1)"; \
	  arm-none-eabi-size $$d/*.o | awk 'NR==1{printf "  %-14s %7s %6s %6s\n","module","text","data","bss"; next} {n=split($$6,p,"/"); printf "  %-14s %7d %6d %6d\n", p[n], $$1, $$2, $$3; t+=$$1; dd+=$$2; b+=$$3} END {printf "  %-14s %7d %6d %6d\n","total",t,dd,b}'; \
	  core=$$(arm-none-eabi-size $(patsubst %,$$d/%.o,tick ring slots frame timer) | awk 'NR>1{t+=$$1} END{print t}'); \
	  echo "  core (tick ring slots frame timer): $$core bytes of text"; \
	done
	@d=build/firmware/host; mkdir -p $$d; \
	for f in $(LIB_SRC); do gcc -std=c11 -Os $(WARN) -Iinclude -Isrc -c $$f -o $$d/$$(basename $$f .c).o; done; \
	echo "firmware: host x86-64, $$(gcc --version | head -1), -Os, every backend compiled in"; \
	size $$d/*.o | awk 'NR==1{printf "  %-14s %7s %6s %6s\n","module","text","data","bss"; next} {n=split($$6,p,"/"); printf "  %-14s %7d %6d %6d\n", p[n], $$1, $$2, $$3; t+=$$1; dd+=$$2; b+=$$3} END {printf "  %-14s %7d %6d %6d\n","total",t,dd,b}'

# ---- MISRA C:2012 ------------------------------------------------------------------
.PHONY: misra
misra:
	@ci/misra
-include proofs/eva/eva.mk
