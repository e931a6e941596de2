"""The periodic jobs phiward runs: each app lists its own in a ``jobs`` module.

A job is a name, an interval and a function. The function gets ``now`` (timezone-aware) and
returns a short summary of what it did ("signed a checkpoint of 120 entries"), which the
worker stores and ``phiward jobs list`` shows; it raises to fail. It records what it changes
on the audit log itself, in the transaction of the change (``phiward.core.auditing.record``).

An app contributes ``JOBS = [Job(...), ...]`` from one module, listed in ``JOB_MODULES`` —
the one place to look (as ``phiward.cli.COMMAND_MODULES`` is for commands). Pure: no Django.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from phiward.core.errors import NotFound

JOB_MODULES = (
    "phiward.audit.jobs",
    "phiward.calendar.jobs",
    "phiward.jobs.sessions",
)

JobFunction = Callable[[dt.datetime], str]
Interval = dt.timedelta | Callable[[], dt.timedelta]  # a callable is read when scheduling

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")  # "<area>-<what>", e.g. "audit-checkpoint"
DEFAULT_TIMEOUT = dt.timedelta(hours=1)
SUMMARY_LENGTH = 500


@dataclass(frozen=True)
class Job:
    name: str
    interval: Interval
    function: JobFunction
    description: str
    # A worker's claim older than this is taken to be abandoned (the worker died) and another
    # worker may run the job: set it above the longest run the job can take.
    timeout: dt.timedelta = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if not NAME.match(self.name) or len(self.name) > 100:
            raise ValueError(f"job name {self.name!r}: lowercase words joined by '-', e.g. a-b")
        if not self.description:
            raise ValueError(f"job {self.name}: a description is required")
        if self.timeout <= dt.timedelta(0):
            raise ValueError(f"job {self.name}: the timeout must be positive")

    def current_interval(self) -> dt.timedelta:
        """The interval now (settings may change it); zero means the job is off."""
        if isinstance(self.interval, dt.timedelta):
            return self.interval
        return self.interval()


class Registry:
    """Jobs by name."""

    def __init__(self, jobs: Iterable[Job] = ()) -> None:
        self._jobs: dict[str, Job] = {}
        for job in jobs:
            self.register(job)

    def register(self, job: Job) -> Job:
        if job.name in self._jobs:
            raise ValueError(f"two jobs are named {job.name}")
        self._jobs[job.name] = job
        return job

    def get(self, name: str) -> Job:
        try:
            return self._jobs[name]
        except KeyError:
            known = ", ".join(sorted(self._jobs)) or "none"
            raise NotFound(f"no job '{name}' (known: {known})") from None

    def __iter__(self) -> Iterator[Job]:
        return iter(sorted(self._jobs.values(), key=lambda job: job.name))

    def __len__(self) -> int:
        return len(self._jobs)


def load(modules: Iterable[str] = JOB_MODULES) -> Registry:
    """The jobs of ``modules``, each a module with a ``JOBS`` list."""
    registry = Registry()
    for module_name in modules:
        module = importlib.import_module(module_name)
        jobs = getattr(module, "JOBS", None)
        if not isinstance(jobs, list | tuple) or not all(isinstance(j, Job) for j in jobs):
            raise TypeError(f"{module_name}.JOBS must be a list of phiward.jobs.registry.Job")
        for job in jobs:
            registry.register(job)
    return registry


@cache
def default_registry() -> Registry:
    """Every job of ``JOB_MODULES`` (loaded once per process)."""
    return load()
