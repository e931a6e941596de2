"""Every web URL as every role, inside and outside the tenant, against the permission table.

The routes come from the URLconf, the expectations from tests/web/matrix.py (which states each
page's (Area, Action) and asks ``allowed()``). Each case builds two fresh organizations with one
object of each inventory kind, so an allowed delete really deletes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, Model
from django.test import Client
from django.urls import reverse

from phiward.core.members import PROFILE_FIELDS
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    Organization,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Role
from phiward.evidence import library
from phiward.evidence.models import EvidenceItem
from phiward.inventory.models import (
    Asset,
    AssetKind,
    BaaStatus,
    DataFlow,
    TransitEncryption,
    Vendor,
    Zone,
    ZoneKind,
)
from phiward.risk.models import (
    AnalysisVersion,
    QuestionAnswer,
    Risk,
    RiskAnalysis,
    RiskProposal,
    Threat,
    Treatment,
    TreatmentTask,
    Vulnerability,
)
from tests.risk.register_sample import build_register
from tests.web.matrix import Case, Kind, Place, Stranger, cases, expected, unlisted, web_routes

ROUTES = web_routes()

# Cells where a view disagrees with the permission table: (case id) -> what is wrong. Each is a
# strict xfail, so fixing the view turns it into a failure that asks for the entry's removal.
DISAGREEMENTS: dict[str, str] = {}

MODELS: dict[Kind, type[Model]] = {
    Kind.ZONE: Zone,
    Kind.VENDOR: Vendor,
    Kind.ASSET: Asset,
    Kind.FLOW: DataFlow,
    Kind.MEMBERSHIP: Membership,
    Kind.EVIDENCE: EvidenceItem,
    Kind.THREAT: Threat,
    Kind.VULNERABILITY: Vulnerability,
    Kind.ANALYSIS: RiskAnalysis,
    Kind.VERSION: AnalysisVersion,
    Kind.PROPOSAL: RiskProposal,
    Kind.RISK: Risk,
    Kind.TREATMENT: Treatment,
    Kind.TASK: TreatmentTask,
}


@dataclass(frozen=True)
class Tenant:
    org: Organization
    pks: dict[Kind, int]
    colleague: str  # the username of the membership in ``pks``

    def names(self, kind: Kind) -> dict[str, str | int]:
        """How a route may name the object: the URL parameters and their values."""
        by_name = {"username": self.colleague} if kind is Kind.MEMBERSHIP else {}
        return {"pk": self.pks[kind], **by_name}


def _tenant(slug: str) -> Tenant:
    org = Organization.objects.create(slug=slug, name=slug.title())
    zone = Zone.objects.create(organization=org, name="Clinical LAN", kind=ZoneKind.CLINICAL)
    vendor = Vendor.objects.create(organization=org, name="Billing Co", baa_status=BaaStatus.NONE)
    asset = Asset.objects.create(
        organization=org, name="EHR", kind=AssetKind.EHR, zone=zone, ephi_maintains=True
    )
    flow = DataFlow.objects.create(
        organization=org,
        name="Claims",
        source_asset=asset,
        destination_vendor=vendor,
        ephi_categories=["billing"],
        transit_encryption=TransitEncryption.NONE,
    )
    record = library.add_record(
        org,
        {"check": "matrix"},
        meta=library.Metadata(
            "Record", effective_on=dt.date(2010, 1, 1), expires_on=dt.date(2011, 1, 1)
        ),
        links=library.Links(),
        user=None,
    )
    EvidenceItem.objects.filter(pk=record.pk).update(
        created_at=dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    )
    colleague = User.objects.create(username=f"colleague-{slug}")
    membership = Membership.objects.create(user=colleague, organization=org, role=Role.WORKFORCE)
    pks = {
        Kind.ZONE: zone.pk,
        Kind.VENDOR: vendor.pk,
        Kind.ASSET: asset.pk,
        Kind.FLOW: flow.pk,
        Kind.MEMBERSHIP: membership.pk,
        Kind.EVIDENCE: record.pk,
    }
    register = build_register(org)
    pks.update(
        {
            Kind.THREAT: register.threat.pk,
            Kind.VULNERABILITY: register.vulnerability.pk,
            Kind.ANALYSIS: register.analysis.pk,
            Kind.VERSION: register.version.pk,
            Kind.PROPOSAL: register.proposal.pk,
            Kind.RISK: register.risk.pk,
            Kind.TREATMENT: register.treatment.pk,
            Kind.TASK: register.task.pk,
        }
    )
    return Tenant(org, pks, colleague.username)


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
    """Everything a web page could write: organizations, people, governance, inventory,
    evidence and the risk records."""
    risk = (RiskAnalysis, AnalysisVersion, QuestionAnswer, RiskProposal, Risk, Treatment)
    catalog = (TreatmentTask, Threat, Vulnerability)
    inventory = (Zone, Vendor, Asset, DataFlow, EvidenceItem, *risk, *catalog)
    return (
        *Organization.objects.order_by("pk").values_list(*PROFILE_FIELDS),
        *Membership.objects.order_by("pk").values_list("organization", "user", "role"),
        ResponsibilityAssignment.objects.count(),
        OfficerAppointment.objects.count(),
        *(m.objects.aggregate(Count("pk"), Max("updated_at"), Max("pk")) for m in inventory),
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
