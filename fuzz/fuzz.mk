# fuzz/fuzz.mk - fuzz targets of the pure core (frame, timer, ring, slots) and of
# the whole loop over the simulation (loop); included by the top Makefile.
#
#   make fuzz-regress    replay every corpus under ASan+UBSan (no engine) and check
#                        each corpus still reaches its minimum of coverage features
#   make fuzz TARGET=frame SECONDS=60 ENGINE=libfuzzer|afl
#                        one campaign; new coverage is merged into fuzz/corpus/TARGET
#   make fuzz-mutants    break src/core, src/loop or src/backend on purpose
#                        (fuzz/mutants.txt) and check the corpus replay catches it
#   make fuzz-mutants-fresh  only check that every mutant still applies to today's
#                        code (one line, and the generated code, changed): seconds
#   make coverage        gcovr branch coverage of src/ by the unit, loopback and fault
#                        tests and every corpus replay (COVERAGE_FROM, FUZZ_TARGETS)
#   make fuzz-build      every binary of every engine, without running anything
#
# Everything is built under build/fuzz/ (build/cov/ for coverage):
#   replay/T     clang, ASan+UBSan, fuzz/T.c + fuzz/replay.c (runs files, no engine)
#   libfuzzer/T  clang -fsanitize=fuzzer,address,undefined
#   afl/T        afl-clang-fast -fsanitize=fuzzer with AFL_USE_ASAN/AFL_USE_UBSAN
# Targets and the library are compiled with the project's warning set ($(WARN)).

FUZZ_TARGETS ?= frame timer ring slots loop
FUZZ_CC      ?= clang
AFL_CC       ?= afl-clang-fast
FUZZ_OUT     := build/fuzz

# Minimum coverage features (libFuzzer "ft:") the committed corpus of each target
# must reach with `-runs=0`: what the corpus gave when it was committed (clang 14,
# -O1, see fuzz/README.md), less about 10 %. A corpus that stops exercising the code
# (a target that returns early, an input format change, a lost corpus) fails here.
# Raise a minimum when a campaign grows the corpus for good.
FUZZ_MIN_FT_frame ?= 1180
FUZZ_MIN_FT_timer ?= 1240
FUZZ_MIN_FT_ring  ?= 565
FUZZ_MIN_FT_slots ?= 530
FUZZ_MIN_FT_loop  ?= 8800

# The whole-loop target (fuzz/loop.c) links the library and the fault plan and is
# built with a small configuration, so that every table and buffer limit is a few
# operations away (4 connections, 100-byte frames, 3 events per wait, 64-byte
# reads, a 512-byte simulated socket buffer). Every other target: the core only.
FUZZ_LOOP_CFG := -DSLOOP_MAX_CONNS=4U -DSLOOP_MAX_FRAME=100U -DSLOOP_MAX_TIMERS=4U -DSLOOP_MAX_SIGNALS=2U \
                 -DSLOOP_MAX_LISTENERS=2U -DSLOOP_MAX_WATCHERS=2U -DSLOOP_MAX_EVENTS=3U \
                 -DSLOOP_READ_CHUNK=64U -DSLOOP_READ_BUDGET=192U -DSLOOP_ACCEPT_BUDGET=2U \
                 -DSLOOP_SIM_MAX_FDS=48U -DSLOOP_SIM_MAX_PAIRS=24U -DSLOOP_SIM_BACKLOG=4U \
                 -DSLOOP_SIM_BUF_SIZE=512U
FUZZ_SRC_loop   := $(LIB_SRC) tests/fault/faultplan.c
FUZZ_FLAGS_loop := -Itests/fault $(FUZZ_LOOP_CFG)
fuzz_src = $(or $(FUZZ_SRC_$(1)),$(CORE_SRC))
# Campaigns merge new inputs into the loop corpus on new edges only (not on hit-count
# buckets), which keeps it at a few hundred small inputs.
FUZZ_MERGE_loop := -use_counters=0

FUZZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer $(WARN) -Wno-unknown-warning-option -Iinclude -Isrc
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_DEPS   := fuzz/fuzz.h $(LIB_SRC) $(wildcard src/*/*.h) $(wildcard include/*.h) \
               tests/fault/faultplan.c tests/fault/faultplan.h

.PHONY: fuzz fuzz-regress fuzz-build fuzz-mutants fuzz-mutants-fresh coverage

$(FUZZ_OUT)/replay/%: fuzz/%.c fuzz/replay.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS_$*) $(FUZZ_SAN) -DFUZZ_TARGET_NAME='"$*"' $< fuzz/replay.c \
	  $(call fuzz_src,$*) -o $@

$(FUZZ_OUT)/libfuzzer/%: fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS_$*) -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all $< $(call fuzz_src,$*) -o $@

$(FUZZ_OUT)/afl/%: fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 $(AFL_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS_$*) \
	  -fsanitize=fuzzer $< $(call fuzz_src,$*) -o $@

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/replay/%) $(FUZZ_TARGETS:%=$(FUZZ_OUT)/libfuzzer/%) \
            $(FUZZ_TARGETS:%=$(FUZZ_OUT)/afl/%)

fuzz-regress: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/replay/%) $(FUZZ_TARGETS:%=$(FUZZ_OUT)/libfuzzer/%)
	@fuzz/regress.sh $(foreach t,$(FUZZ_TARGETS),$(t):$(FUZZ_MIN_FT_$(t)))

# make fuzz TARGET=frame SECONDS=60 ENGINE=libfuzzer
TARGET  ?=
# Only a SECONDS given on make's command line counts: bash keeps its own SECONDS
# (seconds since the shell started) and some environments export it, which would
# silently turn a default campaign into an hours-long one.
ifneq ($(origin SECONDS),command line)
SECONDS := 60
endif
ENGINE  ?= libfuzzer
fuzz:
	@if [ -z "$(TARGET)" ]; then echo "usage: make fuzz TARGET=<$(FUZZ_TARGETS)> SECONDS=n ENGINE=libfuzzer|afl"; exit 2; fi
	@$(MAKE) -s --no-print-directory $(FUZZ_OUT)/libfuzzer/$(TARGET) \
	  $(if $(filter afl,$(ENGINE)),$(FUZZ_OUT)/afl/$(TARGET))
	@FUZZ_MERGE_FLAGS='$(FUZZ_MERGE_$(TARGET))' fuzz/campaign.sh $(TARGET) $(SECONDS) $(ENGINE)

fuzz-mutants:
	@FUZZ_CC='$(FUZZ_CC)' FUZZ_CFLAGS='$(FUZZ_CFLAGS) $(FUZZ_SAN)' FUZZ_CORE_SRC='$(CORE_SRC)' \
	  FUZZ_LOOP_SRC='$(FUZZ_SRC_loop)' FUZZ_LOOP_FLAGS='$(FUZZ_FLAGS_loop)' fuzz/mutants.sh

fuzz-mutants-fresh:
	@FUZZ_MUTANTS_FRESH_ONLY=1 FUZZ_CC='$(FUZZ_CC)' fuzz/mutants.sh

# make coverage: unit tests, loopback tests (tests/loop, the itest build), fault
# suites (tests/fault) and every corpus replay, all with gcc --coverage -O0.
# COVERAGE_FROM=all|unit|itest|fault|fuzz (a list: COVERAGE_FROM="unit fuzz").
COVERAGE_FROM ?= all
coverage:
	@FUZZ_WARN='$(WARN)' COVERAGE_FROM='$(COVERAGE_FROM)' FUZZ_LIB_SRC='$(LIB_SRC)' \
	  FUZZ_LOOP_SRC='$(FUZZ_SRC_loop)' FUZZ_LOOP_FLAGS='$(FUZZ_FLAGS_loop)' \
	  fuzz/coverage.sh $(FUZZ_TARGETS)
