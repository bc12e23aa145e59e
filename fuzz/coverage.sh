#!/usr/bin/env bash
# fuzz/coverage.sh TARGET ...   (run by `make coverage`)
#
# Branch (and line) coverage of src/, measured with gcc --coverage at -O0 and
# reported by gcovr per file, from four sources (COVERAGE_FROM=all, or a list of):
#   unit   tests/unit, against build/cov/libsloop.a (default sloop_config.h)
#   fault  the fault suites tests/fault (test_sim, test_sim_faults over the simulation,
#          test_real_faults over real sockets), against the same library
#   itest  the loopback tests tests/loop, built as `make itest` builds them (their own
#          2048-connection configuration) into build/cov/itest
#   fuzz   every committed corpus replayed: the core targets link build/cov/libsloop.a;
#          the loop target compiles the library with its small configuration into
#          build/cov/fuzz-loop (FUZZ_LOOP_SRC, FUZZ_LOOP_FLAGS from fuzz.mk)
# The same source built with different configurations gives one .gcno per build;
# gcovr adds the counts of all of them per file and line (the configurations change
# array sizes and loop bounds, not the branches). Counters are cleared first, so each
# run stands alone. src/sys/win32.c is not compiled on Linux and is excluded.
# A stage that fails is reported and the report is still printed; the exit status
# is then 1. COVERAGE_LIST=1 also lists every branch not taken (file:line).
set -u
cd "$(dirname "$0")/.."
B=build/cov
from=" ${COVERAGE_FROM:-all} "
warn=${FUZZ_WARN:--Wall -Wextra -Werror}
mkdir -p "$B/fuzz" build/logs
log=build/logs/coverage.log
: >"$log"
status=0
cov_make=(make --no-print-directory CC=gcc OPT=-O0 "EXTRA_CFLAGS=--coverage -DSLOOP_TEST_GCOV")

want() { [[ "$from" == *" all "* || "$from" == *" $1 "* ]]; }
fail() { echo "coverage: $1 FAILED, see $log (the report below misses part of it)"; status=1; }

"${cov_make[@]}" B=$B lib >>"$log" 2>&1 || { echo "coverage: library build failed, see $log"; exit 1; }
find "$B" -name '*.gcda' -delete

if want unit; then
  if "${cov_make[@]}" B=$B unit >>"$log" 2>&1; then
    echo "coverage: unit tests ran ($(ls tests/unit/test_*.c | wc -l) suites)"
  else
    fail "unit tests"
  fi
fi

if want fault; then
  start=$(date +%s)
  if "${cov_make[@]}" B=$B FAULT_B=$B fault >>"$log" 2>&1; then
    echo "coverage: fault suites ran ($(grep -E '^(sim|fault-sim|fault-real): ' "$log" | tr '\n' ' ')$(( $(date +%s) - start ))s)"
  else
    fail "fault suites"
  fi
fi

if want itest; then
  start=$(date +%s)
  if "${cov_make[@]}" ITEST_B=$B/itest itest >>"$log" 2>&1; then
    echo "coverage: loopback tests ran ($(ls tests/loop/test_*.c | wc -l) suites, $(( $(date +%s) - start ))s)"
  else
    fail "loopback tests"
  fi
fi

if want fuzz; then
  read -r -a loop_src <<<"${FUZZ_LOOP_SRC:-}"
  for t in "$@"; do
    exe=$B/fuzz/replay-$t
    if [ "$t" = loop ]; then
      # One object per source, so that fuzz/loop.c and src/loop/loop.c do not share
      # a .gcno name; the small configuration of fuzz.mk.
      objs=()
      ok=1
      for f in fuzz/loop.c fuzz/replay.c "${loop_src[@]}"; do
        o=$B/fuzz-loop/obj/${f%.c}.o
        mkdir -p "$(dirname "$o")"
        # shellcheck disable=SC2086 # warn and FUZZ_LOOP_FLAGS are lists of flags
        gcc -std=c11 -O0 -g --coverage $warn -Iinclude -Isrc ${FUZZ_LOOP_FLAGS:-} \
            -DFUZZ_TARGET_NAME="\"$t\"" -c "$f" -o "$o" >>"$log" 2>&1 || ok=0
        objs+=("$o")
      done
      [ "$ok" -eq 1 ] && gcc --coverage "${objs[@]}" -o "$exe" >>"$log" 2>&1 || ok=0
      find "$B/fuzz-loop" -name '*.gcda' -delete
    else
      ok=1
      # shellcheck disable=SC2086
      gcc -std=c11 -O0 -g --coverage $warn -Iinclude -Isrc -DFUZZ_TARGET_NAME="\"$t\"" \
          "fuzz/$t.c" fuzz/replay.c "$B/libsloop.a" -o "$exe" >>"$log" 2>&1 || ok=0
    fi
    if [ "$ok" -ne 1 ]; then
      fail "building the $t replay"
      continue
    fi
    if "$exe" "fuzz/corpus/$t" >>"$log" 2>&1; then
      echo "coverage: replayed $(find "fuzz/corpus/$t" -maxdepth 1 -type f | wc -l) $t inputs"
    else
      fail "corpus replay of $t"
    fi
  done
fi

# The second build of test_sigwake (make itest: the pipe channels of posix.c, -DSLOOP_WAKE_PIPE
# -DSLOOP_SIGNAL_PIPE) defines posix_signal_set & co. at other lines, which gcovr 5.2 cannot
# merge (an assertion on function line numbers): it is left out, so posix.c is measured in
# its signalfd/eventfd variant; wake.c and signal.c lose only a repeat of the same runs.
filters=(-r . --filter 'src/' --exclude 'src/sys/win32\.c' --exclude-directories "$B/itest-pipes")
echo "coverage of src/ (${COVERAGE_FROM:-all}), gcc --coverage -O0; src/sys/win32.c is not compiled on Linux and not counted:"
gcovr "${filters[@]}" --branches "$B" | sed -n '/^File/,$p'
gcovr "${filters[@]}" --print-summary "$B" | grep -E '^(lines|branches):' | sed 's/^/src\/      /'
gcovr -r . --filter 'src/core/' --print-summary "$B" | grep -E '^branches:' | sed 's/^/src\/core\/ /'
# COVERAGE_LIST=1: every branch not taken, one line per source line (file:line, how many
# of its branches, the line), the list docs/verification.md explains one by one.
if [ "${COVERAGE_LIST:-0}" = 1 ]; then
  gcovr "${filters[@]}" --json -o "$B/coverage.json" "$B" &&
  python3 - "$B/coverage.json" <<'PY'
import json, sys
files = json.load(open(sys.argv[1]))["files"]
total = 0
for f in sorted(files, key=lambda f: f["file"]):
    src = open(f["file"]).read().split("\n")
    for l in f["lines"]:
        br = l.get("branches", [])
        miss = sum(1 for b in br if b["count"] == 0)
        if miss:
            total += miss
            n = l["line_number"]
            print(f"  {f['file']}:{n}  {miss} of {len(br)}  {src[n - 1].strip()[:80]}")
print(f"coverage: {total} branches not taken")
PY
fi
exit $status
