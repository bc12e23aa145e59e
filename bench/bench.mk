# bench/bench.mk - comparison benchmarks against libev, libevent and libuv
# (included by the top-level Makefile; see docs/benchmarks.md).
#
#   make bench              quick run (well under 2 minutes): dispatch + echo, tables
#   make bench FULL=1       full run: more repetitions, longer echo windows
#   make bench-profile      instruction counts (callgrind) and system calls (strace)
#                           per event: stable on a loaded machine
#   make bench-build        only build
#   make bench-http         wrk against examples/http_hello at 10/100/1000 connections
#                           (HTTP_SECS=N per row, default 10); table and server counters
#
# Everything builds under build/bench with -O2. sloop is built twice, with a
# budget sized for each benchmark (the loop's memory is fixed at compile time):
#   dispatch: 10050 watchers (N = 10000), 256 events per wait (A = 100 fit in one)
#   echo:     1024 connections (C = 1000), 1024 events per wait (libuv's fixed size)
# Results (raw lines and the Markdown tables) go to build/bench/.

BENCH_B            := build/bench
BENCH_BIN          := $(BENCH_B)/bin
BENCH_DISPATCH_CFG := -DSLOOP_MAX_WATCHERS=10050U -DSLOOP_MAX_CONNS=1U -DSLOOP_MAX_EVENTS=256U
BENCH_ECHO_CFG     := -DSLOOP_MAX_CONNS=1024U -DSLOOP_MAX_EVENTS=1024U
BENCH_CFLAGS       := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Isrc
BENCH_SLOOP_HDRS   := $(wildcard include/*.h src/loop/*.h src/core/*.h)
BENCH_DISPATCH_DEP := bench/dispatch/dispatch_main.c bench/dispatch/dispatch.h
BENCH_LIBS_floor    :=
BENCH_LIBS_libev    := -lev
BENCH_LIBS_libevent := -levent
BENCH_LIBS_libuv    := -luv
BENCH_PROGS := $(addprefix $(BENCH_BIN)/,dispatch_floor dispatch_sloop dispatch_libev \
               dispatch_libevent dispatch_libuv echo_client echo_sloop echo_libev \
               echo_libevent echo_libuv)
BENCH_RUN   := python3 bench/run.py --bin $(BENCH_BIN) --out $(BENCH_B)

.PHONY: bench bench-build bench-profile bench-http
bench: bench-build
	@$(BENCH_RUN) $(if $(filter 1,$(FULL)),--full)

bench-profile: bench-build
	@$(BENCH_RUN) --suite profile

bench-build:
	@$(MAKE) --no-print-directory B=$(BENCH_B)/sloop-dispatch OPT=-O2 SAN= \
	  EXTRA_CFLAGS="$(BENCH_DISPATCH_CFG)" lib
	@$(MAKE) --no-print-directory B=$(BENCH_B)/sloop-echo OPT=-O2 SAN= \
	  EXTRA_CFLAGS="$(BENCH_ECHO_CFG)" lib
	@$(MAKE) --no-print-directory $(BENCH_PROGS)

$(BENCH_BIN)/dispatch_sloop: bench/dispatch/lib_sloop.c $(BENCH_DISPATCH_DEP) \
                             $(BENCH_B)/sloop-dispatch/libsloop.a $(BENCH_SLOOP_HDRS)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(BENCH_CFLAGS) $(BENCH_DISPATCH_CFG) -Ibench/dispatch \
	  bench/dispatch/dispatch_main.c $< $(BENCH_B)/sloop-dispatch/libsloop.a -o $@

$(BENCH_BIN)/dispatch_%: bench/dispatch/lib_%.c $(BENCH_DISPATCH_DEP)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(BENCH_CFLAGS) -Ibench/dispatch bench/dispatch/dispatch_main.c $< \
	  $(BENCH_LIBS_$*) -o $@

$(BENCH_BIN)/echo_sloop: bench/echo/echo_sloop.c $(BENCH_B)/sloop-echo/libsloop.a \
                         $(BENCH_SLOOP_HDRS)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(BENCH_CFLAGS) $(BENCH_ECHO_CFG) $< $(BENCH_B)/sloop-echo/libsloop.a -o $@

$(BENCH_BIN)/echo_client: bench/echo/echo_client.c
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(BENCH_CFLAGS) $< -o $@

$(BENCH_BIN)/echo_%: bench/echo/echo_%.c bench/echo/echo_peer.h
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(BENCH_CFLAGS) $< $(BENCH_LIBS_$*) -o $@

# HTTP: http_hello with the echo benchmark's budget (1024 connections, 1024 events).
# (Not SECONDS: bash keeps a variable of that name and make would import it.)
HTTP_SECS ?= 10
bench-http:
	@$(MAKE) --no-print-directory B=$(BENCH_B)/http OPT=-O2 SAN= \
	  EXTRA_CFLAGS="$(BENCH_ECHO_CFG)" $(BENCH_B)/http/examples/http_hello
	@bench/http.sh $(BENCH_B)/http/examples/http_hello $(HTTP_SECS)
