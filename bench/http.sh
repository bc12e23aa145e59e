#!/usr/bin/env bash
# bench/http.sh - make bench-http: wrk against examples/http_hello (GET /, keep-alive)
# at 10, 100 and 1000 connections; requests/s and latency p50/p99 (wrk --latency)
# as a Markdown table, then the server's /stats counters after the runs.
#
# Usage: bench/http.sh BIN [SECONDS]   (BIN: http_hello built with >= 1024 connections)
# Results: build/bench/http.md (table) and build/bench/http-stats.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
secs=${2:-10}
out_dir=build/bench
mkdir -p "$out_dir"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$work"' EXIT

# 1000 connections need ~1000 descriptors in the server and in wrk.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt 2100 ]; then
  echo "bench-http: ulimit -n is $(ulimit -n); 1000 connections need about 2100"; exit 1
fi

"$bin" --port 0 --idle-ms 30000 --head-timeout-ms 10000 >"$work/server.out" 2>&1 &
pid=$!
for _ in $(seq 1 50); do grep -q "^listening on" "$work/server.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/server.out")
[ -n "$port" ] || { cat "$work/server.out"; echo "bench-http: server did not start"; exit 1; }
url="http://127.0.0.1:$port/"
head -n 2 "$work/server.out"
echo "bench-http: wrk -t2 --latency, ${secs} s per row, GET $url (keep-alive), $(nproc) cores"

table="$out_dir/http.md"
{
  echo "| connections | requests/s | p50 latency | p99 latency | requests | socket errors | non-2xx |"
  echo "|---:|---:|---:|---:|---:|---|---:|"
} >"$table"
for c in 10 100 1000; do
  wrk -t2 -c"$c" -d"${secs}s" --timeout 10s --latency "$url" >"$work/wrk$c.out" 2>&1
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk$c.out")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk$c.out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk$c.out")
  reqs=$(awk '/requests in/ {print $1}' "$work/wrk$c.out")
  serr=$(sed -n 's/^ *Socket errors: //p' "$work/wrk$c.out")
  non2=$(sed -n 's/^ *Non-2xx or 3xx responses: //p' "$work/wrk$c.out")
  echo "| $c | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${reqs:-?} | ${serr:-none} | ${non2:-0} |" >>"$table"
done
cat "$table"

curl -sS --max-time 10 "$url"stats >"$out_dir/http-stats.json"
echo "bench-http: server counters after the runs (also in $out_dir/http-stats.json):"
python3 - "$out_dir/http-stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
for group in ("loop", "closes", "sys_errors", "http"):
    items = ", ".join("%s=%s" % (k, v) for k, v in s[group].items() if v)
    print("  %-10s %s" % (group + ":", items or "(all zero)"))
EOF
kill -TERM "$pid"
wait "$pid" || true
pid=""
