#!/usr/bin/env bash
# tests/http/run.sh - examples/http_hello against clients nobody here wrote:
# curl (keep-alive reuse, --next, Connection: close, POST bodies, HEAD, 404), raw bytes
# from tests/http/raw.py (400, 431, 408, idle timeout, true pipelining), and wrk
# (10 and 100 connections: zero socket errors, zero non-2xx responses). Ends
# with the server's clean exit on SIGTERM. Prints "ok NAME" / "FAIL NAME" per
# test and "http: N passed, N failed" last; exit status 0 only if none failed.
#
# Usage: tests/http/run.sh [BIN]   (BIN: the http_hello binary,
#                                   default build/app/examples/http_hello)
set -u
cd "$(dirname "$0")/../.."
bin=${1:-build/app/examples/http_hello}
idle_ms=1000      # keep-alive idle timeout under test
head_ms=500       # slow-peer (408) timeout under test
wrk_secs=${WRK_SECS:-3}
work=$(mktemp -d)
pass=0
fail=0
pid=""

cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

ok()   { echo "ok $1"; pass=$((pass + 1)); }
bad()  { echo "FAIL $1: $2"; fail=$((fail + 1)); }
# t NAME COMMAND...: the command's status decides.
t() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n" "see above"; fi; }

for tool in curl wrk python3; do
  command -v "$tool" >/dev/null || { echo "FAIL setup: $tool missing (run ci/install-deps)"; echo "http: 0 passed, 1 failed"; exit 1; }
done
[ -x "$bin" ] || { echo "FAIL setup: $bin not built (make examples)"; echo "http: 0 passed, 1 failed"; exit 1; }

# Port 0: the server binds a free port and prints it; no race with other users.
"$bin" --port 0 --idle-ms "$idle_ms" --head-timeout-ms "$head_ms" >"$work/server.out" 2>&1 &
pid=$!
for _ in $(seq 1 50); do grep -q "^listening on" "$work/server.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/server.out")
if [ -z "$port" ]; then
  cat "$work/server.out"; echo "FAIL setup: server did not start"; echo "http: 0 passed, 1 failed"; exit 1
fi
url="http://127.0.0.1:$port"
C=(curl -sS --max-time 10)
hello="Hello from sloop!"

# ---- curl --------------------------------------------------------------------------
curl_get_root() { [ "$("${C[@]}" "$url/")" = "$hello" ]; }

# Two URLs in one invocation: the second request reuses the first connection.
curl_keepalive_reuse() {
  "${C[@]}" -v "$url/" "$url/stats" >"$work/ka.out" 2>"$work/ka.err" || return 1
  grep -q "Re-using existing connection" "$work/ka.err" &&
    [ "$(grep -c '^< HTTP/1.1 200 OK' "$work/ka.err")" -eq 2 ] &&
    grep -q "^$hello" "$work/ka.out" && grep -q '"accepts"' "$work/ka.out" ||
    { cat "$work/ka.err"; return 1; }
}

# Sequential requests with --next on one connection (curl does not pipeline).
curl_next_sequential() {
  "${C[@]}" -v "$url/" --next -sS "$url/stats" --next -sS -I "$url/" \
    >"$work/next.out" 2>"$work/next.err" || return 1
  [ "$(grep -c 'Re-using existing connection' "$work/next.err")" -eq 2 ] &&
    [ "$(grep -c '^< HTTP/1.1 200 OK' "$work/next.err")" -ge 1 ] &&
    [ "$(grep -c 'HTTP/1.1 200 OK' "$work/next.out" "$work/next.err" | awk -F: '{s+=$2} END {print s}')" -ge 3 ] ||
    { cat "$work/next.err"; return 1; }
}

curl_connection_close() {
  "${C[@]}" -v -H "Connection: close" "$url/" "$url/" >"$work/cc.out" 2>"$work/cc.err" || return 1
  grep -q "^< Connection: close" "$work/cc.err" &&
    ! grep -q "Re-using existing connection" "$work/cc.err" &&
    [ "$(grep -c "^$hello" "$work/cc.out")" -eq 2 ] || { cat "$work/cc.err"; return 1; }
}

# Bodies (Content-Length, read with sloop_conn_expect): the reply names the byte
# count and FNV-1a of what arrived. 4096 bytes (the maximum) are sent with
# "Expect: 100-continue" (curl waits for the interim 100), then a GET reuses the
# connection; 4097 bytes get 413.
fnv1a() { python3 -c 'import sys
h = 2166136261
for b in open(sys.argv[1], "rb").read(): h = ((h ^ b) * 16777619) & 0xFFFFFFFF
print("%08x" % h)' "$1"; }
curl_post() {
  local code want
  [ "$("${C[@]}" -X POST -d '' "$url/")" = '{"bytes":0,"fnv1a":"811c9dc5"}' ] || return 1
  printf 'hello body' >"$work/small"
  head -c 4096 /dev/urandom >"$work/max"
  head -c 4097 /dev/urandom >"$work/over"
  want="{\"bytes\":10,\"fnv1a\":\"$(fnv1a "$work/small")\"}"
  [ "$("${C[@]}" --data-binary @"$work/small" "$url/")" = "$want" ] || { echo "small body"; return 1; }
  want="{\"bytes\":4096,\"fnv1a\":\"$(fnv1a "$work/max")\"}"
  "${C[@]}" -v -H "Expect: 100-continue" --data-binary @"$work/max" "$url/" \
    --next -sS -v "$url/" >"$work/post.out" 2>"$work/post.err" || return 1
  grep -q "^< HTTP/1.1 100 Continue" "$work/post.err" && grep -q "Re-using existing connection" "$work/post.err" &&
    [ "$(head -n 1 "$work/post.out")" = "$want" ] && grep -q "^$hello" "$work/post.out" ||
    { echo "4096-byte body"; cat "$work/post.err" "$work/post.out"; return 1; }
  # With Expect the body is not sent before the 413, so the close cannot race it
  # (a server closing with unread bytes makes the kernel send a reset).
  code=$("${C[@]}" -o /dev/null -w '%{http_code}' -H "Expect: 100-continue" \
    --data-binary @"$work/over" "$url/") || return 1
  [ "$code" = 413 ] || { echo "4097-byte body: $code"; return 1; }
}

curl_head() {
  "${C[@]}" -I "$url/" >"$work/head.out" || return 1
  grep -q "^HTTP/1.1 200 OK" "$work/head.out" && grep -qi "^Content-Length: 18" "$work/head.out"
}

curl_not_found() { [ "$("${C[@]}" -o /dev/null -w '%{http_code}' "$url/nope")" = 404 ]; }

t curl_get_root curl_get_root
t curl_keepalive_reuse curl_keepalive_reuse
t curl_next_sequential curl_next_sequential
t curl_connection_close curl_connection_close
t curl_post curl_post
t curl_head curl_head
t curl_not_found curl_not_found

# ---- raw bytes ----------------------------------------------------------------------
timeout 120 python3 tests/http/raw.py "$port" "$idle_ms" "$head_ms" >"$work/raw.out" 2>&1
cat "$work/raw.out"
pass=$((pass + $(grep -c '^ok ' "$work/raw.out")))
fail=$((fail + $(grep -c '^FAIL ' "$work/raw.out")))
if ! grep -qE '^(ok|FAIL) ' "$work/raw.out"; then bad raw "raw.py did not run"; fi

# ---- wrk ----------------------------------------------------------------------------
# wrk prints "Non-2xx or 3xx responses" and "Socket errors" only when nonzero.
wrk_clean() {
  local conns=$1 out="$work/wrk$1.out"
  timeout $((wrk_secs + 30)) wrk -t2 -c"$conns" -d"${wrk_secs}s" --timeout 5s "$url/" >"$out" 2>&1 ||
    { cat "$out"; return 1; }
  sed 's/^/    /' "$out" | grep -E "Requests/sec|requests in|Socket|Non-2xx"
  grep -q "requests in" "$out" && ! grep -q "Socket errors" "$out" && ! grep -q "Non-2xx" "$out" &&
    [ "$(awk '/requests in/ {print $1}' "$out")" -gt 0 ]
}
t wrk_10_connections wrk_clean 10
t wrk_100_connections wrk_clean 100

# The server's own view after all of it: nothing lost, nothing overflowed.
stats_consistent() {
  "${C[@]}" "$url/stats" >"$work/stats.json" || return 1
  python3 - "$work/stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
h, c = s["http"], s["closes"]
problems = []
if h["owed_overflow"] != 0: problems.append("owed_overflow %d" % h["owed_overflow"])
if h["final_lost"] != 0: problems.append("final_lost %d" % h["final_lost"])
if h["408_slow_peer"] < 1 or c["slow_peer"] < 1: problems.append("no 408 / slow_peer close")
if h["431_head_too_long"] < 1 or c["frame_too_long"] < 1: problems.append("no 431 / frame_too_long close")
if c["idle_timeout"] < 1: problems.append("no idle_timeout close")
if c["abort"] != 0 or c["linger_timeout"] != 0: problems.append("abort %d, linger_timeout %d" % (c["abort"], c["linger_timeout"]))
if h["500_internal"] != 0: problems.append("500_internal %d" % h["500_internal"])
print("    stats: requests %d, 2xx %d, 4xx %d, 5xx %d, pipelined_max %d, closes %s" % (
    h["requests"], h["2xx"], h["4xx"], h["5xx"], h["pipelined_max"],
    {k: v for k, v in c.items() if v}))
for p in problems: print("    " + p)
sys.exit(1 if problems else 0)
EOF
}
t stats_consistent stats_consistent

# ---- shutdown --------------------------------------------------------------------------
clean_exit() {
  local status=0
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  wait "$pid" || status=$?
  pid=""
  [ "$status" -eq 0 ] && grep -q "clean exit" "$work/server.out" || { tail -n 5 "$work/server.out"; return 1; }
}
t server_clean_exit_on_sigterm clean_exit

echo "http: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
