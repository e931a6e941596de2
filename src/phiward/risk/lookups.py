"""Queries the risk pages and the risk API share (``views/``, ``api.py``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q

from phiward.risk.models import ReassessmentReason
from phiward.risk.versions import UNRATED


def level_q(value: str) -> Q:
    """Risks whose level that counts now (residual when rated, else inherent) is ``value``;
    ``unrated``: neither is rated."""
    if value == UNRATED:
        return Q(residual_level="", inherent_level="")
    return Q(residual_level=value) | Q(residual_level="", inherent_level=value)


def open_reasons_prefetch() -> Prefetch[Any]:
    """Each risk's unresolved reasons to re-assess it, oldest first, as ``risk.open_reasons``."""
    return Prefetch(
        "reassessments",
        queryset=ReassessmentReason.objects.filter(resolved_at__isnull=True).order_by("created_at"),
        to_attr="open_reasons",
    )
