# fuzz/fuzz.mk - fuzz targets of the pure core (included by the top Makefile).
#
#   make fuzz-regress    replay every corpus under ASan+UBSan (no engine) and check
#                        each corpus still reaches its minimum of coverage features
#   make fuzz TARGET=frame SECONDS=60 ENGINE=libfuzzer|afl
#                        one campaign; new coverage is merged into fuzz/corpus/TARGET
#   make fuzz-mutants    break src/core on purpose (fuzz/mutants.txt) and check the
#                        corpus replay catches every break
#   make coverage        gcovr branch coverage of src/ by tests/unit + corpus replay
#                        (COVERAGE_FROM=all|unit|fuzz, FUZZ_TARGETS=... to narrow)
#   make fuzz-build      every binary of every engine, without running anything
#
# Everything is built under build/fuzz/ (build/cov/ for coverage):
#   replay/T     clang, ASan+UBSan, fuzz/T.c + fuzz/replay.c (runs files, no engine)
#   libfuzzer/T  clang -fsanitize=fuzzer,address,undefined
#   afl/T        afl-clang-fast -fsanitize=fuzzer with AFL_USE_ASAN/AFL_USE_UBSAN
# Targets and the core are compiled with the project's warning set ($(WARN)).

FUZZ_TARGETS ?= frame timer ring slots
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
FUZZ_MIN_FT_ring  ?= 435
FUZZ_MIN_FT_slots ?= 530

FUZZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer $(WARN) -Wno-unknown-warning-option -Iinclude -Isrc
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_DEPS   := fuzz/fuzz.h $(CORE_SRC) $(wildcard src/core/*.h) include/sloop_config.h

.PHONY: fuzz fuzz-regress fuzz-build fuzz-mutants coverage

$(FUZZ_OUT)/replay/%: fuzz/%.c fuzz/replay.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -DFUZZ_TARGET_NAME='"$*"' $< fuzz/replay.c $(CORE_SRC) -o $@

$(FUZZ_OUT)/libfuzzer/%: fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  $< $(CORE_SRC) -o $@

$(FUZZ_OUT)/afl/%: fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 $(AFL_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	  $< $(CORE_SRC) -o $@

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/replay/%) $(FUZZ_TARGETS:%=$(FUZZ_OUT)/libfuzzer/%) \
            $(FUZZ_TARGETS:%=$(FUZZ_OUT)/afl/%)

fuzz-regress: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/replay/%) $(FUZZ_TARGETS:%=$(FUZZ_OUT)/libfuzzer/%)
	@fuzz/regress.sh $(foreach t,$(FUZZ_TARGETS),$(t):$(FUZZ_MIN_FT_$(t)))

# make fuzz TARGET=frame SECONDS=60 ENGINE=libfuzzer
TARGET  ?=
SECONDS ?= 60
ENGINE  ?= libfuzzer
fuzz:
	@if [ -z "$(TARGET)" ]; then echo "usage: make fuzz TARGET=<$(FUZZ_TARGETS)> SECONDS=n ENGINE=libfuzzer|afl"; exit 2; fi
	@$(MAKE) -s --no-print-directory $(FUZZ_OUT)/libfuzzer/$(TARGET) \
	  $(if $(filter afl,$(ENGINE)),$(FUZZ_OUT)/afl/$(TARGET))
	@fuzz/campaign.sh $(TARGET) $(SECONDS) $(ENGINE)

fuzz-mutants:
	@FUZZ_CC='$(FUZZ_CC)' FUZZ_CFLAGS='$(FUZZ_CFLAGS) $(FUZZ_SAN)' fuzz/mutants.sh

COVERAGE_FROM ?= all
coverage:
	@FUZZ_WARN='$(WARN)' COVERAGE_FROM='$(COVERAGE_FROM)' fuzz/coverage.sh $(FUZZ_TARGETS)
