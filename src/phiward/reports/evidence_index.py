"""Evidence per Security Rule entry, as the posture report, the evidence package and the OSCAL
documents list it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from phiward.core.models import Organization
from phiward.evidence.models import EvidenceItem, EvidenceSpecLink


@dataclass(frozen=True)
class EvidenceRow:
    pk: int
    reference: str
    title: str
    kind: str
    fingerprint: str  # "sha256:<hex>" for files and records, the URL for links
    effective_on: dt.date
    expires_on: dt.date | None
    current: bool


def row(item: EvidenceItem, today: dt.date) -> EvidenceRow:
    fingerprint = f"sha256:{item.sha256}" if item.sha256 else item.url
    current = item.effective_on <= today and (item.expires_on is None or item.expires_on >= today)
    return EvidenceRow(
        pk=item.pk,
        reference=item.reference,
        title=item.title,
        kind=item.kind,
        fingerprint=fingerprint,
        effective_on=item.effective_on,
        expires_on=item.expires_on,
        current=current and item.superseded_by_id is None,
    )


def by_spec(
    organization: Organization, today: dt.date | None = None
) -> dict[str, list[EvidenceRow]]:
    """Entry id -> the evidence linked to it, newest first."""
    today = today or timezone.localdate()
    links = (
        EvidenceSpecLink.objects.for_org(organization)
        .select_related("item")
        .order_by("spec_id", "-item__effective_on", "-item__pk")
    )
    found: dict[str, list[EvidenceRow]] = defaultdict(list)
    for link in links:
        found[link.spec_id].append(row(link.item, today))
    return dict(found)
