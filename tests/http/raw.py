#!/usr/bin/env python3
"""raw.py - byte-level HTTP tests of examples/http_hello (stdlib only).

Usage: raw.py PORT IDLE_MS HEAD_TIMEOUT_MS [case ...]

Each case opens its own socket(s), sends exact bytes and checks what comes back:
status lines, order, and whether and when the server closes. Prints
"ok <case>" or "FAIL <case>: why" per case; exit status 1 if any failed.
Every socket read has a timeout, so a server that hangs fails a case, never
the run.
"""
import json
import socket
import sys
import time

PORT = int(sys.argv[1])
IDLE_MS = int(sys.argv[2])
HEAD_MS = int(sys.argv[3])
WAIT = 5.0  # seconds any single read may take


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=WAIT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Buffered reader of responses on one socket."""

    def __init__(self, s):
        self.s = s
        self.buf = b""
        self.eof = False

    def fill(self, timeout=WAIT):
        self.s.settimeout(timeout)
        try:
            d = self.s.recv(65536)
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
        self.buf += d
        return d

    def response(self):
        """One response: (status, headers dict lower-case, body). Raises on EOF."""
        while b"\r\n\r\n" not in self.buf:
            check(not self.eof, "connection closed before a complete response head: %r" % self.buf[:200])
            self.fill()
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        check(len(parts) >= 2 and parts[0] == "HTTP/1.1", "bad status line %r" % lines[0])
        status = int(parts[1])
        headers = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        if status == 100:
            n = 0
        self.buf = rest
        while len(self.buf) < n:
            check(not self.eof, "connection closed inside a body")
            self.fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def closed_within(self, seconds):
        """True if the server closes (EOF or reset) within seconds with no more bytes."""
        end = time.monotonic() + seconds
        while not self.eof:
            left = end - time.monotonic()
            if left <= 0:
                return False
            try:
                d = self.fill(left)
            except socket.timeout:
                return False
            check(d == b"" or not d, "unexpected bytes after the last response: %r" % d[:100])
        return self.buf == b""


def req(path="/", method="GET", extra=""):
    return ("%s %s HTTP/1.1\r\nHost: t\r\n%s\r\n" % (method, path, extra)).encode()


# ---- cases ---------------------------------------------------------------------

def bad_head(raw, want=400):
    s = connect()
    r = Reader(s)
    s.sendall(raw)
    st, h, _ = r.response()
    check(st == want, "status %d, want %d" % (st, want))
    check(h.get("connection") == "close", "no Connection: close on %d" % st)
    check(r.closed_within(WAIT), "server did not close after %d" % st)
    s.close()


def case_400_garbage():
    bad_head(b"HELLO\r\n\r\n")


def case_400_missing_host():
    bad_head(b"GET / HTTP/1.1\r\n\r\n")


def case_400_two_hosts():
    bad_head(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")


def case_400_space_before_colon():
    bad_head(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n")


def case_400_obs_fold():
    bad_head(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  continued\r\n\r\n")


def case_400_bare_lf():
    bad_head(b"GET / HTTP/1.1\nHost: a\r\n\r\n")


def case_400_control_char_in_value():
    bad_head(b"GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n")


def case_400_conflicting_lengths():
    bad_head(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")


def case_400_length_and_chunked():
    bad_head(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")


def case_400_absolute_target():
    bad_head(b"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n")


def case_501_chunked():
    bad_head(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501)


def case_505_version():
    bad_head(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)


def case_431_head_too_long():
    s = connect()
    r = Reader(s)
    s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"x" * 5000)
    st, h, _ = r.response()
    check(st == 431, "status %d, want 431" % st)
    check(h.get("connection") == "close", "no Connection: close")
    check(r.closed_within(WAIT), "server did not close after 431")
    s.close()


def case_408_slow_head():
    s = connect()
    r = Reader(s)
    t0 = time.monotonic()
    s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")  # never finished
    st, h, _ = r.response()
    dt = time.monotonic() - t0
    check(st == 408, "status %d, want 408" % st)
    check(dt >= HEAD_MS / 1000.0 * 0.8, "408 after %.3f s, before the head timeout" % dt)
    check(h.get("connection") == "close", "no Connection: close")
    check(r.closed_within(WAIT), "server did not close after 408")
    s.close()


def case_idle_keepalive_timeout():
    s = connect()
    r = Reader(s)
    s.sendall(req("/"))
    st, h, body = r.response()
    check(st == 200 and body == b"Hello from sloop!\n", "first response %d %r" % (st, body))
    t0 = time.monotonic()
    check(r.closed_within(IDLE_MS / 1000.0 + WAIT), "idle connection not closed")
    dt = time.monotonic() - t0
    check(dt >= IDLE_MS / 1000.0 * 0.8, "closed after %.3f s, before the idle timeout" % dt)
    s.close()


def case_keepalive_survives_short_pauses():
    s = connect()
    r = Reader(s)
    for _ in range(3):
        s.sendall(req("/"))
        st, _, _ = r.response()
        check(st == 200, "status %d" % st)
        time.sleep(IDLE_MS / 1000.0 / 3)
    s.close()


def case_pipelining_two_in_one_write():
    s = connect()
    r = Reader(s)
    s.sendall(req("/") + req("/stats"))
    st1, h1, b1 = r.response()
    st2, h2, b2 = r.response()
    check(st1 == 200 and b1 == b"Hello from sloop!\n", "first: %d %r" % (st1, b1[:40]))
    check(st2 == 200 and h2.get("content-type") == "application/json", "second: %d %s" % (st2, h2))
    json.loads(b2)
    s.close()


def case_pipelining_deep_in_order():
    """300 requests in one write, more responses than the transmit buffer holds:
    every one comes back, in order (404 paths carry their number)."""
    n = 300
    s = connect()
    r = Reader(s)
    wire = b"".join(req("/" if i % 3 == 0 else "/n%d" % i, "HEAD" if i % 5 == 0 else "GET")
                    for i in range(n))
    s.sendall(wire)
    for i in range(n):
        st, h, body = r.response() if i % 5 != 0 else head_response(r)
        want = 200 if i % 3 == 0 else 404
        check(st == want, "response %d: status %d, want %d" % (i, st, want))
    s.sendall(req("/stats"))
    st, _, body = r.response()
    stats = json.loads(body)
    check(stats["http"]["pipelined_max"] > 1, "pipelined_max %d" % stats["http"]["pipelined_max"])
    check(stats["http"]["owed_overflow"] == 0, "owed_overflow")
    s.close()


def head_response(r):
    """A response to HEAD: headers announce a length, no body follows."""
    while b"\r\n\r\n" not in r.buf:
        check(not r.eof, "closed before a HEAD response")
        r.fill()
    head, r.buf = r.buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    return status, {}, b""


def case_pipelining_slow_reader():
    """A client that pipelines 2000 requests and reads nothing for a while: the
    server pauses reading instead of dropping or reordering responses."""
    n = 2000
    s = connect()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    r = Reader(s)
    wire = b"".join(req("/n%d" % i) for i in range(n))
    s.settimeout(0.2)
    sent = 0
    try:
        while sent < len(wire):
            sent += s.send(wire[sent:sent + 65536])
    except socket.timeout:
        pass  # the server stopped reading: backpressure
    time.sleep(0.3)
    s.settimeout(WAIT)
    s.sendall(wire[sent:])
    for i in range(n):
        st, _, body = r.response()
        check(st == 404, "response %d: status %d" % (i, st))
    s.close()


def case_connection_close_stops_the_pipeline():
    s = connect()
    r = Reader(s)
    s.sendall(req("/", extra="Connection: close\r\n") + req("/"))
    st, h, _ = r.response()
    check(st == 200 and h.get("connection") == "close", "first: %d %s" % (st, h))
    check(r.closed_within(WAIT), "not closed after Connection: close (or a second response)")
    s.close()


def case_http10_closes_by_default():
    s = connect()
    r = Reader(s)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    st, h, body = r.response()
    check(st == 200 and h.get("connection") == "close", "%d %s" % (st, h))
    check(r.closed_within(WAIT), "HTTP/1.0 connection not closed")
    s.close()


def case_http10_keepalive():
    s = connect()
    r = Reader(s)
    for _ in range(2):
        s.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        st, h, _ = r.response()
        check(st == 200 and h.get("connection") == "keep-alive", "%d %s" % (st, h))
    s.close()


def case_leading_empty_line_ignored():
    s = connect()
    r = Reader(s)
    s.sendall(b"\r\n" + req("/"))
    st, _, _ = r.response()
    check(st == 200, "status %d" % st)
    s.close()


def case_405_lists_allowed_methods():
    s = connect()
    r = Reader(s)
    s.sendall(req("/", "DELETE") + req("/stats", "POST"))
    st, h, _ = r.response()
    check(st == 405 and h.get("allow") == "GET, HEAD, POST", "%d %s" % (st, h))
    st, h, _ = r.response()
    check(st == 405 and h.get("allow") == "GET, HEAD", "%d %s" % (st, h))
    s.close()


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def post(body, extra=""):
    return req("/", "POST", "Content-Length: %d\r\n%s" % (len(body), extra)) + body


def check_posted(r, body):
    st, h, got = r.response()
    check(st == 200, "status %d" % st)
    want = {"bytes": len(body), "fnv1a": "%08x" % fnv1a(body)}
    check(json.loads(got) == want, "reply %r, want %r" % (got, want))


def case_body_pipelined_with_heads():
    """Head, body and the next requests in one write: the body is cut out by
    length, even when it contains CRLFCRLF, and the next head parses."""
    body = b"a\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
    s = connect()
    r = Reader(s)
    s.sendall(req("/") + post(body) + req("/stats"))
    st, _, _ = r.response()
    check(st == 200, "first %d" % st)
    check_posted(r, body)
    st, h, _ = r.response()
    check(st == 200 and h.get("content-type") == "application/json", "third %d" % st)
    s.close()


def case_body_byte_by_byte():
    body = bytes(range(256)) * 4
    s = connect()
    r = Reader(s)
    wire = post(body)
    for i in range(len(wire)):
        s.send(wire[i:i + 1])
        if i % 64 == 0:
            time.sleep(0.001)
    check_posted(r, body)
    s.close()


def case_body_expect_100_continue():
    body = b"x" * 4096
    s = connect()
    r = Reader(s)
    s.sendall(req("/", "POST", "Content-Length: 4096\r\nExpect: 100-continue\r\n"))
    st, _, _ = r.response()
    check(st == 100, "interim status %d, want 100" % st)
    s.sendall(body)
    check_posted(r, body)
    s.close()


def case_body_too_large_413():
    s = connect()
    r = Reader(s)
    s.sendall(req("/", "POST", "Content-Length: 4097\r\nExpect: 100-continue\r\n"))
    st, h, _ = r.response()
    check(st == 413 and h.get("connection") == "close", "%d %s" % (st, h))
    check(r.closed_within(WAIT), "not closed after 413")
    s.close()


def case_body_slow_408():
    s = connect()
    r = Reader(s)
    s.sendall(req("/", "POST", "Content-Length: 10\r\n") + b"12345")
    st, h, _ = r.response()
    check(st == 408 and h.get("connection") == "close", "%d %s" % (st, h))
    check(r.closed_within(WAIT), "not closed after 408")
    s.close()


def case_body_on_other_routes_is_consumed():
    """A body on a 404 route is read and dropped; the connection stays usable."""
    s = connect()
    r = Reader(s)
    s.sendall(req("/nope", "POST", "Content-Length: 4\r\n") + b"GET " + req("/"))
    st, _, _ = r.response()
    check(st == 404, "first %d" % st)
    st, _, body = r.response()
    check(st == 200 and body == b"Hello from sloop!\n", "second %d %r" % (st, body))
    s.close()


CASES = [name[5:] for name in sorted(globals()) if name.startswith("case_")]


def main():
    names = sys.argv[4:] or CASES
    failed = 0
    for name in names:
        try:
            globals()["case_" + name]()
            print("ok %s" % name, flush=True)
        except (Fail, OSError, ValueError, KeyError) as e:
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
