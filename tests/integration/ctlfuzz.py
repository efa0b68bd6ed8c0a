#!/usr/bin/python3
"""Hostile and malformed clients against switchd's control socket.

  ctlfuzz.py SOCKET PORT SWITCHCTL

PORT is an existing port: requests that would delete it or flush its MACs are
sent malformed and must do nothing. Every reply is checked against
docs/protocol.md (swp.py); the first surprise exits 1 with what was expected
and seen. The caller then checks that ports, MACs and traffic are unchanged.
"""
import errno
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swp  # noqa: E402

path, port, switchctl = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
HL, MSG_MAX = swp.HDR.size, swp.MSG_MAX
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


msg, string, u16, u32, u64, raw_attr = swp.msg, swp.string, swp.u16, swp.u32, swp.u64, swp.raw_attr
NAME, TYPE, FLAGS, PEER, NETNS = (swp.A_PORT_NAME, swp.A_PORT_TYPE, swp.A_PORT_FLAGS, swp.A_PORT_PEER,
                                  swp.A_PORT_NETNS)


def port_req(typ, seq, name=b"", ptype=0, netns=b"", peer=b""):
    return swp.port_req(typ, seq, name, ptype, 0, peer, netns)


def read_msg(s, what):
    """One reply message, checked for sane framing and attributes; None at EOF."""
    try:
        m = swp.recv_msg(s)
        if m is None:
            return None
        if m.type not in swp.REPLIES or m.flags or m.pid or m.raw[17:20] != b"\0\0\0":
            fail("%s: malformed reply header: %r" % (what, m))
        swp.fields(m)
    except socket.timeout:
        fail("%s: no reply within 5 s" % what)
    except swp.ProtocolError as e:
        fail("%s: %s" % (what, e))
    return m


def expect_done(s, seq, status, what, records=(), contains=None):
    """Reads records of the allowed types, then a DONE with this seq and status."""
    n = 0
    while True:
        m = read_msg(s, what)
        if m is None:
            fail("%s: connection closed before SWP_DONE" % what)
        if m.seq != seq:
            fail("%s: reply seq %d, expected %d" % (what, m.seq, seq))
        if m.type == swp.DONE:
            break
        if m.type not in records:
            fail("%s: unexpected record type %d" % (what, m.type))
        n += 1
    st, count, text = swp.done(m)
    if st != status:
        fail("%s: status %d (%s), expected %d (%s)" % (what, st, text, status, swp.errname(status)))
    if st and not text:
        fail("%s: status %d without a message" % (what, st))
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
    expect_done(s, seq, 0, what, records=(swp.STATUS_INFO,))


def one(data, seq, status, what, records=(), contains=None, then_eof=False, then_usable=True):
    """A fresh connection: send data, check the DONE, then the connection's fate. Returns
    the DONE's message."""
    s = connect()
    s.sendall(data)
    _, text = expect_done(s, seq, status, what, records, contains)
    if then_eof:
        expect_eof(s, what)
    elif then_usable:
        s.sendall(msg(swp.STATUS, seq + 1))
        expect_status_ok(s, seq + 1, what + ", then a valid status on the same connection")
    s.close()
    return text


def malformed(data, seq, what, attr=None):
    """A message switchd must refuse as malformed, naming the attribute at fault (or none:
    bytes that do not form an attribute); nothing is done and the connection stays."""
    length, typ = struct.unpack_from("=IH", data)
    want = "malformed message (type %d, length %d)" % (typ, length)
    want += ": attribute %d" % attr if attr is not None else ""
    got = one(data, seq, E("EBADMSG"), what)
    if got != want:
        fail("%s: message %r, expected %r" % (what, got, want))


def connect_send(data):
    s = connect()
    s.sendall(data)
    return s


E = lambda name: -getattr(errno, name)  # noqa: E731


def pipelined(s, data):
    """Sends data from a thread, so replies are read while it goes: switchd stops reading
    a client that has replies unread."""
    t = threading.Thread(target=s.sendall, args=(data,), daemon=True)
    t.start()
    return t


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
        if m.type == swp.DONE and swp.done(m)[0] >= 0:
            fail("random bytes, seed %d: a request succeeded: %r" % (seed, m))
    s.close()
    ok()


# 1b. Random attributes behind valid headers of requests that change nothing: random
#     numbers, lengths (some lying, some past the message) and payloads. Each message gets
#     exactly one DONE, in order, however its attributes are garbled.
def soup(rng):
    out = b""
    for _ in range(rng.randint(0, 6)):
        num = rng.choice([0, 1, 2, 3, 4, 5, 12, 13, 200, 0x3FFF, 0x8001, 0x4002])
        payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 8, 15, 16, 17, 40])))
        if rng.random() < 0.3:
            payload = payload[:-1] + b"\0" if payload else payload
        if rng.random() < 0.15:
            out += raw_attr(num, payload, nla_len=rng.choice([0, 1, 3, 5, 100, 0xFFFF]),
                            padding=rng.random() < 0.5)
        else:
            out += swp.attr(num, payload)
    # Padded to 4 bytes, so the message is framed and its attributes walked: an unaligned
    # length is a framing error of its own (3).
    return out + b"\0" * (swp.pad(len(out)) - len(out))


for seed in range(20):
    rng = random.Random(1000 + seed)
    s = connect()
    seqs = list(range(100 * seed, 100 * seed + 40))
    s.sendall(b"".join(msg(rng.choice([swp.PORT_SHOW, swp.MAC_SHOW, swp.STATUS]), q, tail=soup(rng))
                       for q in seqs))
    for q in seqs:
        m = read_msg(s, "attribute soup %d, seq %d" % (seed, q))
        while m is not None and m.type != swp.DONE:
            m = read_msg(s, "attribute soup %d, seq %d" % (seed, q))
        if m is None or m.seq != q:
            fail("attribute soup %d: %r where the DONE of seq %d was due" % (seed, m, q))
        if swp.done(m)[0] not in (0, E("EBADMSG"), E("ENOENT"), E("EINVAL")):
            fail("attribute soup %d, seq %d: %r" % (seed, q, m))
    s.close()
    ok()

# 2. A truncated header, then close; a header and half an attribute, then close.
for data in (b"\x01\x00\x06", msg(swp.STATUS, 1)[:15], port_req(swp.PORT_DEL, 2, port)[:HL + 6]):
    s = connect()
    s.sendall(data)
    s.close()
    ok()

# 3. Lengths out of [20, 128 KiB] or not a multiple of 4: -EMSGSIZE, then the daemon hangs
#    up (no re-framing possible).
def length_error(length):
    return "message length %d %s" % (length, "not a multiple of 4" if length % 4 else "out of range")


for length in (MSG_MAX + 1, MSG_MAX + 4, 200000, 0xFFFFFFFF, HL - 1, 16, 8, 0, HL + 1, HL + 2, 65538):
    if one(msg(swp.STATUS, 10, length=length), 10, E("EMSGSIZE"), "len %d" % length,
           then_eof=True) != length_error(length):
        fail("len %d: not %r" % (length, length_error(length)))
# ...even if a valid request follows in the same write.
for length in (MSG_MAX + 4, HL + 2):
    one(msg(swp.STATUS, 11, length=length) + port_req(swp.PORT_DEL, 12, port), 11, E("EMSGSIZE"),
        "len %d followed by a port del" % length, contains=length_error(length), then_eof=True)
# A version 2 client (u16 version 2, u16 type, u32 len, u32 seq, u32 0): its first 4 bytes
# read as a length of 2 + 65536 * type, never a multiple of 4, so each request is refused as
# soon as those 4 bytes are in, with v2's seq where v3 has it: v2's port del (2), mac show
# (4), mac flush (5), set (7), and its 16-byte status (6), port show (3) and monitor (8), shorter
# than a v3 header, and port add (1), whose length reads as 65538. An answer within 2 s
# shows that nothing more was waited for (switchd would drop a partial message after 5 s).
V2 = struct.Struct("=HHIII")
for typ, body, what in ((2, port.ljust(16, b"\0") + bytes(136), "port del of a real port"),
                        (4, bytes(16), "mac show"), (5, bytes(16), "mac flush of every port"),
                        (7, struct.pack("=IIQ", 2, 0, 1), "set max-macs 1"), (6, b"", "status"),
                        (3, b"", "port show"), (8, b"", "monitor"),
                        (1, b"xv2".ljust(16, b"\0") + bytes(136), "port add")):
    t0 = time.monotonic()
    one(V2.pack(2, typ, V2.size + len(body), 5, 0) + body, 5, E("EMSGSIZE"), "a v2 %s" % what,
        contains=length_error(2 + 65536 * typ), then_eof=True)
    if time.monotonic() - t0 > 2:
        fail("a v2 %s: answered after %.1f s" % (what, time.monotonic() - t0))

real = string(NAME, port)

# 4. Wrong version: -EPROTO, the connection stays usable; the attributes are skipped unread.
for ver in (0, 1, 2, 4, 0xFF):
    one(msg(swp.STATUS, 20, version=ver), 20, E("EPROTO"), "version %d" % ver,
        contains="version %d not supported (want 3)" % ver)
one(msg(swp.PORT_DEL, 21, [real], version=2), 21, E("EPROTO"), "port del of a real port, version 2")
one(msg(swp.MAC_FLUSH, 22, version=0), 22, E("EPROTO"), "mac flush, version 0")

# 5. Unknown types (netlink's own 1..15, and between and past ours): -EBADMSG, connection stays.
for typ in (0, 2, 3, 15, 99, 109, 0x7FFF, 0xFFFF):
    one(msg(typ, 30), 30, E("EBADMSG"), "type %d" % typ, contains="malformed message (type %d" % typ)
one(msg(77, 31, tail=b"x" * 100), 31, E("EBADMSG"), "type 77 with 100 bytes after the header")


# The largest message (128 KiB): answered, stream stays framed. A filler attribute is at most
# 65535 bytes; two fill a message exactly.
def fill(total, num=0x3FFF):
    """Unknown attributes of exactly total bytes (a multiple of 4)."""
    out = b""
    while total:
        n = min(total, 65532)
        out += swp.attr(num, bytes(n - swp.NLA.size))
        total -= n
    return out


big = MSG_MAX - HL
one(msg(77, 32, tail=b"\xee" * big), 32, E("EBADMSG"), "a 128 KiB message of type 77")
one(msg(swp.STATUS, 33, version=7, tail=fill(big)), 33, E("EPROTO"), "a 128 KiB message of version 7")
# Unknown attributes are skipped, however many: a 128 KiB status is a status.
one(msg(swp.STATUS, 37, tail=fill(big)), 37, 0, "a 128 KiB status of unknown attributes",
    records=(swp.STATUS_INFO,))
# Behind a valid request, so that it straddles the daemon's input buffer; its last
# attribute runs past the message, so it is refused whole.
name_attr = swp.attr(NAME, port + b"\0")
big_del = msg(swp.PORT_DEL, 35, [name_attr], tail=fill(big - len(name_attr) - 8) + raw_attr(0x3FFF, b"\0" * 4, 12))
assert len(big_del) == MSG_MAX
s = connect()
s.sendall(msg(swp.STATUS, 34) + big_del + msg(swp.STATUS, 36))
expect_status_ok(s, 34, "status before a 128 KiB port del")
expect_done(s, 35, E("EBADMSG"), "a 128 KiB port del of a real port, its last attribute overflowing",
            contains="malformed message (type %d, length %d)" % (swp.PORT_DEL, MSG_MAX))
expect_status_ok(s, 36, "status after a 128 KiB message")
s.close()

# 6. Known types, malformed attributes: -EBADMSG naming the attribute, or none when the bytes
#    left do not form one. Nothing is done (each would otherwise change the switch), and the
#    stream stays framed.
# A length 4 bytes short of the end of the name attribute's padding: the attribute runs past it.
short_by_4 = msg(swp.PORT_DEL, 40, [real])[:-4]
short_by_4 = struct.pack("=I", len(short_by_4)) + short_by_4[4:]
cases = [
    (msg(swp.PORT_DEL, 40, [(NAME, port)]), NAME, "port del of a real port, name without its NUL"),
    (msg(swp.PORT_DEL, 40, [(NAME, b"")]), NAME, "port del, name of 0 bytes"),
    (msg(swp.PORT_DEL, 40, [(NAME, port.ljust(16, b"x") + b"\0")]), NAME, "port del, 16-byte name"),
    (msg(swp.PORT_DEL, 40, [real, (TYPE, b"\0" * 3)]), TYPE, "port del of a real port, 3-byte u32"),
    (msg(swp.PORT_DEL, 40, [real, (TYPE, b"\0" * 8)]), TYPE, "port del of a real port, 8-byte u32"),
    (msg(swp.PORT_DEL, 40, [(TYPE, b"\0" * 3), real]), TYPE, "port del, 3-byte u32 before the name"),
    (msg(swp.PORT_DEL, 40, [real], tail=b"\0\0"), None, "port del of a real port, 2 bytes left over"),
    (msg(swp.PORT_DEL, 40, [real], tail=b"\0\0\0\0"), None, "port del of a real port, a 0-length attribute"),
    (msg(swp.PORT_DEL, 40, [real, raw_attr(9, b"\0" * 4, nla_len=3)]), None,
     "port del of a real port, nla_len 3"),
    (msg(swp.PORT_DEL, 40, [real, raw_attr(9, b"\0" * 4, nla_len=200)]), None,
     "port del of a real port, an attribute longer than the message"),
    (msg(swp.PORT_DEL, 40, [raw_attr(NAME, port + b"\0", nla_len=0xFFFF)]), None,
     "port del of a real port, nla_len 65535"),
    (short_by_4, None, "port del of a real port, len 4 bytes short of its name attribute's end"),
    (msg(swp.PORT_ADD, 40, [string(NAME, b"nosuchif0"), (FLAGS, b"\0" * 2)]), FLAGS, "port add, 2-byte flags"),
    (msg(swp.PORT_ADD, 40, [string(NAME, b"nosuchif0"), (NETNS, b"N" * swp.PATH_MAX + b"\0")]), NETNS,
     "port add, %d-byte netns" % swp.PATH_MAX),
    (msg(swp.PORT_ADD, 40, [string(NAME, b"nosuchif0"), (swp.A_PORT_REMOTES, b"R" * swp.REMOTES_LEN + b"\0")]),
     swp.A_PORT_REMOTES, "port add, remotes longer than the field"),
    (msg(swp.PORT_ADD, 40, [string(NAME, b"nosuchif0"), (NETNS, b"/run/netns/x")]), NETNS,
     "port add, netns without its NUL"),
    (msg(swp.PORT_ADD, 40, [string(NAME, b"nosuchif0"), string(NETNS, b"/nonexistent"), (PEER, b"P" * 16)]),
     PEER, "port add, peer without its NUL"),
    (msg(swp.PORT_SHOW, 40, [(NAME, port)]), NAME, "port show, name without its NUL"),
    (msg(swp.MAC_FLUSH, 40, [(swp.A_MAC_PORT, port)]), swp.A_MAC_PORT,
     "mac flush of a real port, name without its NUL"),
    (msg(swp.MAC_FLUSH, 40, [(swp.A_MAC_PORT, b"B" * 16 + b"\0")]), swp.A_MAC_PORT, "mac flush, 16-byte name"),
    (msg(swp.MAC_FLUSH, 40, tail=b"\0"), None, "mac flush (of every port), 1 byte left over"),
    (msg(swp.MAC_FLUSH, 40, [string(swp.A_MAC_PORT, port)], tail=b"\x08\0"), None,
     "mac flush of a real port, half an attribute header left over"),
    (msg(swp.MAC_SHOW, 40, [(swp.A_MAC_PORT, b"")]), swp.A_MAC_PORT, "mac show, 0-byte port"),
    (msg(swp.MAC_SHOW, 40, tail=b"\0" * 3), None, "mac show, 3 bytes"),
    (msg(swp.STATUS, 40, tail=b"\0" * 4), None, "status, a 0-length attribute"),
    (msg(swp.SET, 40, [(swp.A_SET_KEY, b"\x01\0")]), swp.A_SET_KEY, "set, 2-byte key"),
    (msg(swp.SET, 40, [u32(swp.A_SET_KEY, 2), (swp.A_SET_VALUE, struct.pack("=I", 1))]), swp.A_SET_VALUE,
     "set max-macs, 4-byte value"),
    (msg(swp.SET, 40, [u32(swp.A_SET_KEY, 2), u64(swp.A_SET_VALUE, 1)], tail=b"\0"), None,
     "set max-macs 1, 1 byte left over"),
    (msg(swp.PORT_SET, 40, [real, u32(swp.A_PORT_SET_KEY, 1), (swp.A_PORT_SET_VALUE, b"\0" * 4)]),
     swp.A_PORT_SET_VALUE, "port set of a real port, 4-byte value"),
    (msg(swp.PORT_SET, 40, [real, (swp.A_PORT_SET_KEY, b"\1\0")]), swp.A_PORT_SET_KEY, "port set, 2-byte key"),
    (msg(swp.MAC_ADD, 40, [string(swp.A_MAC_PORT, port), swp.mac(swp.A_MAC_ADDR, b"\x02" * 6),
                           (swp.A_MAC_VLAN, b"\1")]), swp.A_MAC_VLAN, "mac add on a real port, 1-byte vlan"),
    (msg(swp.MAC_DEL, 40, [swp.mac(swp.A_MAC_ADDR, b"\x02" * 6), (swp.A_MAC_FLAGS, b"\1\0")]), swp.A_MAC_FLAGS,
     "mac del, 2-byte flags"),
    (msg(swp.MAC_SHOW, 40, [(swp.A_MAC_VLAN, b"\0" * 4)]), swp.A_MAC_VLAN, "mac show, 4-byte vlan"),
    # Reply types are decoded before they are refused as requests: their nested attributes too.
    (msg(swp.PORT_INFO, 40, [(swp.A_PORT_COUNTERS | swp.NLA_F_NESTED, swp.attr(1, b"\0" * 4))]),
     swp.A_PORT_COUNTERS, "port info, a 4-byte counter"),
    (msg(swp.PORT_INFO, 40, [(swp.A_PORT_COUNTERS, b"\0\0")]), swp.A_PORT_COUNTERS, "port info, 2-byte counters"),
    (msg(swp.STATUS_INFO, 40, [(swp.A_STATUS_SETTINGS, swp.attr(2, b"\0" * 9))]), swp.A_STATUS_SETTINGS,
     "status info, a 9-byte setting"),
    (msg(swp.MAC_ENTRY, 40, [(swp.A_MAC_ADDR, b"\x02" * 5)]), swp.A_MAC_ADDR, "mac entry, 5-byte MAC"),
    (msg(swp.EVENT, 40, [(swp.A_EV_REASON, b"r" * 64 + b"\0")]), swp.A_EV_REASON, "event, 64-byte reason"),
    (msg(swp.DONE, 40, [(swp.A_DONE_STATUS, b"\0" * 8)]), swp.A_DONE_STATUS, "done, 8-byte status"),
]
for data, a, what in cases:
    if len(data) % 4:
        # Bytes left over that make the length unaligned: a framing error before any attribute.
        one(data, 40, E("EMSGSIZE"), what, contains=length_error(len(data)), then_eof=True)
    else:
        malformed(data, 40, what, a)

# 7. Reply types sent as requests: -EOPNOTSUPP, well-formed attributes or none.
for typ in swp.REPLIES:
    one(msg(typ, 50), 50, E("EOPNOTSUPP"), "reply type %d as a request" % typ, contains="not a request")
one(msg(swp.DONE, 51, [swp.s32(swp.A_DONE_STATUS, -1), string(swp.A_DONE_MSG, b"hi")]), 51,
    E("EOPNOTSUPP"), "a DONE with a status and a message as a request")
one(msg(swp.PORT_INFO, 52, [real, swp.nested(swp.A_PORT_COUNTERS, [u64(1, 5), u64(99, 1)])]), 52,
    E("EOPNOTSUPP"), "a port info with counters (one unknown) as a request")

# 8. Well-formed requests with bad contents; attributes a request does not know are skipped.
one(port_req(swp.PORT_ADD, 60, b""), 60, E("EINVAL"), "port add without a name")
one(msg(swp.PORT_ADD, 61, [string(NAME, b"")]), 61, E("EINVAL"), "port add, empty name")
one(port_req(swp.PORT_ADD, 62, port, 7), 62, E("EINVAL"), "port add, type 7", contains="unknown port type")
one(port_req(swp.PORT_ADD, 63, port, 0xFFFFFFFF), 63, E("EINVAL"), "port add, type 0xffffffff")
one(port_req(swp.PORT_ADD, 64, port), 64, E("EEXIST"), "port add of an existing port", contains="already a port")
one(port_req(swp.PORT_ADD, 65, b"nosuchif0"), 65, E("ENODEV"), "port add of a missing interface",
    contains="no such interface")
one(msg(swp.PORT_ADD, 80, [string(NAME, b"nosuchif0"), swp.attr(200, b"\xff" * 7), u16(0x3FFF, 1)]), 80,
    E("ENODEV"), "port add with unknown attributes: they are skipped", contains="no such interface")
# With a netns: every bad field is refused before anything is created.
one(port_req(swp.PORT_ADD, 72, b"nosuchif0", netns=b"N" * (swp.PATH_MAX - 1)), 72, E("ENOENT"),
    "port add, %d-byte netns name (the longest)" % (swp.PATH_MAX - 1), contains="no such network namespace")
one(port_req(swp.PORT_ADD, 73, b"nosuchif0", netns=b"run/netns/x"), 73, E("EINVAL"),
    "port add, relative netns path", contains="absolute path")
one(port_req(swp.PORT_ADD, 74, b"nosuchif0", netns=b".."), 74, E("EINVAL"), "port add, netns ..")
one(port_req(swp.PORT_ADD, 76, b"nosuchif0", peer=b"eth1"), 76, E("EINVAL"),
    "port add, ifname without netns", contains="needs a netns")
one(port_req(swp.PORT_ADD, 77, b"nosuchif0", 1, b"/nonexistent"), 77, E("EINVAL"),
    "port add, type tap with a netns", contains="not a TAP")
one(port_req(swp.PORT_ADD, 78, port, 0, b"/nonexistent"), 78, E("EEXIST"),
    "port add of an existing port, with a netns", contains="already a port")
one(port_req(swp.PORT_ADD, 79, b"nosuchif0", 0, b"/nonexistent/netns"), 79, E("ENOENT"),
    "port add, missing netns", contains="no such network namespace")
one(port_req(swp.PORT_ADD, 90, b"nosuchif0", 0, b"/etc/passwd"), 90, E("EINVAL"),
    "port add, netns a regular file", contains="not a network namespace")
one(msg(swp.PORT_ADD, 91, [string(NAME, b"nosuchif0"), string(NETNS, b"/nonexistent"),
                           u32(FLAGS, swp.PORT_F_NETNS_FD)]), 91, E("EBADF"),
    "port add, a namespace descriptor announced and not sent", contains="no namespace descriptor")
# vxlan ports: the daemon's own checks, before any device is made.
one(msg(swp.PORT_ADD, 92, [string(NAME, b"nosuchif0"), u32(TYPE, swp.PORT_VXLAN)]), 92, E("ERANGE"),
    "port add type vxlan without a vni", contains="vni 0 is not in 1..16777215")
one(msg(swp.PORT_ADD, 93, [string(NAME, b"nosuchif0"), u32(swp.A_PORT_VNI, 5)]), 93, E("EINVAL"),
    "a vni on a port that is not vxlan", contains="only a vxlan port")
one(msg(swp.PORT_ADD, 94, [string(NAME, b"nosuchif0"), u32(TYPE, swp.PORT_VXLAN), u32(swp.A_PORT_VNI, 5),
                           string(swp.A_PORT_REMOTES, b"198.18.0.1,not-an-address")]), 94, E("EINVAL"),
    "port add type vxlan, a remote that is no address", contains="not an IPv4 or IPv6 address")
one(msg(swp.PORT_REMOTE_ADD, 96, [real, string(swp.A_PORT_REMOTES, b"198.18.0.1")]), 96, E("EINVAL"),
    "remote add on a port that is not vxlan", contains="not a vxlan port")
one(msg(swp.PORT_REMOTE_DEL, 97, [string(NAME, b"nosuch"), string(swp.A_PORT_REMOTES, b"198.18.0.1")]), 97,
    E("ENOENT"), "remote del on no port", contains="no such port")
one(msg(swp.PORT_REMOTE_ADD, 98, [real, string(swp.A_PORT_REMOTES, b"198.18.0.1,198.18.0.2")]), 98,
    E("EINVAL"), "remote add of two addresses at once", contains="one address")
one(port_req(swp.PORT_DEL, 66, b""), 66, E("ENOENT"), "port del without a name")
one(port_req(swp.PORT_DEL, 67, port[:-1]), 67, E("ENOENT"), "port del of a port-name prefix")
one(port_req(swp.PORT_DEL, 68, port + b"x"), 68, E("ENOENT"), "port del of a port name and more")
one(port_req(swp.PORT_SHOW, 69, b"nosuch"), 69, E("ENOENT"), "port show of an unknown port",
    contains="port show nosuch: no such port")
n, _ = expect_done(connect_send(port_req(swp.PORT_SHOW, 70, port)), 70, 0, "port show of one port",
                   records=(swp.PORT_INFO,))
if n != 1:
    fail("port show %s: %d records" % (port.decode(), n))
one(swp.mac_req(swp.MAC_FLUSH, 71, b"nosuchport"), 71, E("ENOENT"), "mac flush of an unknown port")
# A string is the bytes up to its first NUL (the payload's last byte must be one).
one(msg(swp.MAC_SHOW, 81, [(swp.A_MAC_PORT, port + b"\0garbage\0")]), 81, 0, "mac show, garbage after the NUL",
    records=(swp.MAC_ENTRY,))
one(swp.set_req(82, 0, 60), 82, E("EINVAL"), "set, key 0", contains="unknown setting")
one(msg(swp.SET, 83, [u64(swp.A_SET_VALUE, 60)]), 83, E("EINVAL"), "set without a key",
    contains="unknown setting 0")
one(swp.set_req(84, 99, 60), 84, E("EINVAL"), "set, key 99", contains="unknown setting")
one(swp.set_req(85, 1, 0), 85, E("ERANGE"), "set ageing 0 (no value attribute)", contains="not in 1..")
one(swp.set_req(86, 2, 0), 86, E("ERANGE"), "set max-macs 0")
one(swp.set_req(87, 2, 1 << 40), 87, E("ERANGE"), "set max-macs 2^40")
one(swp.set_req(88, 4, 0), 88, E("ERANGE"), "set flap-hold 0")
one(swp.set_req(89, 5, 0xFFFFFFFFFFFFFFFF), 89, E("ERANGE"), "set storm-broadcast 2^64-1")
one(swp.port_set_req(92, b"nosuch", 1, 0), 92, E("ENOENT"), "port set of an unknown port", contains="no such port")
one(swp.port_set_req(93, port, 0, 1), 93, E("EINVAL"), "port set, key 0", contains="unknown setting")
one(swp.port_set_req(94, port, 99, 1), 94, E("EINVAL"), "port set, key 99", contains="unknown setting")
one(swp.port_set_req(95, port, 1, 2), 95, E("ERANGE"), "port set learning 2")
one(swp.port_set_req(96, port, 4, (1 << 24) + 1), 96, E("ERANGE"), "port set max-macs 2^24+1")
one(swp.mac_req(swp.MAC_ADD, 97, b"", b"\x02\0\0\0\0\x01"), 97, E("EINVAL"), "mac add without a port",
    contains="needs a port")
one(swp.mac_req(swp.MAC_ADD, 98, b"nosuchport", b"\x02\0\0\0\0\x01"), 98, E("ENOENT"),
    "mac add on an unknown port")
one(swp.mac_req(swp.MAC_ADD, 99, port, b"\x01\0\0\0\0\x01"), 99, E("EINVAL"), "mac add of a group MAC")
one(swp.mac_req(swp.MAC_ADD, 100, port, b"\x02\0\0\0\0\x01", vlan=4096), 100, E("ERANGE"), "mac add, vlan 4096")
one(swp.mac_req(swp.MAC_DEL, 101, addr=b"\x02\0\0\0\0\x09", vlan=4095), 101, E("ENOENT"),
    "mac del of no entry", contains="no such entry")
one(swp.mac_req(swp.MAC_DEL, 102, addr=b"\x02\0\0\0\0\x09", vlan=0xFFFF), 102, E("ERANGE"), "mac del, vlan 65535")
one(swp.mac_req(swp.MAC_SHOW, 103, vlan=4096), 103, E("ERANGE"), "mac show, vlan 4096")
one(swp.mac_req(swp.MAC_FLUSH, 104, port, vlan=5000), 104, E("ERANGE"), "mac flush of a real port, vlan 5000")

# 9. Clients that hold connections open: one silent, one with half a header, one with a
#    header whose attributes never come. switchctl still gets answers meanwhile.
idle = connect()
partial = connect()
partial.sendall(msg(swp.STATUS, 80)[:10])
bodyless = connect()
late_del = port_req(swp.PORT_DEL, 81, port)
bodyless.sendall(late_del[:HL])
for args in (["status"], ["-j", "port", "show"], ["mac", "show"]):
    t0 = time.monotonic()
    r = subprocess.run([switchctl, "-s", path] + args, capture_output=True, timeout=10)
    if r.returncode != 0:
        fail("switchctl %s while clients idle: exit %d: %s" % (args, r.returncode, r.stderr))
    if time.monotonic() - t0 > 2:
        fail("switchctl %s took %.1f s while clients idle" % (args, time.monotonic() - t0))
    ok()
# The half-sent messages complete and each gets its answer. The port del's name, as long as
# the header announced, is 0xff bytes: no such port, so nothing is deleted.
partial.sendall(msg(swp.STATUS, 80)[10:])
expect_status_ok(partial, 80, "status sent in two pieces")
bodyless.sendall(swp.attr(NAME, b"\xff" * len(port) + b"\0"))
expect_done(bodyless, 81, E("ENOENT"), "port del whose attributes came late, with an unknown name")
# A request sent one byte at a time.
s = connect()
for b in msg(swp.STATUS, 82):
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
    s.sendall(msg(swp.STATUS, 1000 + i))
    expect_status_ok(s, 1000 + i, "quick connection %d" % i)
    s.close()
# 50 at once (the daemon allows 64 clients), answered independently.
socks = [connect() for _ in range(50)]
for i, s in enumerate(socks):
    s.sendall(msg(swp.STATUS, 2000 + i))
for i, s in enumerate(reversed(socks)):
    expect_status_ok(s, 2000 + 49 - i, "concurrent connection %d" % (49 - i))
    s.close()

# 11. Requests pipelined in one write, more than the daemon's 128 KiB input buffer.
s = connect()
n = MSG_MAX // HL + 500
sender = pipelined(s, b"".join(msg(swp.STATUS, 3000 + i) for i in range(n)))
for i in range(n):
    expect_status_ok(s, 3000 + i, "pipelined status %d of %d" % (i, n))
sender.join(5)
# Mixed, with malformed ones in the middle: each answered in order.
s.sendall(msg(swp.STATUS, 4000) + msg(99, 4001) + msg(swp.PORT_SHOW, 4002) + msg(swp.STATUS, 4003, version=2)
          + swp.mac_req(swp.MAC_SHOW, 4004) + msg(swp.PORT_DEL, 4005, [(NAME, port)])
          + msg(swp.STATUS, 4006))
expect_status_ok(s, 4000, "pipeline: status")
expect_done(s, 4001, E("EBADMSG"), "pipeline: type 99")
expect_done(s, 4002, 0, "pipeline: port show", records=(swp.PORT_INFO,))
expect_done(s, 4003, E("EPROTO"), "pipeline: version 2")
expect_done(s, 4004, 0, "pipeline: mac show", records=(swp.MAC_ENTRY,))
expect_done(s, 4005, E("EBADMSG"), "pipeline: port del, name without its NUL")
expect_status_ok(s, 4006, "pipeline: last status")
s.close()

# 12. A client that asks and leaves without reading the reply.
for _ in range(20):
    s = connect()
    s.sendall(msg(swp.PORT_SHOW, 5000) + swp.mac_req(swp.MAC_SHOW, 5001))
    s.close()
ok()


# 13. The client limit (64): with 64 clients connected, a 65th takes the place of the one
#     that made no progress for the longest (the first held); once they leave, the daemon
#     answers again.
def status_roundtrip(s, seq):
    s.sendall(msg(swp.STATUS, seq))
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
