#!/usr/bin/python3
"""A minimal service manager with systemd's file descriptor store, for tests.

  fdstore.py --dir DIR [--restart-sec S] [--max N] -- COMMAND...

Runs COMMAND the way systemd runs a Type=notify service with
Restart=on-failure and FileDescriptorStoreMax=N:

- NOTIFY_SOCKET is DIR/notify.sock; only the main process may talk to it
  (NotifyAccess=main, checked with SCM_CREDENTIALS).
- "FDSTORE=1" with descriptors (SCM_RIGHTS) and "FDNAME=name" stores them
  under that name (default "stored"); "FDSTOREREMOVE=1" with "FDNAME=name"
  closes every descriptor stored under it. Descriptors sent any other way
  are closed.
- When COMMAND dies of a signal or exits non-zero, it is started again after
  --restart-sec with the stored descriptors as 3, 4, ... and LISTEN_FDS,
  LISTEN_FDNAMES and LISTEN_PID (its own pid) set. When it exits 0 the store
  is flushed and fdstore.py exits 0. SIGTERM or SIGINT to fdstore.py are
  passed on to COMMAND, which then is not restarted.

DIR/state.json tells the test what happens: {"pid", "starts", "ready",
"started_ms" and "ready_ms" (of the last start, CLOCK_REALTIME in ms),
"store": [names], "exits": [{"pid", "status", "store": [names at exit]}]},
rewritten (atomically) on every change.
"""
import argparse
import array
import json
import os
import select
import signal
import socket
import struct
import sys
import time

SO_PASSCRED = 16
SCM_CREDENTIALS = 2


def log(msg):
    print("fdstore: %s" % msg, file=sys.stderr, flush=True)


class Manager:
    def __init__(self, a):
        self.a = a
        self.store = []  # [(name, fd)], in the order they came
        self.pid = 0
        self.main = 0  # MAINPID= if the child names one, else the child
        self.starts = 0
        self.ready = False
        self.exits = []
        self.started_ms = self.ready_ms = 0
        self.stopping = False
        self.path = os.path.join(a.dir, "notify.sock")
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.bind(self.path)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
        self.sock.setblocking(False)
        self.wake_r, self.wake_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)

    def save(self):
        st = {"pid": self.pid, "starts": self.starts, "ready": self.ready,
              "started_ms": self.started_ms, "ready_ms": self.ready_ms,
              "store": [n for n, _ in self.store], "exits": self.exits}
        tmp = os.path.join(self.a.dir, "state.json.tmp")
        with open(tmp, "w") as f:
            json.dump(st, f)
        os.rename(tmp, os.path.join(self.a.dir, "state.json"))

    def start(self):
        names = ":".join(n for n, _ in self.store)
        fds = [fd for _, fd in self.store]
        env = dict(os.environ)
        env["NOTIFY_SOCKET"] = self.path
        for k in ("LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PID"):
            env.pop(k, None)
        self.started_ms = int(time.time() * 1000)
        pid = os.fork()
        if pid == 0:
            try:
                # Out of the way first, then to 3, 4, ...: a stored fd may sit where another goes.
                import fcntl
                high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 1000) for fd in fds]
                for i, h in enumerate(high):
                    os.dup2(h, 3 + i, inheritable=True)
                os.closerange(3 + len(fds), 65536)
                if fds:
                    env["LISTEN_FDS"] = str(len(fds))
                    env["LISTEN_FDNAMES"] = names
                    env["LISTEN_PID"] = str(os.getpid())
                os.execvpe(self.a.command[0], self.a.command, env)
            except BaseException as e:  # noqa: B902 - nothing may return into the parent's loop
                print("fdstore: exec %s: %s" % (self.a.command[0], e), file=sys.stderr)
            os._exit(127)
        self.pid = self.main = pid
        self.starts += 1
        self.ready = False
        log("started %s (pid %d, start %d) with %d descriptors%s" % (
            self.a.command[0], pid, self.starts, len(fds), " (%s)" % names if fds else ""))
        self.save()

    def drop(self, name):
        keep = []
        for n, fd in self.store:
            if n == name:
                os.close(fd)
            else:
                keep.append((n, fd))
        gone = len(self.store) - len(keep)
        self.store = keep
        return gone

    def message(self):
        while True:
            try:
                msg, anc, _flags, _addr = self.sock.recvmsg(
                    4096, socket.CMSG_SPACE(253 * 4) + socket.CMSG_SPACE(12))
            except BlockingIOError:
                return
            fds, sender = [], None
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    a = array.array("i")
                    a.frombytes(data[:len(data) - len(data) % a.itemsize])
                    fds.extend(a)
                elif level == socket.SOL_SOCKET and kind == SCM_CREDENTIALS:
                    sender = struct.unpack("iII", data[:12])[0]
            if sender not in (self.pid, self.main) or not self.pid:
                log("message from pid %s ignored (main pid %d)" % (sender, self.main))
                for fd in fds:
                    os.close(fd)
                continue
            fields = {}
            for line in msg.decode(errors="replace").split("\n"):
                if "=" in line:
                    k, v = line.split("=", 1)
                    fields[k] = v
            if fields.get("READY") == "1":
                self.ready = True
                self.ready_ms = int(time.time() * 1000)
                if fields.get("MAINPID", "").isdigit():
                    self.main = int(fields["MAINPID"])
            name = fields.get("FDNAME", "stored")
            if fields.get("FDSTORE") == "1":
                for fd in fds:
                    if len(self.store) >= self.a.max:
                        log("store full (%d): %s dropped" % (self.a.max, name))
                        os.close(fd)
                    else:
                        os.set_inheritable(fd, False)
                        self.store.append((name, fd))
                fds = []
            elif fields.get("FDSTOREREMOVE") == "1":
                self.drop(name)
            for fd in fds:
                os.close(fd)
            self.save()

    def reap(self):
        while self.pid:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid == 0:
                return
            self.exits.append({"pid": pid, "status": status,
                               "store": [n for n, _ in self.store]})
            failed = not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0
            log("pid %d %s" % (pid, ("killed by signal %d" % os.WTERMSIG(status))
                               if os.WIFSIGNALED(status) else "exited %d" % os.WEXITSTATUS(status)))
            self.pid = self.main = 0
            self.ready = False
            self.save()
            if failed and not self.stopping:
                time.sleep(self.a.restart_sec)
                self.start()
            else:
                # Stopped for good: the store goes, as systemd's does with its unit.
                for n, fd in self.store:
                    os.close(fd)
                if self.store:
                    log("store flushed: %s" % " ".join(n for n, _ in self.store))
                self.store = []
                self.save()
                sys.exit(0)

    def on_signal(self, sig, _frame):
        if sig == signal.SIGCHLD:
            os.write(self.wake_w, b"c")
            return
        self.stopping = True
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
        os.write(self.wake_w, b"t")

    def run(self):
        for s in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, self.on_signal)
        self.start()
        while True:
            try:
                r, _, _ = select.select([self.sock, self.wake_r], [], [], 1.0)
            except InterruptedError:
                r = []
            if self.sock in r:
                self.message()
            if self.wake_r in r:
                try:
                    os.read(self.wake_r, 64)
                except BlockingIOError:
                    pass
            # Read what the child sent before it died, then restart it.
            self.message()
            self.reap()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--restart-sec", type=float, default=0.1)
    p.add_argument("--max", type=int, default=256)
    p.add_argument("command", nargs="+")
    a = p.parse_args()
    Manager(a).run()


if __name__ == "__main__":
    main()
