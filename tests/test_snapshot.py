"""The access matrices' fingerprint notices a created, a changed and a deleted record."""

from __future__ import annotations

import pytest

from phiward.core.models import Organization
from phiward.inventory.models import Zone, ZoneKind
from tests.snapshot import records_fingerprint

pytestmark = pytest.mark.django_db


def test_the_fingerprint_sees_every_kind_of_write(org: Organization) -> None:
    before = records_fingerprint()
    zone = Zone.objects.create(organization=org, name="LAN", kind=ZoneKind.CLINICAL)
    created = records_fingerprint()
    assert created != before
    zone.name = "Clinical LAN"
    zone.save()
    changed = records_fingerprint()
    assert changed != created
    zone.delete()
    assert records_fingerprint() not in (changed, created)
    assert records_fingerprint() == records_fingerprint()
