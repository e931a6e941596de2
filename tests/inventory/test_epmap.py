"""The ePHI map: pure grouping, layout and SVG rendering, and the inventory adapter."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phiward.core.models import Organization
from phiward.inventory.epmap import build_graph, render_org_map
from phiward.inventory.maplayout import (
    EDGE_STYLES,
    GROUP_THRESHOLD,
    EdgeStyle,
    Gap,
    MapEdge,
    MapGraph,
    MapNode,
    MapZone,
    group_nodes,
    layout,
    render_svg,
)
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - parsing our own output


def nodes_of(root: ET.Element) -> dict[str, ET.Element]:
    return {g.attrib["data-node"]: g for g in root.iter(f"{SVG}g") if "data-node" in g.attrib}


def flows_of(root: ET.Element) -> dict[str, ET.Element]:
    """Flow id -> the drawn edge that represents it (bundles list several ids)."""
    found = {}
    for g in root.iter(f"{SVG}g"):
        for flow_id in g.attrib.get("data-flows", "").split():
            found[flow_id] = g
    return found


def visible_path(edge: ET.Element) -> ET.Element:
    return next(p for p in edge.iter(f"{SVG}path") if p.attrib.get("stroke-opacity") != "0")


def small_graph() -> MapGraph:
    zones = (MapZone("z-1", "Clinical", "clinical"), MapZone("z-2", "Servers", "server"))
    nodes = (
        MapNode("a-1", "EHR", "ehr", "EHR", zone="z-2", handles_ephi=True),
        MapNode("a-2", "Laptop 1", "laptop", "Laptop", zone="z-1", handles_ephi=True,
                gaps=frozenset({Gap.UNENCRYPTED_AT_REST})),
        MapNode("a-3", "Printer", "printer", "Printer", zone=None),
        MapNode("v-1", "Collections", "vendor", "Vendor", is_vendor=True, handles_ephi=True,
                gaps=frozenset({Gap.NO_BAA})),
    )  # fmt: skip
    edges = (
        MapEdge("f-1", "a-1", "v-1", "Balances", True, unencrypted=True, protocol="FTP"),
        MapEdge("f-2", "a-2", "a-1", "Sync", True),
        MapEdge("f-3", "a-1", "a-3", "Print", True, encryption_unknown=True),
        MapEdge("f-4", "a-3", "a-1", "Status", False),
    )
    return MapGraph(zones, nodes, edges)


def test_svg_is_valid_xml_with_a_node_per_asset_and_an_edge_per_flow() -> None:
    root = parse(render_svg(small_graph(), title="Map"))
    assert root.tag == f"{SVG}svg"
    assert set(nodes_of(root)) == {"a-1", "a-2", "a-3", "v-1"}
    assert set(flows_of(root)) == {"f-1", "f-2", "f-3", "f-4"}
    assert root.attrib["role"] == "img"
    assert root.find(f"{SVG}title").text == "Map"  # type: ignore[union-attr]
    assert "4 data flows" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    # Sized to its content: it scrolls rather than shrinks.
    w, h = root.attrib["width"], root.attrib["height"]
    assert root.attrib["viewBox"] == f"0 0 {w} {h}"


def test_unencrypted_ephi_flows_are_red_thick_and_dashed_unknown_ones_amber() -> None:
    flows = flows_of(parse(render_svg(small_graph(), title="Map")))
    red = visible_path(flows["f-1"])
    blue = visible_path(flows["f-2"])
    amber = visible_path(flows["f-3"])
    grey = visible_path(flows["f-4"])
    assert red.attrib["stroke"] == EDGE_STYLES[EdgeStyle.UNENCRYPTED][0] == "#c62828"
    assert "stroke-dasharray" in red.attrib
    assert float(red.attrib["stroke-width"]) > float(blue.attrib["stroke-width"])
    assert "stroke-dasharray" not in blue.attrib
    assert amber.attrib["stroke"] == EDGE_STYLES[EdgeStyle.UNKNOWN][0]
    assert grey.attrib["stroke"] == EDGE_STYLES[EdgeStyle.OTHER][0]
    assert flows["f-1"].attrib["data-transit"] == "unencrypted"
    assert red.attrib["marker-end"] == "url(#epmap-arrow-unencrypted)"


def test_gap_badges_and_boxes_for_vendors_and_unzoned_assets() -> None:
    root = parse(render_svg(small_graph(), title="Map"))
    nodes = nodes_of(root)
    assert nodes["a-2"].attrib["data-gaps"] == "unencrypted_at_rest"
    assert nodes["v-1"].attrib["data-gaps"] == "no_baa"
    badge_texts = {t.text for t in nodes["v-1"].iter(f"{SVG}text")}
    assert "BAA" in badge_texts
    boxes = {g.attrib["data-zone"] for g in root.iter(f"{SVG}g") if g.get("id", "").count("box")}
    assert boxes == {"z-1", "z-2", "vendors", "unzoned"}


def test_no_css_only_presentation_attributes() -> None:
    svg = render_svg(small_graph(), title="Map")
    root = parse(svg)
    assert root.find(f".//{SVG}style") is None
    assert all("style" not in el.attrib for el in root.iter())


def test_labels_are_escaped() -> None:
    nasty = '<script>alert("x")</script> & "Q"'
    graph = MapGraph(
        (MapZone("z-1", nasty, "clinical"),),
        (
            MapNode("a-1", nasty, "ehr", nasty, zone="z-1", detail=nasty),
            MapNode("v-1", nasty, "vendor", is_vendor=True),
        ),
        (MapEdge("f-1", "a-1", "v-1", nasty, True, unencrypted=True, protocol=nasty),),
    )
    svg = render_svg(graph, title=nasty)
    assert "<script" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == nasty  # type: ignore[union-attr]
    node_title = nodes_of(root)["a-1"].find(f"{SVG}title")
    assert node_title is not None
    assert (node_title.text or "").startswith(nasty)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_label_gives_well_formed_svg(label: str) -> None:
    graph = MapGraph(
        (MapZone("z-1", label),),
        (MapNode("a-1", label, "ehr", zone="z-1"),),
        (),
    )
    root = parse(render_svg(graph, title=label))
    expected = _NOT_XML.sub("\ufffd", label).replace("\r\n", "\n").replace("\r", "\n")
    assert (root.find(f"{SVG}title").text or "") == expected  # type: ignore[union-attr]


def test_edges_to_unknown_nodes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown node"):
        MapGraph((), (MapNode("a-1", "A", "ehr"),), (MapEdge("f-1", "a-1", "a-9", "x", True),))


def crowd(n: int, *, with_flows: int = 0, kind: str = "laptop") -> MapGraph:
    nodes = [MapNode("a-0", "EHR", "ehr", "EHR", zone="z-2", handles_ephi=True)]
    nodes += [
        MapNode(f"a-{i}", f"Laptop {i}", kind, "Laptop", zone="z-1", handles_ephi=True)
        for i in range(1, n + 1)
    ]
    edges = tuple(
        MapEdge(f"f-{i}", f"a-{i}", "a-0", "sync", True) for i in range(1, with_flows + 1)
    )
    zones = (MapZone("z-1", "Clinical", "clinical"), MapZone("z-2", "Servers", "server"))
    return MapGraph(zones, tuple(nodes), edges)


def test_no_grouping_at_or_below_the_threshold() -> None:
    graph = crowd(GROUP_THRESHOLD)
    assert group_nodes(graph) == graph


def test_a_large_zone_is_grouped_and_assets_with_flows_stay_visible() -> None:
    grouped = group_nodes(crowd(40, with_flows=2))
    ids = {n.id for n in grouped.nodes}
    assert {"a-0", "a-1", "a-2"} <= ids
    (group,) = [n for n in grouped.nodes if n.count > 1]
    assert group.count == 38
    assert group.label == "Laptops \u00d738"
    assert group.handles_ephi
    root = parse(render_svg(grouped, title="Map"))
    assert nodes_of(root)[group.id].attrib["data-count"] == "38"
    assert root.attrib["data-assets"] == "41"


def test_when_many_assets_have_flows_the_whole_crowd_is_grouped_and_flows_attach_to_it() -> None:
    graph = crowd(30, with_flows=GROUP_THRESHOLD + 1)
    grouped = group_nodes(graph)
    (group,) = [n for n in grouped.nodes if n.count > 1]
    assert group.count == 30
    assert {e.source for e in grouped.edges} == {group.id}
    assert len(grouped.edges) == len(graph.edges)
    # The bundle of parallel flows is drawn once and lists every flow.
    flows = flows_of(parse(render_svg(grouped, title="Map")))
    assert set(flows) == {e.id for e in graph.edges}
    assert len({id(g) for g in flows.values()}) == 1


def test_group_keeps_the_gaps_of_its_members() -> None:
    graph = crowd(30)
    nodes = [
        MapNode(n.id, n.label, n.kind, n.kind_label, n.zone, handles_ephi=True,
                gaps=frozenset({Gap.UNSUPPORTED_OS}))
        if n.id in {f"a-{i}" for i in range(1, 12)} else n
        for n in graph.nodes
    ]  # fmt: skip
    grouped = group_nodes(MapGraph(graph.zones, tuple(nodes), ()))
    (group,) = [n for n in grouped.nodes if n.count > 1]
    assert group.count == 30
    assert Gap.UNSUPPORTED_OS in group.gaps
    assert "11 with gap" in group.detail


def test_layout_places_every_node_inside_its_box_without_overlaps() -> None:
    graph = group_nodes(crowd(300, with_flows=3, kind="workstation"))
    placed = layout(graph)
    boxes = list(placed.nodes.values())
    assert len(boxes) == len(graph.nodes)
    for i, a in enumerate(boxes):
        assert a.x >= 0
        assert a.right <= placed.width
        assert a.y >= 0
        assert a.bottom <= placed.height
        for b in boxes[i + 1 :]:
            assert a.right <= b.x or b.right <= a.x or a.bottom <= b.y or b.bottom <= a.y
    containers = {c.id: c.box for c in placed.containers}
    for node in graph.nodes:
        box, outer = placed.nodes[node.id], containers[node.zone or "unzoned"]
        assert outer.x <= box.x
        assert box.right <= outer.right
        assert outer.y <= box.y
        assert box.bottom <= outer.bottom


def test_five_thousand_assets_render_to_a_readable_number_of_nodes() -> None:
    zones = tuple(MapZone(f"z-{z}", f"Zone {z}", "clinical") for z in range(50))
    kinds = ("workstation", "laptop", "printer", "medical_device")
    nodes = tuple(
        MapNode(f"a-{i}", f"Asset {i}", kinds[i % 4], zone=f"z-{i % 50}") for i in range(5000)
    )
    edges = tuple(MapEdge(f"f-{i}", f"a-{i}", f"a-{i + 1}", "x", True) for i in range(0, 600, 2))
    graph = group_nodes(MapGraph(zones, nodes, edges))
    assert len(graph.nodes) < 1000
    root = parse(render_svg(graph, title="Big"))
    assert root.attrib["data-assets"] == "5000"
    assert set(flows_of(root)) == {e.id for e in edges}


def test_empty_inventory_still_draws_a_map() -> None:
    root = parse(render_svg(MapGraph((), (), ()), title="Empty"))
    assert "Nothing on the map yet" in "".join(root.itertext())


# --- the Django adapter ------------------------------------------------------------------------


def inventory(org: Organization, assets: int) -> None:
    clinical = Zone.objects.create(organization=org, name="Clinical", kind="clinical")
    agency = Vendor.objects.create(organization=org, name="Collections", baa_status="none")
    ehr = Asset.objects.create(
        organization=org, name="EHR", kind="ehr", zone=clinical, ephi_maintains=True,
        encryption_at_rest="database_tde",
    )  # fmt: skip
    Asset.objects.bulk_create(
        Asset(
            organization=org,
            name=f"Laptop {i}",
            kind="laptop",
            zone=clinical if i % 2 else None,
            ephi_maintains=True,
            encryption_at_rest="none" if i == 1 else "full_disk",
            os_end_of_support=dt.date(2020, 1, 14) if i == 2 else None,
        )
        for i in range(1, assets)
    )
    DataFlow.objects.create(
        organization=org, name="Balances", source_asset=ehr, destination_vendor=agency,
        ephi_categories=["billing"], protocol="FTP", transit_encryption="none",
    )  # fmt: skip
    DataFlow.objects.create(
        organization=org, name="Worklist", source_asset=ehr,
        destination_asset=Asset.objects.get(organization=org, name="Laptop 1"),
        ephi_categories=["demographics"], transit_encryption="tls", tls_version="1.0",
    )  # fmt: skip


@pytest.mark.django_db
def test_build_graph_maps_the_inventory_of_one_organization(
    org: Organization, other_org: Organization
) -> None:
    inventory(org, 5)
    inventory(other_org, 3)
    graph = build_graph(org, today=dt.date(2026, 1, 1))
    nodes = {n.label: n for n in graph.nodes}
    assert set(nodes) == {"EHR", "Collections", "Laptop 1", "Laptop 2", "Laptop 3", "Laptop 4"}
    assert nodes["Laptop 1"].gaps == {Gap.UNENCRYPTED_AT_REST}
    assert nodes["Laptop 2"].gaps == {Gap.UNSUPPORTED_OS}
    assert nodes["Laptop 2"].zone is None
    assert nodes["Collections"].gaps == {Gap.NO_BAA}
    assert nodes["Collections"].is_vendor
    edges = {e.label: e for e in graph.edges}
    assert edges["Balances"].unencrypted
    assert edges["Balances"].carries_ephi
    assert edges["Worklist"].unencrypted  # TLS 1.0 counts as unencrypted
    assert [z.label for z in graph.zones] == ["Clinical"]


@pytest.mark.django_db
def test_render_org_map_escapes_user_input(org: Organization) -> None:
    Asset.objects.create(organization=org, name='<img src=x onerror="alert(1)">&', kind="ehr")
    svg = render_org_map(org)
    assert "<img" not in svg
    assert "&lt;img" in svg
    parse(svg)


@pytest.mark.django_db
@pytest.mark.parametrize("assets", [5, 300])
def test_render_org_map_query_budget_does_not_grow_with_assets(
    org: Organization, assets: int, django_assert_max_num_queries: Callable[..., object]
) -> None:
    inventory(org, assets)
    with django_assert_max_num_queries(4):  # type: ignore[attr-defined]
        svg = render_org_map(org)
    root = parse(svg)
    assert root.attrib["data-assets"] == str(assets)
