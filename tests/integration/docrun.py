#!/usr/bin/python3
"""Runs the shell blocks of markdown pages top to bottom, as a reader would (test_docs.sh).

    docrun.py --switchd PATH --switchctl PATH --repo DIR --scratch DIR [--deadline S] PAGE...
    docrun.py --list PAGE...        what would run, and what is skipped and why

Meant to run as PID 1 of fresh PID, mount and network namespaces (test_docs.sh starts it under
`unshare`): it mounts a tmpfs on /run and an overlay on /etc, so the pages' fixed names, their
addresses, /run/netns, the default socket /run/switchd/switchd.sock and /etc/switchd are all its
own, and everything it made dies with it, however it ends.

What runs. Every fence of a page must say what it holds:
  ```sh, ```bash, ```shell  commands, run in one bash per page (set -eEuo pipefail): variables and
                            the working directory carry from one block to the next;
  ```console                a transcript: each `$ COMMAND` is run, in the same shell, and what it
                            printed (stdout and stderr) compared with the lines below it (see
                            "Output" below), whatever its exit status (a refusal shows its message);
                            with no lines shown, the command must succeed;
  anything else             ```text for output, ```ini, ... : never run;
  a bare ``` fence          an error: say what the block is.
Comments on the line(s) right before a fence change how it runs:
  <!-- norun: REASON -->          not run (a placeholder, a VM, something that installs); REASON
                                  is printed
  <!-- docrun: background -->     run as in a second shell, left running; ended (SIGTERM to its
                                  process group) when the page is done
  <!-- docrun: interrupt -->      its last command runs until Ctrl-C: started, and once it is
                                  connected to switchd's socket it gets SIGINT and must exit 0
  <!-- docrun: log -->            (before a ```text block) its lines must appear in switchd's log
                                  within 10 s
Comments on a line of their own are steps between blocks, what a reader does by looking:
  <!-- docrun: switchd ARGS... -->        (re)start the page's switchd with these arguments
  <!-- docrun: wait SECONDS COMMAND -->    poll COMMAND (in the page's shell) until it succeeds
  <!-- docrun: expect-output SECONDS RE --> wait until the last background block printed RE
  <!-- docrun: end-background -->         end the page's background blocks now (as Ctrl-C would)

Output is compared in substance: whitespace runs are equal; a MAC address, a number standing alone
and an ISO time match any other; each line shown must match its own line of the output, in any
order; a line `...` allows more lines than shown.

The first failure ends the run (exit 1) with the page, the line and the command, what the block
printed and the end of switchd's log.
"""

import argparse
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time

RUN = {"sh", "bash", "shell"}
FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)")
NORUN = re.compile(r"^\s*<!--\s*norun(?::\s*(.*?))?\s*-->\s*$")
DOCRUN = re.compile(r"^\s*<!--\s*docrun:\s*(.*?)\s*-->\s*$")
BLOCK_MODES = {"background", "interrupt", "log"}
STEPS = {"switchd", "wait", "expect-output", "end-background"}

SOCK = "/run/switchd/switchd.sock"
STOPPING = False  # a signal or the deadline: no graceful endings, PID 1's exit ends everything


class DocError(Exception):
    pass


class Failed(Exception):
    pass


# ---- pages -------------------------------------------------------------------------------------


class Block:
    def __init__(self, page, line, lang, lines, mode=None, norun=None):
        self.page, self.line, self.lang, self.lines = page, line, lang, lines
        self.mode, self.norun = mode, norun

    def where(self):
        return f"{self.page}:{self.line}"


class Step:
    def __init__(self, page, line, words):
        self.page, self.line, self.words = page, line, words

    def where(self):
        return f"{self.page}:{self.line}"


def parse_page(path, name):
    """The page as a list of Blocks and Steps, in order; DocError for a malformed one."""
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    items, pending = [], None  # pending: (line, kind, value) of a marker for the next fence
    i = 0
    while i < len(text):
        line, n = text[i], i + 1
        m = FENCE.match(line)
        if m:
            indent, fence, lang = len(m.group(1)), m.group(2), m.group(3).lower()
            body = []
            i += 1
            while i < len(text):
                close = re.match(r"^ {0,3}(`{3,}|~{3,})\s*$", text[i])
                if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                    break
                body.append(text[i][indent:] if text[i][:indent].strip() == "" else text[i])
                i += 1
            else:
                raise DocError(f"{name}:{n}: a fence that is never closed")
            if not lang:
                raise DocError(f"{name}:{n}: a fence without an info string: say what it holds "
                               "(```text for output, ```console for a transcript, ```sh for commands)")
            b = Block(name, n + 1, lang, body)
            if pending:
                pline, kind, value = pending
                if kind == "norun":
                    if not value:
                        raise DocError(f"{name}:{pline}: <!-- norun: REASON --> wants a reason")
                    b.norun = value
                else:
                    if value == "log" and lang != "text":
                        raise DocError(f"{name}:{pline}: docrun: log goes before a ```text block")
                    if value != "log" and lang not in RUN:
                        raise DocError(f"{name}:{pline}: docrun: {value} goes before a ```sh block")
                    b.mode = value
                pending = None
            if lang in RUN or lang == "console" or b.mode == "log":
                items.append(b)
            i += 1
            continue
        if pending and line.strip():
            raise DocError(f"{name}:{pending[0]}: a marker that is not on the line right before a fence")
        m = NORUN.match(line)
        if m:
            pending = (n, "norun", m.group(1))
        else:
            m = DOCRUN.match(line)
            if m:
                # wait and expect-output keep their command or pattern as written.
                words = m.group(1).split(None, 2)
                if words and words[0] not in ("wait", "expect-output"):
                    words = shlex.split(m.group(1))
                if not words:
                    raise DocError(f"{name}:{n}: an empty docrun: comment")
                if words[0] in BLOCK_MODES and len(words) == 1:
                    pending = (n, "mode", words[0])
                elif words[0] in STEPS:
                    if words[0] in ("wait", "expect-output") and (len(words) < 3 or not words[1].isdigit()):
                        raise DocError(f"{name}:{n}: docrun: {words[0]} SECONDS ...")
                    items.append(Step(name, n, words))
                else:
                    raise DocError(f"{name}:{n}: unknown docrun: {m.group(1)}")
            elif "<!--" in line and ("norun" in line or "docrun" in line):
                raise DocError(f"{name}:{n}: a marker written wrongly: {line.strip()}")
        i += 1
    if pending:
        raise DocError(f"{name}:{pending[0]}: a marker with no fence after it")
    return items


def console_commands(block):
    """A console block's commands: [(line, command, [expected output lines])]."""
    cmds, cur = [], None
    k = 0
    while k < len(block.lines):
        line = block.lines[k]
        if line.startswith("$ "):
            start, cmd = block.line + k, line[2:]
            while cmd.endswith("\\") and k + 1 < len(block.lines):
                k += 1
                cmd = cmd[:-1] + "\n" + block.lines[k]
            cur = (start, cmd, [])
            cmds.append(cur)
        elif cur is None:
            if line.strip():
                raise DocError(f"{block.page}:{block.line + k}: a console block starts with "
                               "output, not a `$ ` command")
        else:
            cur[2].append(line)
        k += 1
    return cmds


# ---- output in substance -----------------------------------------------------------------------

MAC_RE = r"(?<![\w:])(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}(?![\w:])"
TIME_RE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?"
NUM_RE = r"(?<![\w.:/-])\d+(?:\.\d+)?(?![\w.:/-])"
WILD = re.compile(f"({MAC_RE})|({TIME_RE})|({NUM_RE})")


def line_pattern(expected):
    out, pos = [], 0
    s = expected.strip()
    for m in WILD.finditer(s):
        out.append(re.escape(s[pos:m.start()]))
        out.append(r"(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}" if m.group(1) else
                   TIME_RE if m.group(2) else r"\d+(?:\.\d+)?")
        pos = m.end()
    out.append(re.escape(s[pos:]))
    # re.escape turns a space into "\ ": any run of whitespace matches any other.
    return re.compile(re.sub(r"(?:\\?\s)+", r"\\s+", "".join(out)))


def compare(expected, actual):
    """None when actual (text) shows the expected lines in substance, else what is missing."""
    exp = [e for e in expected if e.strip()]
    more = any(e.strip() == "..." for e in exp)
    exp = [e for e in exp if e.strip() != "..."]
    act = [a.strip() for a in actual.split("\n") if a.strip()]
    free = list(range(len(act)))
    for e in exp:
        pat = line_pattern(e)
        hit = next((j for j in free if pat.fullmatch(act[j])), None)
        if hit is None:
            return f"no line like: {e.strip()}"
        free.remove(hit)
    if free and not more:
        return "lines the page does not show: " + " | ".join(act[j] for j in free)
    return None


# ---- the environment ---------------------------------------------------------------------------


def sh(*cmd):
    subprocess.run(cmd, check=True)


def private_world(scratch):
    """A tmpfs on /run, an overlay on /etc, our own sysfs; only for a process in new namespaces."""
    if os.getpid() != 1:
        raise DocError("run me as PID 1 of new PID, mount and network namespaces (test_docs.sh)")
    sh("mount", "--make-rprivate", "/")
    sh("mount", "-t", "tmpfs", "-o", "mode=0755", "docrun-run", "/run")
    os.makedirs("/run/.docrun-etc/upper")
    os.makedirs("/run/.docrun-etc/work")
    sh("mount", "-t", "overlay", "docrun-etc", "-o",
       "lowerdir=/etc,upperdir=/run/.docrun-etc/upper,workdir=/run/.docrun-etc/work", "/etc")
    sh("mount", "-t", "sysfs", "docrun-sys", "/sys")
    sh("ip", "link", "set", "lo", "up")


def repo_view(repo, scratch, switchd, switchctl):
    """scratch/root: the repository's top level, linked, with build/bin the binaries under test."""
    bindir = os.path.join(scratch, "bin")
    root = os.path.join(scratch, "root")
    os.makedirs(bindir)
    os.makedirs(os.path.join(root, "build"))
    os.symlink(switchd, os.path.join(bindir, "switchd"))
    os.symlink(switchctl, os.path.join(bindir, "switchctl"))
    os.symlink(bindir, os.path.join(root, "build", "bin"))
    for e in os.listdir(repo):
        if e != "build" and not e.startswith("."):
            os.symlink(os.path.join(repo, e), os.path.join(root, e))
    return bindir, root


class Switchd:
    def __init__(self, scratch, env):
        self.log = os.path.join(scratch, "switchd.log")
        self.env, self.proc, self.args = env, None, []

    def answers(self):
        return subprocess.run(["switchctl", "status"], env=self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=15).returncode == 0

    def start(self, args, where):
        with open(self.log, "a") as f:
            f.write(f"==== switchd {' '.join(args)} ({where}) ====\n")
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(["switchd"] + args, env=self.env, stdout=logf, stderr=logf,
                                     stdin=subprocess.DEVNULL)
        logf.close()
        self.args = args
        if not poll(10, lambda: self.proc.poll() is not None or self.answers()) or self.proc.poll() is not None:
            raise Failed(f"{where}: switchd {' '.join(args)} did not start (exit {self.proc.poll()})")

    def stop(self, where):
        if not self.proc:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failed(f"{where}: switchd did not exit within 10 s of SIGTERM")
        self.proc = None
        if rc != 0:
            raise Failed(f"{where}: switchd exited {rc} on SIGTERM")
        if os.path.exists(SOCK):
            raise Failed(f"{where}: switchd stopped and left its socket {SOCK}")

    def tail(self, n=40):
        try:
            with open(self.log, errors="replace") as f:
                return f.read().splitlines()[-n:]
        except OSError:
            return []


def poll(secs, cond, every=0.1):
    end = time.monotonic() + secs
    while True:
        if cond():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(every)


# ---- one page's shell ----------------------------------------------------------------------------

PRELUDE = r"""
set -eEuo pipefail
__docrun_say() { printf '%s\n' "$*" >&__FD__; }
__docrun_nl=$'\n'
trap '__docrun_say "fail $? $LINENO ${BASH_SOURCE[0]:-?} ${BASH_COMMAND//$__docrun_nl/ }"' ERR
# A block started as in another shell: its own process group, so that it can be ended, or
# interrupted, as a whole.
__docrun_bg() { # ID FILE OUT
	set -m
	( trap - ERR; source "$2" ) >"$3" 2>&1 </dev/null &
	set +m
	__docrun_say "bg $1 $!"
}
__docrun_interrupt() { # ID PID: Ctrl-C, then its exit status
	local i rc=0
	kill -INT -- "-$2" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do kill -0 "$2" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$2" 2>/dev/null; then
		kill -KILL -- "-$2" 2>/dev/null || true
		__docrun_say "rc $1 timeout"
		return 0
	fi
	wait "$2" || rc=$?
	__docrun_say "rc $1 $rc"
}
__docrun_end() { # PID...: what a page left running in the background
	local p i
	for p in "$@"; do kill -TERM -- "-$p" 2>/dev/null || true; done
	for p in "$@"; do
		for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL -- "-$p" 2>/dev/null || true
	done
	__docrun_say "ended"
}
__docrun_say ready
"""


class Shell:
    """One bash for a page, fed one control line at a time; it reports on a pipe."""

    def __init__(self, cwd, env, scratch, page):
        self.dir = os.path.join(scratch, "blocks", page.replace("/", "_"))
        os.makedirs(self.dir)
        r, w = os.pipe()
        self.status = os.fdopen(r, "r")
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=cwd, env=env, pass_fds=(w,), text=True)
        os.close(w)
        self.send(PRELUDE.replace("__FD__", str(w)))
        self.expect("ready", 10)
        self.n = 0
        self.bg = []  # (pid, output file)

    def send(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def read(self, secs):
        """The next status line, or None after secs or when the shell is gone."""
        if not select.select([self.status], [], [], secs)[0]:
            return None
        line = self.status.readline()
        return line.rstrip("\n") if line else None

    def expect(self, what, secs):
        got = self.read(secs)
        if got != what:
            raise Failed(f"the page's shell said {got!r}, not {what!r}")

    def file(self, lines, first, suffix):
        """lines in a file of their own, preceded by blank lines so that bash's $LINENO is the
        page's line number."""
        self.n += 1
        path = os.path.join(self.dir, f"{self.n}.{suffix}")
        with open(path, "w") as f:
            f.write("\n" * (first - 1) + "\n".join(lines) + "\n")
        return path, os.path.join(self.dir, f"{self.n}.out")

    def close(self):
        try:
            if STOPPING:
                raise Failed("stopping")
            if self.proc.poll() is None:
                self.end_background()
                self.proc.stdin.close()
                self.proc.wait(10)
        except (subprocess.TimeoutExpired, BrokenPipeError, Failed):
            self.proc.kill()
        self.status.close()

    def end_background(self):
        if self.bg:
            self.send("__docrun_end " + " ".join(str(p) for p, _ in self.bg))
            self.bg = []
            self.expect("ended", 15)


def read_text(path, n=None):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    return lines if n is None else lines[-n:]


def show(lines, indent="    | ", limit=25, head=False):
    """The last lines (the first with head), at most limit of them."""
    cut = len(lines) - limit
    if cut > 0 and not head:
        print(f"{indent}... ({cut} lines above)")
        lines = lines[-limit:]
    for l in lines[:limit]:
        print(indent + l)
    if cut > 0 and head:
        print(f"{indent}... ({cut} more lines)")


class Runner:
    def __init__(self, args, env, root, sw):
        self.args, self.env, self.root, self.sw = args, env, root, sw
        self.pages = {}

    def page_line(self, page, n):
        lines = self.pages[page]
        return lines[n - 1].strip() if 0 < n <= len(lines) else "?"

    def run_page(self, name, items):
        with open(os.path.join(self.args.repo, name), encoding="utf-8") as f:
            self.pages[name] = f.read().split("\n")
        print(f"== {name}")
        shell = Shell(self.root, self.env, self.args.scratch, name)
        try:
            for it in items:
                if isinstance(it, Step):
                    self.step(shell, it)
                elif it.norun:
                    print(f"-- {it.where()} ({it.lang}) not run: {it.norun}")
                elif it.mode == "log":
                    self.log_block(it)
                elif it.lang == "console":
                    self.console(shell, it)
                elif it.mode in ("background", "interrupt"):
                    self.background(shell, it)
                else:
                    self.block(shell, it)
        finally:
            shell.close()

    def fail_from(self, shell, out, secs, where):
        """Reads the shell's answer to a block; raises Failed with page:line and the command."""
        got = shell.read(secs)
        if got == "ok":
            return
        if got and got.startswith("fail "):
            _, rc, line, src, cmd = got.split(" ", 4)
            page = where.split(":")[0]
            print(f"FAIL {page}:{line}: exited {rc}: {self.page_line(page, int(line))}")
            if cmd and cmd not in self.page_line(page, int(line)):
                print(f"     (the command that failed: {cmd})")
        elif got is None and shell.proc.poll() is None:
            print(f"FAIL {where}: still running after {secs} s")
        else:
            print(f"FAIL {where}: the page's shell ended ({got!r}, exit {shell.proc.poll()})")
        show(read_text(out), "    | ")
        raise Failed(where)

    def block(self, shell, b):
        path, out = shell.file(b.lines, b.line, "sh")
        shell.send(f"source {shlex.quote(path)} >{shlex.quote(out)} 2>&1 </dev/null; __docrun_say ok")
        self.fail_from(shell, out, 60, f"{b.page}:{b.line}")
        print(f"ok {b.where()} ({b.lang}, {len(b.lines)} lines)")
        show(read_text(out), limit=8, head=True)

    def console(self, shell, b):
        for line, cmd, expected in console_commands(b):
            path, out = shell.file([cmd], line, "cmd")
            shell.send(f"__docrun_rc=0; eval \"$(<{shlex.quote(path)})\" >{shlex.quote(out)} 2>&1 "
                       f"</dev/null || __docrun_rc=$?; __docrun_say \"rc $__docrun_rc\"")
            got = shell.read(60)
            where = f"{b.page}:{line}"
            if not got or not got.startswith("rc "):
                print(f"FAIL {where}: $ {cmd}: no answer from the page's shell ({got!r})")
                raise Failed(where)
            rc = int(got.split()[1])
            actual = "\n".join(read_text(out))
            if not any(e.strip() for e in expected):
                if rc != 0:
                    print(f"FAIL {where}: exited {rc}: $ {cmd}")
                    show(read_text(out))
                    raise Failed(where)
            else:
                why = compare(expected, actual)
                if why:
                    print(f"FAIL {where}: $ {cmd} (exit {rc}): {why}")
                    print("    the page shows:")
                    show([e for e in expected if e.strip()])
                    print("    it printed:")
                    show(read_text(out))
                    raise Failed(where)
            print(f"ok {where} $ {cmd.splitlines()[0]} (exit {rc})")

    def background(self, shell, b):
        path, out = shell.file(b.lines, b.line, "sh")
        shell.send(f"__docrun_bg {shell.n} {shlex.quote(path)} {shlex.quote(out)}")
        got = shell.read(10) or ""
        if not got.startswith("bg "):
            print(f"FAIL {b.where()}: the background block did not start ({got!r})")
            raise Failed(b.where())
        pid = int(got.split()[2])
        print(f"ok {b.where()} ({b.lang}, {b.mode}, pid {pid})")
        if b.mode == "background":
            shell.bg.append((pid, out))
            return
        # Until Ctrl-C: once a process of the block is connected to switchd, the reader presses it.
        if not poll(10, lambda: connected(pid)):
            print(f"FAIL {b.where()}: nothing in it connected to switchd within 10 s")
            show(read_text(out))
            shell.bg.append((pid, out))
            raise Failed(b.where())
        shell.send(f"__docrun_interrupt {shell.n} {pid}")
        got = shell.read(15) or ""
        if got != f"rc {shell.n} 0":
            print(f"FAIL {b.where()}: after Ctrl-C: {got!r} (exit 0 expected)")
            show(read_text(out))
            raise Failed(b.where())
        print(f"ok {b.where()}: ran until Ctrl-C, then exit 0")
        show(read_text(out), limit=8, head=True)

    def log_block(self, b):
        want = [l for l in b.lines if l.strip()]

        def present():
            log = "\n".join(read_text(self.sw.log))
            return all(compare([w, "..."], log) is None for w in want)

        if not poll(10, present):
            missing = [w for w in want if compare([w, "..."], "\n".join(read_text(self.sw.log)))]
            print(f"FAIL {b.where()}: not in switchd's log within 10 s: {missing[0].strip()}")
            raise Failed(b.where())
        print(f"ok {b.where()} (log lines, {len(want)})")

    def step(self, shell, s):
        kind = s.words[0]
        if kind == "switchd":
            self.sw.stop(s.where())
            self.sw.start(s.words[1:], s.where())
            print(f"ok {s.where()} switchd {' '.join(s.words[1:])}: answering")
        elif kind == "wait":
            secs, cmd = int(s.words[1]), s.words[2]
            path, out = shell.file([cmd], s.line, "wait")
            shell.send(f"__docrun_end_t=$((SECONDS + {secs})); until eval \"$(<{shlex.quote(path)})\" "
                       f">{shlex.quote(out)} 2>&1 </dev/null; do [ $SECONDS -lt $__docrun_end_t ] || break; "
                       f"sleep 0.1; done; if eval \"$(<{shlex.quote(path)})\" >{shlex.quote(out)} 2>&1 </dev/null; "
                       f"then __docrun_say ok; else __docrun_say timeout; fi")
            got = shell.read(secs + 30)
            if got != "ok":
                print(f"FAIL {s.where()}: not true within {secs} s: {cmd}")
                show(read_text(out))
                raise Failed(s.where())
            print(f"ok {s.where()} waited for: {cmd}")
        elif kind == "end-background":
            shell.end_background()
            print(f"ok {s.where()} background blocks ended")
        elif kind == "expect-output":
            secs, pat = int(s.words[1]), re.compile(s.words[2])
            if not shell.bg:
                raise DocError(f"{s.where()}: expect-output with no background block before it")
            out = shell.bg[-1][1]
            if not poll(secs, lambda: any(pat.search(l) for l in read_text(out)), 0.2):
                print(f"FAIL {s.where()}: the background block did not print /{pat.pattern}/ within {secs} s")
                show(read_text(out))
                raise Failed(s.where())
            print(f"ok {s.where()} the background block printed /{pat.pattern}/")


def connected(pgid):
    """Whether a process of the group has a connected AF_UNIX socket (switchctl to switchd)."""
    conn = set()
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for l in f:
                p = l.split()
                if len(p) >= 7 and p[5] == "03":
                    conn.add(p[6])
    except OSError:
        return False
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
            if int(st[st.rindex(")") + 2:].split()[2]) != pgid:
                continue
            for fd in os.listdir(f"/proc/{d}/fd"):
                t = os.readlink(f"/proc/{d}/fd/{fd}")
                if t.startswith("socket:[") and t[8:-1] in conn:
                    return True
        except (OSError, ValueError):
            continue
    return False


def main():
    ap = argparse.ArgumentParser(description="run the shell blocks of markdown pages")
    ap.add_argument("--repo", default=os.getcwd())
    ap.add_argument("--scratch")
    ap.add_argument("--switchd")
    ap.add_argument("--switchctl")
    ap.add_argument("--list", action="store_true", help="only say what would run")
    ap.add_argument("--deadline", type=int, default=0, help="seconds for the whole run (exit 124 after)")
    ap.add_argument("pages", nargs="+")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    try:
        parsed = [(p, parse_page(os.path.join(args.repo, p), p)) for p in args.pages]
    except DocError as e:
        print(f"FAIL {e}")
        return 1
    if args.list:
        for p, items in parsed:
            for it in items:
                if isinstance(it, Step):
                    print(f"{it.where()}: step {' '.join(it.words)}")
                else:
                    how = f"not run: {it.norun}" if it.norun else (it.mode or "run")
                    print(f"{it.where()}: {it.lang}, {len(it.lines)} lines, {how}")
        return 0
    if not (args.scratch and args.switchd and args.switchctl):
        ap.error("--scratch, --switchd and --switchctl are needed to run")

    # PID 1 ignores signals it has no handler for: end through the cleanup instead.
    def stop(sig, _):
        global STOPPING
        STOPPING = True
        raise SystemExit(128 + sig)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, stop)

    def too_long(sig, _):
        global STOPPING
        STOPPING = True
        print(f"FAIL: the pages did not finish within {args.deadline} s")
        raise SystemExit(124)

    if args.deadline:
        signal.signal(signal.SIGALRM, too_long)
        signal.alarm(args.deadline)

    os.makedirs(args.scratch, exist_ok=True)
    bindir, root = repo_view(os.path.abspath(args.repo), args.scratch,
                             os.path.abspath(args.switchd), os.path.abspath(args.switchctl))
    env = {"PATH": f"{bindir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", "TERM": "dumb"}
    for k in ("XDG_CACHE_HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    sw = Switchd(args.scratch, env)
    rc = 0
    t0 = time.monotonic()
    try:
        private_world(args.scratch)
        sw.start([], "start")
        print(f"switchd on {SOCK} (private /run, /etc and network namespace), binaries {bindir}")
        runner = Runner(args, env, root, sw)
        for name, items in parsed:
            runner.run_page(name, items)
        sw.stop("the end")
        log = "\n".join(read_text(sw.log))
        if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", log):
            raise Failed("a sanitizer report in switchd's log")
        print(f"all pages ran in {time.monotonic() - t0:.0f} s")
    except Failed as e:
        print(f"docrun: stopped: {e}")
        print("---- switchd log (the end) ----")
        show(sw.tail(), "    ")
        rc = 1
    except (DocError, subprocess.CalledProcessError) as e:
        print(f"FAIL {e}")
        print("---- switchd log (the end) ----")
        show(sw.tail(), "    ")
        rc = 1
    finally:
        if sw.proc and sw.proc.poll() is None:
            sw.proc.kill()
    return rc


if __name__ == "__main__":
    sys.exit(main())
