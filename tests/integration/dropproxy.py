#!/usr/bin/env python3
"""A control-socket proxy that drops connections the way a full switchd does.

dropproxy.py LISTEN TARGET DROP COUNTFILE: listens on the Unix socket LISTEN;
each of the first DROP connections (all of them if DROP is -1) is accepted and
closed without a byte read, as switchd closes a client it evicts to make room;
later ones are relayed to TARGET (the real switchd socket) both ways. The number
of connections seen so far is kept in COUNTFILE.
"""
import os
import socket
import sys
import threading


def relay(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    listen, target, drop, countfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(16)
    seen = 0
    with open(countfile, "w") as f:
        f.write("0\n")
    while True:
        c, _ = srv.accept()
        seen += 1
        tmp = countfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % seen)
        os.rename(tmp, countfile)
        if drop < 0 or seen <= drop:
            c.close()
            continue
        t = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        t.connect(target)
        threading.Thread(target=relay, args=(c, t), daemon=True).start()
        threading.Thread(target=relay, args=(t, c), daemon=True).start()


if __name__ == "__main__":
    main()
