"""The pure inventory document layer: formats round-trip, and every problem is located."""

from __future__ import annotations

import csv
import datetime as dt
import io
import ipaddress
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phiward.core.errors import InputProblems, Problem
from phiward.inventory.transfer import csv_format, document, formats
from phiward.inventory.transfer.document import (
    AssetRecord,
    Endpoint,
    EndpointKind,
    ExistingNames,
    FlowRecord,
    InventoryDocument,
    Table,
    VendorRecord,
    ZoneRecord,
)
from phiward.inventory.transfer.fields import COLUMNS, Kind, text_header
from phiward.inventory.transfer.formats import Format

# -- generated documents ----------------------------------------------------------------------

# Text as a person could type it: anything printable plus line breaks and tabs (and a few
# characters YAML treats specially), trimmed the way every import trims it.
_chars = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
_text = st.text(_chars, max_size=40).map(str.strip)
_name = st.text(_chars, min_size=1, max_size=30).map(str.strip).filter(bool)
_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
_moments = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)


def _ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


_macs = st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02x}" for x in b))


def _limit(text: st.SearchStrategy[str], n: int) -> st.SearchStrategy[str]:
    return text.map(lambda s: s[:n].strip())


@st.composite
def documents(draw: st.DrawFn) -> InventoryDocument:
    zone_names = draw(st.lists(_limit(_name, 120).filter(bool), max_size=4, unique=True))
    vendor_names = draw(st.lists(_limit(_name, 200).filter(bool), max_size=4, unique=True))
    asset_names = draw(st.lists(_name, max_size=6, unique=True))
    flow_names = draw(st.lists(_name, max_size=5, unique=True))
    zones = [
        ZoneRecord(
            name,
            kind=draw(st.sampled_from(document.ZONE_KINDS)),
            description=draw(_text),
            cidrs=draw(_text),
            internet_exposed=draw(st.booleans()),
        )
        for name in zone_names
    ]
    vendors = [
        VendorRecord(
            name,
            service=draw(_text),
            handles_ephi=draw(st.booleans()),
            baa_status=draw(st.sampled_from(document.BAA_STATUSES)),
            baa_signed_on=draw(st.none() | _dates),
            baa_expires_on=draw(st.none() | _dates),
            contact=draw(_text),
            website=draw(st.sampled_from(["", "https://vendor.example/baa"])),
            remote_access=draw(st.booleans()),
            notes=draw(_text),
        )
        for name in vendor_names
    ]
    assets = [
        AssetRecord(
            name,
            kind=draw(st.sampled_from(document.ASSET_KINDS)),
            description=draw(_text),
            owner=draw(_text),
            zone=draw(st.none() | st.sampled_from(zone_names)) if zone_names else None,
            vendor=draw(st.none() | st.sampled_from(vendor_names)) if vendor_names else None,
            ephi_creates=draw(st.booleans()),
            ephi_transmits=draw(st.booleans()),
            record_count=draw(st.none() | st.integers(0, 2_147_483_647)),
            criticality=draw(st.sampled_from(document.CRITICALITIES)),
            encryption_at_rest=draw(st.sampled_from(document.AT_REST_ENCRYPTIONS)),
            os_version=draw(_text),
            os_end_of_support=draw(st.none() | _dates),
            ip_address=draw(st.none() | st.ip_addresses().map(_ip)),
            mac_address=draw(st.just("") | _macs),
            last_seen=draw(st.none() | _moments),
            lifecycle=draw(st.sampled_from(document.LIFECYCLES)),
            mds2_on_file=draw(st.none() | st.booleans()),
            patchable=draw(st.sampled_from(document.PATCHABLE)),
            notes=draw(_text),
        )
        for name in asset_names
    ]
    ends = [Endpoint(EndpointKind.ASSET, n) for n in asset_names] + [
        Endpoint(EndpointKind.VENDOR, n) for n in vendor_names
    ]
    flows = []
    if ends:
        for name in flow_names:
            transit = draw(st.sampled_from(document.TRANSIT_ENCRYPTIONS))
            tls = draw(st.sampled_from(("", *document.TLS_VERSIONS))) if transit == "tls" else ""
            flows.append(
                FlowRecord(
                    name,
                    source=draw(st.sampled_from(ends)),
                    destination=draw(st.sampled_from(ends)),
                    ephi_categories=tuple(
                        draw(st.lists(st.sampled_from(document.EPHI_CATEGORIES), unique=True))
                    ),
                    protocol=_cut(draw(_text), 60),
                    transit_encryption=transit,
                    tls_version=tls,
                    frequency=draw(st.sampled_from(document.FREQUENCIES)),
                    notes=draw(_text),
                )
            )
    return InventoryDocument(
        zones=tuple(zones), vendors=tuple(vendors), assets=tuple(assets), data_flows=tuple(flows)
    ).sorted()


def _cut(text: str, n: int) -> str:
    return text[:n].strip()


@pytest.mark.parametrize("fmt", list(Format))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents())
def test_generated_documents_round_trip(fmt: Format, doc: InventoryDocument) -> None:
    data = formats.write(doc, fmt)
    back = formats.parse(data, source=f"inventory.{fmt.extension}", fmt=fmt)
    assert back == doc
    assert formats.write(back, fmt) == data


@pytest.mark.parametrize(
    ("fmt", "source"),
    [
        (Format.YAML, "x.yaml"),
        (Format.JSON, "x.json"),
        (Format.CSV, "x.zip"),
        (Format.CSV, "assets.csv"),
    ],
)
@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_give_problems_not_crashes(fmt: Format, source: str, data: bytes) -> None:
    problems: list[Problem] = []
    try:
        formats.parse(data, source=source, fmt=fmt)
    except InputProblems as exc:
        problems = exc.problems
    assert all(isinstance(p, Problem) and p.message for p in problems)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.dictionaries(
        st.sampled_from([c.name for c in COLUMNS[Table.ASSETS]]), st.text(max_size=12)
    )
)
def test_arbitrary_asset_cells_give_problems_not_crashes(cells: dict[str, str]) -> None:
    header = ["name", "kind", *sorted(set(cells) - {"name", "kind"})]
    row = [cells.get(column, "") for column in header]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, row])
    problems: list[Problem] = []
    try:
        formats.parse(buffer.getvalue().encode(), source="assets.csv")
    except InputProblems as exc:
        problems = exc.problems
    assert all(p.file == "assets.csv" and p.row in (1, 2) for p in problems)


def test_document_vocabulary_matches_the_models() -> None:
    from phiward.inventory import models

    assert tuple(models.ZoneKind.values) == document.ZONE_KINDS
    assert tuple(models.BaaStatus.values) == document.BAA_STATUSES
    assert tuple(models.AssetKind.values) == document.ASSET_KINDS
    assert tuple(models.Criticality.values) == document.CRITICALITIES
    assert tuple(models.AtRestEncryption.values) == document.AT_REST_ENCRYPTIONS
    assert tuple(models.Lifecycle.values) == document.LIFECYCLES
    assert tuple(models.Patchable.values) == document.PATCHABLE
    assert tuple(models.EphiCategory.values) == document.EPHI_CATEGORIES
    assert tuple(models.TransitEncryption.values) == document.TRANSIT_ENCRYPTIONS
    assert tuple(models.TlsVersion.values) == document.TLS_VERSIONS
    assert tuple(models.Frequency.values) == document.FREQUENCIES


def test_every_model_field_has_a_column() -> None:
    from phiward.inventory import models

    renamed = {
        "source_asset": "source",
        "source_vendor": "source",
        "destination_asset": "destination",
        "destination_vendor": "destination",
    }
    bookkeeping = {"id", "uid", "organization", "created_at", "updated_at"}
    for table, model in (
        (Table.ZONES, models.Zone),
        (Table.VENDORS, models.Vendor),
        (Table.ASSETS, models.Asset),
        (Table.DATA_FLOWS, models.DataFlow),
    ):
        fields = {renamed.get(f.name, f.name) for f in model._meta.concrete_fields} - bookkeeping
        assert fields == {c.attr for c in COLUMNS[table]}, table
        for column in COLUMNS[table]:
            if column.kind == Kind.TEXT and column.name != "website":
                assert column.max_length == getattr(
                    model._meta.get_field(column.name), "max_length", None
                ), column.name


# -- problems, located -------------------------------------------------------------------------


def problems_of(data: bytes | str, source: str, **kwargs: object) -> list[Problem]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InputProblems) as caught:
        formats.parse(raw, source=source, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def where(problems: list[Problem]) -> set[tuple[str | None, int | None, str | None]]:
    return {(p.file, p.row, p.field) for p in problems}


YAML_WITH_EVERY_KIND_OF_MISTAKE = """\
phiward_inventory: 1
zones:
  - name: Clinical LAN
    kind: clinic
    internet_exposd: false
  - name: Clinical LAN
vendors:
  - name: Acme Billing
    baa_signed_on: 2024-02-30
    website: 3
assets:
  - name: EHR
    kind: ehr
    zone: Nowhere
    ip_address: 10.0.0.300
    mac_address: 00:1a:2b:3c:4d
    last_seen: 2024-05-01T10:00:00
    record_count: -5
  - kind: laptop
data_flows:
  - name: Claims
    from: {asset: EHR, vendor: Acme Billing}
    to: {vendor: Ghost}
    transit_encryption: vpn
    tls_version: 1.2
    ephi_categories: [billing, x-rays]
"""


def test_yaml_problems_are_all_reported_with_line_and_field() -> None:
    problems = problems_of(YAML_WITH_EVERY_KIND_OF_MISTAKE, "inv.yaml")
    located = {(p.row, p.field): p.message for p in problems}
    assert "allowed: clinical, medical_device" in located[(4, "kind")]
    assert located[(5, "internet_exposd")] == "unknown field (did you mean 'internet_exposed'?)"
    assert located[(6, "name")] == "another zone has this name"
    assert located[(9, "baa_signed_on")].startswith("not a date")
    assert located[(10, "website")].startswith("expected text, got a number")
    assert located[(14, "zone")] == "no zone with this name in the input"
    assert located[(15, "ip_address")] == "not an IPv4 or IPv6 address"
    assert located[(16, "mac_address")].startswith("not a MAC address")
    assert located[(17, "last_seen")].startswith("a date and time needs a UTC offset")
    assert located[(18, "record_count")].startswith("expected a whole number from 0")
    assert located[(19, "name")] == "required"
    assert "exactly one source" in located[(22, "from")]
    assert located[(23, "to")] == "no vendor with this name in the input"
    assert "applies only when transit_encryption is tls" in located[(25, "tls_version")]
    assert located[(26, "ephi_categories")].startswith("not an ePHI category; allowed:")
    assert all(p.file == "inv.yaml" for p in problems)
    assert len(problems) == 15


def test_messages_never_repeat_the_offending_value() -> None:
    problems = problems_of(YAML_WITH_EVERY_KIND_OF_MISTAKE, "inv.yaml")
    for secret in ("10.0.0.300", "Nowhere", "Ghost", "x-rays", "2024-02-30", "clinic,"):
        assert not any(secret in p.message for p in problems)


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("zones: []\n", 1, "required: this is 'phiward_inventory: 1'"),
        ("phiward_inventory: 2\nzones: []\n", 1, "unsupported format version"),
        ("phiward_inventory: 1\nzones: [\n", 3, "not valid YAML"),
        ("- 1\n- 2\n", 1, "expected a mapping"),
        ("phiward_inventory: 1\nzones: &z []\nvendors: *z\n", 2, "aliases (*name) are not"),
        ("phiward_inventory: 1\nzones: !!python/object/apply:os.system [ls]\n", 2, "not valid"),
        ("phiward_inventory: 1\nzones: {name: x}\n", 2, "expected a list"),
        ("phiward_inventory: 1\nzones:\n- name: a\n  name: b\n", 4, "given twice"),
        ("phiward_inventory: 1\n", None, "no inventory tables"),
        ("phiward_inventory: 1\nassets: [{name: a, kind: ehr, os_version: 10}]\n", 2, "quotes"),
    ],
)
def test_yaml_structure_problems(text: str, row: int | None, message: str) -> None:
    problems = problems_of(text, "inv.yaml")
    assert problems[0].row == row
    assert message in problems[0].message


def test_yaml_reads_yes_no_booleans_and_unquoted_tls_versions() -> None:
    doc = formats.parse(
        b"phiward_inventory: 1\nzones: [{name: Guest, internet_exposed: yes}]\ndata_flows: []\n",
        source="inv.yml",
    )
    assert doc.zones[0].internet_exposed is True
    doc = formats.parse(
        b"phiward_inventory: 1\nassets: [{name: A, kind: ehr}]\ndata_flows:\n"
        b"- {name: F, from: {asset: A}, to: {asset: A},\n"
        b"   transit_encryption: tls, tls_version: 1.2}\n",
        source="inv.yml",
    )
    assert doc.data_flows[0].tls_version == "1.2"
    assert doc.tables == {Table.ASSETS, Table.DATA_FLOWS}


def test_input_larger_than_the_limit_is_refused_before_parsing() -> None:
    big = b"#" * (document.MAX_INPUT_BYTES + 1)
    for source in ("x.yaml", "x.json", "x.zip", "assets.csv"):
        [problem] = problems_of(big, source)
        assert "larger than the 20 MiB limit" in problem.message


def test_json_problems_name_the_line_of_the_object() -> None:
    text = json.dumps(
        {
            "phiward_inventory": 1,
            "zones": [{"name": "A"}, {"name": "B", "kind": "moon"}],
            "assets": ["oops"],
        },
        indent=2,
    )
    problems = problems_of(text, "inv.json")
    assert where(problems) == {("inv.json", 7, "kind"), ("inv.json", 1, "assets[0]")}
    assert problems_of('{"phiward_inventory": 1,\n "zones": [NaN]}', "inv.json")[0].row is None
    assert problems_of('{"phiward_inventory": 1,\n "zones": [}', "inv.json")[0].row == 2
    assert problems_of(b"\xff\xfe", "inv.json")[0].message == "not UTF-8 text"


def test_references_may_point_at_the_organization_unless_replaced() -> None:
    text = "phiward_inventory: 1\nzones: []\nassets: [{name: A, kind: ehr, zone: Old}]\n"
    existing = ExistingNames(zones=frozenset({"Old"}))
    formats.parse(text.encode(), source="x.yaml", existing=existing)
    [problem] = problems_of(text, "x.yaml", existing=existing, replace=True)
    assert problem.field == "zone"
    assert "replacing keeps only what the input names" in problem.message
    # The zones table is not in the input, so replacing leaves zones alone.
    formats.parse(
        b"phiward_inventory: 1\nassets: [{name: A, kind: ehr, zone: Old}]\n",
        source="x.yaml",
        existing=existing,
        replace=True,
    )


# -- CSV ---------------------------------------------------------------------------------------


def _zip(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ASSETS_HEADER = "name,kind,zone,encryption_at_rest,ephi_maintains\n"


def test_csv_problems_name_the_member_row_and_column() -> None:
    rows = "".join(f"Workstation {n},workstation,Clinical,full_disk,true\n" for n in range(5))
    assets = ASSETS_HEADER + rows + "Laptop 9,laptop,Clinical,bitlocker,maybe\n"
    data = _zip({"zones.csv": "name,kind\nClinical,clinical\n", "assets.csv": assets})
    problems = problems_of(data, "inventory.zip")
    assert where(problems) == {
        ("inventory.zip:assets.csv", 7, "encryption_at_rest"),
        ("inventory.zip:assets.csv", 7, "ephi_maintains"),
    }
    messages = sorted(str(p) for p in problems)
    assert messages[0].startswith("inventory.zip:assets.csv:7 field 'encryption_at_rest': not an")


def test_csv_header_problems() -> None:
    problems = problems_of("name,knd,zone,zone\nA,ehr,,\n", "assets.csv")
    assert where(problems) == {
        ("assets.csv", 1, "knd"),
        ("assets.csv", 1, "zone"),
        ("assets.csv", 1, "kind"),
    }
    assert {p.message for p in problems} == {
        "unknown field (did you mean 'kind'?)",
        "this column is given twice",
        "required column missing",
    }


def test_csv_flows_need_one_endpoint_kind_and_name() -> None:
    flows = (
        "name,from_kind,from_name,to_kind,to_name,transit_encryption,tls_version,ephi_categories\n"
        "Ok,asset,EHR,vendor,Acme,tls,1.3,billing;demographics\n"
        "Bad kind,server,EHR,vendor,Acme,tls,1.3,\n"
        "No name,asset,,vendor,Acme,none,,\n"
        "Dangling,asset,EHR,vendor,Nobody,none,,\n"
        "No source,,,vendor,Acme,none,,\n"
    )
    data = _zip(
        {
            "assets.csv": "name,kind\nEHR,ehr\n",
            "vendors.csv": "name\nAcme\n",
            "data_flows.csv": flows,
        }
    )
    problems = problems_of(data, "x.zip")
    assert where(problems) == {
        ("x.zip:data_flows.csv", 3, "from_kind"),
        ("x.zip:data_flows.csv", 4, "from_name"),
        ("x.zip:data_flows.csv", 5, "to_name"),
        ("x.zip:data_flows.csv", 6, "from_name"),
    }


def test_csv_row_with_too_many_cells_and_blank_rows() -> None:
    problems = problems_of("name,kind\n\nA,ehr,extra\n,\n", "assets.csv")
    assert where(problems) == {("assets.csv", 3, None)}


def test_single_table_csv_is_told_by_its_name() -> None:
    assert csv_format.table_for("clinic-a-assets.csv") == Table.ASSETS
    assert csv_format.table_for("flows.csv") == Table.DATA_FLOWS
    assert csv_format.table_for("data_flows.csv") == Table.DATA_FLOWS
    assert csv_format.table_for("Vendors.CSV") == Table.VENDORS
    assert csv_format.table_for("inventory.csv") is None
    [problem] = problems_of("name\nA\n", "inventory.csv")
    assert "cannot tell which table" in problem.message
    doc = formats.parse(b"\xef\xbb\xbfname,kind\nA,ehr\n", source="assets.csv")
    assert doc.tables == {Table.ASSETS}
    assert doc.assets == (AssetRecord("A", "ehr"),)


def test_archive_problems() -> None:
    [problem] = problems_of(b"PK\x03\x04 not really", "x.zip")
    assert problem.message == "not a ZIP archive"
    problems = problems_of(_zip({"assets.csv": "name,kind\n", "notes.txt": "hi"}), "x.zip")
    assert where(problems) == {("x.zip:notes.txt", None, None)}
    manifest = json.dumps({"phiward_inventory": 9})
    problems = problems_of(_zip({"manifest.json": manifest, "zones.csv": "name\n"}), "x.zip")
    assert where(problems) == {("x.zip:manifest.json", None, "phiward_inventory")}
    [problem] = problems_of(_zip({"__MACOSX/._zones.csv": "junk"}), "x.zip")
    assert problem.message.startswith("the archive holds none of")
    nested = formats.parse(_zip({"inventory/zones.csv": "name\nA\n"}), source="x.zip")
    assert nested.zones == (ZoneRecord("A"),)


def test_csv_escapes_spreadsheet_formulas_and_reads_them_back() -> None:
    doc = InventoryDocument(
        zones=(
            ZoneRecord("=HYPERLINK(1)"),
            ZoneRecord("'=quoted"),
            ZoneRecord("-5 dB room"),
            ZoneRecord("'plain"),
        )
    ).sorted()
    table = csv_format.write_table(doc, Table.ZONES).decode("utf-8-sig")
    assert "\r\n'=HYPERLINK(1)," in table
    assert "\r\n''=quoted," in table
    assert "\r\n'plain," in table
    back = formats.parse(csv_format.write_table(doc, Table.ZONES), source="zones.csv")
    assert back.zones == doc.zones


def test_directory_of_tables(tmp_path: Path) -> None:
    (tmp_path / "zones.csv").write_text("name,kind\nClinical,clinical\n")
    (tmp_path / "assets.csv").write_text("name,kind,zone\nEHR,ehr,Clinical\nPC,pc,Clinical\n")
    (tmp_path / "README.txt").write_text("ignored")
    draft = csv_format.read_directory(tmp_path)
    label = tmp_path.name
    assert where(draft.problems) == {(f"{label}/assets.csv", 3, "kind")}
    assert csv_format.read_directory(tmp_path / "nothing-here").problems


def test_export_is_deterministic_and_sorted() -> None:
    doc = InventoryDocument(zones=(ZoneRecord("b"), ZoneRecord("a")))
    for fmt in Format:
        first = formats.write(doc, fmt)
        assert first == formats.write(doc.sorted(), fmt)
        assert formats.parse(first, source=f"x.{fmt.extension}").zones == (
            ZoneRecord("a"),
            ZoneRecord("b"),
        )


def test_format_is_told_by_extension() -> None:
    assert formats.detect("x.YML") == Format.YAML
    assert formats.detect("dir/x.zip") == Format.CSV
    with pytest.raises(InputProblems) as caught:
        formats.detect("inventory.xlsx")
    assert "cannot tell the format" in caught.value.problems[0].message


# -- the documentation -------------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "inventory-format.md"


def test_documented_yaml_example_is_a_valid_inventory() -> None:
    text = DOC.read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    doc = formats.parse(example.encode(), source="example.yaml")
    assert [len(doc.records(t)) for t in Table] == [1, 1, 1, 1]
    assert doc.assets[0].mds2_on_file is True
    assert doc.data_flows[0].destination == Endpoint(EndpointKind.VENDOR, "Acme Billing")


def test_documented_csv_columns_are_the_real_ones() -> None:
    text = DOC.read_text()
    for table in Table:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{table}.csv` |"))
        documented = row.split("|")[2].strip()
        assert documented == ", ".join(text_header(table)), table
