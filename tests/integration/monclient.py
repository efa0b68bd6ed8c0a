#!/usr/bin/python3
"""A monitor client on the raw protocol, that can stop reading on purpose.

  monclient.py SOCKET --ready FILE --go FILE --until EVENT --out FILE [--timeout S]

Subscribes (SWP_MONITOR), checks the SWP_DONE, touches --ready and then reads
nothing until --go exists: meanwhile switchd must queue at most its per-monitor
bound and count what it drops. Then it reads every event, one JSON line each
into --out ({"event", "count", "mac", "vlan", "port"}), until one of kind
--until arrives (or --timeout). Exits 1 on a framing error.
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

HDR = struct.Struct("=HHIII")
EVENT = struct.Struct("=IH6sIQQ16s16s64s")  # kind, vlan, mac, reserved, time_ms, count, port, old_port, reason
MONITOR, DONE, EVENT_T = 8, 100, 104
NAMES = {1: "port_added", 2: "port_removed", 3: "port_up", 4: "port_down", 5: "port_blocked",
         6: "port_unblocked", 7: "mac_learned", 8: "mac_moved", 9: "mac_aged", 10: "mac_evicted",
         11: "mac_flushed", 12: "events_lost"}

a = argparse.ArgumentParser()
a.add_argument("socket")
a.add_argument("--ready", required=True)
a.add_argument("--go", required=True)
a.add_argument("--until", required=True)
a.add_argument("--out", required=True)
a.add_argument("--timeout", type=float, default=30)
a = a.parse_args()


def fail(what):
    sys.exit("monclient: FAIL: " + what)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            fail("connection closed with %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(a.socket)
s.settimeout(10)
s.sendall(HDR.pack(2, MONITOR, HDR.size, 77, 0))
ver, typ, length, seq, _ = HDR.unpack(recv_exact(s, HDR.size))
if (typ, length, seq) != (DONE, HDR.size + 136, 77):
    fail("subscription answered with type %d len %d seq %d" % (typ, length, seq))
status = struct.unpack_from("=i", recv_exact(s, 136))[0]
if status != 0:
    fail("subscription refused: status %d" % status)
with open(a.ready, "w"):
    pass
while not os.path.exists(a.go):
    time.sleep(0.05)

n = 0
deadline = time.monotonic() + a.timeout
with open(a.out, "w") as out:
    while time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            ver, typ, length, seq, _ = HDR.unpack(recv_exact(s, HDR.size))
        except socket.timeout:
            break
        if (ver, typ, length, seq) != (2, EVENT_T, HDR.size + EVENT.size, 77):
            fail("event %d: header version %d type %d len %d seq %d" % (n, ver, typ, length, seq))
        kind, vlan, mac, _, _, count, port, _, _ = EVENT.unpack(recv_exact(s, EVENT.size))
        name = NAMES.get(kind, str(kind))
        out.write(json.dumps({"event": name, "count": count, "vlan": vlan,
                              "mac": ":".join("%02x" % b for b in mac),
                              "port": port.split(b"\0")[0].decode(errors="replace")}) + "\n")
        n += 1
        if name == a.until:
            break
print("monclient: %d events read" % n)
