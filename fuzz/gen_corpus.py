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
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The encoder the integration tests use (tests/integration/swp.py): one Python reading of proto.h.
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import swp  # noqa: E402

# ---- harness 1: control protocol ----

from swp import (PORT_ADD, PORT_DEL, PORT_SHOW, PORT_CLEAR, MAC_SHOW, MAC_FLUSH, STATUS, SET,  # noqa: E402
                 MONITOR, PORT_SET, MAC_ADD, MAC_DEL, DONE, PORT_INFO, MAC_ENTRY, STATUS_INFO, EVENT, msg, attr, raw_attr, string,
                 u16, u32, u64, nested)

HL, MSG_MAX, OUTBUF_MAX = swp.HDR.size, swp.MSG_MAX, 8 << 20  # SWITCHD_CTL_OUTBUF_MAX
NAME, TYPE, FLAGS, PEER, NETNS = (swp.A_PORT_NAME, swp.A_PORT_TYPE, swp.A_PORT_FLAGS, swp.A_PORT_PEER,
                                  swp.A_PORT_NETNS)
PATH_MAX = swp.PATH_MAX


def chunks(b):
    """fz_ctl.c's chunk seed b: its generator (fz_rand, xorshift32), one value after another."""
    x = (b * 2654435761 + 1) & 0xFFFFFFFF or 0x9E3779B9
    while True:
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        yield x


def big_read_seed(at_least):
    """A chunk seed whose first read is a big one of at least that many bytes (fz_chunk rule 0)."""
    for b in range(256):
        x = next(chunks(b))
        if x & 7 == 0 and 1 + (x >> 3) % MSG_MAX >= at_least:
            return b
    raise SystemExit("no chunk seed gives a first read of %d bytes" % at_least)


def ctl_input(stream, ports=3, macs=10, seed=0, readonly=False):
    """The harness's 4 prefix bytes (ports, MAC entries, chunk seed), then the stream.
    readonly: the client is a read-only socket's (bit 5 of byte 0, up to 15 ports)."""
    if ports <= 15:
        b0 = ports | (0x20 if readonly else 0)
    else:
        assert 193 <= ports <= 256 and not readonly
        b0 = 0xC0 | (256 - ports)
    return bytes([b0]) + struct.pack("<H", macs) + bytes([seed]) + stream


def port_req(typ, seq, name=b"", ptype=0, netns=b"", peer=b"", flags=0):
    return swp.port_req(typ, seq, name, ptype, flags, peer, netns)


def mac_req(typ, seq, port=b"", addr=None, vlan=None):
    return swp.mac_req(typ, seq, port, addr, vlan)


def port_set(seq, name, key, value):
    return swp.port_set_req(seq, name, key, value)


# Port setting keys (enum swp_port_setting_key) and max-macs' bound (SWITCHD_MAX_MACS_LIMIT).
LEARNING, FLOOD, ISOLATED, PMAX = 1, 2, 3, 4
MAX_MACS_LIMIT = 1 << 24


def set_req(seq, key, value):
    return swp.set_req(seq, key, value)


def learned(i):
    """The MAC of entry i that fz_setup learns: 02:00:00:00:ii:ii, on port i % ports, VLAN i % 3."""
    return bytes([2, 0, 0, 0, (i >> 8) & 0xFF, i & 0xFF])


def v2(typ, seq, body=b""):
    """A request as protocol version 2 framed it: u16 version, u16 type, u32 len, u32 seq, u32 0."""
    return struct.pack("=HHIII", 2, typ, 16 + len(body), seq, 0) + body


def fill(total, num=0x3FFF):
    """Unknown attributes of exactly total bytes (a multiple of 4), each at most 65532."""
    out = b""
    while total:
        n = min(total, 65532)
        out += attr(num, bytes(n - 4))
        total -= n
    return out


def ctl_seeds():
    every = b"".join([
        port_req(PORT_ADD, 1, b"tap0", 1),
        port_req(PORT_ADD, 2, b"veth0", 0),
        port_req(PORT_ADD, 3, b"eth1", 2),
        port_req(PORT_SHOW, 4),
        port_req(PORT_SHOW, 5, b"p1"),
        port_req(PORT_SHOW, 6, b"nosuch"),
        port_req(PORT_CLEAR, 7, b"p0"),
        port_req(PORT_CLEAR, 8, b"nosuch"),
        port_req(PORT_CLEAR, 9),
        mac_req(MAC_SHOW, 10),
        mac_req(MAC_SHOW, 11, b"p0"),
        mac_req(MAC_SHOW, 12, addr=learned(1)),
        mac_req(MAC_SHOW, 13, b"p2", learned(2)),
        mac_req(MAC_SHOW, 14, b"p0", learned(2)),     # on another port: none
        mac_req(MAC_FLUSH, 15, b"p1"),
        mac_req(MAC_FLUSH, 16),
        msg(STATUS, 17),
        port_req(PORT_DEL, 18, b"tap0"),
        port_req(PORT_DEL, 19, b"nosuch"),
        port_req(PORT_SHOW, 20),
        msg(MONITOR, 21),
        msg(STATUS, 22),
    ])
    s = {
        "empty": ctl_input(b""),
        "status": ctl_input(msg(STATUS, 7)),
        "every_request": ctl_input(every),
        "every_request_seed1": ctl_input(every, seed=1),
        "every_request_seed255": ctl_input(every, seed=255),
        "every_request_no_ports": ctl_input(every, ports=0, macs=0),
        "port_add_errors": ctl_input(b"".join([
            port_req(PORT_ADD, 1, b""),                               # no name
            msg(PORT_ADD, 2, [string(NAME, b"")]),                    # an empty one
            msg(PORT_ADD, 3, [string(NAME, b"A" * 16)]),              # too long: malformed
            msg(PORT_ADD, 4, [(NAME, b"tap8")]),                      # no NUL: malformed
            port_req(PORT_ADD, 5, b"tap9", 7),                        # unknown type
            port_req(PORT_ADD, 6, b"p0"),                             # already a port
            port_req(PORT_ADD, 7, b"xmissing"),                       # no such interface
            port_req(PORT_ADD, 8, b"busytap", 1),                     # held TAP
            port_req(PORT_ADD, 9, b"A" * 15),                         # the longest name
        ])),
        # fz_port.c's veths: names starting with 'x' are free, netns "x..." missing, peers "b..." taken.
        # vxlan: the daemon's checks, then fz_port.c's kernel without vxlan (-EOPNOTSUPP); remotes of
        # ports that are not vxlan; mtu with and without a netns.
        "vxlan": ctl_input(b"".join([
            msg(PORT_ADD, 1, [string(NAME, b"xvx0"), swp.u32(swp.A_PORT_TYPE, swp.PORT_VXLAN),
                              swp.u32(swp.A_PORT_VNI, 42), string(swp.A_PORT_REMOTES, b"198.18.0.2,198.18.0.3"),
                              string(swp.A_PORT_LOCAL, b"198.18.0.1"), swp.u32(swp.A_PORT_DSTPORT, 8472)]),
            msg(PORT_ADD, 2, [string(NAME, b"xvx1"), swp.u32(swp.A_PORT_TYPE, swp.PORT_VXLAN)]),       # no vni
            msg(PORT_ADD, 3, [string(NAME, b"xvx2"), swp.u32(swp.A_PORT_VNI, 7)]),                     # not vxlan
            msg(PORT_ADD, 4, [string(NAME, b"xvx3"), swp.u32(swp.A_PORT_TYPE, swp.PORT_VXLAN),
                              swp.u32(swp.A_PORT_VNI, 7), string(NETNS, b"web")]),                      # netns
            msg(PORT_ADD, 5, [string(NAME, b"xweb1"), string(NETNS, b"web"), swp.u32(swp.A_PORT_MTU, 1450)]),
            msg(PORT_ADD, 6, [string(NAME, b"xweb2"), swp.u32(swp.A_PORT_MTU, 1450)]),                 # no netns
            msg(PORT_ADD, 7, [string(NAME, b"xweb3"), string(NETNS, b"web"), swp.u32(swp.A_PORT_MTU, 20)]),
            msg(swp.PORT_REMOTE_ADD, 8, [string(NAME, b"p0"), string(swp.A_PORT_REMOTES, b"198.18.0.9")]),
            msg(swp.PORT_REMOTE_DEL, 9, [string(NAME, b"nosuch"), string(swp.A_PORT_REMOTES, b"198.18.0.9")]),
            msg(swp.PORT_REMOTE_ADD, 10, [string(NAME, b"p0"), string(swp.A_PORT_REMOTES, b"a,b")]),
            msg(swp.PORT_REMOTE_ADD, 11, [string(NAME, b"p0"), (swp.A_PORT_REMOTES, b"R" * swp.REMOTES_LEN + b"\0")]),
            mac_req(MAC_SHOW, 12),
        ])),
        "port_add_netns": ctl_input(b"".join([
            port_req(PORT_ADD, 1, b"xweb0", netns=b"web"),                  # created, peer eth0
            port_req(PORT_ADD, 2, b"xapp0", 2, b"/proc/1/ns/net", b"eth1"),  # a path, an ifname
            port_req(PORT_SHOW, 3),
            port_req(PORT_DEL, 4, b"xweb0"),
            port_req(PORT_ADD, 5, b"xa", netns=b"N" * PATH_MAX),             # too long: malformed
            port_req(PORT_ADD, 6, b"xa", netns=b"N" * (PATH_MAX - 1)),       # the longest
            port_req(PORT_ADD, 7, b"xa", netns=b"run/netns/web"),           # relative path
            port_req(PORT_ADD, 8, b"xa", netns=b".."),
            port_req(PORT_ADD, 9, b"xa", peer=b"eth1"),                     # ifname, no netns
            msg(PORT_ADD, 10, [string(NAME, b"xa"), string(NETNS, b"web"), (PEER, b"P" * 16)]),  # no NUL
            port_req(PORT_ADD, 11, b"xa", 1, b"web"),                       # type tap
            port_req(PORT_ADD, 12, b"p0", netns=b"web"),                    # name taken
            port_req(PORT_ADD, 13, b"xa", netns=b"xgone"),                  # no such netns
            port_req(PORT_ADD, 14, b"xa", netns=b"/run/netns/xgone"),
            port_req(PORT_ADD, 15, b"xa", netns=b"web", peer=b"busy0"),     # ifname taken there
            port_req(PORT_ADD, 16, b"xa", netns=b"web", flags=1),           # descriptor announced, none sent
            msg(STATUS, 17),
        ])),
        "port_add_until_full": ctl_input(b"".join(
            port_req(PORT_ADD, i, b"t%d" % i) for i in range(3)) + msg(STATUS, 9), ports=255, macs=0),
        "port_del_then_show": ctl_input(port_req(PORT_DEL, 1, b"p1") + mac_req(MAC_SHOW, 2) +
                                        port_req(PORT_SHOW, 3) + port_req(PORT_SHOW, 4, b"p1")),
        "port_clear": ctl_input(port_req(PORT_CLEAR, 1, b"p5") + port_req(PORT_SHOW, 2) +
                                port_req(PORT_CLEAR, 3) + port_req(PORT_SHOW, 4), ports=9, macs=30),
        "mac_errors": ctl_input(b"".join([
            msg(MAC_SHOW, 1, [(swp.A_MAC_PORT, b"B" * 16)]),          # no NUL
            mac_req(MAC_SHOW, 2, b"nosuch"),
            mac_req(MAC_FLUSH, 3, b"nosuch"),
            msg(MAC_FLUSH, 4, [string(swp.A_MAC_PORT, b"C" * 16)]),   # too long
            msg(MAC_SHOW, 5, [(swp.A_MAC_ADDR, learned(1)[:5])]),     # a 5-byte MAC
            mac_req(MAC_SHOW, 6, addr=b"\x02\0\0\0\xff\xff"),         # unknown MAC
            mac_req(MAC_FLUSH, 7, b"p1", learned(1)),                 # flush reads no MAC
            mac_req(MAC_SHOW, 8),
        ])),
        "reply_types_as_requests": ctl_input(b"".join([
            msg(DONE, 1), msg(PORT_INFO, 2), msg(MAC_ENTRY, 3), msg(STATUS_INFO, 4), msg(EVENT, 5),
            msg(DONE, 6, [swp.s32(swp.A_DONE_STATUS, -22), u32(swp.A_DONE_COUNT, 3),
                          string(swp.A_DONE_MSG, b"x" * 127)]),
            msg(PORT_INFO, 7, [string(NAME, b"p0"), u32(swp.A_PORT_STATE, 1),
                               nested(swp.A_PORT_COUNTERS, [u64(i, i) for i in range(1, 18)])]),
            msg(MAC_ENTRY, 8, [swp.mac(swp.A_MAC_ADDR, learned(3)), u16(swp.A_MAC_VLAN, 4095)]),
            msg(STATUS_INFO, 9, [string(swp.A_STATUS_VERSION, b"0.1.0"),
                                 nested(swp.A_STATUS_SETTINGS, [u64(1, 300), u64(8, 1)])]),
            msg(EVENT, 10, [u32(swp.A_EV_KIND, 7), string(swp.A_EV_REASON, b"r" * 63)]),
            msg(STATUS, 11),
        ])),
        # Each setting in and out of range; max-macs below the entries learned evicts.
        "set": ctl_input(b"".join([
            set_req(1, 1, 60), set_req(2, 1, 0), set_req(3, 2, 4), set_req(4, 3, 0),
            set_req(5, 4, 0), set_req(6, 5, 100), set_req(7, 6, 10000001), set_req(8, 7, 0),
            set_req(9, 0, 1), set_req(10, 99, 1), set_req(11, 2, 1 << 40),
            msg(SET, 12, [u64(swp.A_SET_VALUE, 5)]),                  # no key
            msg(STATUS, 13),
        ]), macs=10),
        # Each port setting in and out of range on a port fz_setup made (p0..p2); p0 learned
        # entries 0, 3, 6, 9: max-macs 2 evicts two of them. The same value again changes nothing.
        "port_set": ctl_input(b"".join([
            port_set(1, b"p1", LEARNING, 0), port_set(2, b"p1", LEARNING, 0), port_set(3, b"p1", LEARNING, 1),
            port_set(4, b"p1", LEARNING, 2),
            port_set(5, b"p2", FLOOD, 0), port_set(6, b"p2", FLOOD, 1), port_set(7, b"p2", FLOOD, 1 << 63),
            port_set(8, b"p0", ISOLATED, 1), port_set(9, b"p1", ISOLATED, 1), port_set(10, b"p0", ISOLATED, 3),
            port_set(11, b"p0", PMAX, 2), port_set(12, b"p0", PMAX, 2), port_set(13, b"p1", PMAX, MAX_MACS_LIMIT),
            port_set(14, b"p1", PMAX, MAX_MACS_LIMIT + 1), port_set(15, b"p0", PMAX, 0),
            port_set(16, b"p0", 0, 1), port_set(17, b"p0", 5, 0), port_set(18, b"p0", 0xFFFFFFFF, 1),
            port_set(19, b"nosuch", LEARNING, 0), port_set(20, b"", FLOOD, 0),
            msg(PORT_SET, 21, [u32(swp.A_PORT_SET_KEY, 1)]),          # no name
            msg(PORT_SET, 22, [string(NAME, b"p0"), (swp.A_PORT_SET_VALUE, b"\1" * 4)]),  # u64 of 4
            port_req(PORT_SHOW, 23), port_req(PORT_SHOW, 24, b"p0"), mac_req(MAC_SHOW, 25, b"p0"),
            msg(STATUS, 26),
        ]), macs=10),
        # A port set, then the port goes and comes back: its settings are the defaults again.
        "port_set_del_add": ctl_input(b"".join([
            port_set(1, b"p1", LEARNING, 0), port_set(2, b"p1", PMAX, 1), port_req(PORT_DEL, 3, b"p1"),
            port_req(PORT_ADD, 4, b"p1"), port_req(PORT_SHOW, 5, b"p1"), port_set(6, b"p1", PMAX, 1),
        ]), macs=12),
        # Static entries: one made of a learned entry (learned(1): p1, VLAN 1), new ones, the
        # errors; shown, kept by a flush, deleted, and gone with their port.
        "mac_add_del": ctl_input(b"".join([
            mac_req(MAC_ADD, 1, b"p0", learned(1), 1),
            mac_req(MAC_ADD, 2, b"p2", b"\x02\xaa\0\0\0\1", 7),
            mac_req(MAC_ADD, 3, b"p2", b"\x02\xaa\0\0\0\2", 4095),
            mac_req(MAC_ADD, 4, b"p1", b"\x02\xaa\0\0\0\1", 7),           # moves the static entry
            mac_req(MAC_ADD, 5, b"p1", b"\x02\xaa\0\0\0\1"),              # VLAN 0: another entry
            mac_req(MAC_ADD, 6, b"p0", b"\x01\0\x5e\0\0\1"),              # group
            mac_req(MAC_ADD, 7, b"p0", bytes(6)),                            # zero
            mac_req(MAC_ADD, 8, b"", b"\x02\xaa\0\0\0\3"),                # no port
            mac_req(MAC_ADD, 9, b"nosuch", b"\x02\xaa\0\0\0\3"),
            mac_req(MAC_ADD, 10, b"p0", b"\x02\xaa\0\0\0\3", 4096),
            mac_req(MAC_ADD, 11, b"p0", b"\x02\xaa\0\0\0\3", 0xFFFF),
            msg(MAC_ADD, 12, [string(swp.A_MAC_PORT, b"p0"), (swp.A_MAC_ADDR, b"\2" * 6), (swp.A_MAC_VLAN, b"\1")]),
            mac_req(MAC_SHOW, 13), mac_req(MAC_SHOW, 14, b"p2"), mac_req(MAC_SHOW, 15, addr=b"\x02\xaa\0\0\0\1"),
            port_req(PORT_SHOW, 16),
            mac_req(MAC_FLUSH, 17), mac_req(MAC_SHOW, 18), msg(STATUS, 19),
            mac_req(MAC_DEL, 20, addr=b"\x02\xaa\0\0\0\1", vlan=7),
            mac_req(MAC_DEL, 21, addr=b"\x02\xaa\0\0\0\1", vlan=7),        # gone: -ENOENT
            mac_req(MAC_DEL, 22, b"p2", learned(1), 1),                      # the port is not read
            mac_req(MAC_DEL, 23, addr=learned(1), vlan=4096),
            mac_req(MAC_DEL, 24, addr=bytes(6)),
            mac_req(MAC_ADD, 25, b"p2", learned(4), 1),
            port_req(PORT_DEL, 26, b"p2"),                                   # takes its static entries
            mac_req(MAC_SHOW, 27), msg(STATUS, 28),
        ]), macs=12),
        # After a flush of everything learned, a deletion of a learned entry; mac add over a learned one.
        "mac_del_learned": ctl_input(b"".join([
            mac_req(MAC_DEL, 1, addr=learned(2), vlan=2), mac_req(MAC_DEL, 2, addr=learned(2), vlan=0),
            mac_req(MAC_ADD, 3, b"p1", learned(5), 2), mac_req(MAC_FLUSH, 4, b"p2"),
            mac_req(MAC_SHOW, 5, b"p1"), mac_req(MAC_DEL, 6, addr=learned(5), vlan=2), mac_req(MAC_SHOW, 7),
        ]), macs=9),
        # mac show and flush of one VLAN (fz_setup's entry i is in VLAN i % 3); out of range with
        # the flag or without it.
        "mac_vlan": ctl_input(b"".join([
            mac_req(MAC_ADD, 1, b"p0", b"\x02\xbb\0\0\0\1", 1),
            mac_req(MAC_SHOW, 2, vlan=0), mac_req(MAC_SHOW, 3, vlan=1), mac_req(MAC_SHOW, 4, b"p1", vlan=1),
            mac_req(MAC_SHOW, 5, vlan=4095), mac_req(MAC_SHOW, 6, vlan=4096),
            mac_req(MAC_SHOW, 7, addr=learned(4), vlan=1), mac_req(MAC_SHOW, 8, addr=learned(4), vlan=2),
            msg(MAC_SHOW, 9, [u16(swp.A_MAC_VLAN, 2)]),                      # no flag: every VLAN
            msg(MAC_SHOW, 10, [u16(swp.A_MAC_VLAN, 4096)]),                  # no flag, out of range
            msg(MAC_SHOW, 11, [u32(swp.A_MAC_FLAGS, 0xFFFFFFFF)]),           # the flag, VLAN 0
            mac_req(MAC_FLUSH, 12, vlan=1), mac_req(MAC_SHOW, 13),
            mac_req(MAC_FLUSH, 14, b"p2", vlan=2), mac_req(MAC_FLUSH, 15, b"p0", vlan=5000),
            mac_req(MAC_FLUSH, 16, vlan=0xFFFF), mac_req(MAC_FLUSH, 17, b"nosuch", vlan=0),
            msg(MAC_FLUSH, 18, [u16(swp.A_MAC_VLAN, 9999)]),
            mac_req(MAC_SHOW, 19), mac_req(MAC_FLUSH, 20), mac_req(MAC_SHOW, 21),
        ]), ports=4, macs=60),
        # A table full of static entries: the next is -ENOSPC, a smaller max-macs leaves them all.
        "mac_add_full": ctl_input(b"".join(
            [set_req(1, 2, 3)] +
            [mac_req(MAC_ADD, 2 + i, b"p%d" % (i % 2), b"\x02\xcc\0\0\0" + bytes([i]), i) for i in range(5)] +
            [mac_req(MAC_ADD, 8, b"p1", b"\x02\xcc\0\0\0\0", 0),              # already there: moved
             set_req(9, 2, 1), mac_req(MAC_ADD, 10, b"p0", b"\x02\xcc\0\0\0\x09"), msg(STATUS, 11),
             mac_req(MAC_DEL, 12, addr=b"\x02\xcc\0\0\0\0"), mac_req(MAC_DEL, 13, addr=b"\x02\xcc\0\0\0\1", vlan=1),
             mac_req(MAC_ADD, 14, b"p0", b"\x02\xcc\0\0\0\x09"), set_req(15, 2, 1024),
             mac_req(MAC_SHOW, 16), port_req(PORT_DEL, 17, b"p1"), msg(STATUS, 18)]), ports=2, macs=6),
        # Mirrors (29-31): added, shown, the errors (name taken, no such port, the destination a
        # source, chains, static entries on the destination, bad names and lists, too many),
        # mac add on a destination, deleted; gone with a source port.
        "mirror": ctl_input(b"".join([
            swp.mirror_req(swp.MIRROR_ADD, 1, b"m1", b"p0,p1", 0, b"p2"),
            swp.mirror_req(swp.MIRROR_SHOW, 2), swp.mirror_req(swp.MIRROR_SHOW, 3, b"m1"),
            swp.mirror_req(swp.MIRROR_ADD, 4, b"m1", b"p0", 1, b"p3"),        # name taken
            swp.mirror_req(swp.MIRROR_ADD, 5, b"m2", b"p0,nosuch", 2, b"p3"),  # no such port
            swp.mirror_req(swp.MIRROR_ADD, 6, b"m2", b"p3", 2, b"p3"),         # destination a source
            swp.mirror_req(swp.MIRROR_ADD, 7, b"m2", b"p2", 0, b"p3"),         # a destination as a source
            swp.mirror_req(swp.MIRROR_ADD, 8, b"m2", b"p3", 0, b"p0"),         # a source as a destination
            swp.mirror_req(swp.MIRROR_ADD, 9, b"m 2", b"p3", 0, b"p4"),        # bad name
            swp.mirror_req(swp.MIRROR_ADD, 10, b"m2", b"p3,", 0, b"p4"),       # bad list
            swp.mirror_req(swp.MIRROR_ADD, 11, b"m2", b"p3,p3", 0, b"p4"),     # twice
            swp.mirror_req(swp.MIRROR_ADD, 12, b"m2", b"p3", 9, b"p4"),        # bad direction
            swp.mirror_req(swp.MIRROR_ADD, 13, b"m2", b"p3", 1, b"p2"),        # shares m1's destination
            mac_req(MAC_ADD, 14, b"p2", b"\x02\xee\0\0\0\1"),             # on a destination: -EBUSY
            mac_req(MAC_ADD, 15, b"p4", b"\x02\xee\0\0\0\2"),
            swp.mirror_req(swp.MIRROR_ADD, 16, b"m3", b"p3", 0, b"p4"),        # static entries on p4
            swp.mirror_req(swp.MIRROR_DEL, 17, b"m2"), swp.mirror_req(swp.MIRROR_DEL, 18, b"m2"),
            swp.mirror_req(swp.MIRROR_SHOW, 19, b"m2"),
            port_req(PORT_DEL, 20, b"p1"),                                      # takes m1
            swp.mirror_req(swp.MIRROR_SHOW, 21), mac_req(MAC_SHOW, 22),
        ] + [swp.mirror_req(swp.MIRROR_ADD, 30 + i, b"n%d" % i, b"p0", 0, b"p5") for i in range(10)]
            + [msg(STATUS, 45)]), ports=6, macs=30),
        # trace (32): flood, unicast to a learned entry, a tag, a bad source, no such port, a VLAN out
        # of range; the table is unchanged after.
        "trace": ctl_input(b"".join([
            msg(swp.TRACE, 1, [string(swp.A_TRACE_PORT, b"p0"), swp.mac(swp.A_TRACE_DST, b"\xff" * 6)]),
            msg(swp.TRACE, 2, [string(swp.A_TRACE_PORT, b"p0"), swp.mac(swp.A_TRACE_DST, learned(1)),
                               swp.mac(swp.A_TRACE_SRC, b"\x02\xab\0\0\0\1"), u32(swp.A_TRACE_FLAGS, 1)]),
            msg(swp.TRACE, 3, [string(swp.A_TRACE_PORT, b"p1"), swp.mac(swp.A_TRACE_DST, learned(2)),
                               u32(swp.A_TRACE_FLAGS, 2), u16(swp.A_TRACE_VLAN, 1), u16(swp.A_TRACE_TYPE, 0x86dd)]),
            msg(swp.TRACE, 4, [string(swp.A_TRACE_PORT, b"p1"), swp.mac(swp.A_TRACE_SRC, b"\x01" * 6),
                               u32(swp.A_TRACE_FLAGS, 1)]),
            msg(swp.TRACE, 5, [string(swp.A_TRACE_PORT, b"nosuch")]),
            msg(swp.TRACE, 6, [string(swp.A_TRACE_PORT, b"p0"), u32(swp.A_TRACE_FLAGS, 2), u16(swp.A_TRACE_VLAN, 5000)]),
            mac_req(MAC_SHOW, 7), msg(STATUS, 8),
        ]), ports=4, macs=12),
        # capture (28): bad direction bits, no such port, a filter of 9 bytes, one that jumps out
        # of itself, an empty list; then one of p1 and p2 (a BPF "accept all": ret #65535), a second
        # on the same connection (-EBUSY), shows, and the port dels that end it.
        "capture": ctl_input(b"".join([
            msg(swp.CAPTURE, 1, [u32(swp.A_CAP_DIRS, 4)]),
            msg(swp.CAPTURE, 2, [string(swp.A_CAP_PORTS, b"p0,nosuch")]),
            msg(swp.CAPTURE, 3, [(swp.A_CAP_FILTER, b"\x06" + bytes(8))]),
            msg(swp.CAPTURE, 4, [(swp.A_CAP_FILTER, struct.pack("=HBBI", 0x05, 0, 0, 7))]),  # ja +7: out
            msg(swp.CAPTURE, 5, [string(swp.A_CAP_PORTS, b",,")]),
            msg(swp.CAPTURE, 6, [string(swp.A_CAP_PORTS, b"p1,p2,p1"), u32(swp.A_CAP_DIRS, 3),
                                 u32(swp.A_CAP_SNAPLEN, 96), u64(swp.A_CAP_COUNT, 10),
                                 (swp.A_CAP_FILTER, struct.pack("=HBBI", 0x06, 0, 0, 65535))]),
            msg(swp.CAPTURE, 7, []),
            port_req(PORT_SHOW, 8), port_req(PORT_DEL, 9, b"p1"), port_req(PORT_DEL, 10, b"p2"),
            msg(STATUS, 11),
        ]), ports=4, macs=8),
        # The read-only socket: every changing request -EPERM, whatever it holds; shows answered.
        "readonly": ctl_input(b"".join([
            port_req(PORT_ADD, 1, b"tap0", 1), port_req(PORT_DEL, 2, b"p0"), port_req(PORT_CLEAR, 3),
            mac_req(MAC_FLUSH, 4), set_req(5, 1, 60), port_set(6, b"p0", LEARNING, 0),
            port_set(7, b"nosuch", 99, 1), mac_req(MAC_ADD, 8, b"p0", b"\x02\xdd\0\0\0\1"),
            mac_req(MAC_DEL, 9, addr=learned(0)), mac_req(MAC_DEL, 10, addr=bytes(6), vlan=9999),
            port_req(PORT_SHOW, 11), mac_req(MAC_SHOW, 12, vlan=0), msg(STATUS, 13), msg(MONITOR, 14),
            swp.mirror_req(swp.MIRROR_ADD, 15, b"m", b"p0", 0, b"p1"), swp.mirror_req(swp.MIRROR_DEL, 16, b"m"),
            swp.mirror_req(swp.MIRROR_SHOW, 17), msg(swp.CAPTURE, 18, []),
        ]), readonly=True),
        # port set (25: a u64 setting, or key 8 with a VLAN mode), mac add (26) and mac del (27),
        # in and out of range; a static entry survives a flush.
        "port_set_vlan_static": ctl_input(b"".join([
            msg(25, 1, [string(NAME, b"p0"), u32(13, 3), u64(14, 1)]),
            msg(25, 2, [string(NAME, b"p0"), u32(13, 4), u64(14, 1 << 40)]),
            msg(25, 3, [string(NAME, b"p1"), u32(13, 8), u32(swp.A_PORT_VLAN_MODE, 1), u32(swp.A_PORT_VLAN_VID, 10)]),
            msg(25, 4, [string(NAME, b"p1"), u32(13, 8), u32(swp.A_PORT_VLAN_MODE, 1), u32(swp.A_PORT_VLAN_VID, 10)]),     # had it
            msg(25, 5, [string(NAME, b"p2"), u32(13, 8), u32(swp.A_PORT_VLAN_VID, 30),
                        nested(swp.A_PORT_VLANS, [u64(1, 1 << 10), u64(64, 1 << 63)])]),            # VID 4095: refused
            msg(25, 6, [string(NAME, b"p2"), u32(13, 8), u32(swp.A_PORT_VLAN_MODE, 2), u32(swp.A_PORT_VLAN_VID, 100)]),
            msg(25, 7, [string(NAME, b"p0"), u32(13, 8), u32(swp.A_PORT_VLAN_MODE, 1), u32(swp.A_PORT_VLAN_VID, 0)]),      # VID 0: refused
            msg(25, 8, [string(NAME, b"nosuch"), u32(13, 1), u64(14, 0)]),
            msg(26, 9, [string(swp.A_MAC_PORT, b"p1"), swp.mac(swp.A_MAC_ADDR, b"\x02\0\0\0\xaa\x01"),
                        u16(swp.A_MAC_VLAN, 10)]),
            msg(26, 10, [swp.mac(swp.A_MAC_ADDR, b"\x02\0\0\0\xaa\x02")]),          # no port
            mac_req(MAC_FLUSH, 11),
            msg(MAC_SHOW, 12, [u16(swp.A_MAC_VLAN, 10), u32(6, 1)]),
            msg(27, 13, [swp.mac(swp.A_MAC_ADDR, b"\x02\0\0\0\xaa\x01"), u16(swp.A_MAC_VLAN, 10)]),
            msg(27, 14, [swp.mac(swp.A_MAC_ADDR, b"\x02\0\0\0\xaa\x01"), u16(swp.A_MAC_VLAN, 10)]),
            port_req(PORT_SHOW, 15),
        ]), macs=10),
        "bad_version": ctl_input(msg(STATUS, 1, version=1) + msg(STATUS, 2, version=2) +
                                 msg(PORT_DEL, 3, [string(NAME, b"p0")], version=4) +
                                 msg(STATUS, 4, version=0xFF) + msg(STATUS, 5)),
        "bad_type": ctl_input(msg(0, 1) + msg(2, 2) + msg(15, 3) + msg(28, 4) + msg(77, 5, [string(NAME, b"p0")]) +
                              msg(99, 6) + msg(105, 7) + msg(0xFFFF, 8) + msg(STATUS, 9)),
        # Attributes a receiver must refuse: each names the attribute at fault, or none when what
        # is left is not an attribute. Between them, ones it must accept.
        "malformed_attrs": ctl_input(b"".join([
            msg(PORT_DEL, 1, [(NAME, b"p0")]),                        # no NUL
            msg(PORT_DEL, 2, [(NAME, b"")]),                          # 0 bytes
            msg(PORT_DEL, 3, [string(NAME, b"p0"), (TYPE, b"\0" * 3)]),   # u32 of 3 bytes
            msg(PORT_ADD, 4, [string(NAME, b"t4"), (FLAGS, b"\0" * 8)]),  # u32 of 8
            msg(SET, 5, [u32(swp.A_SET_KEY, 1), (swp.A_SET_VALUE, b"\0" * 4)]),  # u64 of 4
            msg(PORT_DEL, 6, [string(NAME, b"p0")], tail=b"\3\0\0\0"),  # nla_len 3
            msg(PORT_DEL, 7, [string(NAME, b"p0")], tail=b"\x08\0\0\0"),  # nla_len 8, 4 bytes left
            msg(PORT_DEL, 8, [string(NAME, b"p0")], tail=b"\0\0\0\0"),  # nla_len 0
            msg(PORT_DEL, 9, [raw_attr(9, b"", nla_len=3), string(NAME, b"p0")]),
            msg(PORT_DEL, 10, [string(NAME, b"p0"), raw_attr(9, b"\0" * 4, nla_len=100)]),  # past the end
            msg(PORT_DEL, 11, [raw_attr(NAME, b"p0\0", nla_len=0xFFFF)]),
            msg(STATUS, 12),
            msg(PORT_INFO, 13, [(swp.A_PORT_COUNTERS | swp.NLA_F_NESTED, attr(1, b"\0" * 4))]),  # inner u64 of 4
            msg(PORT_INFO, 14, [(swp.A_PORT_COUNTERS, b"\0\0")]),    # a nest of 2 bytes
            msg(PORT_INFO, 15, [(swp.A_PORT_COUNTERS, attr(1, b"\1" * 8) + b"\0\0")]),  # bytes left in a nest
            msg(PORT_INFO, 16, [(swp.A_PORT_COUNTERS, attr(1, b"\1" * 8) + raw_attr(2, b"", nla_len=40))]),
            msg(STATUS_INFO, 17, [(swp.A_STATUS_SETTINGS, attr(99, b"\0" * 3))]),  # unknown index, not a u64
            msg(MAC_ENTRY, 18, [(swp.A_MAC_VLAN, b"\1")]),            # u16 of 1
            msg(EVENT, 19, [(swp.A_EV_MAC, b"\1" * 7)]),              # MAC of 7
            msg(EVENT, 20, [string(swp.A_EV_REASON, b"r" * 64)]),     # too long
            msg(DONE, 21, [string(swp.A_DONE_MSG, b"m" * 128)]),
            msg(STATUS, 22),
        ])),
        "wellformed_attrs": ctl_input(b"".join([
            msg(PORT_SHOW, 1, [raw_attr(NAME, b"p1\0")]),  # nla_len 7: the padding is the message's
            msg(PORT_SHOW, 2, [(NAME | swp.NLA_F_NESTED, b"p2\0")]),  # flag bits are masked off
            msg(PORT_SHOW, 3, [string(NAME, b"nosuch"), string(NAME, b"p0")]),  # the last wins
            msg(PORT_SHOW, 4, [attr(0, b"\xff"), attr(77, b"\xff" * 9), string(NAME, b"p0")]),  # unknown
            msg(MAC_SHOW, 5, [(swp.A_MAC_PORT, b"p1\0garbage\0")]),   # up to the first NUL
            msg(STATUS, 6, [u32(swp.A_STATUS_PORTS, 9)]),             # a request reads none
            msg(MONITOR, 7, tail=fill(64)),
            msg(PORT_INFO, 8, [(swp.A_PORT_COUNTERS, b"")]),          # an empty nest
            msg(PORT_INFO, 9, [nested(swp.A_PORT_COUNTERS, [u64(0, 1), u64(17, 1), u64(0x8003, 2)])]),
            msg(STATUS, 10),
        ])),
        # A v2 client: its first 4 bytes (u16 version 2, u16 type) read as a length out of range.
        "v2_port_del": ctl_input(v2(2, 1, b"p0".ljust(16, b"\0") + bytes(136)) + msg(STATUS, 2)),
        "v2_status_then_v3": ctl_input(v2(6, 1) + msg(STATUS, 2)),
        "v2_port_add": ctl_input(v2(1, 1, b"xv2".ljust(16, b"\0") + bytes(136)) + msg(STATUS, 2)),
        # A v2 status, port show, monitor alone: 16 bytes, less than a v3 header, refused all the same.
        "v2_status": ctl_input(v2(6, 1)),
        "v2_port_show": ctl_input(v2(3, 1)),
        "v2_monitor": ctl_input(v2(8, 1), seed=5),
        # Lengths no sender makes (not a multiple of 4): refused from their first 4 bytes.
        "len_unaligned": ctl_input(msg(STATUS, 1) + msg(PORT_DEL, 2, [string(NAME, b"p0")], tail=b"\0") +
                                   msg(STATUS, 3)),
        "len_unaligned_attr": ctl_input(msg(STATUS, 1) + msg(PORT_SHOW, 2, [raw_attr(NAME, b"p1\0", padding=False)])),
        "len_zero": ctl_input(msg(STATUS, 1, length=0) + msg(STATUS, 2)),
        "len_19": ctl_input(msg(STATUS, 1) + msg(STATUS, 2, length=19) + msg(STATUS, 3)),
        "len_16": ctl_input(msg(STATUS, 1, length=16) + b"\0" * 8),
        "len_max_plus_1": ctl_input(msg(STATUS, 1, length=MSG_MAX + 1) + b"\0" * 64),
        "len_max_plus_4": ctl_input(msg(STATUS, 1, length=MSG_MAX + 4) + b"\0" * 64),
        "len_huge": ctl_input(msg(STATUS, 1, length=0xFFFFFFFF)),
        # A whole-buffer message, 128 KiB of unknown attributes: a status like any other.
        "len_max": ctl_input(msg(STATUS, 1, tail=fill(MSG_MAX - HL)) + msg(STATUS, 2)),
        "len_max_bad": ctl_input(msg(STATUS, 1) + msg(PORT_DEL, 2, tail=fill(MSG_MAX - HL - 4) + b"\x40\0\0\0") +
                                 msg(STATUS, 3)),
        "truncated_header": ctl_input(msg(STATUS, 1)[:10]),
        "truncated_attr": ctl_input(port_req(PORT_ADD, 1, b"tap0")[:HL + 6]),
        "good_then_oversized": ctl_input(msg(STATUS, 1) + mac_req(MAC_SHOW, 2) +
                                         msg(PORT_SHOW, 3, length=200000) + msg(STATUS, 4)),
        "pipelined_200": ctl_input(b"".join(msg(STATUS, i) for i in range(200))),
        # Longer than the daemon's 128 KiB buffer: it is compacted as messages go.
        "longer_than_buffer": ctl_input(b"".join(
            mac_req(MAC_SHOW, i, b"p1") if i % 3 else msg(STATUS, i) for i in range(MSG_MAX // 20)),
            macs=40, seed=3),
        "many_ports_show": ctl_input(b"".join(port_req(PORT_SHOW, i) for i in range(4)) +
                                     mac_req(MAC_SHOW, 9) + msg(STATUS, 10), ports=256, macs=1023),
        # 256 ports make each port show ~23 KB: a read full of them outgrows the 8 MiB bound.
        "reply_overflow": ctl_input(b"".join(port_req(PORT_SHOW, i) for i in range(395)), ports=256,
                                    macs=0, seed=big_read_seed(395 * HL)),
        # 1023 entries make each mac show ~55 KB.
        "reply_overflow_macs": ctl_input(b"".join(mac_req(MAC_SHOW, i) for i in range(160)), ports=193,
                                         macs=1023, seed=big_read_seed(160 * HL)),
    }
    return s


def no_reply_queued_yet():
    """crash-b2ddbc88…, libFuzzer's, in v3: the first request answered (a port del) queues no
    record and the output buffer is still unallocated when the harness checks its records."""
    return ctl_input(port_req(PORT_DEL, 1, b"p1") + mac_req(MAC_SHOW, 2) + port_req(PORT_SHOW, 3),
                     ports=3, macs=10)


# What fz_setup's ports and cmd.c's answers encode to, by swp.py's encoder: the sizes that
# done_over_bound adds up. Zero and empty attributes are left out, as switchd leaves them.
def port_info_size(i, macs):
    c = [u64(1, i + 1)] + ([u64(4, (i % 5) << 33)] if i % 5 else []) + ([u64(16, 1)] if i & 1 else [])
    return len(msg(PORT_INFO, 0, [string(NAME, b"p%d" % i), u32(TYPE, 1), u32(swp.A_PORT_STATE, 1),
                                  swp.s32(swp.A_PORT_IFINDEX, 1000), u32(swp.A_PORT_MTU, 1500)] +
                   ([u32(swp.A_PORT_MACS, macs)] if macs else []) + [nested(swp.A_PORT_COUNTERS, c)]))


def done_size(status=0, count=0, text=b""):
    return len(msg(DONE, 0, ([swp.s32(swp.A_DONE_STATUS, status)] if status else []) +
                   ([u32(swp.A_DONE_COUNT, count)] if count else []) +
                   ([string(swp.A_DONE_MSG, text)] if text else [])))


# swp_encoded_max(): the room switchd wants free before it queues a message of that type.
DONE_MAX = HL + 8 + 8 + 4 + swp.ERR_MAX
MAC_ENTRY_MAX = HL + 12 + 8 + 4 + swp.NAME_MAX + 8 + 8


def done_over_bound():
    """One read whose replies reach the 8 MiB bound exactly at a SWP_DONE: port shows of 256
    ports, failing port dels (each a SWP_DONE of 60 to 72 bytes) that bring the queue to within
    one MAC entry below where a SWP_DONE no longer fits, then a mac show of one MAC, whose record
    fits and whose SWP_DONE does not. Derived by reasoning, replayed as a crasher
    (docs/fuzzing.md)."""
    ports, macs, mac = 256, 7, 6  # entry 6: port p6, VLAN 0, last seen 6 s before: age 6 or 7
    entry = len(msg(MAC_ENTRY, 0, [swp.mac(swp.A_MAC_ADDR, learned(mac)), string(swp.A_MAC_PORT, b"p6"),
                                   u32(swp.A_MAC_AGE, 6)]))
    show = sum(port_info_size(i, 1 if i < macs else 0) for i in range(ports)) + done_size(count=ports)
    hi = OUTBUF_MAX - DONE_MAX  # the most queued with room for a SWP_DONE
    lo = hi - entry             # ... and after one entry, not
    assert MAC_ENTRY_MAX <= DONE_MAX
    shows = (hi - 4096) // show
    gap = hi - shows * show
    fillers = {n: done_size(-2, 0, b"port del " + b"z" * n + b": no such port") for n in (1, 5, 9, 13)}
    sizes = sorted(set(fillers.values()))
    plan = None
    for k in range(gap // sizes[-1], -1, -1):
        for extra in [()] + [(a,) for a in sizes] + [(a, b) for a in sizes for b in sizes]:
            if lo < shows * show + k * sizes[-1] + sum(extra) <= hi:
                plan = [sizes[-1]] * k + list(extra)
                break
        if plan is not None:
            break
    assert plan is not None, "done_over_bound: no port dels land in the window"
    by_size = {v: n for n, v in fillers.items()}
    stream = b"".join(port_req(PORT_SHOW, i) for i in range(shows))
    stream += b"".join(port_req(PORT_DEL, shows + i, b"z" * by_size[f]) for i, f in enumerate(plan))
    stream += mac_req(MAC_SHOW, shows + len(plan), addr=learned(mac))
    return ctl_input(stream, ports=ports, macs=macs, seed=big_read_seed(len(stream)))


# ---- harness 2: forwarding core ----

# Pool indices of fz_fwd.c's fz_macs.
A, B, C, D, E, F, G, H = range(8)
BCAST, MCAST4, MCAST6, STP, LLDP, PAST_LL, ZERO, GROUP = range(8, 16)
OP_FRAME, OP_RAW, OP_POLL, OP_CLOCK, OP_ADD, OP_DEL, OP_FLUSH, OP_SWFLUSH, OP_TXMODE, OP_MAX, OP_VLAN = \
    0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
# fz_set_vlan's VIDs, and fz_gen's (by the index a frame's vid byte gives).
SET_VIDS = [1, 2, 100, 101, 4094, 10, 7, 3000]
GEN_VID = {0: 0, 1: 1, 2: 2, 100: 3, 101: 4, 4094: 5, 4095: 6, 0x2001: 7, 0xe064: 8, 7: 9, 8: 10, 9: 11,
           10: 12, 1000: 13, 2000: 14, 3000: 15}
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


def vlan(port, mode="default", vid=None, trunk=(), native=None):
    """fz_set_vlan's three bytes: mode access, tunnel (vid) or trunk (a list of up to 3 VIDs,
    or all when empty; native) or default."""
    m = a = 0
    if mode in ("access", "tunnel"):
        m, a = (1 if mode == "access" else 2), SET_VIDS.index(vid)
    elif mode == "trunk":
        m = 3 | (8 if not trunk else 0)
        if native is not None:
            m |= 4
            a = SET_VIDS.index(native)
        for i, v in enumerate(trunk):
            m |= 16 << i
            a |= SET_VIDS.index(v) << (3 + i)
            assert (a >> (3 + i)) & 7 == SET_VIDS.index(v), "list VIDs share bits of a: pick others"
    return bytes([OP_VLAN, port, m, a])


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
        # Two access ports of VLAN 10, a trunk of 10 and 100, a default port: untagged, priority-tagged
        # (PCP kept), tagged 10, 100 (the trunk's other VLAN), 4095 and another VID; known unicast
        # popped and pushed; GSO frames across the push and the pop.
        "vlan_access_trunk": fwd_input([vlan(0, "access", 10), vlan(1, "access", 10), vlan(2, "trunk", trunk=(10, 100)),
                                        frame(0, BCAST, A), frame(2, BCAST, B, tags=1, vid=GEN_VID[10]),
                                        frame(1, A, C), frame(0, C, A, gso=True), frame(2, A, B, tags=1,
                                                                                         vid=GEN_VID[10], gso=True),
                                        frame(0, BCAST, A, tags=1, vid=GEN_VID[0]),
                                        frame(2, BCAST, D, tags=1, vid=GEN_VID[100]),
                                        frame(3, BCAST, E, tags=1, vid=GEN_VID[10]),
                                        frame(2, BCAST, D, tags=1, vid=GEN_VID[4095]),
                                        frame(1, BCAST, C, tags=1, vid=GEN_VID[100]), SWFLUSH,
                                        poll(2, [gen(A, B, tags=1, vid=GEN_VID[10]), gen(BCAST, B, tags=1, vid=GEN_VID[10])]),
                                        poll(0, [gen(B, A), gen(BCAST, A, gso=True)])]),
        # A tunnel port of 100 and a trunk of all with native 10: an S-tag pushed over untagged and tagged
        # frames, popped from the trunk's 0x88a8 frames; then back to the default.
        "vlan_tunnel": fwd_input([vlan(0, "tunnel", 100), vlan(1, "trunk", native=10),
                                  frame(0, BCAST, A, tags=1, vid=GEN_VID[10]), frame(0, BCAST, A),
                                  frame(1, BCAST, B, tags=2, vid=GEN_VID[100]), frame(1, A, C, tags=2, vid=GEN_VID[100]),
                                  frame(3, BCAST, D, tags=1, vid=GEN_VID[0xe064]), frame(1, BCAST, B),
                                  vlan(0, "tunnel", 100), vlan(0), frame(0, BCAST, A), frame(2, BCAST, B)]),
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


def gso_seeds():
    """Harness 3: type selector, gso_size, csum_start, csum_offset, stop, frame."""
    def frame(v6, tagged, udp, payload, flags=0x18):
        eth = bytes.fromhex("525400000002525400000001")
        if tagged:
            eth += struct.pack(">HH", 0x8100, 100)
        proto = 17 if udp else 6
        if v6:
            eth += b"\x86\xdd"
            ip = struct.pack(">IHBB", 6 << 28, 0, proto, 64) + bytes(15) + b"\x01" + bytes(15) + b"\x02"
        else:
            eth += b"\x08\x00"
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 0, 0xFFFE, 0x4000, 64, proto, 0,
                             bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        if udp:
            l4 = struct.pack(">HHHH", 40000, 9999, 0, 0)
        else:
            l4 = struct.pack(">HHIIBBHHH", 40000, 5201, 0xFFFFFF00, 7, 5 << 4, flags, 65535, 0, 0)
        return eth + ip + l4 + bytes(i & 0xFF for i in range(payload)), len(eth) + len(ip)

    def seed(sel, mss, f, l4, udp, stop=0):
        return struct.pack(">BHHHB", sel, mss, l4, 6 if udp else 16, stop) + f

    s = {}
    for v6 in (0, 1):
        for tagged in (0, 1):
            for udp in (0, 1):
                f, l4 = frame(v6, tagged, udp, 2500)
                sel = 4 if udp else (3 if v6 else 1)
                name = "%s%s%s" % ("udp" if udp else "tcp", "6" if v6 else "4", "_tagged" if tagged else "")
                s[name] = seed(sel, 1000, f, l4, udp)
    f, l4 = frame(0, 0, 0, 100)
    s["csum_only"] = seed(0, 0, f, l4, 0)
    f, l4 = frame(0, 0, 0, 2500, 0x99)
    s["tcp4_fin_cwr_stop"] = seed(5, 700, f, l4, 0, stop=2)
    s["ufo"] = seed(2, 1000, *frame(0, 0, 1, 2500)[:1], 34, 1)
    return s


if __name__ == "__main__":
    write("ctl", ctl_seeds())
    write("fwd", fwd_seeds())
    write("gso", gso_seeds())
    write_crasher("ctl", "done-over-outbuf-bound.bin", done_over_bound())
    write_crasher("ctl", "no-reply-queued-yet.bin", no_reply_queued_yet())
