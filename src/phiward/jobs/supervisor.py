"""``phiward serve`` with scheduled work: the web server and a worker as child processes.

The server is gunicorn, started as a program. The worker is a fork of the ``phiward serve``
process itself, which has Django loaded already: it starts in milliseconds, with no second
interpreter to boot beside gunicorn's. The supervisor forwards SIGTERM and SIGINT to both
(SIGHUP, gunicorn's reload, to the server only), restarts a worker that died after a pause, and
when the server ends stops the worker and exits with the server's status. On Linux both children
also get SIGTERM if the supervisor itself is killed (``PR_SET_PDEATHSIG``), so none is left.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Protocol

import click

from phiward.core.logredact import redacted_traceback

logger = logging.getLogger("phiward.jobs")

POLL_SECONDS = 0.5
WORKER_RESTART_SECONDS = 30.0
STOP_SECONDS = 30.0
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


class Child(Protocol):
    """What the supervisor needs of a child process (``subprocess.Popen`` has it)."""

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


def die_with_parent() -> None:
    """In a child: be sent SIGTERM when the parent dies (Linux only; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _default_signals(mask: set[int | signal.Signals]) -> None:
    """In a new child: the default handlers (never the parent's), then the parent's mask."""
    for signum in FORWARDED:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def spawn(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    """A program as a child that ends with its parent.

    Signals are blocked across the fork, so the child never runs the parent's handlers before
    it execs: it resets them to the defaults first, then unblocks.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)

    def prepare() -> None:
        _default_signals(previous)
        die_with_parent()

    try:
        return subprocess.Popen(list(argv), preexec_fn=prepare)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class ForkedChild:
    """``target()`` in a fork of this process; its return value is the exit status.

    Signals are blocked across the fork so that the child never runs the parent's handlers: it
    resets them to the defaults first, then unblocks.
    """

    def __init__(self, target: Callable[[], int]) -> None:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
        try:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                self._run_child(target, previous)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        self.pid = pid
        self._returncode: int | None = None

    @staticmethod
    def _run_child(target: Callable[[], int], mask: set[int | signal.Signals]) -> None:
        status = 1
        try:
            _default_signals(mask)
            die_with_parent()
            status = target()
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException as exc:
            logger.error("worker crashed: %s\n%s", type(exc).__name__, redacted_traceback(exc))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)

    @property
    def returncode(self) -> int | None:
        return self._returncode

    def poll(self) -> int | None:
        if self._returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self._returncode = os.waitstatus_to_exitcode(status)
        return self._returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
            time.sleep(0.05)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _status(code: int) -> int:
    """A child's exit status as a shell reports it (a signal N is 128 + N)."""
    return 128 - code if code < 0 else code


def _stop(process: Child, timeout: float) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def supervise(
    server_argv: Sequence[str],
    start_worker: Callable[[], Child],
    *,
    restart_after: float = WORKER_RESTART_SECONDS,
    echo: Callable[[str], None] = lambda text: click.echo(text, err=True),
) -> int:
    """Run the server and a worker until the server ends; the server's exit status."""
    server: Child | None = None
    worker: Child | None = None
    stopping = False

    def forward(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if signum != signal.SIGHUP:
            stopping = True
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        if server is not None and server.poll() is None:
            server.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    restart_at: float | None = None
    try:
        server = spawn(server_argv)
        if not stopping:
            worker = start_worker()
        if stopping:  # a signal came while starting: pass it on now
            forward(signal.SIGTERM, None)
        while True:
            try:
                code = server.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            if stopping or worker is None or worker.poll() is None:
                continue
            if restart_at is None:
                echo(
                    f"phiward: scheduled-work worker exited with status "
                    f"{_status(worker.returncode or 0)}; restarting it in {restart_after:.0f} s"
                )
                restart_at = time.monotonic() + restart_after
            elif time.monotonic() >= restart_at:
                worker, restart_at = start_worker(), None
    finally:
        if worker is not None:
            _stop(worker, STOP_SECONDS)
        if server is not None:
            _stop(server, STOP_SECONDS)  # only if something above failed while it ran
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return _status(code)
