"""The post-incident review: root cause, lessons learned, follow-up actions, linked risks.

Completing the review freezes it and flags every linked register risk for re-assessment
(``phiward.risk.services.flag_risks`` with source ``incident``): the incident is evidence that
the risk's likelihood may be higher than rated. The reason names the incident and its category
only, never its description (which may hold PHI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction

from phiward.core.errors import InputProblems, Problem
from phiward.core.models import display_name
from phiward.incidents.common import add_entry, check_member, save, text
from phiward.incidents.models import FollowUpAction, Incident, Review, ReviewRisk, TimelineKind
from phiward.incidents.services_intake import happened_at
from phiward.risk.models import ReassessmentSource, Risk


def review_of(incident: Incident) -> Review:
    """The incident's review, made empty on first use."""
    found = Review.objects.filter(incident=incident).first()
    if found is not None:
        return found
    review = Review(organization_id=incident.organization_id, incident=incident)
    save(review)
    return review


def _open(review: Review) -> None:
    if review.completed_at is not None:
        raise InputProblems([Problem("the review is completed and cannot change", field="review")])


@transaction.atomic
def save_review(
    incident: Incident,
    by: User | None,
    *,
    root_cause: str | None = None,
    lessons_learned: str | None = None,
    risks: Sequence[Risk] | None = None,
) -> Review:
    """Write the review's text and its linked risks (None leaves a part as it is)."""
    review = review_of(incident)
    _open(review)
    if root_cause is not None:
        review.root_cause = text(root_cause, "root_cause")
    if lessons_learned is not None:
        review.lessons_learned = text(lessons_learned, "lessons_learned")
    save(review)
    if risks is not None:
        _link_risks(review, risks)
    return review


def _link_risks(review: Review, risks: Sequence[Risk]) -> None:
    foreign = [r for r in risks if r.organization_id != review.organization_id]
    if foreign:
        raise InputProblems([Problem("a risk belongs to another organization", field="risks")])
    wanted = {r.pk: r for r in risks}
    for link in ReviewRisk.objects.filter(review=review):
        if link.risk_id in wanted:
            wanted.pop(link.risk_id)
        else:
            link.delete()
    for risk in wanted.values():
        save(ReviewRisk(organization_id=review.organization_id, review=review, risk=risk))


@transaction.atomic
def complete_review(
    incident: Incident, by: User | None, *, at: dt.datetime | None = None
) -> tuple[Review, list[Risk]]:
    """Complete the review (it needs a root cause and lessons learned) ``at`` (default now;
    not before the incident was reported); returns the review and the linked risks flagged
    for re-assessment."""
    from phiward.risk.services import flag_risks

    moment = happened_at(at, after=incident.reported_at)
    review = Review.objects.select_for_update().get(pk=review_of(incident).pk)
    _open(review)
    problems = []
    if not review.root_cause.strip():
        problems.append(
            Problem("write the root cause before completing the review", field="root_cause")
        )
    if not review.lessons_learned.strip():
        problems.append(
            Problem(
                "write the lessons learned before completing the review", field="lessons_learned"
            )
        )
    if problems:
        raise InputProblems(problems)
    review.completed_at = moment
    review.completed_by = by
    save(review)
    linked = list(Risk.objects.filter(pk__in=review.risk_links.values("risk_id")))
    flagged: list[Risk] = []
    if linked:
        flagged = flag_risks(
            incident.organization,
            ReassessmentSource.INCIDENT,
            f"Incident {incident.reference} ({incident.get_category_display()}) was reviewed: "
            "reconsider the likelihood.",
            risks=linked,
            obj=incident,
        )
    add_entry(
        incident,
        TimelineKind.DECISION,
        "Post-incident review completed"
        + (f"; {len(flagged)} linked risk(s) flagged for re-assessment." if linked else "."),
        author=by,
        at=moment,
    )
    return review, flagged


@transaction.atomic
def add_follow_up(
    incident: Incident,
    by: User | None,
    *,
    title: str,
    owner: User | None = None,
    due_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> FollowUpAction:
    """A follow-up action of the incident, on its timeline (dated ``at``, default now)."""
    moment = happened_at(at, after=incident.reported_at)
    check_member(incident.organization, owner, "owner")
    action = FollowUpAction(
        organization_id=incident.organization_id,
        incident=incident,
        title=text(title, "title", required=True, limit=300),
        owner=owner,
        due_on=due_on,
    )
    save(action)
    add_entry(
        incident,
        TimelineKind.ACTION,
        f"Follow-up action: {action.title}"
        + (f" (owner {display_name(owner)}" if owner else " (no owner")
        + (f", due {due_on.isoformat()})" if due_on else ")"),
        author=by,
        at=moment,
    )
    return action


@transaction.atomic
def complete_follow_up(
    action: FollowUpAction, by: User | None, *, at: dt.datetime | None = None
) -> FollowUpAction:
    """Mark a follow-up action done ``at`` (default now; not before the incident was
    reported)."""
    action = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    if action.done_at is not None:
        raise InputProblems([Problem("already done", field="done")])
    action.done_at = happened_at(at, after=action.incident.reported_at)
    action.done_by = by
    save(action)
    add_entry(
        action.incident,
        TimelineKind.ACTION,
        f"Follow-up done: {action.title}",
        author=by,
        at=action.done_at,
    )
    return action
