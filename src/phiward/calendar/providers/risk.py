"""Risk register deadlines: treatments and their tasks due, risk acceptances expiring.

Read-only queries on ``phiward.risk``; the risk app does not know the calendar exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.urls import reverse

from phiward.calendar.deadlines import Deadline
from phiward.core.models import Organization
from phiward.core.permissions import Area
from phiward.risk.models import OPEN_TREATMENT, Strategy, Treatment, TreatmentStatus, TreatmentTask

RISK_MANAGEMENT = "45 CFR 164.308(a)(1)(ii)(B)"


def _risk_url(organization: Organization, risk_id: int) -> str:
    return reverse("risk:risk-detail", kwargs={"org": organization.slug, "pk": risk_id})


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def treatment_deadlines(organization: Organization, start: date, end: date) -> Iterator[Deadline]:
    """Treatments (other than acceptances) and treatment tasks with a due date in range."""
    treatments = (
        Treatment.objects.for_org(organization)
        .filter(due_on__gte=start, due_on__lte=end)
        .exclude(strategy=Strategy.ACCEPT)
        .exclude(status=TreatmentStatus.CANCELLED)
        .select_related("risk")
    )
    for treatment in treatments:
        assert treatment.due_on is not None
        yield Deadline(
            organization_id=organization.pk,
            due_on=treatment.due_on,
            title=f"{treatment.risk.reference} {treatment.get_strategy_display().lower()}: "
            f"{_short(treatment.description)}",
            area=Area.RISK,
            url=_risk_url(organization, treatment.risk_id),
            citation=RISK_MANAGEMENT,
            kind="treatment",
            done=treatment.status not in OPEN_TREATMENT,
            key=str(treatment.uid),
        )
    tasks = (
        TreatmentTask.objects.for_org(organization)
        .filter(due_on__gte=start, due_on__lte=end)
        .exclude(treatment__status=TreatmentStatus.CANCELLED)
        .select_related("treatment__risk")
    )
    for task in tasks:
        assert task.due_on is not None
        yield Deadline(
            organization_id=organization.pk,
            due_on=task.due_on,
            title=f"{task.treatment.risk.reference} task: {_short(task.title)}",
            area=Area.RISK,
            url=_risk_url(organization, task.treatment.risk_id),
            citation=RISK_MANAGEMENT,
            kind="treatment-task",
            done=task.done_on is not None,
            key=str(task.uid),
        )


def acceptance_deadlines(organization: Organization, start: date, end: date) -> Iterator[Deadline]:
    """Approved risk acceptances lapse on their expiry date: reconsider the risk by then."""
    acceptances = (
        Treatment.objects.for_org(organization)
        .filter(strategy=Strategy.ACCEPT, expires_on__gte=start, expires_on__lte=end)
        .exclude(status=TreatmentStatus.CANCELLED)
        .select_related("risk")
    )
    for acceptance in acceptances:
        assert acceptance.expires_on is not None
        yield Deadline(
            organization_id=organization.pk,
            due_on=acceptance.expires_on,
            title=f"{acceptance.risk.reference} risk acceptance expires",
            area=Area.RISK,
            url=_risk_url(organization, acceptance.risk_id),
            citation=RISK_MANAGEMENT,
            kind="acceptance",
            # A closed risk needs no renewed acceptance.
            done=acceptance.risk.status != "open",
            key=str(acceptance.uid),
            detail="Reconsider the risk: renew the acceptance or choose another treatment.",
        )
