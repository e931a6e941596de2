"""The fields of each inventory table, and how one value is read and written.

Every format goes through here, so a date, an IP address or an enum value is checked and
normalized the same way whether it came from YAML, JSON or a CSV cell. Two reading modes:
*typed* values come from YAML or JSON (text, numbers, booleans, lists, mappings), *text*
values are CSV cells. Messages name the rule that was broken, never the offending value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from phiward.inventory.identifiers import canonical_mac
from phiward.inventory.transfer.document import (
    ASSET_KINDS,
    AT_REST_ENCRYPTIONS,
    BAA_STATUSES,
    CRITICALITIES,
    EPHI_CATEGORIES,
    FREQUENCIES,
    LIFECYCLES,
    PATCHABLE,
    RECORD_TYPES,
    TLS_VERSIONS,
    TRANSIT_ENCRYPTIONS,
    ZONE_KINDS,
    Draft,
    Endpoint,
    EndpointKind,
    Origin,
    Record,
    Reference,
    Table,
)

CATEGORY_SEPARATOR = ";"
MAX_COUNT = 2_147_483_647
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})
# A spreadsheet runs a cell that starts with one of these as a formula; CSV exports put an
# apostrophe in front of such text and imports take it off again.
FORMULA_STARTS = frozenset("=+-@")


class Kind(StrEnum):
    TEXT = "text"
    BOOL = "bool"
    OPTIONAL_BOOL = "optional_bool"
    COUNT = "count"
    CHOICE = "choice"
    DATE = "date"
    DATETIME = "datetime"
    IP = "ip"
    MAC = "mac"
    REFERENCE = "reference"
    CATEGORIES = "categories"
    ENDPOINT = "endpoint"


@dataclass(frozen=True)
class Column:
    """One field of a table: its name in files, its kind and its limits."""

    name: str
    kind: Kind = Kind.TEXT
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    required: bool = False
    attribute: str = ""  # the record attribute, when it differs from ``name``

    @property
    def attr(self) -> str:
        return self.attribute or self.name

    @property
    def text_columns(self) -> tuple[str, ...]:
        """The CSV columns this field occupies."""
        if self.kind == Kind.ENDPOINT:
            return (f"{self.name}_kind", f"{self.name}_name")
        return (self.name,)


def _text(name: str, max_length: int | None = None, *, required: bool = False) -> Column:
    return Column(name, Kind.TEXT, max_length=max_length, required=required)


def _choice(name: str, choices: tuple[str, ...], *, required: bool = False) -> Column:
    return Column(name, Kind.CHOICE, choices=choices, required=required)


COLUMNS: dict[Table, tuple[Column, ...]] = {
    Table.ZONES: (
        _text("name", 120, required=True),
        _choice("kind", ZONE_KINDS),
        _text("description"),
        _text("cidrs", 500),
        Column("internet_exposed", Kind.BOOL),
    ),
    Table.VENDORS: (
        _text("name", 200, required=True),
        _text("service", 300),
        Column("handles_ephi", Kind.BOOL),
        _choice("baa_status", BAA_STATUSES),
        Column("baa_signed_on", Kind.DATE),
        Column("baa_expires_on", Kind.DATE),
        _text("contact", 200),
        _text("website", 200),
        Column("remote_access", Kind.BOOL),
        _text("notes"),
    ),
    Table.ASSETS: (
        _text("name", 200, required=True),
        _choice("kind", ASSET_KINDS, required=True),
        _text("description"),
        _text("owner", 200),
        _text("site", 200),
        Column("zone", Kind.REFERENCE, max_length=120),
        Column("vendor", Kind.REFERENCE, max_length=200),
        Column("ephi_creates", Kind.BOOL),
        Column("ephi_receives", Kind.BOOL),
        Column("ephi_maintains", Kind.BOOL),
        Column("ephi_transmits", Kind.BOOL),
        Column("record_count", Kind.COUNT),
        _choice("criticality", CRITICALITIES),
        _choice("encryption_at_rest", AT_REST_ENCRYPTIONS),
        _text("encryption_algorithm", 60),
        _text("os_name", 100),
        _text("os_version", 60),
        Column("os_end_of_support", Kind.DATE),
        _text("hostname", 253),
        Column("ip_address", Kind.IP),
        Column("mac_address", Kind.MAC),
        _text("serial_number", 100),
        Column("last_seen", Kind.DATETIME),
        _choice("lifecycle", LIFECYCLES),
        _text("manufacturer", 120),
        _text("model", 120),
        Column("mds2_on_file", Kind.OPTIONAL_BOOL),
        _choice("patchable", PATCHABLE),
        _text("notes"),
    ),
    Table.DATA_FLOWS: (
        _text("name", 200, required=True),
        Column("from", Kind.ENDPOINT, max_length=200, required=True, attribute="source"),
        Column("to", Kind.ENDPOINT, max_length=200, required=True, attribute="destination"),
        Column("ephi_categories", Kind.CATEGORIES),
        _text("protocol", 60),
        _choice("transit_encryption", TRANSIT_ENCRYPTIONS),
        _choice("tls_version", TLS_VERSIONS),
        _text("purpose", 300),
        _choice("frequency", FREQUENCIES),
        _text("notes"),
    ),
}


def text_header(table: Table) -> tuple[str, ...]:
    """The CSV columns of ``table``, in export order."""
    return tuple(name for column in COLUMNS[table] for name in column.text_columns)


class BadValue(Exception):
    """A value broke a rule; ``field`` narrows the place when one field spans two columns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def unknown_field(name: str, known: Iterable[str]) -> str:
    """The message for a field the table does not have, with a likely intended one."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"unknown field (did you mean '{close[0]}'?)" if close else "unknown field"


# -- reading ---------------------------------------------------------------------------------


def read_row(
    draft: Draft, table: Table, values: Mapping[str, object], *, typed: bool, origin: Origin
) -> None:
    """Read one row into ``draft``: its record, or its problems (and its name and references).

    ``values`` maps field names (typed) or CSV column names (text) to values; missing fields
    and empty values take the field's default. Unknown fields are the caller's to report.
    """
    attributes: dict[str, object] = {}
    failed = False
    for column in COLUMNS[table]:
        try:
            value = _read_typed(column, values) if typed else _read_text(column, values)
        except BadValue as bad:
            draft.problems.append(origin.problem(bad.message, bad.field or column.name))
            failed = True
            continue
        if value is not _ABSENT:
            attributes[column.attr] = value
        elif column.required:
            draft.problems.append(origin.problem(_required_message(column), column.name))
            failed = True
    if table == Table.DATA_FLOWS and attributes.get("tls_version"):
        transit = attributes.get("transit_encryption", "unknown")
        if transit != "tls":
            message = "a TLS version applies only when transit_encryption is tls"
            draft.problems.append(origin.problem(message, "tls_version"))
            failed = True
    name = attributes.get("name")
    record = None
    if not failed:
        record = cast(Callable[..., Record], RECORD_TYPES[table])(**attributes, origin=origin)
    draft.add(
        table,
        name if isinstance(name, str) else None,
        record,
        origin,
        _references(table, attributes, origin),
    )


def _references(table: Table, attributes: Mapping[str, object], origin: Origin) -> list[Reference]:
    found: list[Reference] = []
    for column in COLUMNS[table]:
        value = attributes.get(column.attr)
        if column.kind == Kind.REFERENCE and isinstance(value, str):
            referred = Table.ZONES if column.name == "zone" else Table.VENDORS
            found.append(Reference(origin, column.name, referred, value))
        elif isinstance(value, Endpoint):
            referred = Table.ASSETS if value.kind == EndpointKind.ASSET else Table.VENDORS
            found.append(Reference(origin, column.name, referred, value.name))
    return found


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


_ABSENT = _Absent()


def _required_message(column: Column) -> str:
    if column.kind == Kind.ENDPOINT:
        end = "source" if column.attr == "source" else "destination"
        return f"a data flow needs a {end}: an asset or a vendor"
    return "required"


def _read_typed(column: Column, values: Mapping[str, object]) -> object:
    value = values.get(column.name)
    if value is None:
        return _ABSENT
    match column.kind:
        case Kind.TEXT | Kind.REFERENCE:
            return _clean_text(column, _expect_text(value))
        case Kind.BOOL | Kind.OPTIONAL_BOOL:
            if isinstance(value, str):  # YAML writers often say yes and no
                return _read_text(column, {column.name: value})
            if not isinstance(value, bool):
                raise BadValue("expected true or false")
            return value
        case Kind.COUNT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise BadValue("expected a whole number")
            return _check_count(value)
        case Kind.CHOICE:
            if isinstance(value, float) and column.choices == TLS_VERSIONS:
                value = repr(value)  # an unquoted YAML 1.2 is a number
            return _clean_choice(column, _expect_text(value))
        case Kind.CATEGORIES:
            if not isinstance(value, list):
                raise BadValue("expected a list of ePHI categories")
            return _clean_categories([_expect_text(item) for item in value])
        case Kind.ENDPOINT:
            return _typed_endpoint(column, value)
        case _:
            return _clean_scalar(column, _expect_text(value))


def _read_text(column: Column, values: Mapping[str, object]) -> object:
    if column.kind == Kind.ENDPOINT:
        return _text_endpoint(column, values)
    value = values.get(column.name)
    if not isinstance(value, str) or not value.strip():
        return _ABSENT
    match column.kind:
        case Kind.TEXT | Kind.REFERENCE:
            return _clean_text(column, _unescape_formula(value.strip()))
        case Kind.BOOL | Kind.OPTIONAL_BOOL:
            word = value.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise BadValue("expected true or false")
        case Kind.COUNT:
            digits = value.strip()
            if not digits.isascii() or not digits.isdigit():
                raise BadValue("expected a whole number")
            return _check_count(int(digits))
        case Kind.CHOICE:
            return _clean_choice(column, value)
        case Kind.CATEGORIES:
            return _clean_categories(
                [part for part in value.split(CATEGORY_SEPARATOR) if part.strip()]
            )
        case _:
            return _clean_scalar(column, value)


def _expect_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise BadValue("expected text, got true/false (put the value in quotes)")
    if isinstance(value, int | float):
        raise BadValue("expected text, got a number (put the value in quotes)")
    raise BadValue("expected text")


def _clean_text(column: Column, value: str) -> object:
    value = value.strip()
    if "\x00" in value:
        raise BadValue("contains a NUL character")
    if column.max_length is not None and len(value) > column.max_length:
        raise BadValue(f"longer than {column.max_length} characters")
    return value if value else _ABSENT


def _check_count(value: int) -> int:
    if not 0 <= value <= MAX_COUNT:
        raise BadValue(f"expected a whole number from 0 to {MAX_COUNT}")
    return value


def _clean_choice(column: Column, value: str) -> object:
    word = value.strip().lower()
    if not word:
        return _ABSENT
    if word not in column.choices:
        raise BadValue(f"not an allowed value; allowed: {', '.join(column.choices)}")
    return word


def _clean_categories(items: list[str]) -> tuple[str, ...]:
    result: list[str] = []
    for item in items:
        word = item.strip().lower()
        if word not in EPHI_CATEGORIES:
            allowed = ", ".join(EPHI_CATEGORIES)
            raise BadValue(f"not an ePHI category; allowed: {allowed}")
        if word in result:
            raise BadValue("an ePHI category is listed twice")
        result.append(word)
    return tuple(result)


def _clean_scalar(column: Column, raw: str) -> object:
    value = raw.strip()
    if not value:
        return _ABSENT
    match column.kind:
        case Kind.DATE:
            return _parse_date(value)
        case Kind.DATETIME:
            return _parse_datetime(value)
        case Kind.IP:
            return normalize_ip(value)
        case Kind.MAC:
            return normalize_mac(value)
    raise AssertionError(column.kind)  # pragma: no cover - every kind is handled above


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue("not a date; write YYYY-MM-DD") from None


def _parse_datetime(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadValue("not a date and time; write e.g. 2025-03-01T14:30:00+00:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadValue("a date and time needs a UTC offset, e.g. 2025-03-01T14:30:00+00:00")
    return moment.astimezone(dt.UTC)


def normalize_ip(value: str) -> str:
    """An IPv4 or IPv6 address in the form the database stores (IPv6 compressed)."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise BadValue("not an IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    if address.scope_id is not None:
        raise BadValue("an IPv6 address with a zone index (%...) cannot be stored")
    if address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def normalize_mac(value: str) -> str:
    """A MAC address as six lowercase pairs joined by colons (what the models store)."""
    mac = canonical_mac(value)
    if mac is None:
        raise BadValue("not a MAC address; write e.g. 00:1a:2b:3c:4d:5e")
    return mac


def _endpoint_name(column: Column, value: object, field: str | None = None) -> str:
    try:
        name = _clean_text(column, _expect_text(value))
    except BadValue as bad:
        raise BadValue(bad.message, field) from None
    if not isinstance(name, str):
        raise BadValue("the name of the asset or vendor is empty", field)
    return name


def _typed_endpoint(column: Column, value: object) -> Endpoint:
    shape = "expected {asset: NAME} or {vendor: NAME}"
    if not isinstance(value, Mapping):
        raise BadValue(shape)
    kinds = [key for key in value if key in EndpointKind.__members__.values()]
    if len(value) != len(kinds) or not kinds:
        raise BadValue(shape)
    if len(kinds) > 1:
        end = "source" if column.attr == "source" else "destination"
        raise BadValue(f"a data flow has exactly one {end}: an asset or a vendor, not both")
    kind = EndpointKind(kinds[0])
    return Endpoint(kind, _endpoint_name(column, value[kind.value]))


def _text_endpoint(column: Column, values: Mapping[str, object]) -> object:
    kind_column, name_column = column.text_columns
    raw_kind, raw_name = values.get(kind_column), values.get(name_column)
    word = raw_kind.strip().lower() if isinstance(raw_kind, str) else ""
    name = raw_name.strip() if isinstance(raw_name, str) else ""
    if not word and not name:
        return _ABSENT
    if word not in EndpointKind.__members__.values():
        raise BadValue("expected asset or vendor", kind_column)
    return Endpoint(
        EndpointKind(word), _endpoint_name(column, _unescape_formula(name), name_column)
    )


def _unescape_formula(value: str) -> str:
    return value[1:] if value.startswith("'") and _formula_like(value) else value


def _formula_like(value: str) -> bool:
    bare = value.lstrip("'")
    return bool(bare) and bare[0] in FORMULA_STARTS


# -- writing ---------------------------------------------------------------------------------


def typed_value(column: Column, value: object) -> object:
    """``value`` as YAML and JSON write it."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Endpoint):
        return {value.kind.value: value.name}
    if isinstance(value, tuple):
        return list(value)
    return value


def text_cells(column: Column, value: object) -> tuple[str, ...]:
    """``value`` as the CSV cells of ``column``."""
    if isinstance(value, Endpoint):
        return (value.kind.value, escape_formula(value.name))
    if value is None:
        return ("",)
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, dt.datetime | dt.date):
        return (value.isoformat(),)
    if isinstance(value, tuple):
        return (CATEGORY_SEPARATOR.join(value),)
    if isinstance(value, str) and column.kind in (Kind.TEXT, Kind.REFERENCE):
        return (escape_formula(value),)
    return (str(value),)


def escape_formula(value: str) -> str:
    return f"'{value}" if _formula_like(value) else value
