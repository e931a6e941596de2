"""One object of every ``Kind`` in an organization: what a web route's ``<pk>`` names.

Shared by the route x role x tenant matrix (tests/web/test_access_matrix.py) and the HTTP
hardening tests (tests/hardening/test_http.py), so a new kind of page needs its sample in one
place. ``MODELS`` says which model each kind is, for the matrix's "an allowed delete deletes".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Model

from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role
from phiward.evidence import library
from phiward.evidence.models import EvidenceItem
from phiward.exercises.models import Exercise, FollowUpAction, IRPlanVersion
from phiward.incidents.models import Incident
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
    Risk,
    RiskAnalysis,
    RiskProposal,
    Threat,
    Treatment,
    TreatmentTask,
    Vulnerability,
)
from tests.exercises.sample import build_exercises
from tests.incidents.sample import build_incidents
from tests.risk.register_sample import build_register
from tests.web.matrix import Kind

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
    Kind.EXERCISE: Exercise,
    Kind.EXERCISE_ACTION: FollowUpAction,
    Kind.PLAN_DRAFT: IRPlanVersion,
    Kind.INCIDENT: Incident,
}


@dataclass(frozen=True)
class Objects:
    pks: dict[Kind, int]
    colleague: Membership  # a workforce member's membership, which member pages name
    approver: User  # an owner, who signed the sample breach assessment

    def names(self, kind: Kind) -> dict[str, str | int]:
        """How a route may name the object: the URL parameters and their values."""
        by_name = {"username": self.colleague.user.get_username()}
        return {"pk": self.pks[kind], **(by_name if kind is Kind.MEMBERSHIP else {})}


def build_objects(org: Organization) -> Objects:
    """One of each kind in ``org``: an evidence record past its retention period (so an owner
    may delete it), the risk register sample, the exercises sample and an incident."""
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
    colleague = User.objects.create(username=f"colleague-{org.slug}")
    membership = Membership.objects.create(user=colleague, organization=org, role=Role.WORKFORCE)
    approver = User.objects.create(username=f"approver-{org.slug}")
    Membership.objects.create(user=approver, organization=org, role=Role.OWNER)
    register = build_register(org)
    exercises = build_exercises(org)
    incidents = build_incidents(org, approver)
    pks = {
        Kind.ZONE: zone.pk,
        Kind.VENDOR: vendor.pk,
        Kind.ASSET: asset.pk,
        Kind.FLOW: flow.pk,
        Kind.MEMBERSHIP: membership.pk,
        Kind.EVIDENCE: record.pk,
        Kind.THREAT: register.threat.pk,
        Kind.VULNERABILITY: register.vulnerability.pk,
        Kind.ANALYSIS: register.analysis.pk,
        Kind.VERSION: register.version.pk,
        Kind.PROPOSAL: register.proposal.pk,
        Kind.RISK: register.risk.pk,
        Kind.TREATMENT: register.treatment.pk,
        Kind.TASK: register.task.pk,
        Kind.EXERCISE: exercises.exercise.pk,
        Kind.EXERCISE_ACTION: exercises.action.pk,
        Kind.PLAN_DRAFT: exercises.draft.pk,
        Kind.INCIDENT: incidents.incident.pk,
    }
    missing = set(Kind) - set(pks)
    assert not missing, f"no sample object for {missing}; add it in tests/web/sample_objects.py"
    return Objects(pks, membership, approver)
