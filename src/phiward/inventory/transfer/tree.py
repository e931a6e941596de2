"""The inventory as a tree of mappings and lists: what YAML and JSON have in common.

Both readers turn their input into plain Python values whose mappings are ``LocatedMapping``s
(they know their line), then ``read_tree`` checks the shape and builds the records.
``write_tree`` is the other direction, shared by both writers.
"""

from __future__ import annotations

from collections.abc import Iterable

from phiward.core.errors import Problem
from phiward.inventory.transfer.document import (
    FORMAT_VERSION,
    VERSION_KEY,
    Draft,
    InventoryDocument,
    Origin,
    Table,
)
from phiward.inventory.transfer.fields import COLUMNS, read_row, typed_value, unknown_field

TOP_LEVEL_FIELDS = (VERSION_KEY, *(table.value for table in Table))


class LocatedMapping(dict[str, object]):
    """A mapping from a YAML or JSON input that remembers where it was."""

    def __init__(
        self,
        pairs: Iterable[tuple[str, object]] = (),
        *,
        line: int | None = None,
        key_lines: dict[str, int] | None = None,
        duplicates: Iterable[str] = (),
    ) -> None:
        super().__init__(pairs)
        self.line = line
        self.key_lines = key_lines or {}
        self.duplicates = list(duplicates)

    def origin(self, source: str) -> Origin:
        return Origin(source, self.line, tuple(self.key_lines.items()))


def read_tree(root: object, source: str) -> Draft:
    """Check the shape of a parsed YAML or JSON document and read its records."""
    draft = Draft(source)
    if not isinstance(root, LocatedMapping):
        message = f"expected a mapping with '{VERSION_KEY}: {FORMAT_VERSION}' and the tables"
        draft.problems.append(Problem(message, file=source, row=1))
        return draft
    top = root.origin(source)
    _check_fields(root, top, TOP_LEVEL_FIELDS, draft.problems)
    version = root.get(VERSION_KEY)
    if version is None:
        message = f"required: this is '{VERSION_KEY}: {FORMAT_VERSION}'"
        draft.problems.append(top.problem(message, VERSION_KEY))
    elif isinstance(version, bool) or version != FORMAT_VERSION:
        message = f"unsupported format version; this phiward reads version {FORMAT_VERSION}"
        draft.problems.append(top.problem(message, VERSION_KEY))
    for table in Table:
        if table.value not in root:
            continue
        items = root[table.value]
        if items is None:
            draft.provide(table)
            continue
        if not isinstance(items, list):
            draft.problems.append(top.problem("expected a list", table.value))
            continue
        draft.provide(table)
        for index, item in enumerate(items):
            _read_item(draft, table, index, item, top)
    return draft


def _read_item(draft: Draft, table: Table, index: int, item: object, top: Origin) -> None:
    if not isinstance(item, LocatedMapping):
        message = "expected a mapping of fields"
        draft.problems.append(top.problem(message, f"{table.value}[{index}]"))
        return
    origin = item.origin(draft.source)
    known = tuple(column.name for column in COLUMNS[table])
    _check_fields(item, origin, known, draft.problems)
    read_row(draft, table, item, typed=True, origin=origin)


def _check_fields(
    mapping: LocatedMapping, origin: Origin, known: tuple[str, ...], problems: list[Problem]
) -> None:
    for key in mapping:
        if key not in known:
            problems.append(origin.problem(unknown_field(str(key), known), str(key)))
    for key in mapping.duplicates:
        problems.append(origin.problem("this field is given twice", key))


def write_tree(document: InventoryDocument, *, omit_empty: bool) -> dict[str, object]:
    """The document as plain values, tables in name order, fields in their declared order."""
    tree: dict[str, object] = {VERSION_KEY: FORMAT_VERSION}
    ordered = document.sorted()
    for table in Table:
        if table not in document.tables:
            continue
        rows: list[dict[str, object]] = []
        for record in ordered.records(table):
            row: dict[str, object] = {}
            for column in COLUMNS[table]:
                value = getattr(record, column.attr)
                if omit_empty and (value is None or value == "" or value == ()):
                    continue
                row[column.name] = typed_value(column, value)
            rows.append(row)
        tree[table.value] = rows
    return tree
