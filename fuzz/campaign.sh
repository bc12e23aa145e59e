#!/usr/bin/env bash
# fuzz/campaign.sh TARGET SECONDS ENGINE   (run by `make fuzz`, which builds the binaries)
#
# One fuzzing campaign of SECONDS on TARGET with ENGINE (libfuzzer or afl), starting
# from fuzz/corpus/TARGET with fuzz/TARGET.dict and fuzz/TARGET.options (max_len) when
# present. New inputs are written under build/fuzz/campaign/TARGET-ENGINE/, never straight
# into the tree; at the end they are merged into fuzz/corpus/TARGET with libFuzzer's
# -merge=1, which adds only inputs that bring new coverage (FUZZ_MERGE_FLAGS, set per
# target by fuzz.mk, e.g. -use_counters=0: new edges only). A crash stops the script
# before the merge, prints the reproducer and exits 1.
# Last line: executions, exec/s, corpus size and coverage features before and after.
set -u
cd "$(dirname "$0")/.."
t=${1:?target}
secs=${2:?seconds}
engine=${3:?engine}
corpus=fuzz/corpus/$t
lf=build/fuzz/libfuzzer/$t
work=build/fuzz/campaign/$t-$engine
rm -rf "$work"
mkdir -p "$work/new" "$work/artifacts" "$corpus"

dict=""
[ -f "fuzz/$t.dict" ] && dict=fuzz/$t.dict
max_len=$(sed -n 's/^[[:space:]]*max_len[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' \
          "fuzz/$t.options" 2>/dev/null | head -n 1)

features() { # corpus dir -> coverage features of libFuzzer -runs=0
  "$lf" -runs=0 "$1" 2>&1 | grep -Eo 'ft: [0-9]+' | tail -n 1 | awk '{print $2}'
}
count() { find "$1" -maxdepth 1 -type f | wc -l; }

n_before=$(count "$corpus")
ft_before=$(features "$corpus")

case "$engine" in
libfuzzer)
  log=$work/libfuzzer.log
  "$lf" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" \
        ${dict:+-dict="$dict"} ${max_len:+-max_len="$max_len"} \
        "$work/new" "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  extra=""
  newdir=$work/new
  ;;
afl)
  log=$work/afl.log
  # No UI, no CPU pinning (shared machine), ASan needs no memory limit; core_pattern
  # may point elsewhere in containers, which only costs crash-detection latency.
  AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -i "$corpus" -o "$work/afl" -m none -V "$secs" \
             ${dict:+-x "$dict"} -- "build/fuzz/afl/$t" >"$log" 2>&1
  rc=$?
  stats=$work/afl/default/fuzzer_stats
  get() { sed -n "s/^$1 *: *//p" "$stats" 2>/dev/null | head -n 1; }
  execs=$(get execs_done)
  eps=$(get execs_per_sec)
  extra=", AFL++ bitmap $(get bitmap_cvg), stability $(get stability)"
  # afl-fuzz ends -V runs with status 0; its crash count is what matters.
  crashes=$(find "$work/afl/default/crashes" -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l)
  if [ "$crashes" -gt 0 ]; then
    cp "$work/afl/default/crashes"/id:* "$work/artifacts/"
    rc=1
  fi
  newdir=$work/afl/default/queue
  ;;
*)
  echo "fuzz: unknown ENGINE '$engine' (libfuzzer or afl)"; exit 2 ;;
esac

if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  echo "---- fuzz $t ($engine): FAILED (exit $rc); last lines of $log:"
  tail -n 30 "$log"
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] && echo "reproduce: build/fuzz/replay/$t '$a'   (make build/fuzz/replay/$t first)"
  done
  echo "After the fix, add the input to $corpus so fuzz-regress keeps it fixed."
  exit 1
fi

# shellcheck disable=SC2086 # FUZZ_MERGE_FLAGS is a list of flags (e.g. -use_counters=0)
"$lf" -merge=1 ${FUZZ_MERGE_FLAGS:-} ${max_len:+-max_len="$max_len"} "$corpus" "$newdir" >"$work/merge.log" 2>&1 || {
  echo "fuzz $t: merge failed, see $work/merge.log"; exit 1; }
n_after=$(count "$corpus")
ft_after=$(features "$corpus")
echo "fuzz $t ($engine, ${secs}s): ${execs:-?} execs, ${eps:-?} exec/s${extra}; corpus $n_before -> $n_after inputs, coverage features $ft_before -> $ft_after"
