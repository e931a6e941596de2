"""The queryset twins of the pure state functions agree with them on every combination."""

from __future__ import annotations

import pytest

from phiward.core.models import Organization
from phiward.evidence.models import EvidenceItem, EvidenceKind, expiring_q, state_q
from phiward.evidence.retention import State, expiring_soon, state
from tests.evidence.test_retention import TODAY, date_grid

pytestmark = pytest.mark.django_db


def test_state_q_matches_state(org: Organization) -> None:
    grid = date_grid()
    made = {}
    for n, dates in enumerate(grid):
        item = EvidenceItem.objects.create(  # no full_clean: impossible combinations too
            organization=org,
            kind=EvidenceKind.LINK,
            title=f"item {n}",
            url="https://example.org/",
            effective_on=dates.effective_on,
            expires_on=dates.expires_on,
            last_in_effect_on=dates.last_in_effect_on,
            superseded_on=dates.superseded_on,
        )
        made[item.pk] = dates
    items = EvidenceItem.objects.for_org(org)
    for wanted in State:
        in_sql = set(items.filter(state_q(wanted, TODAY)).values_list("pk", flat=True))
        in_python = {pk for pk, dates in made.items() if state(dates, TODAY) is wanted}
        assert in_sql == in_python, wanted
    in_sql = set(items.filter(expiring_q(TODAY)).values_list("pk", flat=True))
    assert in_sql == {pk for pk, dates in made.items() if expiring_soon(dates, TODAY)}
    assert in_sql  # the grid has some
