"""Every web URL as every role, inside and outside the tenant, against the permission table.

The routes come from the URLconf, the expectations from tests/web/matrix.py (which states each
page's (Area, Action) and asks ``allowed()``). Two organizations with one object of each kind
(tests/web/sample_objects.py) are built once; every case runs in a savepoint rolled back after
it, so an allowed delete really deletes and the next case finds everything again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse

from phiward.core.members import PROFILE_FIELDS
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role
from tests.snapshot import records_fingerprint
from tests.web.matrix import Case, Kind, Place, Stranger, cases, expected, unlisted, web_routes
from tests.web.sample_objects import MODELS, Objects, build_objects

ROUTES = web_routes()

# Cells where a view disagrees with the permission table: (case id) -> what is wrong. Each is a
# strict xfail, so fixing the view turns it into a failure that asks for the entry's removal.
DISAGREEMENTS: dict[str, str] = {}


@dataclass(frozen=True)
class Tenant:
    org: Organization
    objects: Objects

    def names(self, kind: Kind) -> dict[str, str | int]:
        return self.objects.names(kind)

    @property
    def pks(self) -> dict[Kind, int]:
        return self.objects.pks


def _tenant(slug: str) -> Tenant:
    org = Organization.objects.create(slug=slug, name=slug.title())
    return Tenant(org, build_objects(org))


@pytest.fixture(scope="module")
def tenants(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Tenant, Tenant]]:
    """The two organizations, built once for the module inside a transaction that is rolled
    back at its end; each case runs in a savepoint of it (pytest-django's ``db``), so an
    allowed delete or a refused write is undone before the next case, as Django's
    ``TestCase.setUpTestData`` does. Building them per case was most of this matrix's time."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _tenant("clinic-a"), _tenant("clinic-b")
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def browser() -> Client:
    """One client for the module: a new one builds a new handler, and WhiteNoise's middleware
    walks every static file when it starts, which would be most of this matrix's time."""
    return Client()


def _login(client: Client, case: Case, home: Tenant, elsewhere: Tenant) -> None:
    client.cookies.clear()
    if case.who is Stranger.ANONYMOUS:
        return
    user = User.objects.create(username=f"caller-{case.who}")
    if case.who is Stranger.OUTSIDER:
        Membership.objects.create(user=user, organization=elsewhere.org, role=Role.OWNER)
    else:
        Membership.objects.create(user=user, organization=home.org, role=case.who)
    client.force_login(user)


def _url(case: Case, home: Tenant, elsewhere: Tenant) -> str:
    route, page = case.route, case.page
    slug_from = elsewhere if case.place is Place.OTHER_ORG else home
    obj_from = home if case.place is Place.INSIDE else elsewhere
    names = obj_from.names(page.obj) if page.obj is not None else {}
    kwargs: dict[str, str | int] = {}
    for param in route.params:
        if param == "org":
            kwargs[param] = slug_from.org.slug
        elif param in names:
            kwargs[param] = names[param]
        elif param in page.fixed:
            kwargs[param] = page.fixed[param]
        else:
            pytest.fail(f"{route.name}: no value for <{param}>; say it in the access table")
    return reverse(route.name, kwargs=kwargs)


def _snapshot() -> tuple[object, ...]:
    """Everything a web page could write: organizations, people, and every organization's
    records (each concrete ``OrgScopedModel``: inventory, evidence, risk, incidents, ...)."""
    return (
        *Organization.objects.order_by("pk").values_list(*PROFILE_FIELDS),
        *Membership.objects.order_by("pk").values_list("organization", "user", "role"),
        *records_fingerprint(),
    )


def _param(case: Case) -> object:
    reason = DISAGREEMENTS.get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


def test_every_web_route_is_in_the_access_table() -> None:
    missing = unlisted(ROUTES)
    assert not missing, (
        "web routes with no access expectations; add it to the access table "
        f"(TABLE in tests/web/matrix.py): {', '.join(missing)}"
    )


def test_disagreements_name_real_cases() -> None:
    ids = {case.id for case in cases(ROUTES)}
    assert set(DISAGREEMENTS) <= ids, set(DISAGREEMENTS) - ids


@pytest.mark.django_db
@pytest.mark.parametrize("case", [_param(case) for case in cases(ROUTES)])
def test_access(case: Case, browser: Client, tenants: tuple[Tenant, Tenant]) -> None:
    home, elsewhere = tenants
    _login(browser, case, home, elsewhere)
    url = _url(case, home, elsewhere)
    want = expected(case)
    before = None if want.granted else _snapshot()

    response = browser.generic(case.method, url)

    assert response.status_code in want.statuses, (
        f"{case.method} {url} as {case.who} ({case.place}): "
        f"expected {want}, got {response.status_code}"
    )
    location = urlsplit(response.get("Location", ""))
    login = reverse("login")
    if want.to_login:
        assert location.path == login, f"redirected to {location.path}, not to {login}"
    else:
        assert not (location.path == login and "next=" in location.query), "sent to log in"
    if not want.granted:
        assert _snapshot() == before, "a refused request changed data"
    elif case.page.removes and case.method == "POST" and case.page.obj is not None:
        model = MODELS[case.page.obj]
        gone = not model._default_manager.filter(pk=home.pks[case.page.obj]).exists()
        assert gone, "an allowed delete left the object"
