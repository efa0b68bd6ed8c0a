#!/usr/bin/python3
"""Reads a pkt.py sniff file of an underlay and prints each VXLAN packet in it.

One line per UDP datagram to one of the given ports (default 4789), as
    FAMILY SRC DST DPORT FLAGS VNI INNER_HEX
with FLAGS the first byte of the RFC 7348 header in hex (0x08: the VNI is
valid) and VNI its 24-bit network identifier. Other frames are skipped.
Usage: vxwire.py SNIFF_FILE [PORT...]
"""
import ipaddress
import struct
import sys


def main():
    path = sys.argv[1]
    ports = {int(p) for p in sys.argv[2:]} or {4789}
    for line in open(path):
        parts = line.split()
        if len(parts) != 3:
            continue
        f = bytes.fromhex(parts[2])
        if len(f) < 14:
            continue
        etype = struct.unpack("!H", f[12:14])[0]
        if etype == 0x0800 and len(f) >= 34:
            ihl = (f[14] & 0x0F) * 4
            if f[23] != 17:
                continue
            fam, src, dst = "ipv4", ipaddress.ip_address(f[26:30]), ipaddress.ip_address(f[30:34])
            udp = 14 + ihl
        elif etype == 0x86DD and len(f) >= 54:
            if f[20] != 17:
                continue
            fam, src, dst = "ipv6", ipaddress.ip_address(f[22:38]), ipaddress.ip_address(f[38:54])
            udp = 54
        else:
            continue
        if len(f) < udp + 16:
            continue
        dport = struct.unpack("!H", f[udp + 2:udp + 4])[0]
        if dport not in ports:
            continue
        vx = f[udp + 8:udp + 16]
        vni = int.from_bytes(vx[4:7], "big")
        print("%s %s %s %d 0x%02x %d %s" % (fam, src, dst, dport, vx[0], vni, f[udp + 16:].hex()))


if __name__ == "__main__":
    main()
