"""The exercises API's request and answer shapes."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from phiward.core.apiresource import MAX_PAGE
from phiward.core.apiscope import MAX_ID
from phiward.exercises.models import MAX_MINUTES, PlanStatus
from phiward.exercises.schedule import ExerciseKind

Minutes = int | None
MAX_SETTING = 10_000  # the service names the real maximum per field


class ActionOut(Schema):
    id: int
    exercise_id: int
    title: str
    owner: str | None = Field(description="Username")
    due_on: dt.date | None
    done_on: dt.date | None


class ExerciseOut(Schema):
    id: int
    reference: str = Field(description="X-001, …")
    kind: ExerciseKind
    title: str
    held_on: dt.date
    planned: bool = Field(description="Dated after today: planned, not yet held")
    duration_minutes: Minutes
    scenario: str
    participants: list[str] = Field(description="Usernames")
    external_participants: list[str]
    minutes_to_detect: Minutes
    minutes_to_contain: Minutes
    minutes_to_decide: Minutes
    minutes_to_notify: Minutes
    findings: str
    evidence_id: int | None
    actions: list[ActionOut]
    plan_revision_ids: list[int]


class ExercisePage(Schema):
    items: list[ExerciseOut]
    count: int
    limit: int
    offset: int


class ExerciseQuery(Schema):
    kind: ExerciseKind | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_ID)


def _minutes(description: str) -> Minutes:
    return Field(None, ge=0, le=MAX_MINUTES, description=description)


class ExerciseIn(Schema):
    kind: ExerciseKind = ExerciseKind.TABLETOP
    title: str = Field(..., max_length=200)
    held_on: dt.date | None = Field(None, description="Default: today; later dates are planned")
    duration_minutes: Minutes = _minutes("Minutes")
    scenario: str = Field("", max_length=20_000)
    participants: list[str] = Field(default_factory=list, max_length=200, description="Usernames")
    external_participants: list[str] = Field(default_factory=list, max_length=50)
    minutes_to_detect: Minutes = _minutes("From the scenario's start to detection")
    minutes_to_contain: Minutes = _minutes("From detection to containment")
    minutes_to_decide: Minutes = _minutes("From detection to the breach determination")
    minutes_to_notify: Minutes = _minutes("From the determination to the notifications")
    findings: str = Field("", max_length=50_000)
    evidence_id: int | None = Field(None, ge=1, le=MAX_ID)


class ExercisePatch(Schema):
    kind: ExerciseKind | None = None
    title: str | None = Field(None, max_length=200)
    held_on: dt.date | None = None
    duration_minutes: Minutes = _minutes("Minutes")
    scenario: str | None = Field(None, max_length=20_000)
    participants: list[str] | None = Field(None, max_length=200)
    external_participants: list[str] | None = Field(None, max_length=50)
    minutes_to_detect: Minutes = _minutes("Minutes")
    minutes_to_contain: Minutes = _minutes("Minutes")
    minutes_to_decide: Minutes = _minutes("Minutes")
    minutes_to_notify: Minutes = _minutes("Minutes")
    findings: str | None = Field(None, max_length=50_000)
    evidence_id: int | None = Field(None, ge=1, le=MAX_ID)


class ActionIn(Schema):
    title: str = Field(..., max_length=300)
    owner: str | None = Field(None, max_length=150, description="Username")
    due_on: dt.date | None = None


class ActionPatch(Schema):
    done_on: dt.date | None = Field(None, description="null: open again")


class DueOut(Schema):
    kind: ExerciseKind
    label: str
    last_on: dt.date | None
    due_on: dt.date
    overdue: bool
    days_left: int
    reason: str
    major_change_on: dt.date | None


class MajorChangeIn(Schema):
    description: str = Field(..., max_length=300)
    changed_on: dt.date | None = Field(None, description="Default: today")


class MajorChangeOut(Schema):
    id: int
    changed_on: dt.date
    description: str


class PlanVersionOut(Schema):
    id: int
    number: int
    title: str
    status: PlanStatus
    current: bool = Field(description="The approved version with the highest number")
    body: str
    change_summary: str
    effective_on: dt.date | None
    digest: str = Field(description="SHA-256 of title, NUL, body (UTF-8)")
    based_on_number: int | None
    source_exercise_id: int | None
    created_by: str | None
    approved_by: str | None
    approved_at: dt.datetime | None


class PlanDraftPatch(Schema):
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=500_000)
    change_summary: str | None = Field(None, max_length=20_000)


class PlanApproveIn(Schema):
    effective_on: dt.date | None = Field(None, description="Default: today")


class IntervalsOut(Schema):
    tabletop_months: int = Field(description="Months between tabletop exercises (at most 3)")
    drill_months: int = Field(description="Months between technical drills (at most 6)")
    full_test_months: int = Field(description="Months between full tests (at most 12)")
    major_change_days: int = Field(description="A full test is due this many days after a change")


class IntervalsIn(Schema):
    """Values left out keep their setting; one longer than the S31 maximum is refused (422
    naming the field): quarterly tabletops, semiannual drills, yearly full tests, 90 days."""

    tabletop_months: int | None = Field(None, ge=0, le=MAX_SETTING)
    drill_months: int | None = Field(None, ge=0, le=MAX_SETTING)
    full_test_months: int | None = Field(None, ge=0, le=MAX_SETTING)
    major_change_days: int | None = Field(None, ge=0, le=MAX_SETTING)
