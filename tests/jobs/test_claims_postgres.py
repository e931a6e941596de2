"""Two workers on one PostgreSQL database never run the same job at once.

Each thread has its own connection, as two worker processes (or hosts) would.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

from phiward.jobs import runner
from phiward.jobs.models import JobState
from phiward.jobs.registry import Job, Registry
from tests.jobs.conftest import NOW

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


def in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(n)`` in ``count`` threads released together; their results."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = work(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_concurrent_claims_of_one_job_have_one_winner() -> None:
    job = Job("test-claimed", dt.timedelta(hours=1), lambda now: "", "Claimed.")
    runner.ensure_states(Registry([job]))
    for attempt in range(15):
        moment = NOW + dt.timedelta(hours=2 * attempt)
        JobState.objects.filter(name=job.name).update(running_since=None, claim="")

        def claim(n: int, at: dt.datetime = moment) -> str | None:
            return runner.claim(job, at, only_if_due=True)

        tokens = in_threads(4, claim)
        assert sum(token is not None for token in tokens) == 1, (attempt, tokens)


def test_two_workers_run_a_slow_job_once() -> None:
    runs: list[int] = []
    inside = threading.Lock()
    overlapped: list[bool] = []

    def slow(now: dt.datetime) -> str:
        if not inside.acquire(blocking=False):
            overlapped.append(True)
            return "overlapped"
        try:
            runs.append(1)
            time.sleep(0.5)
        finally:
            inside.release()
        return "slow work done"

    registry = Registry([Job("test-slow", dt.timedelta(hours=1), slow, "Slow.")])
    runner.ensure_states(registry)
    outcomes = in_threads(3, lambda n: runner.run_due(registry, now=NOW))
    assert runs == [1] and not overlapped
    assert sorted(len(o) for o in outcomes if isinstance(o, list)) == [0, 0, 1]
    state = JobState.objects.get(name="test-slow")
    assert (state.last_outcome, state.running_since) == ("ok", None)


def test_state_rows_are_created_once_by_racing_workers() -> None:
    registry = Registry(
        [Job(f"test-row-{n}", dt.timedelta(hours=1), lambda now: "", "Row.") for n in range(5)]
    )
    in_threads(4, lambda n: runner.ensure_states(registry))
    assert JobState.objects.filter(name__startswith="test-row-").count() == 5
