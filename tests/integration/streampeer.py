#!/usr/bin/python3
"""A stand-in for QEMU's -netdev stream (or -netdev dgram), for tests.

  streampeer.py SOCKET TAP --ready FILE [--dgram LOCAL]

Connects to SOCKET (a switchd stream port) and creates the TAP TAP, whose
kernel side the test moves into a namespace: the "guest" and its network
stack. The TAP has no virtio_net_hdr and no offloads, so that stack sends
and receives plain frames, as a QEMU guest's NIC hands them to a stream
netdev. Every frame read from the TAP goes to the socket as a 4-byte
big-endian length and the frame; every frame from the socket is written to
the TAP. Runs until SIGTERM, or until the socket closes or the TAP goes.

With --dgram LOCAL it is QEMU's -netdev dgram with unix addresses instead:
a datagram socket bound at LOCAL (removed at the end) sends each frame as
one bare datagram to SOCKET, and every datagram that comes is a frame.
"""
import argparse
import fcntl
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

stopping = False


def on_signal(_sig, _frm):
    global stopping
    stopping = True


def tap_frames(tap):
    """Up to 64 frames the TAP has now; None when it is gone."""
    frames = []
    for _ in range(64):
        try:
            frames.append(os.read(tap, 65536))
        except BlockingIOError:
            break
        except OSError as e:
            print("streampeer: tap read: %s" % e, file=sys.stderr)
            return None
    return frames


def main():
    p = argparse.ArgumentParser()
    p.add_argument("socket")
    p.add_argument("tap")
    p.add_argument("--ready", required=True)
    p.add_argument("--dgram", metavar="LOCAL")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tap = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH22x", a.tap.encode(), IFF_TAP | IFF_NO_PI))
    os.set_blocking(tap, False)
    if a.dgram:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(a.dgram)
        try:
            return dgram_loop(a, tap, s)
        finally:
            os.unlink(a.dgram)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(a.socket)
    with open(a.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    buf = b""
    while not stopping:
        try:
            r, _, _ = select.select([tap, s], [], [], 0.2)
        except InterruptedError:
            continue
        if tap in r:
            frames = tap_frames(tap)
            if frames is None:
                return 1
            for frame in frames:
                s.sendall(struct.pack(">I", len(frame)) + frame)
        if s in r:
            data = s.recv(1 << 20)
            if not data:
                print("streampeer: switchd closed the connection", file=sys.stderr)
                return 0
            buf += data
            while len(buf) >= 4:
                n = struct.unpack(">I", buf[:4])[0]
                if len(buf) < 4 + n:
                    break
                try:
                    os.write(tap, buf[4:4 + n])
                except OSError:
                    pass  # EIO: the guest's link is down; a NIC drops it too
                buf = buf[4 + n:]
    return 0


def dgram_loop(a, tap, s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setblocking(False)
    with open(a.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    while not stopping:
        try:
            r, _, _ = select.select([tap, s], [], [], 0.2)
        except InterruptedError:
            continue
        if tap in r:
            frames = tap_frames(tap)
            if frames is None:
                return 1
            for frame in frames:
                try:
                    s.sendto(frame, a.socket)
                except OSError:
                    pass  # switchd not there (yet): QEMU drops it too
        if s in r:
            for _ in range(64):
                try:
                    frame = s.recv(65536)
                except BlockingIOError:
                    break
                try:
                    os.write(tap, frame)
                except OSError:
                    pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
