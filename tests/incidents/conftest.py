"""Incident tests: members in each role, a sample incident, a facts document for the engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django import Settings

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.incidents import services
from phiward.incidents.models import Incident


@pytest.fixture(autouse=True)
def data_dir(settings: Settings, tmp_path: Path) -> Path:
    """Evidence records land in this test's own data directory (the keys stay the suite's)."""
    folder = tmp_path / "data"
    folder.mkdir()
    settings.DATA_DIR = folder
    return folder


@pytest.fixture
def privacy(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.PRIVACY_OFFICER)


@pytest.fixture
def worker(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.WORKFORCE)


@pytest.fixture
def incident(org: Organization, officer: User) -> Incident:
    return services.report(
        org,
        services.Report(
            title="Laptop stolen from car",
            description="Dr X's laptop with patient list",
            category="lost_stolen_device",
            severity="high",
        ),
        reporter=officer,
    )


def facts(
    *,
    discovered: dt.date = dt.date(2026, 3, 5),
    total: int = 120,
    by_state: dict[str, int] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A facts document for a breach of unencrypted PHI (no safe harbor, no exception)."""
    document: dict[str, Any] = {
        "entity": {"role": "covered_entity", "name": "Clinic A"},
        "dates": {"occurred_on": (discovered - dt.timedelta(days=2)).isoformat(),
                  "discovered_on": discovered.isoformat()},
        "phi": {"involved": True, "permitted": False, "types": ["name", "diagnosis"]},
        "safe_harbor": {"encryption": {"encrypted": False}},
        "individuals": {"total": total, "by_state": by_state or {"MA": total}},
    }  # fmt: skip
    document.update(overrides)
    return document
