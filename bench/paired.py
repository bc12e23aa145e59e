#!/usr/bin/env python3
"""bench/paired.py - the goal check of issue #9: is sloop at or below the best peer?

    python3 bench/paired.py [build/bench]     # reads dispatch-raw.txt, echo-raw.txt

A median table cannot answer that on a shared 2-CPU machine: two programs running
the same dispatch code differ by 13% there (docs/benchmarks.md). This compares
in pairs instead. bench/run.py runs every program once per repetition, one after
the other (round-robin), so a slow phase of the machine hits the programs of one
repetition alike. For each row and measure:

  ratio(rep) = sloop's value in repetition rep / the best peer's in the same rep

where "the best peer" is the one of libev, libevent, libuv with the best median
over all repetitions (fixed per row and measure), and a program's value in one
repetition is the median of its samples there (dispatch: K iterations; echo: one
run). Reported: the median of the ratios and a distribution-free confidence
interval for it (order statistics of the ratios; coverage from the binomial
distribution, >= 95% where the number of repetitions allows it: 11 in the full
run gives 98.8%, 5 gives 93.8%, the quick run's 3 and 2 only 75% and 50%).

Verdict, for a measure where lower is better (times, latency, CPU): "better" when
the whole interval is under 1, "worse" when it is over 1, else "level" (the
difference is within what the noise lets this run resolve); for messages/s the
other way round. The goal ("at or below the best peer") holds for a row unless
its verdict is "worse". No verdict is given below 90% coverage (the quick run:
use FULL=1). A control row compares two sloop programs that run the same dispatch
code (sloop-epoll-et against sloop-epoll): it must come out "level", or the
method resolves noise.

The raw files are the ones bench/run.py writes: one "result ..." line per sample,
appended in repetition order, so the k-th run of a program in a row is repetition
k (dispatch: each run prints its K samples; echo: one line per run, with the
server's CPU per message that run.py appends).
"""
import math
import os
import statistics
import sys

PEERS = ("libev", "libevent", "libuv")
WRITES = 1000


def parse_kv(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def read_results(path):
    try:
        with open(path) as f:
            return [parse_kv(l) for l in f if l.startswith("result ")]
    except OSError:
        return []


def dispatch_reps(rows):
    """(lib, n, a) -> list over repetitions of (rearm µs, dispatch µs), each the
    median of that run's samples. A run's samples are consecutive lines whose
    iteration number does not go back."""
    runs = {}
    last_iter = {}
    for kv in rows:
        key = (kv["lib"], int(kv["n"]), int(kv["a"]))
        it = int(kv["iter"])
        if key not in runs or it <= last_iter[key]:
            runs.setdefault(key, []).append([])
        last_iter[key] = it
        runs[key][-1].append((int(kv["rearm_ns"]) / 1000.0, int(kv["dispatch_ns"]) / 1000.0))
    return {k: [(statistics.median(s[0] for s in run), statistics.median(s[1] for s in run))
                for run in v] for k, v in runs.items()}


def echo_reps(rows):
    """(server, conns) -> list over repetitions of {measure: value}."""
    reps = {}
    for kv in rows:
        m = {"mps": float(kv["msgs_per_s"]), "p50": float(kv["p50_us"]),
             "p99": float(kv["p99_us"])}
        if "server_cpu_us_per_msg" in kv:
            m["cpu"] = float(kv["server_cpu_us_per_msg"])
        reps.setdefault((kv["server"], int(kv["conns"])), []).append(m)
    return reps


def binom_cdf(k, n):
    return sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n


def median_interval(xs):
    """(median, low, high, coverage) of xs: [x(k), x(n+1-k)] with the largest
    k whose coverage is still >= 95%, or k = 1 when none reaches it."""
    xs = sorted(xs)
    n = len(xs)
    k = 1
    while k + 1 <= (n + 1) // 2 and 1.0 - 2.0 * binom_cdf(k, n) >= 0.95:
        k += 1
    return statistics.median(xs), xs[k - 1], xs[n - k], 1.0 - 2.0 * binom_cdf(k - 1, n)


def verdict(lo, hi, higher_is_better, coverage):
    """better / level / worse than the best peer, from the ratio's interval;
    none from an interval of less than 90% coverage (the quick run's)."""
    if coverage < 0.9:
        return "- (too few repetitions)"
    if higher_is_better:
        lo, hi = 1.0 / hi, 1.0 / lo
    if hi < 1.0:
        return "better"
    if lo > 1.0:
        return "**worse**"
    return "level"


def paired(mine, theirs):
    n = min(len(mine), len(theirs))
    return [mine[i] / theirs[i] for i in range(n) if theirs[i] > 0]


def best_peer(values_by_peer, higher_is_better):
    """The peer with the best median, from {peer: [value per repetition]}."""
    cands = [(statistics.median(v), p) for p, v in values_by_peer.items() if v]
    if not cands:
        return None
    return (max if higher_is_better else min)(cands)[1]


def row(cells):
    return "| " + " | ".join(cells) + " |"


def ratio_line(label, name, other, mine, theirs, higher_is_better):
    """One table line: `mine` over `theirs` (named `other`), in pairs."""
    ratios = paired(mine, theirs)
    if not ratios:
        return None
    med, lo, hi, cov = median_interval(ratios)
    return row([label, name, other, "%d" % len(ratios), "%.2f" % med,
                "%.2f - %.2f" % (lo, hi), "%.0f%%" % (100 * cov),
                verdict(lo, hi, higher_is_better, cov)])


def compare(name, mine, peers, higher_is_better, label):
    """One table line: sloop program `name` against the best of `peers`."""
    best = best_peer(peers, higher_is_better)
    if best is None:
        return None
    return ratio_line(label, name, best, mine, peers[best], higher_is_better)


HEADER = [row(["row", "sloop", "best peer", "pairs", "ratio (median)", "interval",
               "coverage", "verdict"]),
          "|---|---|---|---:|---:|---|---:|---|"]


def dispatch_goal(raw):
    reps = dispatch_reps(read_results(raw))
    if not reps:
        return None
    lines = list(HEADER)
    for n in (100, 1000, 10000):
        for a in (1, 100):
            for measure, idx in (("rearm", 0), ("dispatch", 1)):
                peers = {p: [r[idx] for r in reps.get((p, n, a), [])] for p in PEERS}
                names = ["sloop-epoll", "sloop-epoll-et"]
                names += ["sloop-epoll/modify"] if measure == "rearm" else []
                for name in names:
                    mine = [r[idx] for r in reps.get((name, n, a), [])]
                    line = compare(name, mine, peers, False,
                                   "N=%d A=%d %s" % (n, a, measure))
                    if line:
                        lines.append(line)
            line = ratio_line("N=%d A=%d dispatch (control)" % (n, a), "sloop-epoll-et",
                              "sloop-epoll (same code)",
                              [r[1] for r in reps.get(("sloop-epoll-et", n, a), [])],
                              [r[1] for r in reps.get(("sloop-epoll", n, a), [])], False)
            if line:
                lines.append(line)
    return "\n".join(lines)


def echo_goal(raw):
    reps = echo_reps(read_results(raw))
    if not reps:
        return None
    lines = list(HEADER)
    for c in (10, 100, 1000):
        for measure, higher in (("mps", True), ("p50", False), ("p99", False), ("cpu", False)):
            peers = {p: [r[measure] for r in reps.get((p, c), []) if measure in r]
                     for p in PEERS}
            for name in ("sloop-epoll", "sloop-epoll-et"):
                mine = [r[measure] for r in reps.get((name, c), []) if measure in r]
                line = compare(name, mine, peers, higher, "C=%d %s" % (c, measure))
                if line:
                    lines.append(line)
    return "\n".join(lines)


def goal_report(out):
    parts = []
    d = dispatch_goal(os.path.join(out, "dispatch-raw.txt"))
    if d:
        parts += ["### Goal check, dispatch: paired ratio to the best peer per repetition "
                  "(time: below 1 = faster)", "", d, ""]
    e = echo_goal(os.path.join(out, "echo-raw.txt"))
    if e:
        parts += ["### Goal check, echo: paired ratio to the best peer per repetition "
                  "(mps: above 1 = more messages/s; p50, p99, cpu: below 1 = less)", "", e, ""]
    return "\n".join(parts)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    text = goal_report(out)
    if not text:
        print("paired.py: no dispatch-raw.txt or echo-raw.txt with results in %s" % out,
              file=sys.stderr)
        return 1
    print(text)
    with open(os.path.join(out, "report-goal.md"), "w") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
