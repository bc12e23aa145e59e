#!/usr/bin/env python3
"""bench/run.py - runs sloop's comparison benchmarks and prints the tables.

    python3 bench/run.py --bin build/bench/bin --out build/bench [--full]
                         [--suite all|dispatch|echo|profile]

Suites (docs/benchmarks.md explains the method):
  dispatch  the libevent bench.c method: rearm and dispatch times for
            N = 100, 1000, 10000 watchers, A = 1 and 100 active chains, W = 1000
            writes; overhead per event = (dispatch - floor) / W.
  echo      TCP loopback ping-pong against a framed echo server on each library,
            C = 10, 100, 1000 connections; messages/s, p50 and p99 latency.
  profile   user-space instructions (callgrind) and system calls (strace) per
            event, for dispatch (N = 1000) and echo (C = 100): stable under load.

Noise control: libraries are run round-robin within each repetition (the order
rotates every repetition), so that load from other processes hits all alike;
every number reported is a median over repetitions. The 1-minute load average
is recorded before every repetition and printed with the tables. After the
tables, bench/paired.py's goal check compares sloop with the best peer in pairs
(the runs of one repetition), with a confidence interval and a verdict per row.

Every child is bounded by a timeout; a failed run is reported and makes the
exit status 1, but the other results are still printed.
"""
import argparse
import datetime
import os
import re
import selectors
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paired  # noqa: E402  (bench/paired.py: the goal check)
from paired import PEERS, parse_kv  # noqa: E402  (one definition for both)

# name -> (program, extra arguments)
DISPATCH_PROGS = [
    ("floor", "dispatch_floor", []),
    ("sloop-poll", "dispatch_sloop", ["--backend", "poll"]),
    ("sloop-epoll", "dispatch_sloop", ["--backend", "epoll"]),
    ("sloop-epoll-et", "dispatch_sloop", ["--backend", "epoll-et"]),
    ("sloop-epoll/modify", "dispatch_sloop", ["--backend", "epoll", "--variant", "modify"]),
    ("libev", "dispatch_libev", []),
    ("libevent", "dispatch_libevent", []),
    ("libuv", "dispatch_libuv", []),
]
ECHO_SERVERS = [
    ("sloop-epoll", "echo_sloop", ["--backend", "epoll"]),
    ("sloop-epoll-et", "echo_sloop", ["--backend", "epoll-et"]),
    ("libev", "echo_libev", []),
    ("libevent", "echo_libevent", []),
    ("libuv", "echo_libuv", []),
]
ECHO_SERVERS_FULL_ONLY = [("sloop-poll", "echo_sloop", ["--backend", "poll"])]

failures = []
load_log = []


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return float("nan")


def note_load(label):
    load_log.append((label, loadavg()))


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout after %ss" % timeout
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[-300:])
    return p.stdout, p.stderr


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def rotate(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def fmt(x, digits=1):
    if x != x:  # NaN
        return "-"
    return ("%%.%df" % digits) % x


# ---- dispatch -------------------------------------------------------------------

def dispatch_suite(args, out):
    ns = (100, 1000, 10000)
    actives = (1, 100)
    writes = 1000
    reps, iters = (11, 5) if args.full else (3, 3)
    samples = {}  # (name, n, a) -> {"rearm": [...], "dispatch": [...]}
    progs = list(DISPATCH_PROGS)
    print("dispatch: N=%s A=%s W=%d, %d repetitions x %d measured iterations, round-robin"
          % (ns, actives, writes, reps, iters), flush=True)
    if not args.full:
        print("  (quick: sloop-poll skipped at N=10000, where one dispatch takes seconds: O(N)"
              " per wait)", flush=True)
    for rep in range(reps):
        note_load("dispatch rep %d" % (rep + 1))
        for n in ns:
            for a in actives:
                for name, prog, extra in rotate(progs, rep):
                    k = iters
                    if name == "sloop-poll" and n >= 10000:
                        if not args.full:
                            continue
                        k = 1  # poll scans all N descriptors per wait: ~3 s per dispatch
                    cmd = [os.path.join(args.bin, prog), "--n", str(n), "--active", str(a),
                           "--writes", str(writes), "--iters", str(k)] + extra
                    stdout, err = run(cmd, 120)
                    if stdout is None:
                        failures.append("dispatch %s n=%d a=%d: %s" % (name, n, a, err))
                        continue
                    s = samples.setdefault((name, n, a), {"rearm": [], "dispatch": []})
                    for line in stdout.splitlines():
                        if line.startswith("result "):
                            kv = parse_kv(line)
                            s["rearm"].append(int(kv["rearm_ns"]) / 1000.0)
                            s["dispatch"].append(int(kv["dispatch_ns"]) / 1000.0)
                    with open(os.path.join(out, "dispatch-raw.txt"), "a") as f:
                        f.write(stdout)
        print("  repetition %d/%d done (load %.2f)" % (rep + 1, reps, loadavg()), flush=True)

    lines = ["| N | A | library | rearm µs | rearm vs best peer | dispatch µs |"
             " dispatch vs best peer | overhead ns/event | overhead vs best peer |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for n in ns:
        for a in actives:
            med = {}
            for name, _, _ in progs:
                s = samples.get((name, n, a))
                if s:
                    med[name] = (median(s["rearm"]), median(s["dispatch"]))
            floor = med.get("floor", (0.0, float("nan")))[1]
            over = {k: (v[1] - floor) * 1000.0 / writes for k, v in med.items()}
            best_rearm = min((med[p][0] for p in PEERS if p in med), default=float("nan"))
            best_disp = min((med[p][1] for p in PEERS if p in med), default=float("nan"))
            best_over = min((over[p] for p in PEERS if p in over), default=float("nan"))
            for name, _, _ in progs:
                if name not in med:
                    continue
                r, d = med[name]
                if name == "floor":
                    lines.append("| %d | %d | floor (no polling) | - | - | %s | - | 0 | - |"
                                 % (n, a, fmt(d)))
                    continue
                lines.append("| %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                    n, a, name, fmt(r), fmt(r / best_rearm, 2), fmt(d), fmt(d / best_disp, 2),
                    fmt(over[name], 0),
                    fmt(over[name] / best_over, 2) if (best_over > 0 and over[name] > 0) else "-"))
    return "\n".join(lines)


# ---- echo -------------------------------------------------------------------------

def start_server(path, extra):
    p = subprocess.Popen([path, "--port", "0"] + extra, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    deadline = time.time() + 10
    while time.time() < deadline:
        if sel.select(timeout=0.5):
            line = p.stdout.readline()
            m = re.match(r"port (\d+)", line or "")
            if m:
                return p, int(m.group(1))
            if not line:
                break
    stop_server(p)
    return None, 0


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (from /proc; None if gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def stop_server(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def echo_suite(args, out):
    conns = (10, 100, 1000)
    reps, warm, dur = (5, 500, 3000) if args.full else (2, 200, 600)
    servers = list(ECHO_SERVERS) + (ECHO_SERVERS_FULL_ONLY if args.full else [])
    samples = {}
    print("echo: C=%s, 64-byte messages, depth 1, %d repetitions x %d ms (+%d ms warm-up),"
          " round-robin" % (conns, reps, dur, warm), flush=True)
    for rep in range(reps):
        note_load("echo rep %d" % (rep + 1))
        for c in conns:
            for name, prog, extra in rotate(servers, rep):
                srv, port = start_server(os.path.join(args.bin, prog), extra)
                if srv is None:
                    failures.append("echo %s: server did not start" % name)
                    continue
                cmd = [os.path.join(args.bin, "echo_client"), "--port", str(port), "--conns",
                       str(c), "--warmup-ms", str(warm), "--duration-ms", str(dur),
                       "--name", name]
                stdout, err = run(cmd, 60 + (warm + dur) / 1000)
                cpu = cpu_seconds(srv.pid)
                stop_server(srv)
                if stdout is None:
                    failures.append("echo %s c=%d: %s" % (name, c, err))
                    continue
                raw = []  # the client's lines, each result with the server's CPU per message
                for line in stdout.splitlines():
                    if line.startswith("result "):
                        kv = parse_kv(line)
                        s = samples.setdefault((name, c), {"mps": [], "p50": [], "p99": [],
                                                           "cpu": []})
                        if cpu is not None and int(kv.get("total", "0")) > 0:
                            cpu_per_msg = cpu * 1e6 / int(kv["total"])
                            s["cpu"].append(cpu_per_msg)
                            line += " server_cpu_us_per_msg=%.3f" % cpu_per_msg
                        s["mps"].append(float(kv["msgs_per_s"]))
                        s["p50"].append(float(kv["p50_us"]))
                        s["p99"].append(float(kv["p99_us"]))
                    raw.append(line)
                with open(os.path.join(out, "echo-raw.txt"), "a") as f:
                    f.write("\n".join(raw) + "\n")
        print("  repetition %d/%d done (load %.2f)" % (rep + 1, reps, loadavg()), flush=True)

    lines = ["| C | server | msgs/s | vs best peer | p50 µs | vs best peer | p99 µs |"
             " vs best peer | server CPU µs/msg | vs best peer |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in conns:
        med = {name: {k: median(v) for k, v in samples[(name, c)].items()}
               for name, _, _ in servers if (name, c) in samples}
        best = {
            "mps": max((med[p]["mps"] for p in PEERS if p in med), default=float("nan")),
            "p50": min((med[p]["p50"] for p in PEERS if p in med), default=float("nan")),
            "p99": min((med[p]["p99"] for p in PEERS if p in med), default=float("nan")),
            "cpu": min((med[p]["cpu"] for p in PEERS if p in med), default=float("nan")),
        }
        for name, _, _ in servers:
            if name not in med:
                continue
            m = med[name]
            lines.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                c, name, fmt(m["mps"], 0), fmt(m["mps"] / best["mps"], 2), fmt(m["p50"]),
                fmt(m["p50"] / best["p50"], 2), fmt(m["p99"]), fmt(m["p99"] / best["p99"], 2),
                fmt(m["cpu"], 2), fmt(m["cpu"] / best["cpu"], 2)))
    return "\n".join(lines)


# ---- profile: instructions and system calls per event ---------------------------

def callgrind_ir(cmd, toggle=None, timeout=300):
    outf = "/tmp/sloop-bench-cg.%d" % os.getpid()
    vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + outf]
    if toggle:
        vg += ["--collect-atstart=no", "--toggle-collect=" + toggle]
    stdout, err = run(vg + cmd, timeout)
    if stdout is None:
        return None, err
    m = re.search(r"Collected : (\d+)", err)
    try:
        os.unlink(outf)
    except OSError:
        pass
    return (int(m.group(1)) if m else None), err


def strace_phase_counts(cmd, timeout=120):
    """System calls between the close(-101)/close(-102) (rearm) and
    close(-103)/close(-104) (dispatch) markers of dispatch_main.c."""
    logf = "/tmp/sloop-bench-st.%d" % os.getpid()
    stdout, err = run(["strace", "-o", logf] + cmd, timeout)
    if stdout is None:
        return None
    counts = {"rearm": {}, "dispatch": {}}
    phase = None
    with open(logf) as f:
        for line in f:
            if "close(-101)" in line:
                phase = "rearm"
                continue
            if "close(-103)" in line:
                phase = "dispatch"
                continue
            if "close(-102)" in line or "close(-104)" in line:
                phase = None
                continue
            if phase:
                name = line.split("(", 1)[0].strip()
                counts[phase][name] = counts[phase].get(name, 0) + 1
    os.unlink(logf)
    return counts


def strace_counts(cmd_server, run_client, timeout=120):
    logf = "/tmp/sloop-bench-stc.%d" % os.getpid()
    p = subprocess.Popen(["strace", "-f", "-c", "-o", logf] + cmd_server + ["--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.match(r"port (\d+)", line or "")
    ok = m and run_client(int(m.group(1)))
    # strace writes its summary only when the traced server exits: end the
    # server (strace's child), then strace.
    try:
        with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        kids = []
    for k in kids:
        try:
            os.kill(k, signal.SIGTERM)
        except OSError:
            pass
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except OSError:
                pass
        p.kill()
        p.wait()
    if not ok:
        return None
    counts = {}
    with open(logf) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                calls = parts[3]
                if calls.isdigit():
                    counts[parts[-1]] = int(calls)
    os.unlink(logf)
    return counts


def profile_suite(args, out):
    res = []
    n, w = 1000, 1000
    res.append("Dispatch, N = %d, W = %d: user-space instructions (callgrind Ir) and system calls"
               " per event; (lib - floor) / W for dispatch, per watcher for rearm." % (n, w))
    res.append("")
    res.append("| A | library | dispatch Ir/event | overhead Ir/event | rearm Ir/watcher |"
               " dispatch syscalls/event | rearm syscalls/watcher |")
    res.append("|---:|---|---:|---:|---:|---|---|")
    for a in (1, 100):
        floor_ir = None
        for name, prog, extra in DISPATCH_PROGS:
            cmd = [os.path.join(args.bin, prog), "--n", str(n), "--active", str(a), "--writes",
                   str(w), "--iters", "1"] + extra
            d_ir, err = callgrind_ir(cmd, "bench_dispatch_measured")
            r_ir, err2 = callgrind_ir(cmd, "bench_rearm_measured")
            if d_ir is None or r_ir is None:
                failures.append("profile %s: %s" % (name, err if d_ir is None else err2))
                continue
            if name == "floor":
                floor_ir = d_ir
            sc = strace_phase_counts(cmd)
            if sc is None:
                failures.append("profile strace %s" % name)
                sc = {"rearm": {}, "dispatch": {}}

            def per(d, div):
                return ", ".join("%s %.2f" % (k, v / div) for k, v in sorted(d.items())) or "-"
            over = (d_ir - floor_ir) / w if floor_ir is not None else float("nan")
            res.append("| %d | %s | %.0f | %s | %.0f | %s | %s |" % (
                a, name, d_ir / w, fmt(over, 0) if name != "floor" else "0", r_ir / n,
                per(sc["dispatch"], w), per(sc["rearm"], n)))
        print("  profile dispatch A=%d done" % a, flush=True)

    c, m1, m2 = 100, 20, 120
    res.append("")
    res.append("Echo server, C = %d connections: per message, from two runs of %d and %d round"
               " trips per connection (the difference removes start-up and accepts)." % (c, m1, m2))
    res.append("")
    res.append("| server | Ir/message | system calls/message |")
    res.append("|---|---:|---|")
    for name, prog, extra in ECHO_SERVERS:
        irs = []
        scs = []
        for msgs in (m1, m2):
            outf = "/tmp/sloop-bench-cgs.%d" % os.getpid()
            srv = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + outf,
                                    os.path.join(args.bin, prog), "--port", "0"] + extra,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            line = srv.stdout.readline()
            mm = re.match(r"port (\d+)", line or "")
            ok = False
            if mm:
                stdout, err = run([os.path.join(args.bin, "echo_client"), "--port", mm.group(1),
                                   "--conns", str(c), "--msgs", str(msgs), "--name", name], 300)
                ok = stdout is not None
            srv.send_signal(signal.SIGTERM)
            _, serr = srv.communicate(timeout=60)
            mi = re.search(r"Collected : (\d+)", serr)
            if ok and mi:
                irs.append(int(mi.group(1)))
            try:
                os.unlink(outf)
            except OSError:
                pass

            def client(port, msgs=msgs):
                so, _ = run([os.path.join(args.bin, "echo_client"), "--port", str(port),
                             "--conns", str(c), "--msgs", str(msgs), "--name", name], 300)
                return so is not None
            sc = strace_counts([os.path.join(args.bin, prog)] + extra, client)
            if sc is not None:
                scs.append(sc)
        if len(irs) != 2 or len(scs) != 2:
            failures.append("profile echo %s" % name)
            continue
        dm = c * (m2 - m1)
        keys = sorted(set(scs[0]) | set(scs[1]))
        sys_per = ", ".join("%s %.2f" % (k, (scs[1].get(k, 0) - scs[0].get(k, 0)) / dm)
                            for k in keys if abs(scs[1].get(k, 0) - scs[0].get(k, 0)) / dm >= 0.01)
        res.append("| %s | %.0f | %s |" % (name, (irs[1] - irs[0]) / dm, sys_per))
        print("  profile echo %s done" % name, flush=True)
    return "\n".join(res)


# ---- main ---------------------------------------------------------------------------

def machine_header(args):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    vers = []
    for pkg in ("libev-dev", "libevent-dev", "libuv1-dev"):
        try:
            v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True).stdout.strip()
        except OSError:
            v = "?"
        vers.append("%s %s" % (pkg, v or "?"))
    return ("date %s; nproc %d; CPU %s; %s; mode %s" % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), os.cpu_count() or 0, cpu,
        ", ".join(vers), "full" if args.full else "quick"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bench/bin")
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--suite", default="all", choices=("all", "dispatch", "echo", "profile"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for f in ("dispatch-raw.txt", "echo-raw.txt"):
        try:
            os.unlink(os.path.join(args.out, f))
        except OSError:
            pass
    t0 = time.time()
    head = machine_header(args)
    print(head, flush=True)
    sections = []
    if args.suite in ("all", "dispatch"):
        sections.append(("Dispatch (libevent bench.c method), medians", dispatch_suite(args, args.out)))
    if args.suite in ("all", "echo"):
        sections.append(("Echo (TCP loopback ping-pong), medians", echo_suite(args, args.out)))
    if args.suite in ("all", "dispatch", "echo"):
        goal = paired.goal_report(args.out)
        if goal:
            sections.append((None, goal))
    if args.suite == "profile":
        sections.append(("Per-event cost (instruction counts are stable under load)",
                         profile_suite(args, args.out)))
    loads = [l for _, l in load_log]
    report = [head, "", "1-minute load average before each repetition: %s (min %s, max %s);"
              " elapsed %.0f s" % (" ".join("%.2f" % l for l in loads), fmt(min(loads), 2)
                                   if loads else "-", fmt(max(loads), 2) if loads else "-",
                                   time.time() - t0), ""]
    for title, table in sections:
        report += (["### " + title, ""] if title else []) + [table, ""]
    if failures:
        report += ["FAILED runs:"] + ["  " + f for f in failures]
    text = "\n".join(report)
    print()
    print(text)
    with open(os.path.join(args.out, "report-%s.md" % args.suite), "w") as f:
        f.write(text + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
