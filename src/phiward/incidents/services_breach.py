"""Breach assessments, their sign-off, the obligations they create, and closing obligations.

``assess`` runs the pure engine (``phiward.breach.assess_document``) on a facts document and
stores the parsed facts, the engine's output, its version and a SHA-256 digest of both as an
unsigned assessment; the engine's ``InputProblems`` pass through unchanged (each names its
field path). It becomes the incident's one current assessment; the previous one is kept, marked
superseded. ``sign_off`` needs a member allowed to approve in the incidents area; the person who
ran the assessment may sign it too, and that is recorded (``signed_by_author``) and shown.
Signing freezes the assessment (the model refuses later changes) and creates its obligations;
open obligations of an earlier signed assessment are closed as "not required" with a note
naming the new one (done ones stay done). ``record_sent`` closes an obligation with the date,
method and evidence of the notice; a closed obligation never changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from phiward.audit.canonical import JsonValue
from phiward.core.errors import InputProblems, Problem
from phiward.core.models import display_name
from phiward.evidence.models import EvidenceItem
from phiward.incidents.affected import ListSummary, StateCount, count_problems
from phiward.incidents.common import add_entry, evidence_of, require_approver, save, text
from phiward.incidents.models import (
    AffectedCount,
    AffectedIndividuals,
    AffectedSource,
    BreachAssessment,
    Incident,
    NoticeMethod,
    Obligation,
    ObligationStatus,
    Outcome,
    Recipient,
    TimelineKind,
    assessment_digest,
)
from phiward.incidents.services_intake import happened_at


def current_assessment(incident: Incident) -> BreachAssessment | None:
    return (
        BreachAssessment.objects.filter(incident=incident, superseded_by__isnull=True)
        .order_by("-number")
        .first()
    )


def signed_assessment(incident: Incident) -> BreachAssessment | None:
    """The latest signed assessment (the determination in force), if any."""
    return (
        BreachAssessment.objects.filter(incident=incident, signed_off_at__isnull=False)
        .order_by("-number")
        .first()
    )


def _json(value: object) -> dict[str, JsonValue]:
    import json

    loaded: dict[str, JsonValue] = json.loads(json.dumps(value, default=str))
    return loaded


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _as_of_today(facts: Mapping[str, object], today: dt.date | None = None) -> Mapping[str, object]:
    """The facts, judged as of today (or the day ``today`` of an assessment run in the past)
    unless they say otherwise: the engine never reads the clock, and only with
    ``dates.as_of`` does it refuse dates in the future."""
    dates = facts.get("dates")
    if isinstance(dates, Mapping) and "as_of" not in dates:
        day = today or timezone.localdate()
        return {**facts, "dates": {**dates, "as_of": day.isoformat()}}
    return facts


@transaction.atomic
def assess(
    incident: Incident,
    facts: Mapping[str, object],
    by: User | None,
    *,
    source: str = "facts",
    at: dt.datetime | None = None,
) -> BreachAssessment:
    """Run the engine on ``facts`` and record an unsigned, current assessment; ``at`` is when
    it was run (default now; not before the incident was reported; the facts are then judged
    as of that day)."""
    from phiward import breach

    moment = happened_at(at, after=incident.reported_at)
    facts = _as_of_today(facts, timezone.localdate(moment) if at is not None else None)
    result = breach.assess_document(facts, source=source)  # InputProblems pass through
    facts_json = _json(result.facts.to_dict())
    result_json = _json(result.to_dict())
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    previous = current_assessment(incident)
    last = BreachAssessment.objects.filter(incident=incident).aggregate(m=Max("number"))["m"]
    determination = result.determination
    assessment = BreachAssessment(
        organization_id=incident.organization_id,
        incident=incident,
        number=int(last or 0) + 1,
        facts=facts_json,
        result=result_json,
        engine_version=determination.engine_version,
        outcome=Outcome(str(determination.outcome)),
        notification_required=determination.notification_required,
        discovered_on=determination.discovered_on,
        digest=assessment_digest(facts_json, result_json),
        created_by=by,
    )
    save(assessment)
    if previous is not None:
        previous.superseded_by = assessment
        previous.superseded_at = moment
        previous.save()
    add_entry(
        incident,
        TimelineKind.ASSESSMENT,
        f"Breach assessment {assessment.number} run (engine {assessment.engine_version}): "
        f"{assessment.get_outcome_display()}; awaiting sign-off."
        + (f" It supersedes assessment {previous.number}." if previous else ""),
        author=by,
        at=moment,
    )
    return assessment


@transaction.atomic
def sign_off(
    assessment: BreachAssessment, by: User | None, *, at: dt.datetime | None = None
) -> BreachAssessment:
    """Sign the current assessment off ``at`` (default now; not before the incident was
    reported): it is frozen, and its obligations are created."""
    require_approver(assessment.organization, by, "sign off a breach determination")
    assessment = BreachAssessment.objects.select_for_update().get(pk=assessment.pk)
    moment = happened_at(at, after=assessment.incident.reported_at)
    if assessment.signed_off_at is not None:
        raise InputProblems([Problem("this assessment is already signed off", field="signed")])
    if assessment.superseded_by_id is not None:
        raise InputProblems(
            [Problem("a newer assessment supersedes this one; sign that one", field="assessment")]
        )
    if not assessment.verify():
        raise InputProblems(
            [Problem("the stored assessment does not match its digest", field="digest")]
        )
    earlier = signed_assessment(assessment.incident)
    assessment.signed_off_by = by
    assessment.signed_off_at = moment
    assessment.signed_by_author = by is not None and by.pk == assessment.created_by_id
    save(assessment)
    created = _create_obligations(assessment)
    if earlier is not None:
        _close_replaced(earlier, assessment, by, moment)
    own = " (by the person who ran it)" if assessment.signed_by_author else ""
    add_entry(
        assessment.incident,
        TimelineKind.ASSESSMENT,
        f"Breach assessment {assessment.number} signed off by {display_name(by)}{own}: "
        f"{assessment.get_outcome_display()}; {len(created)} obligation(s).",
        author=by,
        at=moment,
    )
    return assessment


def _create_obligations(assessment: BreachAssessment) -> list[Obligation]:
    raw = assessment.result.get("obligations") if isinstance(assessment.result, dict) else None
    created = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        obligation = Obligation(
            organization_id=assessment.organization_id,
            incident=assessment.incident,
            assessment=assessment,
            key=str(item.get("key", ""))[:60],
            recipient=Recipient(str(item.get("recipient"))),
            title=str(item.get("title", ""))[:300],
            due_on=_date(item.get("due_on")),
            citation=str(item.get("citation", ""))[:100],
            description=str(item.get("description", "")),
            basis=str(item.get("basis", "")),
            delayed_until=_date(item.get("delayed_until")),
            state=str(item.get("state") or "")[:40],
        )
        save(obligation)
        created.append(obligation)
    return created


def _close_replaced(
    earlier: BreachAssessment, newer: BreachAssessment, by: User | None, at: dt.datetime
) -> None:
    for old in Obligation.objects.filter(assessment=earlier, status=ObligationStatus.OPEN):
        old.status = ObligationStatus.NOT_REQUIRED
        old.notes = f"Replaced by the obligations of assessment {newer.number}."
        old.closed_by = by
        old.closed_at = at
        save(old)


@transaction.atomic
def record_sent(
    obligation: Obligation,
    by: User | None,
    *,
    sent_on: dt.date,
    method: NoticeMethod | str,
    evidence: EvidenceItem | None = None,
    notes: str = "",
    at: dt.datetime | None = None,
) -> Obligation:
    """Record the notice as sent (date, method, evidence), closing the obligation; ``at`` is
    when that was recorded (default now; not before the determination was signed off)."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    _require_open(obligation)
    moment = _closing_time(obligation, at)
    problems = []
    if sent_on > timezone.localdate():
        problems.append(Problem("cannot be in the future", field="sent_on"))
    if method not in NoticeMethod.values:
        problems.append(Problem("not a method", field="method"))
    if problems:
        raise InputProblems(problems)
    evidence_of(obligation.incident, evidence, "evidence")
    obligation.status = ObligationStatus.DONE
    obligation.done_on = sent_on
    obligation.method = NoticeMethod(method)
    obligation.evidence = evidence
    obligation.evidence_sha256 = evidence.sha256 if evidence is not None else ""
    obligation.notes = text(notes, "notes", limit=5000)
    obligation.closed_by = by
    obligation.closed_at = moment
    save(obligation)
    late = ""
    if obligation.due_on is not None and sent_on > obligation.due_on:
        late = f" — {(sent_on - obligation.due_on).days} day(s) after it was due"
    add_entry(
        obligation.incident,
        TimelineKind.NOTICE,
        f"{obligation.title}: sent {sent_on.isoformat()} by {obligation.get_method_display()}"
        f"{late}.",
        author=by,
        evidence=evidence,
        at=moment,
    )
    return obligation


@transaction.atomic
def mark_not_required(
    obligation: Obligation, by: User | None, *, reason: str, at: dt.datetime | None = None
) -> Obligation:
    """Close an obligation that does not apply after all (with the reason) ``at`` (default
    now; not before the determination was signed off)."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    _require_open(obligation)
    moment = _closing_time(obligation, at)
    obligation.status = ObligationStatus.NOT_REQUIRED
    obligation.notes = text(reason, "reason", required=True, limit=5000)
    obligation.closed_by = by
    obligation.closed_at = moment
    save(obligation)
    add_entry(
        obligation.incident,
        TimelineKind.DECISION,
        f"{obligation.title}: marked not required.",
        author=by,
        at=moment,
    )
    return obligation


def _closing_time(obligation: Obligation, at: dt.datetime | None) -> dt.datetime:
    signed = obligation.assessment.signed_off_at
    return happened_at(
        at,
        after=signed or obligation.incident.reported_at,
        after_what="the determination was signed off",
    )


def _require_open(obligation: Obligation) -> None:
    if obligation.status != ObligationStatus.OPEN:
        raise InputProblems(
            [Problem("this obligation is closed and cannot change", field="status")]
        )
    if obligation.assessment.superseded_by_id is not None and not obligation.assessment.is_signed:
        raise InputProblems([Problem("its assessment was superseded", field="assessment")])


# --- affected individuals ----------------------------------------------------------------------


@transaction.atomic
def set_affected_counts(
    incident: Incident,
    by: User | None,
    counts: Sequence[StateCount],
    *,
    estimated: bool = False,
    upload: tuple[str, ListSummary] | None = None,
    at: dt.datetime | None = None,
) -> list[AffectedCount]:
    """Replace the incident's per-State counts (entered, or from an uploaded list's summary);
    ``at`` dates the timeline entry (default now; not before the incident was reported)."""
    moment = happened_at(at, after=incident.reported_at)
    normalised = tuple(
        StateCount(
            c.state.strip().upper(),
            c.individuals,
            c.next_of_kin_known,
            c.next_of_kin_unknown,
            c.insufficient_contact,
        )
        for c in counts
    )
    problems = count_problems(normalised)
    if problems:
        raise InputProblems(problems)
    info = AffectedIndividuals.objects.filter(incident=incident).first() or AffectedIndividuals(
        organization_id=incident.organization_id, incident=incident
    )
    info.estimated = estimated
    if upload is None:
        info.source = AffectedSource.ENTERED
        info.list_name, info.list_rows, info.list_sha256 = "", None, ""
    else:
        name, summary = upload
        info.source = AffectedSource.UPLOAD
        info.list_name, info.list_rows, info.list_sha256 = name[:255], summary.rows, summary.sha256
    save(info)
    for old in AffectedCount.objects.filter(incident=incident):
        old.delete()
    rows = []
    for c in normalised:
        row = AffectedCount(
            organization_id=incident.organization_id,
            incident=incident,
            state=c.state,
            individuals=c.individuals,
            next_of_kin_known=c.next_of_kin_known,
            next_of_kin_unknown=c.next_of_kin_unknown,
            insufficient_contact=c.insufficient_contact,
        )
        save(row)
        rows.append(row)
    total = sum(c.individuals for c in normalised)
    how = f"from an uploaded list of {upload[1].rows} rows" if upload else "entered"
    add_entry(
        incident,
        TimelineKind.NOTE,
        f"Affected individuals {how}: {total} in {len(normalised)} State(s).",
        author=by,
        at=moment,
    )
    return rows


def upload_affected_list(
    incident: Incident, by: User | None, data: bytes, *, name: str
) -> list[AffectedCount]:
    """Summarise an uploaded list into per-State counts (nothing is written if it has a
    problem; the rows themselves are never stored)."""
    from phiward.incidents.affected import summarise_list

    summary = summarise_list(data, file=name or "list.csv")
    return set_affected_counts(incident, by, summary.counts, upload=(name, summary))


def individuals_facts(incident: Incident) -> dict[str, object] | None:
    """The ``individuals`` part of a facts document, from the incident's counts (None: none)."""
    counts = list(AffectedCount.objects.filter(incident=incident).order_by("state"))
    if not counts:
        return None
    info = AffectedIndividuals.objects.filter(incident=incident).first()
    listed = info is not None and info.source == AffectedSource.UPLOAD
    return {
        "total": sum(c.individuals for c in counts),
        "estimated": bool(info and info.estimated),
        "by_state": {c.state: c.individuals for c in counts},
        "deceased": {
            "next_of_kin_known": sum(c.next_of_kin_known for c in counts),
            "next_of_kin_unknown": sum(c.next_of_kin_unknown for c in counts),
        },
        "insufficient_contact": sum(c.insufficient_contact for c in counts),
        "list": (
            {"rows": info.list_rows, "name": info.list_name, "sha256": info.list_sha256}
            if listed and info is not None
            else None
        ),
    }
