"""The job registry: names, validation, the modules jobs come from."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Iterator

import pytest

from phiward.core.errors import NotFound
from phiward.jobs.registry import JOB_MODULES, Job, Registry, load


def noop(now: dt.datetime) -> str:
    return "nothing"


def job(name: str, **kwargs: object) -> Job:
    return Job(name=name, interval=dt.timedelta(hours=1), function=noop, description="d", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["audit", "Audit-Checkpoint", "audit_checkpoint", "-a-b", "a--b"])
def test_a_job_name_is_lowercase_words_joined_by_dashes(name: str) -> None:
    with pytest.raises(ValueError, match="job name"):
        job(name)


def test_a_job_needs_a_description_and_a_positive_timeout() -> None:
    with pytest.raises(ValueError, match="description"):
        Job(name="a-b", interval=dt.timedelta(1), function=noop, description="")
    with pytest.raises(ValueError, match="timeout"):
        job("a-b", timeout=dt.timedelta(0))


def test_an_interval_may_be_read_when_scheduling() -> None:
    setting = {"value": dt.timedelta(minutes=5)}
    dynamic = Job(name="a-b", interval=lambda: setting["value"], function=noop, description="d")
    assert dynamic.current_interval() == dt.timedelta(minutes=5)
    setting["value"] = dt.timedelta(0)
    assert dynamic.current_interval() == dt.timedelta(0)


def test_names_are_unique_and_listed_in_order() -> None:
    registry = Registry([job("b-two"), job("a-one")])
    assert [j.name for j in registry] == ["a-one", "b-two"]
    with pytest.raises(ValueError, match="two jobs are named a-one"):
        registry.register(job("a-one"))
    with pytest.raises(NotFound, match=r"no job 'c-three' \(known: a-one, b-two\)"):
        registry.get("c-three")


@pytest.fixture
def fake_module() -> Iterator[types.ModuleType]:
    module = types.ModuleType("tests_fake_jobs")
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_a_module_without_a_list_of_jobs_is_refused(fake_module: types.ModuleType) -> None:
    with pytest.raises(TypeError, match=r"tests_fake_jobs\.JOBS"):
        load([fake_module.__name__])
    fake_module.JOBS = [job("x-y"), "not a job"]  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"tests_fake_jobs\.JOBS"):
        load([fake_module.__name__])
    fake_module.JOBS = [job("x-y")]  # type: ignore[attr-defined]
    assert [j.name for j in load([fake_module.__name__])] == ["x-y"]


def test_the_shipped_jobs(db: None) -> None:
    registry = load(JOB_MODULES)
    assert [j.name for j in registry] == [
        "audit-checkpoint",
        "audit-verify",
        "calendar-reminders",
        "sessions-purge",
    ]
    assert registry.get("audit-checkpoint").current_interval() == dt.timedelta(hours=1)
    assert registry.get("audit-verify").current_interval() == dt.timedelta(days=1)
    assert registry.get("calendar-reminders").current_interval() == dt.timedelta(days=1)
