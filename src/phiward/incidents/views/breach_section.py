"""What the incident page and the list show of the review, the breach determination and the
notification deadlines (read-only; the forms are on their own pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from phiward.core.models import Organization
from phiward.incidents import services
from phiward.incidents.models import (
    AffectedCount,
    AffectedIndividuals,
    FollowUpAction,
    Incident,
    Obligation,
    ObligationStatus,
    Review,
    ReviewRisk,
)

# A draft notice's key -> the key of the obligation it meets.
DRAFT_OBLIGATION = {
    "individual": "individuals",
    "next_of_kin": "next-of-kin",
    "substitute_web": "substitute-notice",
}

DEADLINES_SHOWN = 10


def open_obligations(organization: Organization) -> QuerySet[Obligation]:
    """Open obligations (of signed determinations; replaced ones are closed on sign-off)."""
    return Obligation.objects.for_org(organization).filter(status=ObligationStatus.OPEN)


def open_deadlines(organization: Organization) -> list[Obligation]:
    """The next open obligations by due date (undated ones last)."""
    found = open_obligations(organization).select_related("incident").order_by("due_on", "pk")
    dated = list(found.exclude(due_on=None)[:DEADLINES_SHOWN])
    if len(dated) < DEADLINES_SHOWN:
        dated += list(found.filter(due_on=None)[: DEADLINES_SHOWN - len(dated)])
    return dated


def obligation_for_draft(key: str) -> str:
    return DRAFT_OBLIGATION.get(key, key)


def context(incident: Incident, sees_risks: bool) -> dict[str, Any]:
    review = Review.objects.filter(incident=incident).select_related("completed_by").first()
    linked = (
        [
            link.risk
            for link in ReviewRisk.objects.filter(review=review)
            .select_related("risk")
            .order_by("risk__number")
        ]
        if review is not None and sees_risks
        else []
    )
    current = services.current_assessment(incident)
    signed = services.signed_assessment(incident)
    obligations = (
        list(
            Obligation.objects.filter(assessment=signed)
            .select_related("closed_by", "evidence")
            .order_by("due_on", "pk")
        )
        if signed is not None
        else []
    )
    return {
        "review": review,
        "review_risks": linked,
        "follow_ups": FollowUpAction.objects.filter(incident=incident)
        .select_related("owner", "done_by")
        .order_by("done_at", "due_on", "pk"),
        "assessment": current,
        "signed_assessment": signed,
        "obligations": obligations,
        "open_obligations": sum(1 for o in obligations if o.is_open),
        "affected": AffectedIndividuals.objects.filter(incident=incident).first(),
        "affected_counts": list(AffectedCount.objects.filter(incident=incident).order_by("state")),
    }
