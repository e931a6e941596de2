"""Each organization's editable playbooks, applying one to an incident, checking steps off.

``ensure_playbooks(org)`` seeds the organization's copy of the shipped playbooks the first time
they are used: the missing playbooks in one insert, their steps in one more, and all their audit
entries in one batch (as ``phiward.risk.org_catalog.ensure_catalog`` does for the threat
catalog). A category the organization already has is never touched, edited or not.

Applying a playbook copies its steps into the incident (``IncidentStep``): editing the playbook
later does not rewrite what an incident did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from phiward.audit.tracking import record_created
from phiward.core.errors import InputProblems, Problem
from phiward.core.models import Organization
from phiward.incidents.common import add_entry, save, text
from phiward.incidents.models import (
    Incident,
    IncidentStep,
    Phase,
    Playbook,
    PlaybookStep,
    TimelineKind,
)
from phiward.incidents.playbook_data import StepSpec, load_playbooks
from phiward.incidents.services_intake import happened_at


@transaction.atomic
def ensure_playbooks(organization: Organization) -> int:
    """Seed the shipped playbooks the organization lacks; returns how many were added."""
    shipped = load_playbooks()
    have = set(Playbook.objects.for_org(organization).values_list("category", flat=True))
    missing = [spec for spec in shipped.playbooks if spec.category not in have]
    if not missing:
        return 0
    books = [
        Playbook(
            organization=organization,
            category=spec.category,
            title=spec.title,
            version=1,
            shipped_version=shipped.version,
        )
        for spec in missing
    ]
    Playbook.objects.bulk_create(books)
    steps = [
        PlaybookStep(organization=organization, playbook=book, phase=s.phase, order=n, text=s.text)
        for book, spec in zip(books, missing, strict=True)
        for n, s in enumerate(spec.steps, start=1)
    ]
    PlaybookStep.objects.bulk_create(steps)
    record_created([*books, *steps])
    return len(books)


def playbook_for(organization: Organization, category: str) -> Playbook:
    """The organization's playbook for ``category`` (seeding the shipped ones first)."""
    ensure_playbooks(organization)
    found = Playbook.objects.for_org(organization).filter(category=category).first()
    if found is None:  # pragma: no cover - every category is shipped (a test checks)
        raise InputProblems([Problem("no playbook for this category", field="category")])
    return found


@transaction.atomic
def update_playbook(
    playbook: Playbook, by: User | None, *, title: str, steps: Sequence[StepSpec]
) -> Playbook:
    """Replace a playbook's title and steps (in the order given); its version goes up by one.

    Incidents that applied an earlier version keep their own copy of its steps."""
    playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
    problems = []
    if not steps:
        problems.append(Problem("a playbook needs at least one step", field="steps"))
    for n, step in enumerate(steps, start=1):
        if step.phase not in Phase.values:
            problems.append(Problem("not a phase", field=f"steps[{n}].phase"))
        if not step.text.strip():
            problems.append(Problem("must not be empty", field=f"steps[{n}].text"))
    if problems:
        raise InputProblems(problems)
    playbook.title = text(title, "title", required=True, limit=200)
    playbook.version += 1
    save(playbook)
    for old in PlaybookStep.objects.filter(playbook=playbook):
        old.delete()
    for n, step in enumerate(steps, start=1):
        save(
            PlaybookStep(
                organization_id=playbook.organization_id,
                playbook=playbook,
                phase=step.phase,
                order=n,
                text=" ".join(step.text.split()),
            )
        )
    return playbook


@transaction.atomic
def apply_playbook(
    incident: Incident,
    by: User | None,
    playbook: Playbook | None = None,
    *,
    at: dt.datetime | None = None,
) -> list[IncidentStep]:
    """Copy a playbook's steps into the incident (default: the one for its category); ``at``
    dates the timeline entry (default now; not before the incident was reported).

    A playbook is applied to an incident once; another category's playbook may be added
    (an outage that turns out to be ransomware)."""
    moment = happened_at(at, after=incident.reported_at)
    if playbook is None:
        playbook = playbook_for(incident.organization, incident.category)
    elif playbook.organization_id != incident.organization_id:
        raise InputProblems(
            [Problem("the playbook belongs to another organization", field="playbook")]
        )
    if IncidentStep.objects.filter(incident=incident, playbook=playbook).exists():
        raise InputProblems(
            [Problem("this playbook is already applied to the incident", field="playbook")]
        )
    start = IncidentStep.objects.filter(incident=incident).aggregate(m=Max("order"))["m"] or 0
    copies = [
        IncidentStep(
            organization_id=incident.organization_id,
            incident=incident,
            playbook=playbook,
            playbook_title=playbook.title,
            playbook_version=playbook.version,
            phase=step.phase,
            order=start + n,
            text=step.text,
        )
        for n, step in enumerate(playbook.steps.order_by("order"), start=1)
    ]
    IncidentStep.objects.bulk_create(copies)
    record_created(copies)
    add_entry(
        incident,
        TimelineKind.PLAYBOOK_STEP,
        f"Playbook '{playbook.title}' (version {playbook.version}) applied: {len(copies)} steps.",
        author=by,
        at=moment,
    )
    return copies


@transaction.atomic
def check_step(
    step: IncidentStep, by: User | None, *, note: str = "", at: dt.datetime | None = None
) -> IncidentStep:
    """Check a step off (who and when: ``at``, default now, not before the incident was
    reported); it is on the incident's timeline too."""
    step = IncidentStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise InputProblems([Problem("this step is already checked off", field="step")])
    step.done_at = happened_at(at, after=step.incident.reported_at)
    step.done_by = by
    step.note = text(note, "note", limit=5000)
    save(step)
    add_entry(
        step.incident,
        TimelineKind.PLAYBOOK_STEP,
        f"Done ({step.get_phase_display()} {step.order}): {step.text}"
        + (f" — {step.note}" if step.note else ""),
        author=by,
        at=step.done_at,
    )
    return step
