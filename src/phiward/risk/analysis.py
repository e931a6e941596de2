"""Running a risk analysis: start it, answer the questionnaire, synchronize the proposals,
accept or dismiss them.

``sync_proposals`` is the bridge between the pure engine and the database. For each proposal
the rules make now, keyed by (rule, subject):

- a new one is created as *proposed*;
- a *proposed* one is updated (reason, label, suggestions, assets);
- a *dismissed* one stays dismissed while its facts are the same; when they changed (the
  fingerprint differs) it becomes *proposed* again with the new reason;
- an *accepted* one stays accepted; when its facts changed, its risk is flagged for
  re-assessment with the new reason, and newly matching assets are linked to it;
- a *withdrawn* one is proposed again.

Proposals the rules no longer make are *withdrawn* when undecided; decided ones keep their
decision and are marked not ``current`` (an accepted one's risk is flagged once: "the facts
that proposed it no longer hold").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from phiward.core.errors import InputProblems, InvalidInput, NotFound, Problem
from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, Vendor
from phiward.risk import engine, questionnaire, scope
from phiward.risk.changes import flag_risks
from phiward.risk.models import (
    AnalysisScopeAsset,
    Answer,
    ProposalStatus,
    QuestionAnswer,
    ReassessmentSource,
    Risk,
    RiskAnalysis,
    RiskProposal,
    Threat,
    Vulnerability,
)
from phiward.risk.org_catalog import engine_catalog, ensure_catalog
from phiward.risk.register import KEEP, Keep, add_risk, link_assets
from phiward.risk.rules import rule as rule_named
from phiward.risk.rules.base import Source
from phiward.risk.scoring import Method, spec
from phiward.risk.validation import require_text, save

TITLE_LENGTH = 300


@transaction.atomic
def start_analysis(
    organization: Organization,
    by: User | None,
    *,
    title: str,
    method: Method | str = Method.THREE_LEVEL,
    scope_text: str = "",
    scope_all_ephi: bool = True,
    assets: Sequence[Asset] = (),
    participants: Sequence[Mapping[str, str]] = (),
    started_on: dt.date | None = None,
    next_review_on: dt.date | None = None,
) -> RiskAnalysis:
    """A new analysis: all ePHI assets and flows by default, or the listed ``assets``."""
    spec(method)  # InputProblems naming 'method' when unknown
    problems = _scope_problems(organization, scope_all_ephi, assets)
    if problems:
        raise InputProblems(problems)
    ensure_catalog(organization)
    analysis = RiskAnalysis(
        organization=organization,
        title=title,
        method=Method(method),
        scope=scope_text.strip(),
        scope_all_ephi=scope_all_ephi,
        participants=[dict(p) for p in participants],
        started_on=started_on or timezone.localdate(),
        next_review_on=next_review_on,
        started_by=by,
    )
    save(analysis)
    _set_scope_assets(analysis, [] if scope_all_ephi else assets)
    return analysis


def _scope_problems(
    organization: Organization, scope_all_ephi: bool, assets: Sequence[Asset]
) -> list[Problem]:
    if any(a.organization_id != organization.pk for a in assets):
        return [Problem("an asset belongs to another organization", field="assets")]
    if not scope_all_ephi and not assets:
        return [Problem("list the assets in scope, or choose all ePHI assets", field="assets")]
    return []


def _set_scope_assets(analysis: RiskAnalysis, assets: Sequence[Asset]) -> None:
    wanted = {a.pk for a in assets}
    for link in AnalysisScopeAsset.objects.filter(analysis=analysis):
        if link.asset_id not in wanted:
            link.delete()
    have = set(
        AnalysisScopeAsset.objects.filter(analysis=analysis).values_list("asset_id", flat=True)
    )
    for asset in assets:
        if asset.pk not in have:
            save(
                AnalysisScopeAsset(
                    organization=analysis.organization, analysis=analysis, asset=asset
                )
            )
            have.add(asset.pk)


@transaction.atomic
def update_analysis(
    analysis: RiskAnalysis,
    by: User | None,
    *,
    title: str | Keep = KEEP,
    method: Method | str | Keep = KEEP,
    scope_text: str | Keep = KEEP,
    scope_all_ephi: bool | Keep = KEEP,
    assets: Sequence[Asset] | Keep = KEEP,
    participants: Sequence[Mapping[str, str]] | Keep = KEEP,
    next_review_on: dt.date | Keep | None = KEEP,
) -> RiskAnalysis:
    """Change an analysis's words, scope, participants or method (not once risks are rated:
    their ratings belong to the method's scales)."""
    if not isinstance(method, Keep) and Method(spec(method).method) != analysis.method:
        if analysis.risks.exclude(likelihood=None).exists():
            raise InputProblems(
                [Problem("risks are rated on the current method's scales", field="method")]
            )
        analysis.method = Method(method)
    if not isinstance(title, Keep):
        analysis.title = title
    if not isinstance(scope_text, Keep):
        analysis.scope = scope_text.strip()
    if not isinstance(participants, Keep):
        analysis.participants = [dict(p) for p in participants]
    if not isinstance(next_review_on, Keep):
        analysis.next_review_on = next_review_on
    all_ephi = analysis.scope_all_ephi if isinstance(scope_all_ephi, Keep) else scope_all_ephi
    listed: Sequence[Asset]
    if isinstance(assets, Keep):
        listed = [link.asset for link in analysis.scope_links.select_related("asset")]
    else:
        listed = assets
    problems = _scope_problems(analysis.organization, all_ephi, listed)
    if problems:
        raise InputProblems(problems)
    analysis.scope_all_ephi = all_ephi
    save(analysis)
    _set_scope_assets(analysis, [] if all_ephi else listed)
    return analysis


@transaction.atomic
def record_answer(
    analysis: RiskAnalysis,
    by: User | None,
    question_id: str,
    answer: Answer | str,
    note: str = "",
) -> QuestionAnswer:
    """Answer (or re-answer) one NIST SP 800-66r2 question of the analysis's questionnaire."""
    problems = []
    try:
        question = questionnaire.question(question_id)
    except NotFound as exc:
        problems.append(Problem(str(exc), field="question_id"))
    if answer not in Answer.values:
        problems.append(Problem(f"answer one of: {', '.join(Answer.values)}", field="answer"))
    if problems:
        raise InputProblems(problems)
    found = QuestionAnswer.objects.filter(analysis=analysis, question_id=question.id).first()
    record = found or QuestionAnswer(
        organization=analysis.organization, analysis=analysis, question_id=question.id
    )
    record.answer = Answer(answer)
    record.note = note.strip()
    record.answered_by = by
    save(record)
    return record


# --- proposals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    created: int = 0
    updated: int = 0
    reopened: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    risks_flagged: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def describe(self) -> str:
        return ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in asdict(self).items()
        )


def _fill(
    record: RiskProposal,
    found: engine.Proposal,
    threats: Mapping[str, Threat],
    vulnerabilities: Mapping[str, Vulnerability],
    vendors: Mapping[int, Vendor],
    flows: Mapping[int, DataFlow],
) -> None:
    record.subject_label = found.subject_label[:300]
    record.threat = threats[found.threat]
    record.vulnerability = vulnerabilities[found.vulnerability]
    record.reason = found.reason
    record.facts = found.facts_json()
    record.fingerprint = found.fingerprint
    record.asset_ids = list(found.asset_ids)
    record.vendor = vendors.get(found.vendor_id) if found.vendor_id else None
    record.data_flow = flows.get(found.flow_id) if found.flow_id else None
    record.suggested_likelihood = found.likelihood
    record.suggested_impact = found.impact
    record.current = True


def _content(record: RiskProposal) -> tuple[object, ...]:
    return (
        record.subject_label,
        record.threat_id,
        record.vulnerability_id,
        record.reason,
        record.facts,
        record.fingerprint,
        record.asset_ids,
        record.vendor_id,
        record.data_flow_id,
        record.suggested_likelihood,
        record.suggested_impact,
        record.current,
    )


def _source(record: RiskProposal) -> ReassessmentSource:
    rule = rule_named(record.rule)
    if rule is not None and rule.source is Source.QUESTIONNAIRE:
        return ReassessmentSource.QUESTIONNAIRE
    return ReassessmentSource.INVENTORY


@transaction.atomic
def sync_proposals(analysis: RiskAnalysis, today: dt.date | None = None) -> SyncResult:
    """Run the proposal rules over the analysis's scope and bring its proposals up to date."""
    org = analysis.organization
    ensure_catalog(org)
    found = engine.propose(scope.gather(analysis, today), engine_catalog(org), analysis.method)
    threats = {t.key: t for t in Threat.objects.for_org(org)}
    vulnerabilities = {v.key: v for v in Vulnerability.objects.for_org(org)}
    vendors = {
        v.pk: v for v in Vendor.objects.for_org(org).filter(pk__in={p.vendor_id for p in found})
    }
    flows = {
        f.pk: f for f in DataFlow.objects.for_org(org).filter(pk__in={p.flow_id for p in found})
    }
    existing = {
        (p.rule, p.subject_key): p
        for p in RiskProposal.objects.filter(analysis=analysis).select_related("risk")
    }
    counts = dict.fromkeys(("created", "updated", "reopened", "withdrawn", "unchanged"), 0)
    flagged: set[int] = set()

    for proposal in found:
        record = existing.pop((proposal.rule, proposal.subject_key), None)
        if record is None:
            record = RiskProposal(
                organization=org,
                analysis=analysis,
                rule=proposal.rule,
                subject_key=proposal.subject_key,
            )
            _fill(record, proposal, threats, vulnerabilities, vendors, flows)
            save(record)
            counts["created"] += 1
            continue
        before = _content(record)
        facts_changed = record.fingerprint != proposal.fingerprint
        was_current = record.current
        old_assets = set(record.asset_ids or ())
        status = record.status
        if status == ProposalStatus.DISMISSED and not facts_changed:
            if was_current:
                counts["unchanged"] += 1
                continue
            record.current = True  # produced again, for the same facts: the dismissal stands
            save(record)
            counts["updated"] += 1
            continue
        _fill(record, proposal, threats, vulnerabilities, vendors, flows)
        if status in (ProposalStatus.DISMISSED, ProposalStatus.WITHDRAWN):
            record.status = ProposalStatus.PROPOSED
            record.decided_at = None
            record.decided_by = None
            record.dismiss_reason = ""
            save(record)
            counts["reopened"] += 1
            continue
        risk = _risk_of(record)  # an accepted proposal's
        if risk is not None and (facts_changed or not was_current):
            added = link_assets(
                risk, Asset.objects.for_org(org).filter(pk__in=set(record.asset_ids) - old_assets)
            )
            note = f" Newly matching: {', '.join(str(a) for a in added)}." if added else ""
            flagged |= {
                r.pk
                for r in flag_risks(
                    org,
                    _source(record),
                    f"The facts behind this risk changed: {proposal.reason}{note}",
                    risks=[risk],
                    obj=record,
                )
            }
        if _content(record) != before:
            save(record)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1

    for record in existing.values():
        if not record.current and record.status != ProposalStatus.PROPOSED:
            continue
        record.current = False
        if record.status == ProposalStatus.PROPOSED:
            record.status = ProposalStatus.WITHDRAWN
        elif record.status == ProposalStatus.ACCEPTED:
            risk = _risk_of(record)
            if risk is not None:
                rule = rule_named(record.rule)
                what = rule.title if rule is not None else record.rule
                flagged |= {
                    r.pk
                    for r in flag_risks(
                        org,
                        _source(record),
                        f"The facts that proposed this risk no longer hold ({what}: "
                        f"{record.subject_label}); check whether it still exists, or close it.",
                        risks=[risk],
                        obj=record,
                    )
                }
        save(record)
        counts["withdrawn"] += 1
    return SyncResult(**counts, risks_flagged=len(flagged))


def _risk_of(record: RiskProposal) -> Risk | None:
    try:
        return record.risk
    except Risk.DoesNotExist:
        return None


def _inline(name: str) -> str:
    """A catalog name inside a sentence: "No MFA" -> "no MFA", "ePHI sent" stays."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def default_title(proposal: RiskProposal) -> str:
    """``<threat>: <subject> (<vulnerability>)``, cut to the title's length."""
    text = (
        f"{proposal.threat.name}: {proposal.subject_label} ({_inline(proposal.vulnerability.name)})"
    )
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "\u2026"


@transaction.atomic
def accept_proposal(
    proposal: RiskProposal,
    by: User | None,
    *,
    title: str | None = None,
    description: str | None = None,
    threat: Threat | str | None = None,
    vulnerability: Vulnerability | str | None = None,
    current_controls: str = "",
    likelihood: int | None = None,
    impact: int | None = None,
    residual_likelihood: int | None = None,
    residual_impact: int | None = None,
    owner: User | None = None,
) -> Risk:
    """Accept a proposal (as proposed, or edited) into the register: a new R-numbered risk
    linked to the proposal's assets, vendor and data flow. A rating is optional here."""
    proposal = RiskProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status == ProposalStatus.ACCEPTED:
        raise InvalidInput("the proposal is accepted already")
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise InvalidInput("the proposal was withdrawn: the facts no longer call for it")
    org = proposal.organization
    assets = list(Asset.objects.for_org(org).filter(pk__in=proposal.asset_ids or []))
    risk = add_risk(
        proposal.analysis,
        by,
        title=title if title is not None else default_title(proposal),
        threat=threat if threat is not None else proposal.threat,
        vulnerability=vulnerability if vulnerability is not None else proposal.vulnerability,
        description=description if description is not None else proposal.reason,
        assets=assets,
        vendor=proposal.vendor,
        data_flow=proposal.data_flow,
        current_controls=current_controls,
        likelihood=likelihood,
        impact=impact,
        residual_likelihood=residual_likelihood,
        residual_impact=residual_impact,
        owner=owner,
    )
    risk.proposal = proposal
    save(risk)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.decided_at = timezone.now()
    proposal.decided_by = by
    proposal.dismiss_reason = ""
    save(proposal)
    return risk


@transaction.atomic
def dismiss_proposal(proposal: RiskProposal, by: User | None, reason: str) -> RiskProposal:
    """Dismiss a proposal, saying why (kept in the approved snapshot)."""
    text = require_text(reason, "reason", "say why the proposal is dismissed")
    proposal = RiskProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status == ProposalStatus.ACCEPTED:
        raise InvalidInput("the proposal is accepted: close its risk instead")
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise InvalidInput("the proposal was withdrawn: there is nothing to dismiss")
    proposal.status = ProposalStatus.DISMISSED
    proposal.dismiss_reason = text
    proposal.decided_at = timezone.now()
    proposal.decided_by = by
    save(proposal)
    return proposal


def latest_analysis(organization: Organization) -> RiskAnalysis | None:
    """The organization's most recently started analysis."""
    return RiskAnalysis.objects.for_org(organization).order_by("-started_on", "-pk").first()


__all__ = [
    "SyncResult",
    "accept_proposal",
    "default_title",
    "dismiss_proposal",
    "latest_analysis",
    "record_answer",
    "start_analysis",
    "sync_proposals",
    "update_analysis",
]
