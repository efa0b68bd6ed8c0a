#!/usr/bin/python3
"""Raw-frame tools for the integration tests (run inside a test's netns).

  pkt.py sniff IFACE --out FILE --ready FILE [--timeout S] [--all]
      Records every frame received on IFACE, one line each: "PKTTYPE LEN HEX".
      The outer VLAN tag the kernel moved into PACKET_AUXDATA is put back, so
      HEX is the frame as it was on the wire. Outgoing frames (the host's own)
      are skipped unless --all. Touches --ready once the socket is bound;
      stops at --timeout or on SIGTERM/SIGINT after draining what is queued.

  pkt.py send IFACE HEX [HEX ...] [--repeat N]
      Sends each frame (hex, separators ':' and '.' ignored) as given.

  pkt.py burst IFACE DST SRC MARKER COUNT [--every N --pause S]
      Sends COUNT frames DST <- SRC, ethertype 88b5, payload MARKER then a
      4-byte sequence number, pausing S seconds after every N frames.

  pkt.py seqcheck FILE MARKER COUNT
      Reads a sniff file; prints "got G dup D reordered R missing M" for the
      frames carrying MARKER (sequence numbers 0..COUNT-1).

  pkt.py holdtap NAME --out FILE --ready FILE
      Creates or attaches TAP NAME (IFF_TAP|IFF_NO_PI) and holds it: frames
      read from the TAP are recorded like sniff does (PKTTYPE is 0); each hex
      line on stdin is written into the TAP as one frame. Exits at stdin EOF.

No scapy here: these run often and must start fast.
"""
import argparse
import errno
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

stopping = False


def on_signal(_sig, _frm):
    global stopping
    stopping = True


def unhex(s):
    return bytes.fromhex(s.replace(":", "").replace(".", "").strip())


def touch(path):
    with open(path, "w") as f:
        f.write("%d\n" % os.getpid())


def put_vlan(data, ancdata):
    """Re-inserts the outer tag the kernel reported in PACKET_AUXDATA."""
    for level, typ, cdata in ancdata:
        if level != SOL_PACKET or typ != PACKET_AUXDATA or len(cdata) < 20:
            continue
        status, _len, _snap, _mac, _net, tci, tpid = struct.unpack("=IIIHHHH", cdata[:20])
        if not status & TP_STATUS_VLAN_VALID or len(data) < 12:
            return data
        if not status & TP_STATUS_VLAN_TPID_VALID:
            tpid = 0x8100
        return data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data


def cmd_sniff(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE: root may exceed rmem_max
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind((a.iface, ETH_P_ALL))
    s.setblocking(False)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    deadline = time.monotonic() + a.timeout
    with open(a.out, "w") as out:
        touch(a.ready)
        while True:
            if not stopping and time.monotonic() < deadline:
                select.select([s], [], [], 0.05)
            try:
                data, anc, _flags, addr = s.recvmsg(1 << 17, socket.CMSG_SPACE(64))
            except BlockingIOError:
                if stopping or time.monotonic() >= deadline:
                    break  # drained
                continue
            except InterruptedError:
                continue
            except OSError as e:
                if e.errno in (errno.ENETDOWN, errno.ENXIO, errno.ENODEV):
                    break  # the interface went away: nothing more will come
                raise
            if addr[0] != a.iface or (addr[2] == PACKET_OUTGOING and not a.all):
                continue
            data = put_vlan(data, anc)
            out.write("%d %d %s\n" % (addr[2], len(data), data.hex()))
            out.flush()


def cmd_send(a):
    frames = [unhex(h) for h in a.frames]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((a.iface, 0))
    for _ in range(a.repeat):
        for f in frames:
            n = s.send(f)
            if n != len(f):
                sys.exit("pkt.py send: short send %d of %d" % (n, len(f)))


def cmd_burst(a):
    head = unhex(a.dst) + unhex(a.src) + b"\x88\xb5" + unhex(a.marker)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.bind((a.iface, 0))
    for i in range(a.count):
        while True:
            try:
                s.send(head + struct.pack("!I", i))
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                time.sleep(0.001)  # our own qdisc-less veth is busy: retry, do not lose it
        if a.every and (i + 1) % a.every == 0:
            time.sleep(a.pause)


def cmd_seqcheck(a):
    marker = a.marker.lower()
    seen = set()
    got = dup = reordered = 0
    last = -1
    with open(a.file) as f:
        for line in f:
            hexdata = line.split()[2]
            k = hexdata.find(marker)
            if k < 0 or k % 2:
                continue
            seq = int(hexdata[k + len(marker):k + len(marker) + 8], 16)
            got += 1
            if seq in seen:
                dup += 1
            seen.add(seq)
            if seq < last:
                reordered += 1
            last = max(last, seq)
    missing = len(set(range(a.count)) - seen)
    print("got %d dup %d reordered %d missing %d" % (got, dup, reordered, missing))


def cmd_holdtap(a):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH22x", a.name.encode(), IFF_TAP | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    os.set_blocking(fd, False)
    os.set_blocking(0, False)
    signal.signal(signal.SIGTERM, on_signal)
    pending = b""
    with open(a.out, "w") as out:
        touch(a.ready)
        while not stopping:
            r, _, _ = select.select([fd, 0], [], [], 0.1)
            if fd in r:
                while True:
                    try:
                        data = os.read(fd, 1 << 17)
                    except BlockingIOError:
                        break
                    out.write("0 %d %s\n" % (len(data), data.hex()))
                    out.flush()
            if 0 in r:
                chunk = os.read(0, 65536)
                if not chunk:
                    break  # EOF: the test is done with us
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if line.strip():
                        os.write(fd, unhex(line.decode()))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sniff")
    p.add_argument("iface")
    p.add_argument("--out", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--all", action="store_true")
    p = sub.add_parser("send")
    p.add_argument("iface")
    p.add_argument("frames", nargs="+")
    p.add_argument("--repeat", type=int, default=1)
    p = sub.add_parser("burst")
    for arg in ("iface", "dst", "src", "marker"):
        p.add_argument(arg)
    p.add_argument("count", type=int)
    p.add_argument("--every", type=int, default=0)
    p.add_argument("--pause", type=float, default=0)
    p = sub.add_parser("seqcheck")
    p.add_argument("file")
    p.add_argument("marker")
    p.add_argument("count", type=int)
    p = sub.add_parser("holdtap")
    p.add_argument("name")
    p.add_argument("--out", required=True)
    p.add_argument("--ready", required=True)
    a = ap.parse_args()
    {"sniff": cmd_sniff, "send": cmd_send, "burst": cmd_burst, "seqcheck": cmd_seqcheck,
     "holdtap": cmd_holdtap}[a.cmd](a)


if __name__ == "__main__":
    main()
