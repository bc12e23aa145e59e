#!/usr/bin/env bash
# fuzz/regress.sh TARGET:MIN_FEATURES ...   (run by `make fuzz-regress`, which builds
# build/fuzz/replay/T and build/fuzz/libfuzzer/T first)
#
# Per target, two checks:
#  1. replay: every file of fuzz/corpus/T through build/fuzz/replay/T (ASan+UBSan,
#     no engine); any property or sanitizer failure fails it, naming the input;
#  2. features: build/fuzz/libfuzzer/T -runs=0 on the corpus reaches at least
#     MIN_FEATURES coverage features ("ft:" of libFuzzer's last status line).
# Prints one line per target, then "fuzz-regress: N passed, M failed" counting the
# checks. Full output in build/fuzz/logs/. Exit status 0 only if all passed.
set -u
cd "$(dirname "$0")/.."
out=build/fuzz
logs=$out/logs
mkdir -p "$logs"
pass=0
fail=0

for spec in "$@"; do
  t=${spec%%:*}
  min=${spec#*:}
  corpus=fuzz/corpus/$t

  rlog=$logs/$t-replay.log
  if "$out/replay/$t" "$corpus" >"$rlog" 2>&1; then
    n=$(sed -n "s/^fuzz-$t: \([0-9]*\) passed, 0 failed\$/\1/p" "$rlog" | tail -n 1)
    replay="${n:-?} inputs replayed clean"
    pass=$((pass + 1))
  else
    what=$(grep -E "^fuzz-$t: .*failed" "$rlog" | tail -n 1 | sed 's/.*failed //')
    replay="replay FAILED ${what:-(see $rlog)}"
    fail=$((fail + 1))
    echo "---- $t replay failed; last lines of $rlog:"
    tail -n 25 "$rlog"
  fi

  flog=$logs/$t-features.log
  "$out/libfuzzer/$t" -runs=0 "$corpus" >"$flog" 2>&1
  rc=$?
  ft=$(grep -Eo 'ft: [0-9]+' "$flog" | tail -n 1 | awk '{print $2}')
  if [ "$rc" -eq 0 ] && [ -n "$ft" ] && [ "$ft" -ge "$min" ]; then
    feat="${ft} coverage features (minimum $min): ok"
    pass=$((pass + 1))
  else
    feat="${ft:-no} coverage features (minimum $min, libFuzzer exit $rc): FAILED"
    fail=$((fail + 1))
  fi
  echo "fuzz-regress $t: $replay; $feat"
done

echo "fuzz-regress: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
