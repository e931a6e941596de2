"""Evidence expiring: an item with an expiry date needs a successor by then.

Read-only queries on ``phiward.evidence``. Superseded items count as done; items someone
already marked as no longer in effect (``last_in_effect_on``) are not deadlines at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.urls import reverse

from phiward.calendar.deadlines import Deadline
from phiward.core.models import Organization
from phiward.core.permissions import Area
from phiward.evidence.models import EvidenceItem

DOCUMENTATION = "45 CFR 164.316(b)(2)(iii)"  # review and update documentation periodically


def evidence_deadlines(organization: Organization, start: date, end: date) -> Iterator[Deadline]:
    items = EvidenceItem.objects.for_org(organization).filter(
        expires_on__gte=start, expires_on__lte=end, last_in_effect_on__isnull=True
    )
    for item in items.only("pk", "uid", "title", "expires_on", "superseded_on"):
        assert item.expires_on is not None
        yield Deadline(
            organization_id=organization.pk,
            due_on=item.expires_on,
            title=f"{item.reference} expires: {item.title}",
            area=Area.EVIDENCE,
            url=reverse("evidence:detail", kwargs={"org": organization.slug, "pk": item.pk}),
            citation=DOCUMENTATION,
            kind="evidence",
            done=item.superseded_on is not None,
            key=str(item.uid),
            detail="Upload a current replacement and supersede this item.",
        )
