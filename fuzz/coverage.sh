#!/usr/bin/env bash
# fuzz/coverage.sh TARGET ...   (run by `make coverage`)
#
# Branch (and line) coverage of src/ reached by the unit tests and by replaying the
# committed corpora, measured with gcc --coverage at -O0 and reported by gcovr per
# file. The library is built by the top Makefile into build/cov (B=build/cov
# EXTRA_CFLAGS=--coverage OPT=-O0); `make unit` there runs the unit tests, and each
# target's replay binary links the same build/cov/libsloop.a, so all counts land in
# the same .gcda files. Counters are cleared first, so each run stands alone.
# COVERAGE_FROM=all (default) | unit | fuzz selects what runs.
set -eu
cd "$(dirname "$0")/.."
B=build/cov
from=${COVERAGE_FROM:-all}
warn=${FUZZ_WARN:--Wall -Wextra -Werror}
mkdir -p "$B/fuzz" build/logs
log=build/logs/coverage.log
: >"$log"

make --no-print-directory B=$B CC=gcc OPT=-O0 EXTRA_CFLAGS=--coverage lib >>"$log" 2>&1 || {
  echo "coverage: library build failed, see $log"; exit 1; }
find "$B" -name '*.gcda' -delete

if [ "$from" = all ] || [ "$from" = unit ]; then
  if ! make --no-print-directory B=$B CC=gcc OPT=-O0 EXTRA_CFLAGS=--coverage unit >>"$log" 2>&1; then
    echo "coverage: unit tests failed, see $log"; exit 1
  fi
  echo "coverage: unit tests ran ($(ls tests/unit/test_*.c 2>/dev/null | wc -l) suites)"
fi

if [ "$from" = all ] || [ "$from" = fuzz ]; then
  for t in "$@"; do
    # shellcheck disable=SC2086 # warn is a list of flags
    gcc -std=c11 -O0 -g --coverage $warn -Iinclude -Isrc -DFUZZ_TARGET_NAME="\"$t\"" \
        "fuzz/$t.c" fuzz/replay.c "$B/libsloop.a" -o "$B/fuzz/replay-$t" >>"$log" 2>&1 || {
      echo "coverage: building the $t replay failed, see $log"; exit 1; }
    if ! "$B/fuzz/replay-$t" "fuzz/corpus/$t" >>"$log" 2>&1; then
      echo "coverage: corpus replay of $t failed, see $log"; exit 1
    fi
    echo "coverage: replayed $(find "fuzz/corpus/$t" -maxdepth 1 -type f | wc -l) $t inputs"
  done
fi

echo "coverage of src/ ($from), gcc --coverage -O0:"
gcovr -r . --filter 'src/' --branches "$B" | sed -n '/^File/,$p'
gcovr -r . --filter 'src/' --print-summary "$B" | grep -E '^(lines|branches):'
