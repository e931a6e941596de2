"""The ePHI map of one organization: its inventory adapted to the pure map renderer.

Four queries whatever the size of the inventory (zones, vendors, assets, flows), read as
plain values; ``maplayout`` does the grouping, the layout and the drawing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.utils import timezone

from phiward.core.models import Organization
from phiward.inventory.maplayout import (
    Gap,
    MapEdge,
    MapGraph,
    MapNode,
    MapZone,
    group_nodes,
    render_svg,
)
from phiward.inventory.models import (
    Asset,
    AssetKind,
    AtRestEncryption,
    BaaStatus,
    DataFlow,
    EphiCategory,
    Frequency,
    Lifecycle,
    TransitEncryption,
    Vendor,
    Zone,
    ZoneKind,
)
from phiward.inventory.transit import TransitStatus, transit_status

_KIND = dict(AssetKind.choices)
_ZONE_KIND = dict(ZoneKind.choices)
_AT_REST = dict(AtRestEncryption.choices)
_BAA = dict(BaaStatus.choices)
_CATEGORY = dict(EphiCategory.choices)
_FREQUENCY = dict(Frequency.choices)
_TRANSIT = dict(TransitEncryption.choices)
_LIFECYCLE = dict(Lifecycle.choices)
EPHI_ROLES = ("creates", "receives", "maintains", "transmits")
_BAA_OK = {BaaStatus.SIGNED.value, BaaStatus.NOT_REQUIRED.value}


def _zones(organization: Organization) -> tuple[MapZone, ...]:
    rows = Zone.objects.for_org(organization).values_list(
        "id", "name", "kind", "cidrs", "internet_exposed"
    )
    zones = []
    for pk, name, kind, cidrs, exposed in rows:
        lines = [_ZONE_KIND.get(kind, kind), cidrs, "Exposed to the internet" if exposed else ""]
        zones.append(MapZone(f"z-{pk}", name, kind, "\n".join(x for x in lines if x)))
    return tuple(zones)


def _vendors(organization: Organization) -> list[MapNode]:
    rows = Vendor.objects.for_org(organization).values(
        "id", "name", "service", "handles_ephi", "baa_status", "baa_signed_on", "remote_access"
    )
    nodes = []
    for v in rows:
        baa = f"BAA: {_BAA.get(v['baa_status'], v['baa_status'])}"
        if v["baa_signed_on"]:
            baa += f" ({v['baa_signed_on'].isoformat()})"
        lines = [v["service"], baa, "Has remote access" if v["remote_access"] else ""]
        no_baa = v["handles_ephi"] and v["baa_status"] not in _BAA_OK
        nodes.append(
            MapNode(
                id=f"v-{v['id']}",
                label=v["name"],
                kind="vendor",
                kind_label="Vendor" + (" with ePHI" if v["handles_ephi"] else ""),
                is_vendor=True,
                handles_ephi=v["handles_ephi"],
                gaps=frozenset({Gap.NO_BAA}) if no_baa else frozenset(),
                detail="\n".join(x for x in lines if x),
            )
        )
    return nodes


def _assets(organization: Organization, today: dt.date) -> list[MapNode]:
    rows = Asset.objects.for_org(organization).values(
        "id",
        "name",
        "kind",
        "zone_id",
        "site",
        "hostname",
        "ip_address",
        "os_name",
        "os_version",
        "os_end_of_support",
        "encryption_at_rest",
        "ephi_creates",
        "ephi_receives",
        "ephi_maintains",
        "ephi_transmits",
        "lifecycle",
        "vendor__name",
    )
    nodes = []
    for a in rows:
        flags = (a["ephi_creates"], a["ephi_receives"], a["ephi_maintains"], a["ephi_transmits"])
        roles = [r for r, on in zip(EPHI_ROLES, flags, strict=True) if on]
        eos = a["os_end_of_support"]
        gaps = set()
        if roles and a["encryption_at_rest"] == AtRestEncryption.NONE:
            gaps.add(Gap.UNENCRYPTED_AT_REST)
        if eos is not None and eos < today:
            gaps.add(Gap.UNSUPPORTED_OS)
        os_line = " ".join(x for x in (a["os_name"], a["os_version"]) if x)
        if os_line and eos is not None:
            os_line += f" (support {'ended' if eos < today else 'until'} {eos.isoformat()})"
        lines = [
            " · ".join(x for x in (a["hostname"], a["ip_address"] or "", a["site"]) if x),
            os_line,
            f"ePHI: {', '.join(roles)}" if roles else "No ePHI",
            f"Encryption at rest: {_AT_REST.get(a['encryption_at_rest'], '')}",
            f"Vendor: {a['vendor__name']}" if a["vendor__name"] else "",
            "" if a["lifecycle"] == Lifecycle.ACTIVE else _LIFECYCLE.get(a["lifecycle"], ""),
        ]
        nodes.append(
            MapNode(
                id=f"a-{a['id']}",
                label=a["name"],
                kind=a["kind"],
                kind_label=_KIND.get(a["kind"], a["kind"]),
                zone=f"z-{a['zone_id']}" if a["zone_id"] else None,
                handles_ephi=bool(roles),
                gaps=frozenset(gaps),
                detail="\n".join(x for x in lines if x),
            )
        )
    return nodes


def _endpoint(asset_id: int | None, vendor_id: int | None) -> str:
    return f"a-{asset_id}" if asset_id is not None else f"v-{vendor_id}"


def _flows(organization: Organization) -> tuple[MapEdge, ...]:
    rows = DataFlow.objects.for_org(organization).values(
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
        "frequency",
        "purpose",
    )
    edges = []
    for f in rows:
        status = transit_status(f["transit_encryption"], f["tls_version"])
        transit = _TRANSIT.get(f["transit_encryption"], f["transit_encryption"])
        if f["tls_version"]:
            transit += f" {f['tls_version']}"
        categories = [_CATEGORY.get(c, c) for c in f["ephi_categories"] or []]
        lines = [
            " · ".join(x for x in (f["protocol"], f"encryption: {transit}") if x),
            f"ePHI: {'; '.join(categories)}" if categories else "No ePHI",
            _FREQUENCY.get(f["frequency"], ""),
            f["purpose"],
        ]
        edges.append(
            MapEdge(
                id=f"f-{f['id']}",
                source=_endpoint(f["source_asset_id"], f["source_vendor_id"]),
                target=_endpoint(f["destination_asset_id"], f["destination_vendor_id"]),
                label=f["name"],
                carries_ephi=bool(categories),
                unencrypted=status == TransitStatus.UNENCRYPTED,
                encryption_unknown=status == TransitStatus.UNKNOWN,
                protocol=f["protocol"],
                detail="\n".join(x for x in lines if x),
            )
        )
    return tuple(edges)


def build_graph(organization: Organization, *, today: dt.date | None = None) -> MapGraph:
    """Every zone, vendor, asset and data flow of ``organization``, one node per asset."""
    day = today or timezone.localdate()
    zones = _zones(organization)
    # The models refuse links across organizations; should one slip in through code that
    # bypasses validation, the map leaves it out rather than failing the dashboard.
    zone_ids = {zone.id for zone in zones}
    nodes = [
        node if node.zone is None or node.zone in zone_ids else replace(node, zone=None)
        for node in _assets(organization, day) + _vendors(organization)
    ]
    node_ids = {node.id for node in nodes}
    edges = tuple(
        edge for edge in _flows(organization) if edge.source in node_ids and edge.target in node_ids
    )
    return MapGraph(zones, tuple(nodes), edges)


def render_org_map(organization: Organization) -> str:
    """The organization's ePHI map as inline SVG, large crowds of similar assets grouped."""
    graph = group_nodes(build_graph(organization))
    return render_svg(graph, title=f"ePHI map — {organization.name}")
