#!/usr/bin/python3
"""Hostile and malformed clients against switchd's control socket.

  ctlfuzz.py SOCKET PORT SWITCHCTL

PORT is an existing port: requests that would delete it or flush its MACs are
sent malformed and must do nothing. Every reply is checked against
docs/protocol.md; the first surprise exits 1 with what was expected and seen.
The caller then checks that ports, MACs and traffic are unchanged.
"""
import errno
import random
import socket
import struct
import subprocess
import sys
import time

HDR = struct.Struct("=HHIII")
VERSION = 2
MSG_MAX = 4096
PORT_ADD, PORT_DEL, PORT_SHOW, MAC_SHOW, MAC_FLUSH, STATUS, SET = 1, 2, 3, 4, 5, 6, 7
DONE, PORT_INFO, MAC_ENTRY, STATUS_INFO = 100, 101, 102, 103
BODY = {DONE: 136, PORT_INFO: 304, MAC_ENTRY: 32, STATUS_INFO: 96}
PORT_REQ = 152  # swp_port_req: name[16], type, flags, peer[16], netns[108], reserved
PATH_MAX = 108

path, port, switchctl = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
checks = 0


def fail(what):
    sys.exit("ctlfuzz: FAIL: %s" % what)


def ok():
    global checks
    checks += 1


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # A blocking connect waits while the listen backlog is full, as switchctl's does;
    # with a timeout set, Python's connect would fail with EAGAIN instead.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 5, 0))
    s.connect(path)
    s.settimeout(5)
    return s


def msg(typ, seq, body=b"", version=VERSION, length=None):
    if length is None:
        length = HDR.size + len(body)
    return HDR.pack(version, typ, length, seq, 0) + body


def port_req(name, typ=0, netns=b"", peer=b""):
    return (name.ljust(16, b"\0")[:16] + struct.pack("=II", typ, 0) + peer.ljust(16, b"\0")[:16] +
            netns.ljust(PATH_MAX, b"\0")[:PATH_MAX] + struct.pack("=I", 0))


def set_req(key, value):
    return struct.pack("=IIQ", key, 0, value)


def mac_req(name):
    return name.ljust(16, b"\0")[:16]


def recv_exact(s, n, what):
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except socket.timeout:
            fail("%s: no reply within 5 s (have %d of %d bytes)" % (what, len(buf), n))
        except ConnectionResetError:
            chunk = b""  # the daemon closed with our data unread: a hang-up like any other
        if not chunk:
            return None if not buf else fail("%s: connection closed mid-message" % what)
        buf += chunk
    return buf


def read_msg(s, what):
    """One reply message, checked for sane framing; None at EOF."""
    raw = recv_exact(s, HDR.size, what)
    if raw is None:
        return None
    ver, typ, length, seq, _ = HDR.unpack(raw)
    if ver != VERSION or typ not in BODY or length != HDR.size + BODY[typ]:
        fail("%s: malformed reply header version %d type %d len %d" % (what, ver, typ, length))
    body = recv_exact(s, length - HDR.size, what)
    if body is None:
        fail("%s: connection closed mid-reply" % what)
    return typ, seq, body


def done_fields(body):
    status, count = struct.unpack_from("=iI", body)
    return status, count, body[8:].split(b"\0", 1)[0].decode(errors="replace")


def expect_done(s, seq, status, what, records=(), contains=None):
    """Reads records of the allowed types, then a DONE with this seq and status."""
    n = 0
    while True:
        m = read_msg(s, what)
        if m is None:
            fail("%s: connection closed before SWP_DONE" % what)
        typ, rseq, body = m
        if rseq != seq:
            fail("%s: reply seq %d, expected %d" % (what, rseq, seq))
        if typ == DONE:
            break
        if typ not in records:
            fail("%s: unexpected record type %d" % (what, typ))
        n += 1
    st, count, text = done_fields(body)
    if st != status:
        fail("%s: status %d (%s), expected %d (%s)" % (what, st, text, status, errno.errorcode.get(-status, "0")))
    if contains and contains not in text:
        fail("%s: message %r does not contain %r" % (what, text, contains))
    if status == 0 and records and count != n:
        fail("%s: DONE count %d but %d records" % (what, count, n))
    ok()
    return n, text


def expect_eof(s, what):
    try:
        data = s.recv(1)
    except socket.timeout:
        fail("%s: the daemon kept the connection open" % what)
    except ConnectionResetError:
        data = b""  # closed with some of our bytes unread
    if data:
        fail("%s: more data where the daemon should have hung up" % what)
    ok()


def expect_status_ok(s, seq, what):
    expect_done(s, seq, 0, what, records=(STATUS_INFO,))


def one(data, seq, status, what, records=(), contains=None, then_eof=False, then_usable=True):
    """A fresh connection: send data, check the DONE, then the connection's fate."""
    s = connect()
    s.sendall(data)
    expect_done(s, seq, status, what, records, contains)
    if then_eof:
        expect_eof(s, what)
    elif then_usable:
        s.sendall(msg(STATUS, seq + 1))
        expect_status_ok(s, seq + 1, what + ", then a valid status on the same connection")
    s.close()


E = lambda name: -getattr(errno, name)  # noqa: E731

# 1. Random bytes (fixed seeds, so a run is repeatable): whatever comes back is a
#    well-formed DONE with an error, and the daemon hangs up or waits, never crashes.
for seed in range(30):
    rng = random.Random(seed)
    data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 3000)))
    s = connect()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    while True:
        m = read_msg(s, "random bytes, seed %d" % seed)
        if m is None:
            break
        if m[0] == DONE and done_fields(m[2])[0] >= 0:
            fail("random bytes, seed %d: a request succeeded: %r" % (seed, done_fields(m[2])))
    s.close()
    ok()

# 2. A truncated header, then close; a header and half a body, then close.
for data in (b"\x01\x00\x06", msg(STATUS, 1)[:15], msg(PORT_DEL, 2, port_req(port))[:30]):
    s = connect()
    s.sendall(data)
    s.close()
    ok()

# 3. Lengths out of [16, 4096]: -EMSGSIZE, then the daemon hangs up (no re-framing possible).
for length in (MSG_MAX + 1, 5000, 0xFFFFFFFF, 15, 8, 0):
    one(msg(STATUS, 10, length=length), 10, E("EMSGSIZE"), "len %d" % length,
        contains="out of range", then_eof=True)
# ...even if a valid request follows in the same write.
one(msg(STATUS, 11, length=9999) + msg(PORT_DEL, 12, port_req(port)), 11, E("EMSGSIZE"),
    "len 9999 followed by a port del", then_eof=True)

# 4. Wrong version: -EPROTO, the connection stays usable; the body is skipped unread.
for ver in (0, 1, 3, 0xFFFF):
    one(msg(STATUS, 20, version=ver), 20, E("EPROTO"), "version %d" % ver, contains="version")
one(msg(PORT_DEL, 21, port_req(port), version=1), 21, E("EPROTO"), "port del of a real port, version 1")
one(msg(MAC_FLUSH, 22, mac_req(b""), version=0), 22, E("EPROTO"), "mac flush, version 0")

# 5. Unknown types: -EBADMSG, connection stays.
for typ in (0, 9, 99, 104, 0xFFFF):
    one(msg(typ, 30), 30, E("EBADMSG"), "type %d" % typ)
one(msg(77, 31, b"x" * 100), 31, E("EBADMSG"), "type 77 with a 100-byte body")

# The largest message (4096 bytes): answered, stream stays framed. Once alone, once
# behind a valid request so that it straddles the daemon's 4096-byte input buffer.
one(msg(77, 32, b"\xee" * (MSG_MAX - HDR.size)), 32, E("EBADMSG"), "a 4096-byte message of type 77")
one(msg(STATUS, 33, version=7, length=MSG_MAX) + b"\0" * (MSG_MAX - HDR.size), 33, E("EPROTO"),
    "a 4096-byte message of version 7")
s = connect()
s.sendall(msg(STATUS, 34) + msg(PORT_DEL, 35, port_req(port) + b"\0" * (MSG_MAX - HDR.size - PORT_REQ))
          + msg(STATUS, 36))
expect_status_ok(s, 34, "status before a 4096-byte port del")
expect_done(s, 35, E("EBADMSG"), "a 4096-byte port del of a real port")
expect_status_ok(s, 36, "status after a 4096-byte message")
s.close()

# 6. Known types, wrong body sizes: -EBADMSG, nothing done, stream stays framed.
cases = [
    (PORT_ADD, b"", "port add without a body"),
    (PORT_DEL, port_req(port)[:PORT_REQ - 1], "port del, %d-byte body" % (PORT_REQ - 1)),
    (PORT_DEL, port_req(port)[:24], "port del of a real port, 24-byte body (before netns)"),
    (PORT_DEL, port_req(port) + b"\0" * 4, "port del of a real port, %d-byte body" % (PORT_REQ + 4)),
    (MAC_FLUSH, mac_req(b"")[:15], "mac flush, 15-byte body"),
    (MAC_FLUSH, mac_req(b"") + b"\0", "mac flush, 17-byte body"),
    (MAC_SHOW, b"", "mac show without a body"),
    (STATUS, b"\0" * 4, "status with a 4-byte body"),
    (PORT_SHOW, b"\0" * 16, "port show with a body"),
    (SET, b"", "set without a body"),
    (SET, set_req(1, 300)[:12], "set, 12-byte body"),
    (SET, set_req(2, 1) + b"\0" * 8, "set max-macs 1, 24-byte body"),
]
for typ, body, what in cases:
    one(msg(typ, 40, body), 40, E("EBADMSG"), what, contains="malformed")

# 7. Reply types sent as requests: -EOPNOTSUPP.
for typ, size in BODY.items():
    one(msg(typ, 50, b"\0" * size), 50, E("EOPNOTSUPP"), "reply type %d as a request" % typ)

# 8. Well-framed requests with bad contents.
one(msg(PORT_ADD, 60, port_req(b"A" * 16)), 60, E("EINVAL"), "port add, unterminated name")
one(msg(PORT_ADD, 61, port_req(b"")), 61, E("EINVAL"), "port add, empty name")
one(msg(PORT_ADD, 62, port_req(port, 7)), 62, E("EINVAL"), "port add, type 7", contains="unknown port type")
one(msg(PORT_ADD, 63, port_req(port, 0xFFFFFFFF)), 63, E("EINVAL"), "port add, type 0xffffffff")
one(msg(PORT_ADD, 64, port_req(port)), 64, E("EEXIST"), "port add of an existing port", contains="already a port")
one(msg(PORT_ADD, 65, port_req(b"nosuchif0")), 65, E("ENODEV"), "port add of a missing interface",
    contains="no such interface")
# With a netns: every malformed field is refused before anything is created.
one(msg(PORT_ADD, 72, port_req(b"nosuchif0", netns=b"N" * PATH_MAX)), 72, E("EINVAL"),
    "port add, unterminated netns", contains="netns")
one(msg(PORT_ADD, 73, port_req(b"nosuchif0", netns=b"run/netns/x")), 73, E("EINVAL"),
    "port add, relative netns path", contains="absolute path")
one(msg(PORT_ADD, 74, port_req(b"nosuchif0", netns=b"..")), 74, E("EINVAL"), "port add, netns ..")
one(msg(PORT_ADD, 75, port_req(b"nosuchif0", netns=b"/nonexistent", peer=b"P" * 16)), 75,
    E("EINVAL"), "port add, unterminated ifname", contains="ifname")
one(msg(PORT_ADD, 76, port_req(b"nosuchif0", peer=b"eth1")), 76, E("EINVAL"),
    "port add, ifname without netns", contains="needs a netns")
one(msg(PORT_ADD, 77, port_req(b"nosuchif0", 1, b"/nonexistent")), 77, E("EINVAL"),
    "port add, type tap with a netns", contains="not a TAP")
one(msg(PORT_ADD, 78, port_req(port, 0, b"/nonexistent")), 78, E("EEXIST"),
    "port add of an existing port, with a netns", contains="already a port")
one(msg(PORT_ADD, 79, port_req(b"nosuchif0", 0, b"/nonexistent/netns")), 79, E("ENOENT"),
    "port add, missing netns", contains="no such network namespace")
one(msg(PORT_ADD, 90, port_req(b"nosuchif0", 0, b"/etc/passwd")), 90, E("EINVAL"),
    "port add, netns a regular file", contains="not a network namespace")
one(msg(PORT_DEL, 66, port_req(port + b"\xff" * 16)), 66, E("ENOENT"), "port del, unterminated name")
one(msg(PORT_DEL, 67, port_req(port[:-1])), 67, E("ENOENT"), "port del of a port-name prefix")
one(msg(MAC_SHOW, 68, mac_req(b"B" * 16)), 68, E("EINVAL"), "mac show, unterminated port")
one(msg(MAC_FLUSH, 69, mac_req(b"B" * 16)), 69, E("EINVAL"), "mac flush, unterminated port")
one(msg(MAC_FLUSH, 70, mac_req(b"nosuchport")), 70, E("ENOENT"), "mac flush of an unknown port")
one(msg(MAC_SHOW, 71, mac_req(port + b"\0garbage")), 71, 0, "mac show, garbage after the NUL",
    records=(MAC_ENTRY,))
one(msg(SET, 72, set_req(0, 60)), 72, E("EINVAL"), "set, key 0", contains="unknown setting")
one(msg(SET, 73, set_req(99, 60)), 73, E("EINVAL"), "set, key 99", contains="unknown setting")
one(msg(SET, 74, set_req(1, 0)), 74, E("ERANGE"), "set ageing 0", contains="not in 1..")
one(msg(SET, 75, set_req(2, 0)), 75, E("ERANGE"), "set max-macs 0")
one(msg(SET, 76, set_req(2, 1 << 40)), 76, E("ERANGE"), "set max-macs 2^40")
one(msg(SET, 77, set_req(4, 0)), 77, E("ERANGE"), "set flap-hold 0")
one(msg(SET, 78, set_req(5, 0xFFFFFFFFFFFFFFFF)), 78, E("ERANGE"), "set storm-broadcast 2^64-1")

# 9. Clients that hold connections open: one silent, one with half a header, one with a
#    header whose body never comes. switchctl still gets answers meanwhile.
idle = connect()
partial = connect()
partial.sendall(msg(STATUS, 80)[:10])
bodyless = connect()
bodyless.sendall(msg(PORT_DEL, 81, port_req(port))[:16])
for args in (["status"], ["-j", "port", "show"], ["mac", "show"]):
    t0 = time.monotonic()
    r = subprocess.run([switchctl, "-s", path] + args, capture_output=True, timeout=10)
    if r.returncode != 0:
        fail("switchctl %s while clients idle: exit %d: %s" % (args, r.returncode, r.stderr))
    if time.monotonic() - t0 > 2:
        fail("switchctl %s took %.1f s while clients idle" % (args, time.monotonic() - t0))
    ok()
# The half-sent messages complete and each gets its answer. The port del's body is
# 0xff bytes: an unterminated name, so no port is deleted.
partial.sendall(msg(STATUS, 80)[10:])
expect_status_ok(partial, 80, "status sent in two pieces")
bodyless.sendall(b"\xff" * PORT_REQ)
expect_done(bodyless, 81, E("ENOENT"), "port del whose body came late, with an unknown name")
# A request sent one byte at a time.
s = connect()
for b in msg(STATUS, 82):
    s.sendall(bytes([b]))
    time.sleep(0.005)
expect_status_ok(s, 82, "status sent byte by byte")
s.close()
for c in (idle, partial, bodyless):
    c.close()

# 10. 100 quick connections that close at once, then 100 that each ask for status.
for _ in range(100):
    connect().close()
ok()
for i in range(100):
    s = connect()
    s.sendall(msg(STATUS, 1000 + i))
    expect_status_ok(s, 1000 + i, "quick connection %d" % i)
    s.close()
# 50 at once (the daemon allows 64 clients), answered independently.
socks = [connect() for _ in range(50)]
for i, s in enumerate(socks):
    s.sendall(msg(STATUS, 2000 + i))
for i, s in enumerate(reversed(socks)):
    expect_status_ok(s, 2000 + 49 - i, "concurrent connection %d" % (49 - i))
    s.close()

# 11. Requests pipelined in one write, more than the daemon's 4096-byte input buffer.
s = connect()
s.sendall(b"".join(msg(STATUS, 3000 + i) for i in range(300)))
for i in range(300):
    expect_status_ok(s, 3000 + i, "pipelined status %d" % i)
# Mixed, with malformed ones in the middle: each answered in order.
s.sendall(msg(STATUS, 4000) + msg(99, 4001) + msg(PORT_SHOW, 4002) + msg(STATUS, 4003, version=3)
          + msg(MAC_SHOW, 4004, mac_req(b"")) + msg(STATUS, 4005))
expect_status_ok(s, 4000, "pipeline: status")
expect_done(s, 4001, E("EBADMSG"), "pipeline: type 99")
expect_done(s, 4002, 0, "pipeline: port show", records=(PORT_INFO,))
expect_done(s, 4003, E("EPROTO"), "pipeline: version 3")
expect_done(s, 4004, 0, "pipeline: mac show", records=(MAC_ENTRY,))
expect_status_ok(s, 4005, "pipeline: last status")
s.close()

# 12. A client that asks and leaves without reading the reply.
for _ in range(20):
    s = connect()
    s.sendall(msg(PORT_SHOW, 5000) + msg(MAC_SHOW, 5001, mac_req(b"")))
    s.close()
ok()

# 13. The client limit (64): with 64 clients connected, a 65th takes the place of the one
#     that made no progress for the longest (the first held); once they leave, the daemon
#     answers again.
def status_roundtrip(s, seq):
    s.sendall(msg(STATUS, seq))
    expect_status_ok(s, seq, "status on held connection %d" % seq)


held = []
deadline = time.monotonic() + 10
while len(held) < 64:
    # Clients closed a moment ago may not be counted out yet: a refused one is retried.
    s = connect()
    try:
        status_roundtrip(s, 6000 + len(held))
        held.append(s)
    except SystemExit:
        s.close()
        if time.monotonic() > deadline:
            raise
        time.sleep(0.1)
extra = connect()
status_roundtrip(extra, 6100)
try:
    gone = held[0].recv(1) == b""
except ConnectionResetError:
    gone = True
except socket.timeout:
    gone = False
if not gone:
    fail("65th client answered but the oldest held client was not dropped")
for i, s in enumerate(held[1:4], 1):
    status_roundtrip(s, 6150 + i)
ok()
extra.close()
for s in held:
    s.close()
deadline = time.monotonic() + 5
while True:
    s = connect()
    try:
        status_roundtrip(s, 6200)
        break
    except SystemExit:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.1)
    finally:
        s.close()

print("ctlfuzz: %d checks passed" % checks)
