#!/bin/bash -eu
# fuzz/oss-fuzz-build.sh - the body of an OSS-Fuzz (or ClusterFuzzLite) build.sh for
# the pure-core targets. OSS-Fuzz provides CC, CXX, CFLAGS, CXXFLAGS,
# LIB_FUZZING_ENGINE and OUT; the engine and sanitizer come from those, so the same
# sources build for libFuzzer, AFL++ and honggfuzz. Per target it writes
#   $OUT/T  $OUT/T_seed_corpus.zip  $OUT/T.dict  $OUT/T.options
# Local test: CC=clang CXX=clang++ CFLAGS='-g -O1 -fsanitize=address,fuzzer-no-link'
#   CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/oss-fuzz-build.sh
cd "$(dirname "$0")/.."
obj=$(mktemp -d)
for f in src/core/*.c; do
  $CC $CFLAGS -std=c11 -Iinclude -Isrc -c "$f" -o "$obj/core_$(basename "$f" .c).o"
done
for t in frame timer ring slots; do
  $CC $CFLAGS -std=c11 -Iinclude -Isrc -c "fuzz/$t.c" -o "$obj/fuzz_$t.o"
  # libFuzzer is C++: link with the C++ driver, as OSS-Fuzz expects.
  $CXX $CXXFLAGS "$obj/fuzz_$t.o" "$obj"/core_*.o $LIB_FUZZING_ENGINE -o "$OUT/$t"
  (cd "fuzz/corpus/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  for ext in dict options; do
    if [ -f "fuzz/$t.$ext" ]; then cp "fuzz/$t.$ext" "$OUT/"; fi
  done
done
rm -rf "$obj"
