"""The inventory API: zones, vendors, assets and data flows of one organization.

Each resource is a spec for ``phiward.core.apiresource.register`` (list with filters, retrieve,
create, partial update, delete); this module only says what is filtered how.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from ninja import Router

from phiward.core.apiresource import OrgResource, register
from phiward.inventory.models import (
    UNENCRYPTED_TRANSIT_Q,
    Asset,
    DataFlow,
    Vendor,
    Zone,
    handles_ephi_q,
)
from phiward.inventory.schemas import (
    AssetIn,
    AssetOut,
    AssetQuery,
    DataFlowIn,
    DataFlowOut,
    DataFlowQuery,
    VendorIn,
    VendorOut,
    VendorQuery,
    ZoneIn,
    ZoneOut,
    ZoneQuery,
)

router = Router(tags=["inventory"])


def _flag(queryset: QuerySet, condition: Q, wanted: bool | None) -> QuerySet:
    if wanted is None:
        return queryset
    return queryset.filter(condition) if wanted else queryset.exclude(condition)


def filter_zones(zones: QuerySet[Zone], query: ZoneQuery) -> QuerySet[Zone]:
    if query.kind:
        zones = zones.filter(kind=query.kind)
    if query.q:
        zones = zones.filter(name__icontains=query.q)
    return zones


def filter_vendors(vendors: QuerySet[Vendor], query: VendorQuery) -> QuerySet[Vendor]:
    if query.baa_status:
        vendors = vendors.filter(baa_status=query.baa_status)
    if query.handles_ephi is not None:
        vendors = vendors.filter(handles_ephi=query.handles_ephi)
    if query.q:
        vendors = vendors.filter(Q(name__icontains=query.q) | Q(service__icontains=query.q))
    return vendors


def filter_assets(assets: QuerySet[Asset], query: AssetQuery) -> QuerySet[Asset]:
    exact = {
        "kind": query.kind,
        "zone_id": query.zone,
        "vendor_id": query.vendor,
        "encryption_at_rest": query.encryption_at_rest,
        "lifecycle": query.lifecycle,
    }
    assets = assets.filter(**{name: value for name, value in exact.items() if value is not None})
    assets = _flag(assets, handles_ephi_q(), query.ephi)
    if query.q:
        assets = assets.filter(
            Q(name__icontains=query.q)
            | Q(hostname__icontains=query.q)
            | Q(ip_address__startswith=query.q)
        )
    return assets


def filter_flows(flows: QuerySet[DataFlow], query: DataFlowQuery) -> QuerySet[DataFlow]:
    flows = _flag(flows, UNENCRYPTED_TRANSIT_Q, query.unencrypted)
    if query.vendor is not None:
        flows = flows.filter(
            Q(source_vendor_id=query.vendor) | Q(destination_vendor_id=query.vendor)
        )
    if query.asset is not None:
        flows = flows.filter(Q(source_asset_id=query.asset) | Q(destination_asset_id=query.asset))
    if query.transit_encryption:
        flows = flows.filter(transit_encryption=query.transit_encryption)
    return flows


ZONES = OrgResource(
    model=Zone,
    path="zones",
    name="zone",
    schema_in=ZoneIn,
    schema_out=ZoneOut,
    filters=ZoneQuery,
    apply_filters=filter_zones,
)
VENDORS = OrgResource(
    model=Vendor,
    path="vendors",
    name="vendor",
    schema_in=VendorIn,
    schema_out=VendorOut,
    filters=VendorQuery,
    apply_filters=filter_vendors,
)
ASSETS = OrgResource(
    model=Asset,
    path="assets",
    name="asset",
    schema_in=AssetIn,
    schema_out=AssetOut,
    filters=AssetQuery,
    apply_filters=filter_assets,
    references={"zone_id": Zone, "vendor_id": Vendor},
)
FLOWS = OrgResource(
    model=DataFlow,
    path="flows",
    name="flow",
    schema_in=DataFlowIn,
    schema_out=DataFlowOut,
    filters=DataFlowQuery,
    apply_filters=filter_flows,
    references={
        "source_asset_id": Asset,
        "source_vendor_id": Vendor,
        "destination_asset_id": Asset,
        "destination_vendor_id": Vendor,
    },
)

register(router, ZONES)
register(router, VENDORS)
register(router, ASSETS)
register(router, FLOWS)
