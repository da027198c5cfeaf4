#!/usr/bin/env python3
"""Runs a command on a real pseudo-terminal for agent-runtime, which (being Deno) has no PTY API.

Usage: pty_helper.py COLS ROWS CMD [ARGS...]

stdin carries frames: one type byte, a 4-byte big-endian length, then the payload.
  b"d" + bytes          input written to the terminal
  b"r" + cols:u16 rows:u16  a window-size change (TIOCSWINSZ; the child gets SIGWINCH)
stdout carries the terminal's raw output. When the command ends, the helper ends the same way:
with its exit code, or killed by the same signal.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios


def set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    cols, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        except OSError as error:
            os.write(2, f"pty_helper: cannot execute {argv[0]}: {error}\n".encode())
            os._exit(127)
    set_size(master, cols, rows)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGHUP))
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    pending = b""
    stdin_open = True
    status = None
    while True:
        fds = [master] + ([stdin] if stdin_open else [])
        try:
            ready, _, _ = select.select(fds, [], [], 0.2)
        except InterruptedError:
            continue
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                break
            view = memoryview(data)
            while view:
                view = view[os.write(stdout, view):]
        if stdin_open and stdin in ready:
            chunk = os.read(stdin, 65536)
            if not chunk:
                stdin_open = False
            pending += chunk
            while len(pending) >= 5:
                kind, size = pending[0:1], struct.unpack(">I", pending[1:5])[0]
                if len(pending) < 5 + size:
                    break
                payload, pending = pending[5:5 + size], pending[5 + size:]
                if kind == b"d":
                    while payload:
                        payload = payload[os.write(master, payload):]
                elif kind == b"r" and size == 4:
                    c, r = struct.unpack(">HH", payload)
                    set_size(master, c, r)
                    os.kill(pid, signal.SIGWINCH)
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
    if status is None:
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


main()
