"""The real commands in their own processes: ``phiward worker`` (forever and ``--once``),
``phiward jobs``, and ``phiward serve`` with and without its worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_database  # phiward runs in subprocesses with a database of its own

JOB_NAMES = ["audit-checkpoint", "audit-verify", "calendar-reminders", "sessions-purge"]


def environment(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "PHIWARD_DATA_DIR": str(data_dir), "PHIWARD_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def phiward(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phiward.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("jobs-data")
    environ = environment(data_dir)
    made = phiward(environ, "init")
    assert made.returncode == 0, made.stderr
    return environ


def listed(env: dict[str, str]) -> dict[str, dict[str, object]]:
    result = phiward(env, "jobs", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_worker_once_runs_what_is_due_then_nothing(env: dict[str, str]) -> None:
    first = phiward(env, "worker", "--once", "--json")
    assert first.returncode == 0, first.stderr
    ran = json.loads(first.stdout)
    assert sorted(r["name"] for r in ran) == JOB_NAMES and all(r["ok"] for r in ran)
    again = phiward(env, "worker", "--once")
    assert (again.returncode, again.stdout.strip()) == (0, "no job is due")
    rows = listed(env)
    assert sorted(rows) == JOB_NAMES
    checkpoint = rows["audit-checkpoint"]
    assert checkpoint["interval_seconds"] == 3600 and checkpoint["last_outcome"] == "ok"
    assert str(checkpoint["last_result"]).startswith("signed a checkpoint of")
    assert checkpoint["next_due_at"] and checkpoint["running_since"] is None


def test_jobs_run_and_list_in_text(env: dict[str, str]) -> None:
    ran = phiward(env, "jobs", "run", "audit-verify")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("audit-verify: verified ")
    unknown = phiward(env, "jobs", "run", "nope")
    assert unknown.returncode == 3 and "no job 'nope'" in unknown.stderr
    text = phiward(env, "jobs", "list").stdout
    assert "audit-checkpoint" in text and "every 1h" in text


def test_a_bad_interval_stops_the_worker_with_one_line(env: dict[str, str]) -> None:
    bad = phiward({**env, "PHIWARD_AUDIT_CHECKPOINT_INTERVAL": "soon"}, "worker", "--once")
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("phiward: error: PHIWARD_AUDIT_CHECKPOINT_INTERVAL")


def test_a_failed_job_makes_worker_once_exit_nonzero(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted"
    result = phiward(
        {**env, "PHIWARD_AUDIT_CHECKPOINT_DIR": str(missing)}, "jobs", "run", "audit-checkpoint"
    )
    assert result.returncode == 1
    assert "job audit-checkpoint failed: InvalidInput: PHIWARD_AUDIT_CHECKPOINT_DIR" in (
        result.stderr
    )


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_stops_cleanly_on_a_signal(
    env: dict[str, str], stop_with: signal.Signals
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "phiward.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while "worker started" not in (line := process.stderr.readline() if process.stderr else ""):
            assert line or process.poll() is None, "the worker ended early"
            assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.5)  # it is now running due jobs or sleeping until the next one
        process.send_signal(stop_with)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "worker stopped" in stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[str]:
    """Command lines of a process's children (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                found.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" "))
            except FileNotFoundError:
                continue
    return [c.decode() for c in found]


def serve(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "phiward.cli", "serve", "--port", str(port), "--workers=1", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("phiward serve did not answer") from None
            time.sleep(0.2)


def database(env: dict[str, str]) -> Path:
    return Path(env["PHIWARD_DATA_DIR"]) / "phiward.sqlite3"


def forget_runs(env: dict[str, str]) -> None:
    """Make every job due again, as on a new install."""
    with sqlite3.connect(database(env)) as connection:
        connection.execute("DELETE FROM jobs_jobstate")


def wait_for_runs(env: dict[str, str], seconds: float = 60) -> bool:
    """Whether every job ran, read from the database directly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sqlite3.connect(database(env)) as connection:
            finished = connection.execute(
                "SELECT count(*) FROM jobs_jobstate WHERE last_finished_at IS NOT NULL"
            ).fetchone()[0]
        if finished == len(JOB_NAMES):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_serve_runs_a_worker_and_stops_it(env: dict[str, str]) -> None:
    forget_runs(env)
    process, _ = serve(env)
    try:
        commands = children_of(process.pid)
        assert any("gunicorn" in c for c in commands), commands
        (worker,) = [c for c in commands if "gunicorn" not in c]
        assert worker.startswith(f"{sys.executable} -m phiward.cli serve")  # a fork of serve
        assert wait_for_runs(env), "the worker ran no job"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    leftover = subprocess.run(
        ["pgrep", "-s", str(process.pid)], capture_output=True, text=True, check=False
    )
    assert leftover.stdout.strip() == ""  # nothing left of the session


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_serve_without_a_worker_is_gunicorn_alone(env: dict[str, str]) -> None:
    process, _ = serve(env, "--no-worker")
    try:
        own = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert "gunicorn" in own  # replaced by gunicorn, as before
        assert not any("phiward.cli" in c for c in children_of(process.pid))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
