#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses: fuzz/corpus/<harness>/*.bin.

  fuzz/gen_corpus.py            rewrite every seed (deterministic: same bytes each run)

Each seed is a small input that reaches one behaviour whole, so the fuzzer
starts from structure instead of having to discover a header or a frame by
chance. The layouts are the harnesses' (fz_ctl.c, fz_fwd.c) and the
protocol's (include/switchd/proto.h); keep them in step.
"""
import os
import random
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- harness 1: control protocol ----

HDR = struct.Struct("=HHIII")  # version, type, len, seq, reserved
PORT_ADD, PORT_DEL, PORT_SHOW, MAC_SHOW, MAC_FLUSH, STATUS, SET, MONITOR = 1, 2, 3, 4, 5, 6, 7, 8
DONE, PORT_INFO, MAC_ENTRY, STATUS_INFO, EVENT = 100, 101, 102, 103, 104
MSG_MAX, OUTBUF_MAX = 4096, 8 << 20


def reply_sizes():
    """Reply body sizes, read from proto.c's layout asserts so the seeds follow the protocol."""
    names = {"swp_done": DONE, "swp_port_info": PORT_INFO, "swp_mac_entry": MAC_ENTRY,
             "swp_status_info": STATUS_INFO, "swp_event": EVENT}
    sizes = {}
    with open(os.path.join(HERE, "..", "switchd", "proto.c")) as f:
        for m in re.finditer(r"sizeof\(struct (\w+)\) == ([0-9 +*]+),", f.read()):
            if m.group(1) in names:
                sizes[names[m.group(1)]] = eval(m.group(2))  # integer arithmetic from our own source
    assert len(sizes) == len(names), "proto.c's layout asserts changed: update reply_sizes()"
    return sizes


BODY = reply_sizes()


def big_read_seed(at_least):
    """A chunk seed whose first read is a big one of at least that many bytes: fz_ctl.c's
    seed, fz_rand (xorshift32) and fz_chunk rule 0, replayed."""
    for b in range(256):
        x = (b * 2654435761 + 1) & 0xFFFFFFFF or 0x9E3779B9
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        if x & 7 == 0 and 1 + (x >> 3) % MSG_MAX >= at_least:
            return b
    raise SystemExit("no chunk seed gives a first read of %d bytes" % at_least)


def ctl_input(stream, ports=3, macs=10, seed=0):
    """The harness's 4 prefix bytes (ports, MAC entries, chunk seed), then the stream."""
    if ports <= 15:
        b0 = ports
    else:
        assert 193 <= ports <= 256
        b0 = 0xC0 | (256 - ports)
    return bytes([b0]) + struct.pack("<H", macs) + bytes([seed]) + stream


def msg(typ, seq, body=b"", version=2, length=None):
    if length is None:
        length = HDR.size + len(body)
    return HDR.pack(version, typ, length, seq, 0) + body


def name16(name):
    return name.ljust(16, b"\0")[:16]


PATH_MAX = 108  # SWP_PATH_MAX


def port_req_body(name, ptype=0, netns=b"", peer=b""):
    """swp_port_req: name, type, flags, peer, netns, reserved."""
    return (name16(name) + struct.pack("=II", ptype, 0) + name16(peer) +
            netns.ljust(PATH_MAX, b"\0")[:PATH_MAX] + struct.pack("=I", 0))


def port_req(typ, seq, name, ptype=0, netns=b"", peer=b""):
    return msg(typ, seq, port_req_body(name, ptype, netns, peer))


def mac_req(typ, seq, port=b""):
    return msg(typ, seq, name16(port))


def set_req(seq, key, value):
    return msg(SET, seq, struct.pack("=IIQ", key, 0, value))


def ctl_seeds():
    every = b"".join([
        port_req(PORT_ADD, 1, b"tap0", 1),
        port_req(PORT_ADD, 2, b"veth0", 0),
        port_req(PORT_ADD, 3, b"eth1", 2),
        msg(PORT_SHOW, 4),
        mac_req(MAC_SHOW, 5),
        mac_req(MAC_SHOW, 6, b"p0"),
        mac_req(MAC_FLUSH, 7, b"p1"),
        mac_req(MAC_FLUSH, 8),
        msg(STATUS, 9),
        port_req(PORT_DEL, 10, b"tap0"),
        port_req(PORT_DEL, 11, b"nosuch"),
        msg(PORT_SHOW, 12),
        msg(MONITOR, 13),
        msg(STATUS, 14),
    ])
    s = {
        "empty": ctl_input(b""),
        "status": ctl_input(msg(STATUS, 7)),
        "every_request": ctl_input(every),
        "every_request_seed1": ctl_input(every, seed=1),
        "every_request_seed255": ctl_input(every, seed=255),
        "every_request_no_ports": ctl_input(every, ports=0, macs=0),
        "port_add_errors": ctl_input(b"".join([
            port_req(PORT_ADD, 1, b""),               # empty name
            msg(PORT_ADD, 2, b"A" * 16 + port_req_body(b"")[16:]),  # unterminated
            port_req(PORT_ADD, 3, b"tap9", 7),        # unknown type
            port_req(PORT_ADD, 4, b"p0"),             # already a port
            port_req(PORT_ADD, 5, b"xmissing"),       # no such interface
            port_req(PORT_ADD, 6, b"busytap", 1),     # held TAP
        ])),
        # fz_port.c's veths: names starting with 'x' are free, netns "x..." missing, peers "b..." taken.
        "port_add_netns": ctl_input(b"".join([
            port_req(PORT_ADD, 1, b"xweb0", netns=b"web"),                  # created, peer eth0
            port_req(PORT_ADD, 2, b"xapp0", 2, b"/proc/1/ns/net", b"eth1"),  # a path, an ifname
            msg(PORT_SHOW, 3),
            port_req(PORT_DEL, 4, b"xweb0"),
            port_req(PORT_ADD, 5, b"xa", netns=b"N" * PATH_MAX),             # unterminated netns
            port_req(PORT_ADD, 6, b"xa", netns=b"run/netns/web"),           # relative path
            port_req(PORT_ADD, 7, b"xa", netns=b".."),
            port_req(PORT_ADD, 8, b"xa", peer=b"eth1"),                     # ifname, no netns
            msg(PORT_ADD, 9, port_req_body(b"xa", netns=b"web")[:24] + b"P" * 16 +
                port_req_body(b"")[40:]),                                   # unterminated ifname
            port_req(PORT_ADD, 10, b"xa", 1, b"web"),                       # type tap
            port_req(PORT_ADD, 11, b"p0", netns=b"web"),                    # name taken
            port_req(PORT_ADD, 12, b"xa", netns=b"xgone"),                  # no such netns
            port_req(PORT_ADD, 13, b"xa", netns=b"/run/netns/xgone"),
            port_req(PORT_ADD, 14, b"xa", netns=b"web", peer=b"busy0"),     # ifname taken there
            msg(STATUS, 15),
        ])),
        "port_add_until_full": ctl_input(b"".join(
            port_req(PORT_ADD, i, b"t%d" % i) for i in range(3)) + msg(STATUS, 9), ports=255, macs=0),
        "port_del_then_show": ctl_input(port_req(PORT_DEL, 1, b"p1") + mac_req(MAC_SHOW, 2) +
                                        msg(PORT_SHOW, 3)),
        "mac_errors": ctl_input(b"".join([
            msg(MAC_SHOW, 1, b"B" * 16),              # unterminated port
            mac_req(MAC_SHOW, 2, b"nosuch"),
            mac_req(MAC_FLUSH, 3, b"nosuch"),
            msg(MAC_FLUSH, 4, b"C" * 16),
        ])),
        "reply_types_as_requests": ctl_input(b"".join(
            msg(t, t, b"\0" * n) for t, n in sorted(BODY.items())) + msg(STATUS, 1)),
        # Each setting in and out of range; max-macs below the entries learned evicts.
        "set": ctl_input(b"".join([
            set_req(1, 1, 60), set_req(2, 1, 0), set_req(3, 2, 4), set_req(4, 3, 0),
            set_req(5, 4, 0), set_req(6, 5, 100), set_req(7, 6, 10000001), set_req(8, 7, 0),
            set_req(9, 0, 1), set_req(10, 99, 1), set_req(11, 2, 1 << 40), msg(STATUS, 12),
        ]), macs=10),
        "bad_version": ctl_input(msg(STATUS, 1, version=1) + msg(STATUS, 2, version=0) + msg(STATUS, 3)),
        "bad_type": ctl_input(msg(77, 1) + msg(0, 2) + msg(0xFFFF, 3) + msg(STATUS, 4)),
        "wrong_body_size": ctl_input(msg(STATUS, 1, b"\0" * 4) + msg(PORT_ADD, 2, b"\0" * 23) +
                                     msg(MAC_SHOW, 3, b"\0" * 17) + msg(STATUS, 4)),
        "len_zero": ctl_input(msg(STATUS, 1, length=0) + msg(STATUS, 2)),
        "len_15": ctl_input(msg(STATUS, 1) + msg(STATUS, 2, length=15) + msg(STATUS, 3)),
        "len_4097": ctl_input(msg(STATUS, 1, length=4097) + b"\0" * 64),
        "len_huge": ctl_input(msg(STATUS, 1, length=0xFFFFFFFF)),
        # A whole-buffer message: 4096 bytes, malformed by its size, then one more.
        "len_4096": ctl_input(msg(STATUS, 1, b"\0" * 4080) + msg(STATUS, 2)),
        "truncated_header": ctl_input(msg(STATUS, 1)[:10]),
        "truncated_body": ctl_input(port_req(PORT_ADD, 1, b"tap0")[:26]),
        "good_then_oversized": ctl_input(msg(STATUS, 1) + mac_req(MAC_SHOW, 2) +
                                         msg(PORT_SHOW, 3, length=5000) + msg(STATUS, 4)),
        "pipelined_200": ctl_input(b"".join(msg(STATUS, i) for i in range(200))),
        # Longer than the daemon's 4 KiB buffer: it is compacted as messages go.
        "longer_than_buffer": ctl_input(b"".join(
            mac_req(MAC_SHOW, i) if i % 3 else msg(STATUS, i) for i in range(300)), macs=40, seed=3),
        "many_ports_show": ctl_input(b"".join(msg(PORT_SHOW, i) for i in range(4)) +
                                     mac_req(MAC_SHOW, 9) + msg(STATUS, 10), ports=256, macs=1023),
        # 256 ports make each port show ~50 KB: a read full of them outgrows the 8 MiB bound.
        "reply_overflow": ctl_input(b"".join(msg(PORT_SHOW, i) for i in range(250)), ports=256,
                                    macs=0, seed=big_read_seed(250 * HDR.size)),
    }
    return s


def done_over_bound():
    """One read whose replies reach the 8 MiB bound exactly at a SWP_DONE: port shows on 256
    ports, then a mac show sized to land the last request's records just under the bound and
    its SWP_DONE just over it. Found by reasoning, replayed as a crasher (docs/fuzzing.md)."""
    hl, done = HDR.size, HDR.size + BODY[DONE]
    show = 256 * (hl + BODY[PORT_INFO]) + done
    status_rec = hl + BODY[STATUS_INFO]
    most = OUTBUF_MAX // show
    for shows in range(most, most - 8, -1):
        for macs in range(1024):
            t = shows * show + macs * (hl + BODY[MAC_ENTRY]) + done  # before the final status
            if t + status_rec <= OUTBUF_MAX < t + status_rec + done:
                stream = b"".join(msg(PORT_SHOW, i) for i in range(shows))
                stream += mac_req(MAC_SHOW, shows) + msg(STATUS, shows + 1)
                assert len(stream) <= MSG_MAX
                return ctl_input(stream, ports=256, macs=macs, seed=big_read_seed(len(stream)))
    raise SystemExit("done_over_bound: no MAC count lands a SWP_DONE on the bound")


# ---- harness 2: forwarding core ----

# Pool indices of fz_fwd.c's fz_macs.
A, B, C, D, E, F, G, H = range(8)
BCAST, MCAST4, MCAST6, STP, LLDP, PAST_LL, ZERO, GROUP = range(8, 16)
OP_FRAME, OP_RAW, OP_POLL, OP_CLOCK, OP_ADD, OP_DEL, OP_FLUSH, OP_SWFLUSH, OP_TXMODE, OP_MAX = \
    0, 3, 4, 5, 6, 7, 8, 9, 10, 11
MTU = {1500: 0, 9000: 1, 0: 2, 1504: 3, 576: 4, 65535: 5, 68: 7}  # index into fz_mtus
TXERR = {0: 0, "EAGAIN": 2, "ENOBUFS": 3, "EIO": 4, "EMSGSIZE": 5, "EPERM": 6, "ENETDOWN": 7}
RXERR = {"EAGAIN": 0, "EIO": 1, "ENOBUFS": 2, "EMSGSIZE": 3, "ENODEV": 4, "ENETDOWN": 5}


def fwd_input(records, ports=4, max_macs=16, ageing=1, flap_moves=0, flap_hold=1, storm=(0, 0, 0)):
    """The harness's 5 header bytes, then the records. storm: pps index per kind of flood
    (broadcast, multicast, unknown) into none, 1, 2, 50 frames a second."""
    return bytes([ports - 1, max_macs - 1, ageing - 1, flap_moves | (flap_hold - 1) << 3,
                  storm[0] | storm[1] << 2 | storm[2] << 4]) + b"".join(records)


MTUS = [1500, 9000, 0, 1504, 576, 65535, 1500, 68]  # fz_fwd.c's fz_mtus


def near_mtu(mtu, delta):
    """fz_gen's length byte for an L2 payload of mtu + delta (delta -2..2)."""
    return 200 + (delta + 2) * 8 + MTUS.index(mtu)


def gen(dst, src, tags=0, vid=0, size=8, gso=False, headroom=False):
    """fz_gen's three bytes: size is c (payload c*8 bytes; 200..239: near_mtu; 240..255: a
    0..15-byte runt)."""
    a = dst | tags << 4 | (0x40 if gso else 0) | (0x80 if headroom else 0)
    return bytes([a, src | vid << 4, size])


def frame(port, dst, src, **kw):
    return bytes([OP_FRAME, port]) + gen(dst, src, **kw)


def raw(port, data):
    return bytes([OP_RAW, port]) + struct.pack("<H", len(data)) + data


def poll(port, steps, dead=False):
    out = bytes([OP_POLL, port, 1 if dead else 0, len(steps)])
    for s in steps:
        out += bytes([RXERR[s]]) if isinstance(s, str) else bytes([0x80]) + s
    return out


def clock(ms):
    return bytes([OP_CLOCK]) + struct.pack("<H", ms)


def add(mtu=1500):
    return bytes([OP_ADD, MTU[mtu]])


def dele(port):
    return bytes([OP_DEL, port])


def flush(port=None):
    return bytes([OP_FLUSH, 0x80 if port is None else port])


SWFLUSH = bytes([OP_SWFLUSH])


def txmode(port, err, ok=0):
    return bytes([OP_TXMODE, port, TXERR[err] | ok << 3])


def setmax(n):
    return bytes([OP_MAX, n - 1])


def eth(dst, src, ethertype=0x0800, payload=b"", tags=()):
    out = dst + src
    for tpid, vid in tags:
        out += struct.pack(">HH", tpid, vid)
    return out + struct.pack(">H", ethertype) + payload


def fwd_seeds():
    mac_a, mac_b = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
    rng = random.Random(1)
    s = {
        "broadcast": fwd_input([frame(0, BCAST, A), SWFLUSH]),
        "unicast_learned": fwd_input([frame(0, BCAST, A), frame(1, BCAST, B), frame(0, B, A),
                                      frame(1, A, B), SWFLUSH]),
        "unknown_unicast_floods": fwd_input([frame(2, C, A), frame(0, MCAST4, B), frame(1, MCAST6, C)]),
        "filtered_same_port": fwd_input([frame(0, BCAST, A), frame(0, BCAST, B), frame(0, A, B)]),
        "tagged": fwd_input([frame(0, BCAST, A, tags=1, vid=3), frame(1, A, B, tags=1, vid=3),
                             frame(1, A, B, tags=1, vid=4), frame(2, BCAST, C, tags=2, vid=5),
                             frame(3, C, D, tags=2, vid=5), frame(3, BCAST, D, tags=3, vid=6)]),
        "runts": fwd_input([frame(0, BCAST, A, size=240 + n) for n in range(16)] +
                           [raw(1, b""), raw(1, b"\xff" * 5), raw(2, b"\xff" * 13), raw(2, b"\xff" * 14)]),
        "bad_src_and_link_local": fwd_input([frame(0, BCAST, ZERO), frame(0, BCAST, GROUP),
                                             frame(0, BCAST, BCAST), frame(1, STP, A), frame(1, LLDP, A),
                                             frame(1, PAST_LL, A)]),
        # Payloads of exactly an MTU and one byte more, untagged and tagged, to each kind of port.
        "mtu": fwd_input([add(576), add(68), add(0), add(9000), add(1504)] +
                         [frame(0, BCAST, A, tags=t, size=near_mtu(m, d)) for m in (1500, 576, 68, 9000, 1504)
                          for d in (0, 1) for t in (0, 2)] +
                         [frame(0, BCAST, A, size=near_mtu(9000, 2), gso=True), frame(0, BCAST, A, size=80)],
                         ports=2),
        "eviction": fwd_input([frame(i % 4, BCAST, i) for i in range(8)] +
                              [frame(0, i, A) for i in range(8)], max_macs=3),
        "eviction_one_port_flood": fwd_input([frame(0, BCAST, A), frame(1, BCAST, B)] +
                                             [frame(2, BCAST, C, tags=1, vid=v) for v in range(16)],
                                             max_macs=4),
        # Seen at t: still known at t + 999 ms, aged at exactly t + 1 s.
        "ageing": fwd_input([frame(0, BCAST, A), clock(999), frame(1, A, B), clock(1),
                             frame(1, A, B), clock(5000), frame(2, BCAST, C)], ageing=1),
        "port_del": fwd_input([frame(0, BCAST, A), frame(2, BCAST, C), frame(1, C, A), dele(2),
                               frame(1, C, A), add(), frame(3, BCAST, D), SWFLUSH]),
        "port_del_queued": fwd_input([frame(0, BCAST, A), frame(1, BCAST, B), dele(1), frame(0, B, A)]),
        "ports_to_max": fwd_input([add() for _ in range(14)] + [frame(0, BCAST, A), dele(3), add(),
                                                                frame(5, BCAST, B)], ports=8),
        "mac_flush": fwd_input([frame(0, BCAST, A), frame(1, BCAST, B), flush(0), frame(1, A, B),
                                flush(), frame(0, B, A)]),
        "poll": fwd_input([poll(0, [gen(BCAST, A), gen(B, A), "EIO", gen(BCAST, C, tags=1, vid=2)]),
                           poll(1, [gen(A, B, headroom=True), gen(BCAST, B, gso=True), "EAGAIN"])]),
        "poll_budget": fwd_input([poll(0, [gen(BCAST, i % 8, size=i) for i in range(70)])]),
        "poll_enodev": fwd_input([frame(2, BCAST, C), poll(2, [gen(BCAST, C), "ENODEV", gen(BCAST, C)]),
                                  frame(0, C, A)]),
        "poll_dead": fwd_input([poll(1, [gen(BCAST, B), "EIO"], dead=True), frame(0, B, A),
                                poll(0, ["ENOBUFS", gen(BCAST, A)], dead=False)]),
        "tx_errors": fwd_input([txmode(1, "EAGAIN", 1), txmode(2, "EIO"), txmode(3, "EMSGSIZE", 2)] +
                               [frame(0, BCAST, A, size=i) for i in range(6)] +
                               [txmode(1, 0), txmode(2, "ENOBUFS"), frame(0, BCAST, A), SWFLUSH]),
        "set_max_shrinks": fwd_input([frame(i % 4, BCAST, i) for i in range(8)] +
                                     [setmax(2), frame(0, B, A), setmax(16)], max_macs=16),
        "window": fwd_input([frame(i % 4, BCAST if i % 5 else A, i % 8, size=i % 200)
                             for i in range(60)], max_macs=8),
        "raw_frames": fwd_input([raw(0, eth(mac_b, mac_a, payload=b"x" * 46)),
                                 raw(1, eth(mac_a, mac_b, tags=[(0x8100, 10)], payload=b"y" * 42)),
                                 raw(2, eth(b"\xff" * 6, mac_a, tags=[(0x88a8, 20), (0x8100, 30)])),
                                 raw(3, eth(mac_a, mac_b, ethertype=0x8100))]),
        # A MAC bouncing between ports 0 and 1: more than 2 moves in a second block port 1.
        "flap_blocks_port": fwd_input([frame(i % 2, BCAST, A) for i in range(8)] +
                                      [frame(2, A, C), frame(1, BCAST, B), frame(0, B, C), clock(1500),
                                       frame(1, BCAST, B), clock(3000), frame(1, BCAST, B), frame(0, B, A)],
                                      flap_moves=2, flap_hold=2),
        "flap_slow_moves_ok": fwd_input([x for i in range(6) for x in (frame(i % 2, BCAST, A), clock(1100))],
                                        flap_moves=1),
        # Moves counted per second: 999 ms after the first move is the same second, 1000 ms a new one.
        "flap_second_boundary": fwd_input([frame(0, BCAST, A), frame(1, BCAST, A), clock(999),
                                           frame(0, BCAST, A), clock(1), frame(1, BCAST, A),
                                           frame(0, BCAST, A), frame(2, A, B)], flap_moves=2),
        "storm": fwd_input([frame(0, BCAST, A) for _ in range(4)] + [frame(0, MCAST4, A) for _ in range(4)] +
                           [frame(0, H, A) for _ in range(4)] + [clock(999), frame(0, BCAST, A), clock(1),
                                                                 frame(0, BCAST, A), frame(1, BCAST, B)],
                           storm=(1, 2, 3)),
        "storm_poll": fwd_input([poll(0, [gen(BCAST, A)] * 10 + [gen(MCAST6, A)] * 10)], storm=(2, 1, 0)),
        "random_records": fwd_input([bytes(rng.randrange(256) for _ in range(400))]),
    }
    return s


def write(harness, seeds):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".bin"):
            os.unlink(os.path.join(d, f))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(data)
    print("%s: %d seeds in %s" % (harness, len(seeds), os.path.relpath(d)))


def write_crasher(harness, name, data):
    """Crashers are kept for good; only the ones derived here are rewritten."""
    d = os.path.join(HERE, "crashers", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    print("%s: crasher %s" % (harness, os.path.relpath(os.path.join(d, name))))


if __name__ == "__main__":
    write("ctl", ctl_seeds())
    write("fwd", fwd_seeds())
    write_crasher("ctl", "done-over-outbuf-bound.bin", done_over_bound())
