"""Schemathesis against the OpenAPI document: no server errors and no schema violations.

Every operation of ``/api/openapi.json`` is fuzzed (valid and invalid input) through the real
WSGI application, authenticated by a session cookie of an organization owner, with the CSRF
token sent on unsafe methods as a browser would. Path parameters are steered to the owner's
organization and real objects so the operations do work, not only answer 404.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence import library
from tests.api.sample import build_inventory
from tests.conftest import enrolled_member
from tests.exercises.sample import build_exercises
from tests.incidents.sample import build_incidents
from tests.risk.register_sample import build_register

pytestmark = pytest.mark.django_db

CSRF_SECRET = "k" * 32  # Django accepts the unmasked secret in the header
RISK_QUESTION = "SQ_164.308(a)(1).1.01"  # a NIST SP 800-66r2 question the risk API answers


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """Like Django's test client: requests must not close the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# The document as the application serves it (no database needed to build it).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


class World:
    """An owner's session in an organization with one object of each inventory kind, an
    evidence file and the risk records of tests/risk/register_sample.py."""

    def __init__(self, org: Organization, owner: User, colleague: User) -> None:
        self.org = org
        self.inventory = build_inventory(org)
        self.evidence = library.add_file(
            org,
            io.BytesIO(b"%PDF fuzzed evidence"),
            name="scan.pdf",
            media_type="application/pdf",
            meta=library.Metadata("Scan"),
            links=library.Links(),
            user=owner,
        )
        self.usernames = [owner.get_username(), colleague.get_username()]
        register = build_register(org)
        exercises = build_exercises(org)
        incidents = build_incidents(org, owner).ids()
        incidents.pop("category")  # an enum: schemathesis picks valid (and invalid) ones itself
        self.object_ids = {
            "analysis_id": register.analysis.pk,
            "proposal_id": register.proposal.pk,
            "risk_id": register.risk.pk,
            "treatment_id": register.treatment.pk,
            "task_id": register.task.pk,
            "number": register.version.number,
            "exercise_id": exercises.exercise.pk,
            "action_id": exercises.action.pk,
            "version_id": exercises.draft.pk,
            **{name: int(str(value)) for name, value in incidents.items()},
        }
        client = Client()
        client.force_login(owner)
        self.session = client.cookies["sessionid"].value

    def steer(self, case: schemathesis.Case) -> None:
        """Point generated path parameters at this organization and, often, real objects."""
        params = case.path_parameters
        if "org" in params:
            params["org"] = self.org.slug
        item = params.get("item_id")
        if isinstance(item, int) and item % 2 == 0:
            segments = case.path.split("/")
            kind = segments[segments.index("{item_id}") - 1]
            ids = {**self.inventory.ids(), "evidence": self.evidence.pk}
            params["item_id"] = ids.get(kind, item)
        name = params.get("username")
        if isinstance(name, str) and len(name) % 2 == 0:
            params["username"] = self.usernames[len(name) % 4 // 2]
        for param, real in self.object_ids.items():
            value = params.get(param)
            if isinstance(value, int) and value % 2 == 0:
                params[param] = real
        question = params.get("question_id")
        if isinstance(question, str) and len(question) % 2 == 0:
            params["question_id"] = RISK_QUESTION


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module in a transaction rolled back at its end (each example's
    writes are rolled back on their own, below)."""
    with django_db_blocker.unblock(), transaction.atomic():
        org = Organization.objects.create(slug="fuzz-clinic", name="Fuzz Clinic")
        owner = enrolled_member(org, Role.OWNER, username="fuzz-owner")
        colleague = enrolled_member(org, Role.SECURITY_OFFICER, username="fuzz-officer")
        world = World(org, owner, colleague)
        _CURRENT.append(world)
        yield world
        _CURRENT.remove(world)
        transaction.set_rollback(True)


_CURRENT: list[World] = []


@schema.auth(refresh_interval=None)
class SessionAuth:
    """The current test's owner session: the cookie, and the CSRF token on unsafe methods.

    Declared as the schema's auth so schemathesis also checks that requests without it are
    refused (401).
    """

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        # Schemathesis also asks while collecting the tests, before any world exists.
        return _CURRENT[-1].session if _CURRENT else "no-session-yet"

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.cookies = {**(case.cookies or {}), "sessionid": data, "csrftoken": CSRF_SECRET}
        case.headers = {**(case.headers or {}), "X-CSRFToken": CSRF_SECRET}


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_schema(case: schemathesis.Case, world: World) -> None:
    world.steer(case)
    with transaction.atomic():
        # Each example starts from the same data: its writes are rolled back.
        case.call_and_validate()
        transaction.set_rollback(True)
