"""Per-organization exercise intervals (shorter than S31's rhythm, never longer) through the
schedule, the service, the web page, the API and the CLI; approving the IR plan from the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from phiward.audit.models import AuditEntry
from phiward.cli import main
from phiward.core.errors import InputProblems
from phiward.core.models import Organization
from phiward.exercises import intervals, services
from phiward.exercises.models import ExerciseIntervals, IRPlanVersion, MajorChange
from phiward.exercises.schedule import ExerciseKind, Policy, policy_problems
from tests.conftest import client_for
from tests.exercises.sample import build_exercises

TODAY = dt.date(2026, 2, 1)
DEFAULTS = {
    "tabletop_months": 3,
    "drill_months": 6,
    "full_test_months": 12,
    "major_change_days": 90,
}


def _due(org: Organization) -> dict[ExerciseKind, dt.date]:
    return {d.kind: d.due_on for d in services.due_for(org, TODAY)}


def test_pure_limits() -> None:
    assert policy_problems(Policy()) == []
    strict = Policy({ExerciseKind.TABLETOP: 1, ExerciseKind.DRILL: 1, ExerciseKind.FULL_TEST: 1}, 1)
    assert policy_problems(strict) == []
    loose = Policy({ExerciseKind.TABLETOP: 4, ExerciseKind.DRILL: 6, ExerciseKind.FULL_TEST: 0}, 91)
    fields = [name for name, _message in policy_problems(loose)]
    assert fields == ["tabletop_months", "full_test_months", "major_change_days"]


@pytest.mark.django_db
def test_defaults_without_a_row(org: Organization) -> None:
    row = intervals.intervals_for(org)
    assert row.pk is None and intervals.as_dict(row) == DEFAULTS
    assert ExerciseIntervals.objects.count() == 0


@pytest.mark.django_db
def test_stricter_intervals_change_due_dates(org: Organization, other_org: Organization) -> None:
    build_exercises(org)  # a tabletop on 2026-01-15
    MajorChange.objects.create(organization=org, changed_on=dt.date(2026, 1, 20), description="x")
    before = _due(org)
    assert before[ExerciseKind.TABLETOP] == dt.date(2026, 4, 15)
    assert before[ExerciseKind.FULL_TEST] == TODAY  # never held: due now
    intervals.update_intervals(org, tabletop_months=1, major_change_days=30)
    after = _due(org)
    assert after[ExerciseKind.TABLETOP] == dt.date(2026, 2, 15)
    assert after[ExerciseKind.DRILL] == TODAY
    assert ExerciseIntervals.objects.get().organization == org
    assert intervals.as_dict(intervals.intervals_for(other_org)) == DEFAULTS  # per organization
    # A full test held on 2026-01-10, before the change: the 30 days after the change count.
    services.record_exercise(
        org,
        services.ExerciseData(ExerciseKind.FULL_TEST, "Failover", dt.date(2026, 1, 10)),
        user=None,
    )
    assert _due(org)[ExerciseKind.FULL_TEST] == dt.date(2026, 2, 19)


@pytest.mark.django_db
def test_longer_intervals_are_refused_naming_the_field(org: Organization) -> None:
    intervals.update_intervals(org, drill_months=4)
    with pytest.raises(InputProblems) as refused:
        intervals.update_intervals(org, drill_months=2, full_test_months=13, major_change_days=120)
    assert [p.field for p in refused.value.problems] == ["full_test_months", "major_change_days"]
    assert "12 months" in str(refused.value)
    assert intervals.as_dict(intervals.intervals_for(org))["drill_months"] == 4  # nothing saved


@pytest.mark.django_db
def test_web_settings_page(org: Organization, officer: User) -> None:
    client = client_for(officer)
    url = reverse("exercises:intervals", args=[org.slug])
    listing = client.get(reverse("exercises:list", args=[org.slug])).content.decode()
    assert url in listing and "every 3 months" in listing
    assert 'value="12"' in client.get(url).content.decode()
    form = {**DEFAULTS, "tabletop_months": 2, "full_test_months": 24}
    refused = client.post(url, form)
    assert refused.status_code == 200 and "between 1 and 12 months" in refused.content.decode()
    assert not ExerciseIntervals.objects.exists()
    saved = client.post(url, {**form, "full_test_months": 6})
    assert saved.status_code == 302
    assert intervals.as_dict(intervals.intervals_for(org))["full_test_months"] == 6
    listing = client.get(reverse("exercises:list", args=[org.slug])).content.decode()
    assert "every 2 months" in listing and "every 6 months" in listing


@pytest.mark.django_db
def test_api_round_trip(org: Organization, officer: User) -> None:
    client, url = client_for(officer), f"/api/organizations/{org.slug}/exercise-intervals"
    assert client.get(url).json() == DEFAULTS
    put = client.put(url, {"drill_months": 3}, content_type="application/json")
    assert put.status_code == 200 and put.json() == {**DEFAULTS, "drill_months": 3}
    refused = client.put(url, {"tabletop_months": 6}, content_type="application/json")
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["tabletop_months"]
    assert client.get(url).json()["drill_months"] == 3
    due = client.get(f"/api/organizations/{org.slug}/exercises-due").json()
    assert all(d["due_on"] for d in due)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    main(list(args))
    return capsys.readouterr().out


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(str(exited.value.code)), capsys.readouterr().err.strip()


@pytest.mark.django_db
def test_cli_intervals(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    slug = org.slug
    assert json.loads(run(capsys, "exercise", "intervals", "--org", slug, "--json")) == DEFAULTS
    out = run(
        capsys, "exercise", "intervals", "--org", slug,
        "--set", "tabletop=1", "--set", "major_change_days=45", "--json",
    )  # fmt: skip
    assert json.loads(out) == {**DEFAULTS, "tabletop_months": 1, "major_change_days": 45}
    assert "tabletop_months    1" in run(capsys, "exercise", "intervals", "--org", slug)
    code, err = fails(capsys, "exercise", "intervals", "--org", slug, "--set", "drill=7")
    assert code == 2 and "drill_months" in err and "6 months" in err
    code, err = fails(capsys, "exercise", "intervals", "--org", slug, "--set", "weekly=1")
    assert code == 2 and "--set" in err
    due = json.loads(run(capsys, "exercise", "due", "--org", slug, "--json"))
    assert all(d["due_on"] for d in due)  # computed with the stored policy


@pytest.mark.django_db
def test_cli_approves_the_plan(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    build_exercises(org)  # v1 approved, v2 an open draft with a change summary
    out = run(capsys, "irplan", "approve", "--org", org.slug, "2", "--effective-on", "2026-03-01")
    assert "approved v2, effective 2026-03-01" in out
    v2 = IRPlanVersion.objects.get(organization=org, number=2)
    assert (v2.status, v2.approved_by, v2.effective_on) == ("approved", None, dt.date(2026, 3, 1))
    entry = AuditEntry.objects.filter(object_type__icontains="irplan").last()
    assert entry is not None and entry.source == "cli" and entry.actor.startswith("os:")
    code, err = fails(capsys, "irplan", "approve", "--org", org.slug, "2")
    assert code == 2 and "already approved" in err
    code, err = fails(capsys, "irplan", "approve", "--org", org.slug, "9")
    assert code == 3 and "no IR plan version 9" in err
