"""``phiward serve``'s supervisor, with stand-in children: it stops the worker when the server
ends, restarts a worker that died, forwards signals, and leaves no child behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from phiward.jobs.supervisor import ForkedChild, spawn, supervise


def child(tmp_path: Path, name: str, body: str) -> list[str]:
    """A Python child that writes ``<name>.term`` when it gets SIGTERM and then exits 0 (and
    ``<name>.ready`` once it is ready for it)."""
    marker, ready = tmp_path / f"{name}.term", tmp_path / f"{name}.ready"
    code = textwrap.dedent(
        f"""
        import signal, sys, time
        def stop(signum, frame):
            open({str(marker)!r}, "w").write("term")
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        open({str(ready)!r}, "w")
        """
    ) + textwrap.dedent(body)
    return [sys.executable, "-c", code]


def wait_for(path: Path, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def test_the_worker_stops_when_the_server_ends(tmp_path: Path) -> None:
    server = child(tmp_path, "server", "time.sleep(1.0); sys.exit(3)")
    worker = child(tmp_path, "worker", "time.sleep(60)")
    assert supervise(server, lambda: spawn(worker), echo=lambda text: None) == 3
    assert (tmp_path / "worker.term").exists()


def test_a_worker_that_dies_is_restarted(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    server = child(tmp_path, "server", "time.sleep(3.0)")
    worker = child(tmp_path, "worker", f"open({str(starts)!r}, 'a').write('x'); sys.exit(1)")
    said: list[str] = []
    assert supervise(server, lambda: spawn(worker), restart_after=0.2, echo=said.append) == 0
    assert len(starts.read_text()) >= 2
    assert "worker exited with status 1; restarting it in 0 s" in said[0]


def test_a_forked_child_reports_its_status(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    def target() -> int:
        marker.write_text(str(os.getpid()))
        return 3

    done = ForkedChild(target)
    assert done.wait(timeout=20) == 3
    assert marker.read_text() == str(done.pid) != str(os.getpid())

    def crashes() -> int:
        raise RuntimeError("boom")

    assert ForkedChild(crashes).wait(timeout=20) == 1

    sleeper = ForkedChild(lambda: time.sleep(60) or 0)
    with pytest.raises(subprocess.TimeoutExpired):
        sleeper.wait(timeout=0.2)
    sleeper.terminate()  # the parent's handlers are not the child's: the default ends it
    assert sleeper.wait(timeout=20) == -signal.SIGTERM
    sleeper.terminate()  # no error once it has ended


# The supervisor as `phiward serve` runs it: a program for the server, a fork for the worker.
SUPERVISOR = """
import signal, sys, time
from phiward.jobs.supervisor import ForkedChild, supervise
server, ready, term = sys.argv[1], sys.argv[2], sys.argv[3]

def worker():
    def stop(signum, frame):
        open(term, "w").write("term")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    open(ready, "w")
    time.sleep(60)
    return 0

sys.exit(supervise([sys.executable, "-c", server], lambda: ForkedChild(worker)))
"""


def start_supervisor(tmp_path: Path) -> subprocess.Popen[bytes]:
    ready = tmp_path / "worker.ready"
    server = child(tmp_path, "server", "time.sleep(60)")[2]
    args = [server, str(ready), str(tmp_path / "worker.term")]
    process = subprocess.Popen([sys.executable, "-c", SUPERVISOR, *args])
    assert wait_for(ready), "the worker did not start"
    assert wait_for(tmp_path / "server.ready"), "the server did not start"
    return process


def test_sigterm_stops_both_children(tmp_path: Path) -> None:
    process = start_supervisor(tmp_path)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0  # the server's status: it exited 0 on SIGTERM
    assert (tmp_path / "server.term").exists() and (tmp_path / "worker.term").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_end_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    process = start_supervisor(tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert wait_for(tmp_path / "server.term") and wait_for(tmp_path / "worker.term")
