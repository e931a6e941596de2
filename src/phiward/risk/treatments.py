"""Treating risks (S8): mitigate, accept, transfer or avoid; tasks; acceptance sign-off.

An acceptance is effective only once approved by someone allowed to approve risk decisions
(``Action.APPROVE`` on ``Area.RISK``), and until its expiry date; changing what was accepted
(strategy, description, justification or expiry) withdraws the approval. Finishing a treatment
marks its risk for re-assessment: the residual risk should be rated again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from phiward.catalog.catalog import load
from phiward.core.errors import InputProblems, InvalidInput, Problem
from phiward.core.models import Organization
from phiward.risk.changes import flag_risks
from phiward.risk.models import (
    OPEN_TREATMENT,
    ReassessmentSource,
    Risk,
    RiskStatus,
    Strategy,
    Treatment,
    TreatmentStatus,
    TreatmentTask,
)
from phiward.risk.register import KEEP, Keep
from phiward.risk.validation import check_member, require_approver, require_text, save

_ACCEPTED_TERMS = ("strategy", "description", "justification", "expires_on")


def _spec_problems(spec_ids: Sequence[str]) -> list[Problem]:
    security_rule = load("hipaa-security")
    unknown = [s for s in spec_ids if security_rule.get(s) is None]
    if unknown:
        return [
            Problem(f"not in the Security Rule catalog: {', '.join(unknown)}", field="spec_ids")
        ]
    return []


def _choice_problems(strategy: str, status: str) -> list[Problem]:
    problems = []
    if strategy not in Strategy.values:
        problems.append(Problem(f"one of: {', '.join(Strategy.values)}", field="strategy"))
    if status not in TreatmentStatus.values:
        problems.append(Problem(f"one of: {', '.join(TreatmentStatus.values)}", field="status"))
    return problems


def _finished(treatment: Treatment, by: User | None) -> None:
    flag_risks(
        treatment.organization,
        ReassessmentSource.TREATMENT,
        f"Treatment done ({treatment.get_strategy_display().lower()}: "
        f"{treatment.description[:120]}); rate the residual risk again.",
        risks=[treatment.risk],
        obj=treatment,
    )


@transaction.atomic
def add_treatment(
    risk: Risk,
    by: User | None,
    *,
    strategy: Strategy | str,
    description: str,
    owner: User | None = None,
    due_on: dt.date | None = None,
    status: TreatmentStatus | str = TreatmentStatus.PLANNED,
    spec_ids: Sequence[str] = (),
    justification: str = "",
    expires_on: dt.date | None = None,
    counterparty: str = "",
) -> Treatment:
    """A treatment of an open risk; the model says what each strategy needs."""
    if risk.status != RiskStatus.OPEN:
        raise InvalidInput(f"{risk.reference} is closed")
    problems = _choice_problems(str(strategy), str(status))
    problems += check_member(risk.organization, owner, "owner")
    problems += _spec_problems(spec_ids)
    if problems:
        raise InputProblems(problems)
    treatment = Treatment(
        organization=risk.organization,
        risk=risk,
        strategy=Strategy(strategy),
        description=description,
        owner=owner,
        due_on=due_on,
        status=TreatmentStatus(status),
        spec_ids=list(dict.fromkeys(spec_ids)),
        justification=justification.strip(),
        expires_on=expires_on,
        counterparty=counterparty.strip(),
    )
    save(treatment)
    if treatment.status == TreatmentStatus.DONE:
        _finished(treatment, by)
    return treatment


@transaction.atomic
def update_treatment(
    treatment: Treatment,
    by: User | None,
    *,
    strategy: Strategy | str | Keep = KEEP,
    description: str | Keep = KEEP,
    owner: User | Keep | None = KEEP,
    due_on: dt.date | Keep | None = KEEP,
    status: TreatmentStatus | str | Keep = KEEP,
    spec_ids: Sequence[str] | Keep = KEEP,
    justification: str | Keep = KEEP,
    expires_on: dt.date | Keep | None = KEEP,
    counterparty: str | Keep = KEEP,
) -> Treatment:
    """Change a treatment; changing the terms of an approved acceptance withdraws its approval."""
    before = {name: getattr(treatment, name) for name in _ACCEPTED_TERMS}
    was_done = treatment.status == TreatmentStatus.DONE
    new_strategy = treatment.strategy if isinstance(strategy, Keep) else str(strategy)
    new_status = treatment.status if isinstance(status, Keep) else str(status)
    problems = _choice_problems(new_strategy, new_status)
    if not isinstance(owner, Keep):
        problems += check_member(treatment.organization, owner, "owner")
    if not isinstance(spec_ids, Keep):
        problems += _spec_problems(spec_ids)
    if problems:
        raise InputProblems(problems)
    treatment.strategy = Strategy(new_strategy)
    treatment.status = TreatmentStatus(new_status)
    if not isinstance(description, Keep):
        treatment.description = description
    if not isinstance(owner, Keep):
        treatment.owner = owner
    if not isinstance(due_on, Keep):
        treatment.due_on = due_on
    if not isinstance(spec_ids, Keep):
        treatment.spec_ids = list(dict.fromkeys(spec_ids))
    if not isinstance(justification, Keep):
        treatment.justification = justification.strip()
    if not isinstance(expires_on, Keep):
        treatment.expires_on = expires_on
    if not isinstance(counterparty, Keep):
        treatment.counterparty = counterparty.strip()
    after = {name: getattr(treatment, name) for name in _ACCEPTED_TERMS}
    if treatment.approved_at is not None and (
        after != before or treatment.strategy != Strategy.ACCEPT
    ):
        treatment.approved_at = None
        treatment.approved_by = None
    save(treatment)
    if treatment.status == TreatmentStatus.DONE and not was_done:
        _finished(treatment, by)
    return treatment


@transaction.atomic
def approve_acceptance(treatment: Treatment, by: User) -> Treatment:
    """Sign off a risk acceptance. The caller checks ``Action.APPROVE`` on ``Area.RISK`` for the
    request; this checks it again for ``by`` and records who approved, and when."""
    require_approver(treatment.organization, by, "approve a risk acceptance")
    treatment = Treatment.objects.select_for_update().get(pk=treatment.pk)
    if treatment.strategy != Strategy.ACCEPT:
        raise InvalidInput("only an acceptance is approved; this treatment is not one")
    if treatment.status == TreatmentStatus.CANCELLED:
        raise InvalidInput("the acceptance is cancelled")
    if treatment.approved_at is not None:
        raise InvalidInput("the acceptance is approved already")
    if treatment.acceptance_lapsed():
        raise InputProblems(
            [Problem("the acceptance has expired; set a new expiry date first", field="expires_on")]
        )
    treatment.approved_by = by
    treatment.approved_at = timezone.now()
    save(treatment)
    return treatment


@transaction.atomic
def add_task(
    treatment: Treatment,
    by: User | None,
    *,
    title: str,
    owner: User | None = None,
    due_on: dt.date | None = None,
) -> TreatmentTask:
    text = require_text(title, "title", "say what the task is")
    problems = check_member(treatment.organization, owner, "owner")
    if problems:
        raise InputProblems(problems)
    task = TreatmentTask(
        organization=treatment.organization,
        treatment=treatment,
        title=text,
        owner=owner,
        due_on=due_on,
    )
    save(task)
    return task


@transaction.atomic
def update_task(
    task: TreatmentTask,
    by: User | None,
    *,
    title: str | Keep = KEEP,
    owner: User | Keep | None = KEEP,
    due_on: dt.date | Keep | None = KEEP,
    done_on: dt.date | Keep | None = KEEP,
) -> TreatmentTask:
    if not isinstance(title, Keep):
        task.title = require_text(title, "title", "say what the task is")
    if not isinstance(owner, Keep):
        problems = check_member(task.organization, owner, "owner")
        if problems:
            raise InputProblems(problems)
        task.owner = owner
    if not isinstance(due_on, Keep):
        task.due_on = due_on
    if not isinstance(done_on, Keep):
        task.done_on = done_on
    save(task)
    return task


def complete_task(
    task: TreatmentTask, by: User | None, done_on: dt.date | None = None
) -> TreatmentTask:
    return update_task(task, by, done_on=done_on or timezone.localdate())


# --- queries ------------------------------------------------------------------------------------


def _open_risk_treatments(organization: Organization) -> QuerySet[Treatment]:
    return Treatment.objects.for_org(organization).filter(risk__status=RiskStatus.OPEN)


def overdue_treatments(
    organization: Organization, today: dt.date | None = None
) -> QuerySet[Treatment]:
    """Planned or in-progress treatments of open risks past their due date."""
    today = today or timezone.localdate()
    return (
        _open_risk_treatments(organization)
        .filter(status__in=OPEN_TREATMENT, due_on__lt=today)
        .select_related("risk", "owner")
        .order_by("due_on", "pk")
    )


def overdue_tasks(
    organization: Organization, today: dt.date | None = None
) -> QuerySet[TreatmentTask]:
    today = today or timezone.localdate()
    return (
        TreatmentTask.objects.for_org(organization)
        .filter(done_on=None, due_on__lt=today, treatment__status__in=OPEN_TREATMENT)
        .select_related("treatment", "treatment__risk", "owner")
        .order_by("due_on", "pk")
    )


def lapsed_acceptances(
    organization: Organization, today: dt.date | None = None
) -> QuerySet[Treatment]:
    """Acceptances of open risks whose expiry date has passed: the risk must be reconsidered."""
    today = today or timezone.localdate()
    return (
        _open_risk_treatments(organization)
        .filter(strategy=Strategy.ACCEPT, expires_on__lt=today)
        .exclude(status=TreatmentStatus.CANCELLED)
        .select_related("risk", "approved_by")
        .order_by("expires_on", "pk")
    )


def pending_acceptances(organization: Organization) -> QuerySet[Treatment]:
    """Acceptances of open risks nobody has approved yet (not effective)."""
    return (
        _open_risk_treatments(organization)
        .filter(strategy=Strategy.ACCEPT, approved_at=None)
        .exclude(status=TreatmentStatus.CANCELLED)
        .select_related("risk")
        .order_by("pk")
    )
