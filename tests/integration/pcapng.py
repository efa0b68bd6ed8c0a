#!/usr/bin/python3
"""Reads a pcapng file on its own, as an independent check of switchctl's writer: one line per
packet, "IFNAME DIRECTION CAPLEN ORIGLEN TIME_NS HEX" (DIRECTION in, out or -), after a line per
interface block "if IFNAME LINKTYPE TSRESOL". Fails on anything malformed."""
import struct
import sys


def options(body):
    """The (code, value) options of a block body's option list."""
    out, at = [], 0
    while at + 4 <= len(body):
        code, length = struct.unpack_from("<HH", body, at)
        at += 4
        if code == 0:
            break
        if at + length > len(body):
            sys.exit("pcapng: option runs past its block")
        out.append((code, body[at:at + length]))
        at += (length + 3) & ~3
    return out


def main(path):
    data = open(path, "rb").read()
    at, ifaces = 0, []
    if data[8:12] != b"\x4d\x3c\x2b\x1a":
        sys.exit("pcapng: no little-endian section header block")
    while at < len(data):
        if at + 12 > len(data):
            sys.exit("pcapng: truncated block header at %d" % at)
        btype, blen = struct.unpack_from("<II", data, at)
        if blen < 12 or blen % 4 or at + blen > len(data):
            sys.exit("pcapng: bad block length %d at %d" % (blen, at))
        if struct.unpack_from("<I", data, at + blen - 4)[0] != blen:
            sys.exit("pcapng: trailing length differs at %d" % at)
        body = data[at + 8:at + blen - 4]
        if btype == 0x0A0D0D0A:
            ifaces = []  # a new section numbers its interfaces again
        elif btype == 1:
            linktype, _, snaplen = struct.unpack_from("<HHI", body, 0)
            name, resol = "?", 6
            for code, val in options(body[8:]):
                if code == 2:
                    name = val.rstrip(b"\0").decode()
                elif code == 9:
                    resol = val[0]
            ifaces.append((name, resol))
            print("if %s %d %d" % (name, linktype, resol))
        elif btype == 6:
            iface, hi, lo, caplen, origlen = struct.unpack_from("<IIIII", body, 0)
            if iface >= len(ifaces):
                sys.exit("pcapng: packet of interface %d, which has no block" % iface)
            pkt = body[20:20 + caplen]
            if len(pkt) != caplen or caplen > origlen:
                sys.exit("pcapng: packet of %d bytes claims %d of %d" % (len(pkt), caplen, origlen))
            direction = "-"
            for code, val in options(body[20 + ((caplen + 3) & ~3):]):
                if code == 2:
                    direction = {1: "in", 2: "out"}.get(struct.unpack("<I", val)[0] & 3, "-")
            name, resol = ifaces[iface]
            ts = (hi << 32 | lo) * 10 ** (9 - resol) if resol <= 9 else (hi << 32 | lo) // 10 ** (resol - 9)
            print("%s %s %d %d %d %s" % (name, direction, caplen, origlen, ts, pkt.hex()))
        at += blen


main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin")
