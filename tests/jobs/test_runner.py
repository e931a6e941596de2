"""Running jobs: due-ness kept in the database, claims, failures recorded by type, audit."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from phiward.audit.context import Actor
from phiward.audit.models import AuditEntry
from phiward.core.errors import InvalidInput, NotFound
from phiward.jobs import runner
from phiward.jobs.models import JobState
from phiward.jobs.registry import Job, Registry
from tests.jobs.conftest import NOW, Calls

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def test_due_jobs_run_once_per_interval(registry: Registry, calls: Calls) -> None:
    first = runner.run_due(registry, now=NOW)
    assert sorted(o.name for o in first) == ["test-broken", "test-busy", "test-quiet"]
    assert runner.run_due(registry, now=NOW + MINUTE) == []
    later = runner.run_due(registry, now=NOW + 10 * MINUTE)
    assert [o.name for o in later] == ["test-busy"]  # every 10 minutes; the others hourly
    assert calls.names().count("test-busy") == 2
    assert calls.seen[0][1] == NOW  # a job gets the time it was claimed


def test_the_schedule_survives_a_restart(registry: Registry, calls: Calls) -> None:
    runner.run_due(registry, now=NOW)
    # A new process: a fresh registry of the same jobs, the same database.
    again = Registry(list(registry))
    assert runner.run_due(again, now=NOW + 5 * MINUTE) == []
    assert [o.name for o in runner.run_due(again, now=NOW + 10 * MINUTE)] == ["test-busy"]


def test_state_records_start_finish_and_summary(registry: Registry) -> None:
    runner.run_due(registry, now=NOW)
    quiet = JobState.objects.get(name="test-quiet")
    assert quiet.last_started_at == NOW
    assert quiet.last_finished_at is not None and quiet.last_finished_at >= NOW
    assert (quiet.last_outcome, quiet.last_result, quiet.last_error) == ("ok", "nothing to do", "")
    assert (quiet.running_since, quiet.running_on, quiet.claim) == (None, "", "")


def test_a_failing_job_is_recorded_by_type_and_does_not_stop_the_others(
    registry: Registry, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="phiward.jobs"):
        outcomes = {o.name: o for o in runner.run_due(registry, now=NOW)}
    assert not outcomes["test-broken"].ok
    assert outcomes["test-broken"].text == "ValueError"
    assert outcomes["test-busy"].ok and outcomes["test-quiet"].ok
    state = JobState.objects.get(name="test-broken")
    assert (state.last_outcome, state.last_error, state.last_result) == ("failed", "ValueError", "")
    assert state.running_since is None  # the claim is released
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "job test-broken failed: ValueError" in logged
    assert "Jane Roe" not in logged and "4242" not in logged
    assert "Jane Roe" not in caplog.text and "4242" not in caplog.text


def test_a_domain_error_keeps_its_message(registry: Registry) -> None:
    def refuses(now: dt.datetime) -> str:
        raise InvalidInput("PHIWARD_X: not a directory")

    registry.register(Job("test-refuses", dt.timedelta(hours=1), refuses, "Refuses."))
    outcome = next(o for o in runner.run_due(registry, now=NOW) if o.name == "test-refuses")
    assert outcome.text == "InvalidInput: PHIWARD_X: not a directory"
    assert JobState.objects.get(name="test-refuses").last_error == outcome.text


def test_a_job_held_by_another_worker_is_left_alone(registry: Registry, calls: Calls) -> None:
    runner.ensure_states(registry)
    JobState.objects.filter(name="test-quiet").update(
        running_since=NOW - 5 * MINUTE, running_on="other-host:42", claim="x"
    )
    ran = [o.name for o in runner.run_due(registry, now=NOW)]
    assert "test-quiet" not in ran
    with pytest.raises(runner.JobBusy, match="running on other-host:42 since"):
        runner.run_now(registry, "test-quiet", actor=None, now=NOW)
    # Its worker died: after the timeout (1 hour by default) the claim is abandoned.
    assert "test-quiet" in [
        o.name for o in runner.run_due(registry, now=NOW + dt.timedelta(minutes=56))
    ]
    assert JobState.objects.get(name="test-quiet").running_on == ""


def test_a_claim_is_exclusive(registry: Registry) -> None:
    job = registry.get("test-quiet")
    runner.ensure_states(registry)
    token = runner.claim(job, NOW, only_if_due=False)
    assert token is not None
    assert runner.claim(job, NOW, only_if_due=False) is None
    assert runner.claim(job, NOW + MINUTE, only_if_due=True) is None


def test_run_now_runs_a_job_that_is_not_due(registry: Registry, calls: Calls) -> None:
    runner.run_due(registry, now=NOW)
    outcome = runner.run_now(registry, "test-quiet", actor=None, now=NOW + MINUTE)
    assert outcome.ok and calls.names().count("test-quiet") == 2
    with pytest.raises(NotFound, match="no job 'nope'"):
        runner.run_now(registry, "nope", actor=None)


def test_an_interval_of_zero_turns_a_job_off(registry: Registry, calls: Calls) -> None:
    registry.register(Job("test-off", dt.timedelta(0), lambda now: "ran", "Off."))
    assert "test-off" not in [o.name for o in runner.run_due(registry, now=NOW)]
    (off,) = [s for s in runner.status(registry, NOW) if s.job.name == "test-off"]
    assert off.next_due_at is None
    assert runner.run_now(registry, "test-off", actor=None).text == "ran"


def test_changes_are_audit_logged_as_the_job(registry: Registry) -> None:
    before = AuditEntry.objects.count()
    runner.run_due(registry, now=NOW)
    (entry,) = AuditEntry.objects.filter(seq__gte=before)  # only the job that changed something
    assert (entry.actor, entry.source, entry.object_type) == (
        "job:test-busy",
        "system",
        "test.thing",
    )
    runner.run_now(registry, "test-busy", actor=Actor(None, "os:admin", "cli"), now=NOW + MINUTE)
    manual = AuditEntry.objects.order_by("-seq").first()
    assert manual is not None and (manual.actor, manual.source) == ("os:admin", "cli")


def test_status_shows_last_run_and_next_due(registry: Registry) -> None:
    runner.run_due(registry, now=NOW)
    rows = {s.job.name: s for s in runner.status(registry, NOW + MINUTE)}
    assert rows["test-busy"].next_due_at == NOW + 10 * MINUTE
    assert rows["test-busy"].last_result == "tidied 1 thing"
    assert rows["test-broken"].last_outcome == "failed"
    assert rows["test-quiet"].running_since is None
    fresh = Registry([Job("test-new", dt.timedelta(hours=1), lambda now: "", "New.")])
    (new,) = runner.status(fresh, NOW)
    assert new.last_started_at is None and new.next_due_at == NOW


def test_an_interrupted_job_releases_its_claim(registry: Registry) -> None:
    def interrupted(now: dt.datetime) -> str:
        raise KeyboardInterrupt

    registry.register(Job("test-interrupted", dt.timedelta(hours=1), interrupted, "Ctrl-C."))
    with pytest.raises(KeyboardInterrupt):
        runner.run_now(registry, "test-interrupted", actor=None, now=NOW)
    state = JobState.objects.get(name="test-interrupted")
    assert (state.running_since, state.last_outcome, state.last_error) == (
        None,
        "failed",
        "interrupted",
    )


def test_an_empty_summary_reads_done(registry: Registry) -> None:
    registry.register(Job("test-silent", dt.timedelta(hours=1), lambda now: "  ", "Silent."))
    assert runner.run_now(registry, "test-silent", actor=None, now=NOW).text == "done"
