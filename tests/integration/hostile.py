#!/usr/bin/python3
"""Hundreds of hostile control clients, re-connected as switchd drops them.

  hostile.py SOCKET --clients N --stop FILE --ready FILE [--reconnect-ms MS] [--stats FILE]

Kinds, in turn: idle (connects, sends nothing), slowloris (a MAC_SHOW header announcing
16 bytes of attributes, then one byte a second), bigreader (asks for the whole MAC table
and never reads), garbage (random bytes, then reads and discards until dropped). When
switchd drops one (EOF, reset, or hang-up seen by poll: a bigreader never reads, so only
POLLRDHUP tells), it is re-connected after --reconnect-ms. A connect that finds the listen
backlog full is retried 10 ms later. Runs until FILE --stop exists; prints (and writes to
--stats) JSON counters.
"""
import argparse
import errno
import json
import os
import random
import select
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swp  # noqa: E402

POLLRDHUP = 0x2000
KINDS = ("idle", "slowloris", "bigreader", "garbage")

a = argparse.ArgumentParser()
a.add_argument("socket")
a.add_argument("--clients", type=int, default=500)
a.add_argument("--stop", required=True)
a.add_argument("--ready", required=True)
a.add_argument("--reconnect-ms", type=float, default=0)
a.add_argument("--stats")
a = a.parse_args()

rng = random.Random(1)
poll = select.poll()
socks = {}  # fd -> slot
slots = [{"kind": KINDS[i % len(KINDS)], "sock": None, "at": 0.0, "sent": 0, "since": 0.0}
         for i in range(a.clients)]
st = {k: {"connects": 0, "drops": 0, "life_s": 0.0} for k in KINDS}
st["backlog_full"] = 0
st["max_connected"] = 0
connected = 0


def drop(slot, now):
    global connected
    s = slot["sock"]
    fd = s.fileno()
    poll.unregister(fd)
    del socks[fd]
    s.close()
    slot["sock"] = None
    slot["at"] = now + a.reconnect_ms / 1000.0
    st[slot["kind"]]["drops"] += 1
    st[slot["kind"]]["life_s"] += now - slot["since"]
    connected -= 1


def connect(slot, now):
    global connected
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(a.socket)
    except BlockingIOError:  # EAGAIN: the listen backlog is full
        s.close()
        st["backlog_full"] += 1
        slot["at"] = now + 0.01
        return
    slot.update(sock=s, sent=0, since=now, at=now + 1.0)
    kind = slot["kind"]
    try:
        if kind == "slowloris":
            s.send(swp.header(swp.MAC_SHOW, 1, swp.HDR.size + 16))
        elif kind == "bigreader":
            s.send(swp.mac_req(swp.MAC_SHOW, 2))
        elif kind == "garbage":
            s.send(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 600))))
    except OSError:
        pass
    ev = POLLRDHUP if kind == "bigreader" else select.POLLIN | POLLRDHUP
    poll.register(s.fileno(), ev)
    socks[s.fileno()] = slot
    st[kind]["connects"] += 1
    connected += 1
    st["max_connected"] = max(st["max_connected"], connected)


ready = False
while not os.path.exists(a.stop):
    now = time.monotonic()
    for slot in slots:
        if slot["at"] > now:
            continue
        if slot["sock"] is None:
            connect(slot, now)
        elif slot["kind"] == "slowloris":
            try:
                slot["sock"].send(b"\xff")  # never completes: 16 attribute bytes, one a second
            except OSError:
                pass
            slot["at"] = now + 1.0
        else:
            slot["at"] = now + 1.0
    if not ready and all(s["sock"] is not None or st["backlog_full"] for s in slots):
        open(a.ready, "w").close()
        ready = True
    for fd, ev in poll.poll(10):
        slot = socks.get(fd)
        if slot is None:
            continue
        gone = ev & (select.POLLHUP | select.POLLERR | POLLRDHUP)
        if not gone and ev & select.POLLIN:
            try:
                gone = not slot["sock"].recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                gone = True
            except BlockingIOError:
                pass
        if gone:
            drop(slot, time.monotonic())
if not ready:
    open(a.ready, "w").close()
st["connected_at_stop"] = connected
for slot in slots:
    if slot["sock"] is not None:
        slot["sock"].close()
for k in KINDS:
    d = st[k]
    d["mean_life_s"] = round(d.pop("life_s") / d["drops"], 2) if d["drops"] else None
out = json.dumps(st, sort_keys=True)
print(out)
if a.stats:
    with open(a.stats, "w") as f:
        f.write(out + "\n")
