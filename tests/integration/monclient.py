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
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swp  # noqa: E402

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


def recv(s, what):
    try:
        m = swp.recv_msg(s)
        if m is None:
            fail("%s: connection closed" % what)
        return m, swp.fields(m)
    except swp.ProtocolError as e:
        fail("%s: %s" % (what, e))


s = swp.connect(a.socket, timeout=10)
s.sendall(swp.msg(swp.MONITOR, 77))
m, f = recv(s, "subscription")
if (m.type, m.seq) != (swp.DONE, 77):
    fail("subscription answered with type %d len %d seq %d" % (m.type, m.len, m.seq))
if f["status"] != 0:
    fail("subscription refused: status %d (%s)" % (f["status"], f["msg"]))
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
            m, f = recv(s, "event %d" % n)
        except socket.timeout:
            break
        if (m.type, m.seq) != (swp.EVENT, 77):
            fail("event %d: type %d len %d seq %d" % (n, m.type, m.len, m.seq))
        name = swp.EVENTS.get(f["kind"], str(f["kind"]))
        out.write(json.dumps({"event": name, "count": f["count"], "vlan": f["vlan"], "mac": f["mac"],
                              "port": f["port"]}) + "\n")
        n += 1
        if name == a.until:
            break
print("monclient: %d events read" % n)
