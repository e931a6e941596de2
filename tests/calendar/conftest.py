"""Calendar tests: a provider the test controls, and members of each role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User

from phiward.calendar import Deadline, register, unregister
from phiward.core.models import Organization
from phiward.core.permissions import Area, Role


class Fixed:
    """A provider answering the deadlines a test puts in it (all organizations' alike)."""

    def __init__(self) -> None:
        self.items: list[tuple[int, dt.date, str, Area, bool]] = []

    def add(
        self, org: Organization, due_on: dt.date, title: str, area: Area, done: bool = False
    ) -> None:
        self.items.append((org.pk, due_on, title, area, done))

    def __call__(self, org: Organization, start: dt.date, end: dt.date) -> Iterator[Deadline]:
        for org_id, due_on, title, area, done in self.items:
            if org_id == org.pk and start <= due_on <= end:
                yield Deadline(
                    organization_id=org.pk,
                    due_on=due_on,
                    title=title,
                    area=area,
                    url=f"/o/{org.slug}/",
                    kind="test",
                    key=title,
                    done=done,
                )


@pytest.fixture
def fixed() -> Iterator[Fixed]:
    provider = Fixed()
    register(provider)
    yield provider
    unregister(provider)


@pytest.fixture
def member(org: Organization, make_member: Callable[..., User]) -> Callable[[Role], User]:
    return lambda role: make_member(org, role)
