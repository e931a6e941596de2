"""``phiward worker``: run due jobs, sleep until the next one is due, repeat.

SIGTERM and SIGINT ask the worker to stop: the job running then finishes (each job is
transactional, so stopping between jobs loses nothing), no further job starts, and the worker
exits 0. A database that cannot be reached is retried after a pause rather than ending it.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from phiward.jobs import runner
from phiward.jobs.registry import Registry, default_registry
from phiward.jobs.schedule import sleep_seconds

logger = logging.getLogger("phiward.jobs")

MAX_SLEEP = 300.0  # look again at least this often (settings, clocks and other workers change)
RETRY_AFTER_DB_ERROR = 30.0


class Worker:
    def __init__(self, registry: Registry, *, max_sleep: float = MAX_SLEEP) -> None:
        self.registry = registry
        self.max_sleep = max_sleep
        self.stopping = threading.Event()
        self.cycles = 0

    def stop(self) -> None:
        self.stopping.set()

    def handle_signals(self) -> None:
        """SIGTERM and SIGINT stop the worker after the job at hand (main thread only)."""

        def handler(signum: int, frame: FrameType | None) -> None:
            if not self.stopping.is_set():
                logger.info("worker stopping (%s)", signal.Signals(signum).name)
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run_once(self) -> list[runner.RunOutcome]:
        """One pass: every due job (``phiward worker --once``)."""
        close_old_connections()
        try:
            return runner.run_due(self.registry, should_stop=self.stopping.is_set)
        finally:
            close_old_connections()

    def next_sleep(self) -> float:
        close_old_connections()
        try:
            return sleep_seconds(
                runner.slots(self.registry), timezone.now(), maximum=self.max_sleep
            )
        finally:
            close_old_connections()

    def run_forever(self, on_cycle: Callable[[], None] | None = None) -> None:
        logger.info("worker started: %s", ", ".join(job.name for job in self.registry) or "no jobs")
        while not self.stopping.is_set():
            try:
                self.run_once()
                wait = self.next_sleep()
            except DatabaseError as exc:
                logger.error(
                    "worker: database unavailable (%s); retrying in %.0f s",
                    type(exc).__name__,
                    RETRY_AFTER_DB_ERROR,
                )
                wait = RETRY_AFTER_DB_ERROR
            self.cycles += 1
            if on_cycle is not None:
                on_cycle()
            self.stopping.wait(wait)
        logger.info("worker stopped")


def run_beside_server() -> int:
    """The worker ``phiward serve`` forks (``supervisor.ForkedChild``): until SIGTERM."""
    worker = Worker(default_registry())
    worker.handle_signals()
    worker.run_forever()
    return 0
