"""The inventory formats, registered in one place: YAML, JSON and CSV (a ZIP of tables).

A format is a module with ``read(data, source) -> Draft``, ``write(document) -> bytes`` and
``MEDIA_TYPE``; adding one is a new module and a line in ``_MODULES``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePath
from types import ModuleType

from phiward.core.errors import InputProblems, Problem
from phiward.inventory.transfer import csv_format, json_format, yaml_format
from phiward.inventory.transfer.document import (
    Draft,
    ExistingNames,
    InventoryDocument,
    finish,
)


class Format(StrEnum):
    YAML = "yaml"
    JSON = "json"
    CSV = "csv"

    @property
    def extension(self) -> str:
        """The extension of an export in this format (CSV exports are ZIP archives)."""
        return "zip" if self == Format.CSV else self.value

    @property
    def media_type(self) -> str:
        return str(_MODULES[self].MEDIA_TYPE)


_MODULES: dict[Format, ModuleType] = {
    Format.YAML: yaml_format,
    Format.JSON: json_format,
    Format.CSV: csv_format,
}
EXTENSIONS = {
    ".yaml": Format.YAML,
    ".yml": Format.YAML,
    ".json": Format.JSON,
    ".zip": Format.CSV,
    ".csv": Format.CSV,
}


def detect(filename: str) -> Format:
    """The format a file name's extension says, or ``InputProblems`` if it says none."""
    found = EXTENSIONS.get(PurePath(filename).suffix.lower())
    if found is None:
        known = ", ".join(EXTENSIONS)
        message = f"cannot tell the format from the file name; use {known} or name the format"
        raise InputProblems([Problem(message, file=PurePath(filename).name or filename)])
    return found


def read(data: bytes, *, source: str, fmt: Format | None = None) -> Draft:
    """Read ``data`` (from a file named ``source``) into a draft, collecting problems."""
    chosen = fmt or detect(source)
    draft: Draft = _MODULES[chosen].read(data, source)
    return draft


def parse(
    data: bytes,
    *,
    source: str,
    fmt: Format | None = None,
    existing: ExistingNames | None = None,
    replace: bool = False,
) -> InventoryDocument:
    """Read and check ``data``: the document, or ``InputProblems`` listing every problem."""
    return finish(read(data, source=source, fmt=fmt), existing, replace=replace)


def write(document: InventoryDocument, fmt: Format) -> bytes:
    """``document`` in ``fmt``; the same document always gives the same bytes."""
    content: bytes = _MODULES[fmt].write(document)
    return content
