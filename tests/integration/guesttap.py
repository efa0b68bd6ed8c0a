#!/usr/bin/python3
"""A QEMU-like holder of a TAP, with a real stack behind it, for tests.

  guesttap.py HOST GUEST --ready FILE

Creates and holds two TAPs: HOST, which stays in this namespace for switchd
to attach with AF_PACKET (as QEMU holds a VM's TAP, switchd cannot open it
itself), and GUEST, whose kernel side the test moves into a namespace: the
"guest" and its network stack. Every frame read from one is written to the
other, as QEMU's virtio NIC carries the guest's frames. Runs until SIGTERM,
or until either TAP goes away.
"""
import argparse
import fcntl
import os
import select
import signal
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

stopping = False


def on_signal(_sig, _frm):
    global stopping
    stopping = True


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("guest")
    p.add_argument("--ready", required=True)
    a = p.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    host, guest = open_tap(a.host), open_tap(a.guest)
    peer = {host: guest, guest: host}
    with open(a.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    while not stopping:
        try:
            r, _, _ = select.select([host, guest], [], [], 0.2)
        except InterruptedError:
            continue
        for fd in r:
            for _ in range(64):
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError as e:  # EBADFD: the TAP was deleted
                    print("guesttap: read: %s" % e, file=sys.stderr)
                    return 1
                try:
                    os.write(peer[fd], data)
                except OSError:
                    pass  # EIO: the other side's link is down; a NIC drops it too
    return 0


if __name__ == "__main__":
    sys.exit(main())
