"""The safeguards (posture) report: every Security Rule standard and specification by citation,
with its status, the decision and rationale the rule asks for, the owner, the evidence and the
linked risks; the tallies per family; and the gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from phiward.catalog import catalog
from phiward.catalog.catalog import FrameworkId
from phiward.core.models import Organization
from phiward.reports import evidence_index, pictures
from phiward.reports.pdf import render_pdf
from phiward.reports.style import report_css
from phiward.safeguards import services as safeguards
from phiward.safeguards.nprm import lens
from phiward.safeguards.posture import Tally
from phiward.safeguards.status import Decision

PARTS = (
    ("Implemented", "#2e7d32"),
    ("Partial or evidence missing", "#f6d776"),
    ("Planned", "#f0a35e"),
    ("Not implemented", "#b3261e"),
)


def _bar(title: str, tally: Tally) -> SafeString:
    counts = (tally.implemented, tally.partial, tally.planned, tally.not_implemented)
    parts = [(label, count, colour) for (label, colour), count in zip(PARTS, counts, strict=True)]
    # Pictures escape all text themselves (phiward.reports.pictures).
    return mark_safe(pictures.progress(parts, title=title))  # noqa: S308


def context(
    organization: Organization, *, nprm: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    now = now or timezone.now()
    snapshot = safeguards.snapshot(organization)
    posture = snapshot.posture
    evidence = evidence_index.by_spec(organization, now.date())
    rows: list[dict[str, Any]] = []
    for row, item in zip(snapshot.rows, posture.items, strict=True):
        decision = Decision(row.decision) if row.decision else None
        rows.append(
            {
                "entry": item.entry,
                "family": item.entry.family,
                "shown": item.shown,
                "row": row,
                "decision": decision.label if decision else "",
                "owner": item.facts.owner,
                "risks": item.facts.risks,
                "evidence": evidence.get(item.entry.id, []),
                "indent": item.entry.parent is not None,
            }
        )
    families = [
        {
            "family": family.family,
            "tally": family.tallies.overall,
            "bar": _bar(family.family.label, family.tallies.overall),
            "rows": [r for r in rows if r["family"] is family.family],
        }
        for family in posture.families
    ]
    return {
        "organization": organization,
        "generated_at": now,
        "overall": posture.tallies.overall,
        "required": posture.tallies.required,
        "addressable": posture.tallies.addressable,
        "overall_bar": _bar("All standards and specifications", posture.tallies.overall),
        "families": families,
        "gaps": [r for r in rows if r["shown"].is_gap],
        "nprm": lens(catalog.load(FrameworkId.NPRM_2025), posture) if nprm else None,
        "css": report_css(),
    }


def render_html(organization: Organization, *, nprm: bool = False) -> str:
    return render_to_string("reports/posture.html", context(organization, nprm=nprm))


def render(organization: Organization, fmt: str, *, nprm: bool = False) -> bytes:
    html = render_html(organization, nprm=nprm)
    return render_pdf(html) if fmt == "pdf" else html.encode("utf-8")


def file_name(organization: Organization, fmt: str) -> str:
    return f"{organization.slug}-safeguards-posture.{fmt}"
