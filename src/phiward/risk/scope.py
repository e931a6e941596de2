"""The facts within an analysis's scope, read from the inventory for the proposal engine.

An analysis covers all ePHI assets, flows and vendors of the inventory (``scope_all_ephi``),
or the assets it lists, with the ePHI flows that touch them and the vendors that host them or
are at the other end of those flows. Disposed assets are out of scope. Six queries, whatever
the size of the inventory.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from phiward.inventory.models import (
    Asset,
    AssetKind,
    AtRestEncryption,
    BaaStatus,
    DataFlow,
    TransitEncryption,
    Vendor,
    Zone,
    ZoneKind,
)
from phiward.inventory.transit import transit_status
from phiward.risk.facts import (
    AnswerFacts,
    AssetFacts,
    FlowFacts,
    Inventory,
    Profile,
    VendorFacts,
    ZoneFacts,
    criticality_rank,
)
from phiward.risk.models import AnalysisScopeAsset, QuestionAnswer, RiskAnalysis
from phiward.risk.questionnaire import key_activities, key_activity_of

_ROLES = ("creates", "receives", "maintains", "transmits")
_ASSET_FIELDS = (
    "id",
    "name",
    "kind",
    "zone_id",
    "vendor_id",
    "ephi_creates",
    "ephi_receives",
    "ephi_maintains",
    "ephi_transmits",
    "record_count",
    "criticality",
    "encryption_at_rest",
    "os_name",
    "os_version",
    "os_end_of_support",
    "lifecycle",
    "mds2_on_file",
    "patchable",
)
_FLOW_FIELDS = (
    "id",
    "name",
    "source_asset_id",
    "source_vendor_id",
    "destination_asset_id",
    "destination_vendor_id",
    "ephi_categories",
    "protocol",
    "transit_encryption",
    "tls_version",
)
BACKUP_KIND = AssetKind.BACKUP_SYSTEM.value
Row = dict[str, Any]  # a values() row


def _highest(values: Iterable[str]) -> str:
    return max(values, key=criticality_rank, default="moderate")


def _largest(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def gather(analysis: RiskAnalysis, today: dt.date | None = None) -> Inventory:
    """The ``Inventory`` of facts the rules read for ``analysis``."""
    org = analysis.organization
    today = today or timezone.localdate()
    kind_labels = dict(AssetKind.choices)
    zone_labels = dict(ZoneKind.choices)
    zones = {
        z["id"]: ZoneFacts(
            z["id"], z["name"], z["kind"], z["internet_exposed"], zone_labels.get(z["kind"], "")
        )
        for z in Zone.objects.for_org(org).values("id", "name", "kind", "internet_exposed")
    }
    rows = list(Asset.objects.for_org(org).values(*_ASSET_FIELDS))
    by_id = {row["id"]: row for row in rows}
    vendors = {
        v["id"]: v
        for v in Vendor.objects.for_org(org).values(
            "id", "name", "handles_ephi", "baa_status", "baa_expires_on", "remote_access"
        )
    }
    flows = list(DataFlow.objects.for_org(org).values(*_FLOW_FIELDS))

    categories: dict[int, set[str]] = defaultdict(set)
    backed_up: set[int] = set()
    for flow in flows:
        for end in ("source_asset_id", "destination_asset_id"):
            if flow[end] is not None:
                categories[flow[end]].update(flow["ephi_categories"] or ())
        destination = by_id.get(flow["destination_asset_id"])
        to_backup = destination is not None and destination["kind"] == BACKUP_KIND
        if to_backup and flow["source_asset_id"] is not None:
            backed_up.add(flow["source_asset_id"])

    def roles(row: Row) -> frozenset[str]:
        return frozenset(role for role in _ROLES if row[f"ephi_{role}"])

    if analysis.scope_all_ephi:
        in_scope = {row["id"] for row in rows if roles(row) and row["lifecycle"] != "disposed"}
    else:
        listed = set(
            AnalysisScopeAsset.objects.filter(analysis=analysis).values_list("asset_id", flat=True)
        )
        in_scope = {i for i in listed if i in by_id and by_id[i]["lifecycle"] != "disposed"}

    encryption_labels = dict(AtRestEncryption.choices)
    assets = tuple(
        AssetFacts(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            kind_label=kind_labels.get(row["kind"], row["kind"]),
            zone=zones.get(row["zone_id"]),
            vendor_id=row["vendor_id"],
            ephi_roles=roles(row),
            record_count=row["record_count"],
            criticality=row["criticality"],
            encryption_at_rest=row["encryption_at_rest"],
            encryption_at_rest_label=encryption_labels.get(
                row["encryption_at_rest"], row["encryption_at_rest"]
            ),
            os_name=row["os_name"],
            os_version=row["os_version"],
            os_end_of_support=row["os_end_of_support"],
            lifecycle=row["lifecycle"],
            mds2_on_file=row["mds2_on_file"],
            patchable=row["patchable"],
            categories=frozenset(categories.get(row["id"], ())),
            backed_up=row["id"] in backed_up,
        )
        for row in rows
        if row["id"] in in_scope
    )

    def end_name(asset_id: int | None, vendor_id: int | None) -> str:
        if asset_id is not None:
            return str(by_id[asset_id]["name"])
        return str(vendors[vendor_id]["name"]) if vendor_id in vendors else "?"

    ephi_flows = [f for f in flows if f["ephi_categories"]]
    if not analysis.scope_all_ephi:
        ephi_flows = [
            f
            for f in ephi_flows
            if f["source_asset_id"] in in_scope or f["destination_asset_id"] in in_scope
        ]
    transit_labels = dict(TransitEncryption.choices)
    flow_facts = tuple(
        FlowFacts(
            id=f["id"],
            name=f["name"],
            source=end_name(f["source_asset_id"], f["source_vendor_id"]),
            destination=end_name(f["destination_asset_id"], f["destination_vendor_id"]),
            categories=frozenset(f["ephi_categories"]),
            protocol=f["protocol"],
            transit_encryption=f["transit_encryption"],
            transit_encryption_label=transit_labels.get(
                f["transit_encryption"], f["transit_encryption"]
            ),
            tls_version=f["tls_version"],
            transit_status=transit_status(f["transit_encryption"], f["tls_version"]).value,
            criticality=(
                str(by_id[f["destination_asset_id"]]["criticality"])
                if f["destination_asset_id"] is not None
                else "moderate"
            ),
        )
        for f in ephi_flows
    )

    vendor_flows: dict[int, list[Row]] = defaultdict(list)
    for f in ephi_flows:
        for end in ("source_vendor_id", "destination_vendor_id"):
            if f[end] is not None:
                vendor_flows[f[end]].append(f)
    hosted: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row["vendor_id"] is not None and roles(row) and row["lifecycle"] != "disposed":
            hosted[row["vendor_id"]].append(row)
    if analysis.scope_all_ephi:
        vendor_ids = {i for i, v in vendors.items() if v["handles_ephi"]}
    else:
        vendor_ids = {by_id[i]["vendor_id"] for i in in_scope if by_id[i]["vendor_id"]}
        vendor_ids |= set(vendor_flows)
    baa_labels = dict(BaaStatus.choices)
    vendor_facts = []
    for vendor_id in sorted(vendor_ids):
        vendor = vendors[vendor_id]
        its_flows = vendor_flows.get(vendor_id, [])
        its_assets = hosted.get(vendor_id, [])
        endpoint_assets = [
            by_id[f[end]]
            for f in its_flows
            for end in ("source_asset_id", "destination_asset_id")
            if f[end] is not None
        ]
        vendor_facts.append(
            VendorFacts(
                id=vendor_id,
                name=vendor["name"],
                handles_ephi=vendor["handles_ephi"],
                baa_status=vendor["baa_status"],
                baa_status_label=baa_labels.get(vendor["baa_status"], vendor["baa_status"]),
                baa_expires_on=vendor["baa_expires_on"],
                remote_access=vendor["remote_access"],
                flow_names=tuple(sorted(str(f["name"]) for f in its_flows)),
                asset_names=tuple(sorted(str(a["name"]) for a in its_assets)),
                record_count=_largest(a["record_count"] for a in [*its_assets, *endpoint_assets]),
                criticality=_highest(str(a["criticality"]) for a in its_assets),
                categories=frozenset(c for f in its_flows for c in f["ephi_categories"]),
            )
        )

    known = key_activities()
    answers = []
    for qid, answer in (
        QuestionAnswer.objects.filter(analysis=analysis)
        .order_by("question_id")
        .values_list("question_id", "answer")
    ):
        activity = known.get(key_activity_of(qid))
        if activity is not None:
            answers.append(AnswerFacts(qid, activity.id, activity.title, answer))

    scoped = [a for a in assets if a.handles_ephi]
    profile = Profile(
        record_count=_largest(a.record_count for a in scoped),
        criticality=_highest(a.criticality for a in scoped),
        categories=frozenset().union(*(a.categories for a in scoped)),
    )
    return Inventory(
        today=today,
        assets=assets,
        vendors=tuple(vendor_facts),
        flows=flow_facts,
        answers=tuple(answers),
        backups_recorded=bool(backed_up),
        profile=profile,
    )
