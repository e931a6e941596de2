"""Fixtures for the API tests: a small inventory in each of two organizations."""

from __future__ import annotations

import pytest

from phiward.core.models import Organization
from tests.api.sample import Inventory, build_inventory


@pytest.fixture
def inventory(org: Organization) -> Inventory:
    return build_inventory(org)


@pytest.fixture
def other_inventory(other_org: Organization) -> Inventory:
    return build_inventory(other_org, prefix="B ")
