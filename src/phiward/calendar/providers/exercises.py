"""IR exercises due or overdue per kind, and exercise follow-up actions due.

Read-only over ``phiward.exercises``. A kind's due date comes from its schedule as of today,
so it moves when an exercise is recorded (the UID stays: one event per organization and kind).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.urls import reverse
from django.utils import timezone

from phiward.calendar.deadlines import Deadline
from phiward.core.models import Organization
from phiward.core.permissions import Area
from phiward.exercises.models import FollowUpAction
from phiward.exercises.schedule import CONTINGENCY_PLAN
from phiward.exercises.services import due_for


def exercise_deadlines(organization: Organization, start: date, end: date) -> Iterator[Deadline]:
    url = reverse("exercises:list", kwargs={"org": organization.slug})
    for due in due_for(organization, timezone.localdate()):
        if not start <= due.due_on <= end:
            continue
        yield Deadline(
            organization_id=organization.pk,
            due_on=due.due_on,
            title=f"{due.kind.label} due",
            area=Area.INCIDENTS,
            url=url,
            citation=CONTINGENCY_PLAN,
            kind="exercise",
            key=due.kind.value,
            detail=f"Schedule: {due.reason}.",
        )


def follow_up_deadlines(organization: Organization, start: date, end: date) -> Iterator[Deadline]:
    actions = (
        FollowUpAction.objects.for_org(organization)
        .filter(due_on__gte=start, due_on__lte=end)
        .select_related("exercise")
    )
    for action in actions:
        assert action.due_on is not None
        yield Deadline(
            organization_id=organization.pk,
            due_on=action.due_on,
            title=f"{action.exercise.reference} follow-up: {action.title}",
            area=Area.INCIDENTS,
            url=reverse(
                "exercises:detail", kwargs={"org": organization.slug, "pk": action.exercise_id}
            ),
            citation=CONTINGENCY_PLAN,
            kind="exercise-action",
            done=action.done_on is not None,
            key=str(action.uid),
        )
