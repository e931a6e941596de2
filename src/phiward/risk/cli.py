"""``phiward risk``: run the proposal rules, list the register, print the remediation plan.

``analyze`` synchronizes an analysis's proposals with the inventory and the questionnaire and
prints them with their reasons (it starts a first analysis, over all ePHI assets and flows, if
the organization has none). ``list`` and ``plan`` only read. Every command takes ``--json``;
without ``--org``, the only organization on the install is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from phiward.console import emit_json
from phiward.inventory.cli import org_option, resolve_org

if TYPE_CHECKING:
    from phiward.core.models import Organization
    from phiward.risk.models import RiskAnalysis, RiskProposal

STATUS_ORDER = ("proposed", "accepted", "dismissed", "withdrawn")


@click.group()
def risk() -> None:
    """Risk analysis and the risk register."""


def _analysis(organization: Organization, analysis_id: int | None) -> tuple[RiskAnalysis, bool]:
    """The analysis asked for, else the latest, else a new one (and whether it is new)."""
    from django.utils import timezone

    from phiward.core.errors import NotFound
    from phiward.risk.analysis import latest_analysis, start_analysis
    from phiward.risk.models import RiskAnalysis

    if analysis_id is not None:
        found = RiskAnalysis.objects.for_org(organization).filter(pk=analysis_id).first()
        if found is None:
            raise NotFound(f"no analysis {analysis_id} in {organization.slug}")
        return found, False
    latest = latest_analysis(organization)
    if latest is not None:
        return latest, False
    today = timezone.localdate()
    created = start_analysis(
        organization,
        None,
        title=f"Risk analysis {today.isoformat()}",
        scope_text="All ePHI assets, data flows and vendors of the inventory.",
    )
    return created, True


def _proposal_row(proposal: RiskProposal) -> dict[str, Any]:
    from phiward.risk.scoring import level

    likelihood, impact = proposal.suggested_likelihood, proposal.suggested_impact
    suggested = (
        level(proposal.analysis.method, likelihood, impact)
        if likelihood is not None and impact is not None
        else None
    )
    risk = getattr(proposal, "risk", None)
    return {
        "id": proposal.pk,
        "rule": proposal.rule,
        "status": proposal.status,
        "current": proposal.current,
        "subject": proposal.subject_label,
        "threat": proposal.threat.key,
        "threat_name": proposal.threat.name,
        "vulnerability": proposal.vulnerability.key,
        "vulnerability_name": proposal.vulnerability.name,
        "reason": proposal.reason,
        "facts": proposal.facts.get("used", {}),
        "asset_count": len(proposal.asset_ids or ()),
        "suggested_likelihood": proposal.suggested_likelihood,
        "suggested_impact": proposal.suggested_impact,
        "suggested_level": suggested.value if suggested else None,
        "dismiss_reason": proposal.dismiss_reason or None,
        "risk": risk.reference if risk is not None else None,
    }


@risk.command("analyze")
@org_option
@click.option(
    "--analysis",
    "analysis_id",
    type=int,
    default=None,
    metavar="ID",
    help="The analysis (default: the latest; a first one is started if there is none).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the proposals as JSON.")
def analyze_command(org_slug: str | None, analysis_id: int | None, as_json: bool) -> None:
    """Propose threat x vulnerability pairs from the inventory and the questionnaire."""
    from phiward.risk.analysis import sync_proposals
    from phiward.risk.models import RiskProposal
    from phiward.risk.scoring import Method

    organization = resolve_org(org_slug)
    analysis, created = _analysis(organization, analysis_id)
    result = sync_proposals(analysis)
    proposals = (
        RiskProposal.objects.filter(analysis=analysis)
        .select_related("threat", "vulnerability", "analysis", "risk")
        .order_by("rule", "subject_label", "pk")
    )
    rows = sorted(
        (_proposal_row(p) for p in proposals),
        key=lambda r: (STATUS_ORDER.index(r["status"]), r["rule"], r["subject"]),
    )
    if as_json:
        emit_json(
            {
                "organization": organization.slug,
                "analysis": {
                    "id": analysis.pk,
                    "title": analysis.title,
                    "method": analysis.method,
                    "started": created,
                },
                "counts": result.as_dict(),
                "proposals": rows,
            }
        )
        return
    started = " (started now)" if created else ""
    click.echo(
        f'{organization.slug}: analysis {analysis.pk} "{analysis.title}"{started}, '
        f"{Method(analysis.method).label}"
    )
    click.echo(f"proposals: {result.describe()}")
    for status in STATUS_ORDER:
        chosen = [
            r for r in rows if r["status"] == status and (r["current"] or status == "withdrawn")
        ]
        if not chosen or status == "withdrawn":
            continue
        click.echo(f"\n{status.upper()} ({len(chosen)})")
        for row in chosen:
            level = (row["suggested_level"] or "-").replace("_", " ")
            done = f" -> {row['risk']}" if row["risk"] else ""
            click.echo(
                f"  #{row['id']} [{level}] {row['subject']}: {row['threat_name']} / "
                f"{row['vulnerability_name']}{done}"
            )
            click.echo(f"      {row['reason']}")
            if row["dismiss_reason"]:
                click.echo(f"      dismissed: {row['dismiss_reason']}")


def _risk_rows(organization: Organization, status: str, flagged_only: bool) -> list[dict[str, Any]]:
    from phiward.core.models import display_name
    from phiward.risk.models import Risk

    risks = (
        Risk.objects.for_org(organization)
        .select_related("threat", "vulnerability", "owner", "analysis")
        .prefetch_related("reassessments")
        .order_by("number")
    )
    if status != "all":
        risks = risks.filter(status=status)
    if flagged_only:
        risks = risks.filter(needs_reassessment=True)
    rows = []
    for r in risks:
        current = r.level
        rows.append(
            {
                "reference": r.reference,
                "title": r.title,
                "status": r.status,
                "level": current.value if current else None,
                "inherent_level": r.inherent_level or None,
                "residual_level": r.residual_level or None,
                "likelihood": r.likelihood,
                "impact": r.impact,
                "threat": r.threat.key,
                "vulnerability": r.vulnerability.key,
                "owner": display_name(r.owner) if r.owner else None,
                "analysis": r.analysis_id,
                "needs_reassessment": r.needs_reassessment,
                "reassessment_reasons": [
                    x.reason for x in r.reassessments.all() if x.resolved_at is None
                ],
            }
        )
    return rows


@risk.command("list")
@org_option
@click.option(
    "--status",
    type=click.Choice(["open", "closed", "all"]),
    default="open",
    show_default=True,
    help="Which risks.",
)
@click.option(
    "--needs-reassessment",
    "flagged_only",
    is_flag=True,
    help="Only risks marked for re-assessment.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the risks as JSON.")
def list_command(org_slug: str | None, status: str, flagged_only: bool, as_json: bool) -> None:
    """List the risk register."""
    organization = resolve_org(org_slug)
    rows = _risk_rows(organization, status, flagged_only)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        level = (row["level"] or "unrated").replace("_", " ")
        flag = " *re-assess*" if row["needs_reassessment"] else ""
        click.echo(f"{row['reference']}  {level:<9} {row['status']:<6} {row['title']}{flag}")
        for reason in row["reassessment_reasons"]:
            click.echo(f"        - {reason}")


@risk.command("plan")
@org_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan_command(org_slug: str | None, as_json: bool) -> None:
    """The prioritized remediation plan: open risks by level, ePHI volume, clinical criticality."""
    from phiward.risk.register import remediation_plan

    organization = resolve_org(org_slug)
    items = remediation_plan(organization)
    rows: list[dict[str, Any]] = [
        {
            "rank": rank,
            "reference": item.reference,
            "title": item.title,
            "level": item.level.value if item.level else None,
            "level_is_residual": item.residual,
            "record_count": item.record_count,
            "criticality": item.criticality,
            "owner": item.owner or None,
            "open_treatments": item.open_treatments,
            "overdue_treatments": item.overdue_treatments,
        }
        for rank, item in enumerate(items, start=1)
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        level = (row["level"] or "unrated").replace("_", " ")
        records = f"{row['record_count']:,} records" if row["record_count"] is not None else "-"
        overdue = f", {row['overdue_treatments']} overdue" if row["overdue_treatments"] else ""
        click.echo(
            f"{row['rank']:>3}. {row['reference']}  {level:<9} {records:>16}  "
            f"{row['criticality'] or '-':<8}  {row['title']} "
            f"({row['open_treatments']} open treatments{overdue})"
        )


COMMANDS = [risk]
