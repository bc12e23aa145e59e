#!/usr/bin/env bash
# tests/windows/run.sh - the body of `make check-windows` (after the builds):
#   1. every unit test, test_wsapoll, the fault suites (test_sim,
#      test_sim_faults over the simulation, test_real_faults over real sockets)
#      and the loopback integration tests (tests/loop), built with MinGW, under
#      Wine;
#   2. the echo example across the Wine boundary, both ways, over 127.0.0.1:
#      the Windows echo_server under Wine driven by the Linux echo_load, and the
#      Windows echo_load under Wine against the Linux echo_server. echo_load
#      exits 0 only if every echo came back byte for byte.
# Each runner prints "<suite>: N passed, N failed"; the exit status is 0 only if
# nothing failed.
#
# Wine runs headless (no DISPLAY, WINEDEBUG=-all) in its own prefix under
# build/wine, never ~/.wine. Wine jobs run one at a time: a lock serialises
# concurrent invocations, every run is bounded by `timeout`, background
# processes are killed by PID, and the wineserver is stopped at the end.
set -u
cd "$(dirname "$0")/../.."

WIN_B=${WIN_B:-build/win}
WIN_ITEST_B=${WIN_ITEST_B:-build/win/itest}
WIN_APP_B=${WIN_APP_B:-build/win/app}
APP_B=${APP_B:-build/app}
WINE=${WINE:-wine}
WINESERVER=${WINESERVER:-wineserver}

mkdir -p build/wine
export WINEPREFIX="$PWD/build/wine/prefix"
export WINEDEBUG=-all
export WINEARCH=win64
export WINEDLLOVERRIDES="mscoree=;mshtml=" # no Mono or Gecko install prompts
unset DISPLAY WAYLAND_DISPLAY

command -v "$WINE" >/dev/null || { echo "check-windows: $WINE not found (ci/install-deps)"; exit 1; }

exec 9>build/wine/lock
if ! flock -w 900 9; then
  echo "check-windows: another Wine run holds build/wine/lock"; exit 1
fi

t_start=$(date +%s)
status=0
server_pid=""
tmp=build/wine/run.$$ # not /tmp: other jobs on this machine clean it
rm -rf "$tmp" && mkdir -p "$tmp"
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
  "$WINESERVER" -k 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "check-windows: creating the Wine prefix $WINEPREFIX (once)"
  timeout 300 "$WINE" wineboot -i </dev/null >build/wine/boot.log 2>&1 9>&- ||
    { echo "check-windows: wineboot failed, see build/wine/boot.log"; exit 1; }
fi
# Every Windows socket is a Linux socket held by the wineserver (and cached by
# the Wine process): the 1000-connection loopback test needs over 2000, more
# than a default soft limit of 1024. Raise it to the hard limit, as `make itest`
# does, before the wineserver starts.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# A persistent wineserver and Wine's own services (winedevice.exe, started by
# the first program) outlive the programs that started them and keep the
# descriptors they inherited: start them here with nothing of ours open, and
# never give a Wine program a pipe (a reader would wait for them forever) or
# the lock (9>&-).
"$WINESERVER" -p 30 </dev/null >/dev/null 2>&1 9>&-
timeout -s KILL 120 "$WINE" cmd /c exit </dev/null >build/wine/warmup.log 2>&1 9>&-

# ---- 1. Tests -------------------------------------------------------------------
run_exe() { # run_exe SECONDS EXE [ARGS]: output (CR stripped) on stdout, status kept
  local secs=$1 rc; shift
  timeout -s KILL "$secs" "$WINE" "$@" </dev/null >"$tmp/exe_out" 2>&1 9>&-
  rc=$?
  tr -d '\r' <"$tmp/exe_out"
  return $rc
}

# The harness prints failures and one summary line; a run without one (a crash,
# a timeout) fails.
for t in "$WIN_B"/tests/test_*.exe "$WIN_ITEST_B"/tests/loop/test_*.exe; do
  rc=0
  t0=$(date +%s)
  run_exe 300 "$t" >"$tmp/out" || rc=1
  if [ ! -s "$tmp/out" ] ||
     ! grep -qv -e '^wine client error' -e '^$' "$tmp/out"; then
    # Wine failed to start or keep the program before the harness said a word:
    # no output at all (seen once under heavy load), or only Wine's own "wine
    # client error: ... recvmsg: Connection reset by peer" (its connection to the
    # wineserver lost; seen once, test_echo at 0 s, 5 of 5 runs fine after). One
    # retry, said aloud; a test whose harness printed anything is judged as it ran.
    echo "$(basename "$t" .exe): Wine failed before the test ran ($(head -c 120 "$tmp/out" | tr '\n' ' ')); retrying once"
    rc=0
    run_exe 300 "$t" >"$tmp/out" || rc=1
  fi
  [ "$rc" -eq 0 ] || status=1
  cat "$tmp/out"
  grep -qE '[0-9]+ passed, [0-9]+ failed' "$tmp/out" ||
    { echo "$(basename "$t" .exe): no summary (crashed or timed out)"; status=1; }
  echo "  ($(basename "$t" .exe): $(( $(date +%s) - t0 ))s)"
done

# The Windows libraries keep the no-allocation promise too.
ci/check-no-alloc "$WIN_B/libsloop.a" "$WIN_APP_B/libsloop.a" || status=1

# ---- 2. Echo across the Wine boundary ------------------------------------------------
LOAD_ARGS=(--conns 100 --msgs 50 --size 512 --depth 4 --timeout-ms 60000)
echo_pass=0
echo_fail=0

wait_port() { # wait_port FILE SECONDS: prints the port the server announced
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    port=$(tr -d '\r' <"$1" | sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p')
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  return 1
}

stop_server() { # stop_server SIGNAL LOGFILE: graceful stop within 20 s, else kill
  local i child
  # Signal the server itself, not `timeout`: timeout would pass the signal on
  # twice (to the program and to its process group), and the C runtime's
  # signal() resets the handler after the first (System V semantics in glibc
  # under _POSIX_C_SOURCE, and in Microsoft's CRT), so the second one kills.
  child=$(pgrep -P "$server_pid" | head -n 1)
  kill -"$1" "${child:-$server_pid}" 2>/dev/null
  for ((i = 0; i < 200; i++)); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "  server did not stop on SIG$1: killed"
    kill -9 "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null
  rc=$?
  server_pid=""
  tr -d '\r' <"$2" | grep -q "echo_server: clean exit" && return 0
  echo "  server exit status $rc; its last lines:"
  tr -d '\r' <"$2" | tail -n 5 | sed 's/^/    /'
  return 1
}

# a) Windows server under Wine, Linux load client. SIGINT reaches the Windows
#    program as a console Ctrl-C (Wine), which the C runtime's signal() sees.
timeout -s KILL 180 "$WINE" "$WIN_APP_B/examples/echo_server.exe" --port 0 --backend wsapoll \
  </dev/null >"$tmp/srv_a" 2>&1 9>&- &
server_pid=$!
ok=1
if port=$(wait_port "$tmp/srv_a" 30); then
  timeout 120 "$APP_B/examples/echo_load" --port "$port" "${LOAD_ARGS[@]}" || ok=0
else
  echo "  wine echo_server did not start:"; tr -d '\r' <"$tmp/srv_a" | tail -n 5; ok=0
fi
stop_server INT "$tmp/srv_a" || { echo "  wine echo_server: no clean exit"; ok=0; }
tr -d '\r' <"$tmp/srv_a" | grep -E '^(backend|counters|closes)'
if [ $ok = 1 ]; then echo "windows-echo: Linux echo_load -> Wine echo_server: ok"; echo_pass=$((echo_pass + 1));
else echo "windows-echo: Linux echo_load -> Wine echo_server: FAILED"; echo_fail=$((echo_fail + 1)); fi

# b) Linux server, Windows load client under Wine.
timeout -s KILL 180 "$APP_B/examples/echo_server" --port 0 </dev/null >"$tmp/srv_b" 2>&1 &
server_pid=$!
ok=1
if port=$(wait_port "$tmp/srv_b" 10); then
  run_exe 120 "$WIN_APP_B/examples/echo_load.exe" --port "$port" --backend wsapoll \
    "${LOAD_ARGS[@]}" || ok=0
else
  echo "  linux echo_server did not start"; ok=0
fi
stop_server TERM "$tmp/srv_b" || { echo "  linux echo_server: no clean exit"; ok=0; }
if [ $ok = 1 ]; then echo "windows-echo: Wine echo_load -> Linux echo_server: ok"; echo_pass=$((echo_pass + 1));
else echo "windows-echo: Wine echo_load -> Linux echo_server: FAILED"; echo_fail=$((echo_fail + 1)); fi

echo "windows-echo: $echo_pass passed, $echo_fail failed"
[ "$echo_fail" -eq 0 ] || status=1
echo "check-windows: $(( $(date +%s) - t_start ))s under Wine, status $status"
exit $status
