#!/usr/bin/env bash
# fuzz/mutants.sh [N ...]   (run by `make fuzz-mutants`; N picks mutants by number)
#
# For each line of fuzz/mutants.txt: copy src/ to build/fuzz/mutants/N/, apply
# the sed script to the named file there, check that it changed exactly one line and
# the generated code (not just a comment), build the target's replay binary against
# the copy (ASan+UBSan; the core targets link src/core, the loop target the whole
# library, the fault plan and its small configuration), and replay the committed
# corpus. The mutant must make the replay fail ("killed"). A surviving or stale
# mutant fails the run. With
# FUZZ_MUTANT_SECONDS=n a survivor is also fuzzed for n s with libFuzzer before it is
# declared a survivor (reported separately, since the corpus should catch it alone).
# With FUZZ_MUTANTS_FRESH_ONLY=1 (`make fuzz-mutants-fresh`, the mutants-fresh stage
# of `make check`) each mutant is only checked to be fresh: its sed script still
# changes exactly one line of today's code and the generated code with it; no build,
# no replay. A refactor that leaves a mutant stale then fails the check at once,
# instead of silently dropping it from the evidence.
# Last line: "fuzz-mutants: N passed, M failed" ("fuzz-mutants-fresh: ..." then).
set -u
cd "$(dirname "$0")/.."
cc=${FUZZ_CC:-clang}
cflags=${FUZZ_CFLAGS:--std=c11 -g -O1 -Wall -Wextra -Iinclude -Isrc -fsanitize=address,undefined -fno-sanitize-recover=all}
secs=${FUZZ_MUTANT_SECONDS:-0}
fresh_only=${FUZZ_MUTANTS_FRESH_ONLY:-0}
work=build/fuzz/mutants
[ "$fresh_only" = 1 ] && work=build/fuzz/mutants-fresh   # never under a running check
rm -rf "$work"
mkdir -p "$work"
pass=0
fail=0
i=0
read -r -a core_src <<<"${FUZZ_CORE_SRC:-$(echo src/core/*.c)}"
read -r -a loop_src <<<"${FUZZ_LOOP_SRC:-}"
loop_flags=${FUZZ_LOOP_FLAGS:-}
root=$(pwd)

want() { # is mutant $1 selected on the command line?
  [ "$#" -le 1 ] && return 0
  local n=$1; shift
  for s in "$@"; do [ "$s" = "$n" ] && return 0; done
  return 1
}

while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  i=$((i + 1))
  want "$i" "$@" || continue
  rest=$line
  t=${rest%% ;; *}; rest=${rest#* ;; }
  file=${rest%% ;; *}; rest=${rest#* ;; }
  script=${rest%% ;; *}
  what=${rest#* ;; }
  d=$work/$i
  mkdir -p "$d/orig" "$d/mut"
  cp -r src/. "$d/orig/"
  cp -r src/. "$d/mut/"
  name=${file#src/}
  sed -e "$script" "$file" >"$d/mut/$name"
  changed=$(diff "$file" "$d/mut/$name" | grep -c '^>')
  if [ "$changed" -ne 1 ]; then
    echo "fuzz-mutant $i ($t, $what): STALE, the sed script changed $changed lines of $file"
    fail=$((fail + 1)); continue
  fi
  # Same file name in both compiles, so only the code can differ. -I. first: a
  # header's includes ("loop/internal.h") resolve to the copy, not to the tree.
  # shellcheck disable=SC2086
  (cd "$d/orig" && $cc -std=c11 -O1 -g0 -I. -I"$root/include" -I"$root/src" -c "$name" -o x.o) 2>/dev/null
  # shellcheck disable=SC2086
  (cd "$d/mut" && $cc -std=c11 -O1 -g0 -I. -I"$root/include" -I"$root/src" -c "$name" -o x.o) 2>/dev/null
  if cmp -s "$d/orig/x.o" "$d/mut/x.o"; then
    echo "fuzz-mutant $i ($t, $what): STALE, the change does not alter the code"
    fail=$((fail + 1)); continue
  fi
  if [ "$fresh_only" = 1 ]; then
    echo "fuzz-mutant $i ($t, $what): fresh (changes one line and the code of $file)"
    pass=$((pass + 1)); continue
  fi
  srcs=()
  tflags=""
  if [ "$t" = loop ]; then
    list=("${loop_src[@]}")
    tflags=$loop_flags
  else
    list=("${core_src[@]}")
  fi
  for f in "${list[@]}"; do
    case "$f" in src/*) srcs+=("$d/mut/${f#src/}") ;; *) srcs+=("$f") ;; esac
  done
  # -I"$d/mut" before cflags' -Isrc: the copy's "loop/internal.h" (a mutated header)
  # must win over the tree's, for the sources and fuzz/$t.c alike. A header mutant
  # builds with -H (every header used, in build.log), to check that it did.
  hflag=""
  case "$name" in *.h) hflag=-H ;; esac
  # shellcheck disable=SC2086 # cflags and tflags are lists of flags
  if ! $cc -I"$d/mut" $cflags $tflags $hflag -Wno-error -DFUZZ_TARGET_NAME="\"$t\"" "fuzz/$t.c" fuzz/replay.c \
       "${srcs[@]}" -o "$d/replay" >"$d/build.log" 2>&1; then
    echo "fuzz-mutant $i ($t, $what): did not build, see $d/build.log"
    fail=$((fail + 1)); continue
  fi
  if [ -n "$hflag" ]; then
    used=$(sed -n 's/^\.\.* //p' "$d/build.log")
    if ! grep -qxF "$d/mut/$name" <<<"$used" || grep -qxF "$file" <<<"$used"; then
      echo "fuzz-mutant $i ($t, $what): STALE, the build used the tree's $file, not the mutated copy"
      fail=$((fail + 1)); continue
    fi
  fi
  # The subshell absorbs the shell's "Aborted" notice; the log has the details.
  if ! ( "$d/replay" "fuzz/corpus/$t" >"$d/replay.log" 2>&1; exit $? ) 2>/dev/null; then
    by=$(sed -n 's/.* failed (\(.*\))$/\1/p' "$d/replay.log" | tail -n 1)
    how=$(grep -Eo 'FUZZ_CHECK failed at [^:]*:[0-9]+|ERROR: AddressSanitizer: [a-z-]+|runtime error: .*' "$d/replay.log" | head -n 1)
    echo "fuzz-mutant $i ($t, $what): killed by the corpus (${how:-abort}; input ${by:-?})"
    pass=$((pass + 1)); continue
  fi
  if [ "$secs" -gt 0 ]; then
    # shellcheck disable=SC2086
    $cc -I"$d/mut" $cflags $tflags -Wno-error -fsanitize=fuzzer "fuzz/$t.c" "${srcs[@]}" -o "$d/fuzzer" \
      >>"$d/build.log" 2>&1
    mkdir -p "$d/new"
    if ! ( "$d/fuzzer" -max_total_time="$secs" -artifact_prefix="$d/" "$d/new" "fuzz/corpus/$t" \
           >"$d/fuzz.log" 2>&1; exit $? ) 2>/dev/null; then
      echo "fuzz-mutant $i ($t, $what): SURVIVED the corpus, killed by ${secs}s of fuzzing: add $(ls "$d"/crash-* 2>/dev/null | head -n 1) to the corpus"
      fail=$((fail + 1)); continue
    fi
  fi
  echo "fuzz-mutant $i ($t, $what): SURVIVED"
  fail=$((fail + 1))
done <fuzz/mutants.txt

if [ "$fresh_only" = 1 ]; then
  echo "fuzz-mutants-fresh: $pass passed, $fail failed"
else
  echo "fuzz-mutants: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
