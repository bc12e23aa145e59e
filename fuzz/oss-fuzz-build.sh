#!/bin/bash -eu
# fuzz/oss-fuzz-build.sh - the body of an OSS-Fuzz (or ClusterFuzzLite) build.sh for
# every target. OSS-Fuzz provides CC, CXX, CFLAGS, CXXFLAGS,
# LIB_FUZZING_ENGINE and OUT; the engine and sanitizer come from those, so the same
# sources build for libFuzzer, AFL++ and honggfuzz. Per target it writes
#   $OUT/T  $OUT/T_seed_corpus.zip  $OUT/T.dict  $OUT/T.options
# Local test: CC=clang CXX=clang++ CFLAGS='-g -O1 -fsanitize=address,fuzzer-no-link'
#   CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/oss-fuzz-build.sh
cd "$(dirname "$0")/.."
obj=$(mktemp -d)
mkdir -p "$obj/loop"
for f in src/core/*.c; do
  $CC $CFLAGS -std=c11 -Iinclude -Isrc -c "$f" -o "$obj/core_$(basename "$f" .c).o"
done
# The loop target: the whole library, the fault plan and a small configuration
# (keep in step with FUZZ_LOOP_CFG in fuzz/fuzz.mk).
loop_cfg="-DSLOOP_MAX_CONNS=4U -DSLOOP_MAX_FRAME=100U -DSLOOP_MAX_TIMERS=4U -DSLOOP_MAX_LISTENERS=2U
  -DSLOOP_MAX_WATCHERS=2U -DSLOOP_MAX_EVENTS=3U -DSLOOP_READ_CHUNK=64U -DSLOOP_READ_BUDGET=192U
  -DSLOOP_ACCEPT_BUDGET=2U -DSLOOP_SIM_MAX_FDS=48U -DSLOOP_SIM_MAX_PAIRS=24U -DSLOOP_SIM_BACKLOG=4U
  -DSLOOP_SIM_BUF_SIZE=512U"
for f in src/core/*.c src/loop/*.c src/backend/*.c src/sys/posix.c tests/fault/faultplan.c; do
  # shellcheck disable=SC2086
  $CC $CFLAGS -std=c11 -Iinclude -Isrc -Itests/fault $loop_cfg -c "$f" \
    -o "$obj/loop/$(echo "$f" | tr / _ | sed 's/\.c$//').o"
done
for t in frame timer ring slots loop; do
  if [ "$t" = loop ]; then
    # shellcheck disable=SC2086
    $CC $CFLAGS -std=c11 -Iinclude -Isrc -Itests/fault $loop_cfg -c fuzz/loop.c -o "$obj/fuzz_loop.o"
    libobjs=("$obj"/loop/*.o)
  else
    $CC $CFLAGS -std=c11 -Iinclude -Isrc -c "fuzz/$t.c" -o "$obj/fuzz_$t.o"
    libobjs=("$obj"/core_*.o)
  fi
  # libFuzzer is C++: link with the C++ driver, as OSS-Fuzz expects.
  $CXX $CXXFLAGS "$obj/fuzz_$t.o" "${libobjs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/$t"
  (cd "fuzz/corpus/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  for ext in dict options; do
    if [ -f "fuzz/$t.$ext" ]; then cp "fuzz/$t.$ext" "$OUT/"; fi
  done
done
rm -rf "$obj"
