"""The inventory as CSV: four tables for spreadsheets, exported together as one ZIP archive.

An export is ``<org>-inventory.zip`` holding ``zones.csv``, ``vendors.csv``, ``assets.csv``,
``data_flows.csv`` and ``manifest.json``. An import takes such an archive, a directory of
those files, or one table's CSV on its own (the table is told by the file name). Row numbers
count records as a spreadsheet shows them: the header is row 1. Files are UTF-8 with a byte
order mark (so spreadsheets pick the right encoding); text that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-`` or ``@``) is written with a leading apostrophe,
which an import removes again.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from phiward.core.errors import Problem
from phiward.inventory.transfer.document import (
    FORMAT_VERSION,
    MAX_INPUT_BYTES,
    VERSION_KEY,
    Draft,
    InventoryDocument,
    Origin,
    Table,
    check_size,
    too_large,
)
from phiward.inventory.transfer.fields import (
    COLUMNS,
    read_row,
    text_cells,
    text_header,
    unknown_field,
)

MEDIA_TYPE = "application/zip"
TABLE_MEDIA_TYPE = "text/csv"
MANIFEST = "manifest.json"
FILE_NAMES = {table: f"{table.value}.csv" for table in Table}
_TABLE_BY_FILE = {name: table for table, name in FILE_NAMES.items()}
# Other spellings a single-table file name may end with.
_ALIASES = {
    Table.ZONES: ("zones",),
    Table.VENDORS: ("vendors",),
    Table.ASSETS: ("assets",),
    Table.DATA_FLOWS: ("data_flows", "data-flows", "dataflows", "flows"),
}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ENDPOINT_SPELLINGS = (("from", "from_name"), ("to", "to_name"))
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def table_for(filename: str) -> Table | None:
    """The table a single CSV file holds, told by its name (``assets.csv``, ``x-assets.csv``)."""
    stem = PurePosixPath(filename.replace("\\", "/")).stem.lower()
    for table, aliases in _ALIASES.items():
        for alias in aliases:
            if stem == alias or re.search(rf"[-_. ]{re.escape(alias)}$", stem):
                return table
    return None


# -- reading ---------------------------------------------------------------------------------


def read(data: bytes, source: str) -> Draft:
    """Read a ZIP archive of tables, or one table's CSV, into a draft."""
    check_size(data, source)
    if data.startswith(_ZIP_MAGIC) or source.lower().endswith(".zip"):
        return _read_archive(data, source)
    draft = Draft(source)
    table = table_for(source)
    if table is None:
        names = ", ".join(FILE_NAMES.values())
        message = f"cannot tell which table this CSV holds; name the file {names}"
        draft.problems.append(Problem(message, file=source))
        return draft
    _read_table(draft, table, data, source)
    return draft


def read_directory(path: Path) -> Draft:
    """Read the table files of a directory (other files in it are left alone)."""
    label = path.name or str(path)
    draft = Draft(label)
    found = False
    for table, file_name in FILE_NAMES.items():
        file = path / file_name
        if not file.is_file():
            continue
        found = True
        location = f"{label}/{file_name}"
        if file.stat().st_size > MAX_INPUT_BYTES:
            draft.problems.append(too_large(location))
            continue
        _read_table(draft, table, file.read_bytes(), location)
    manifest = path / MANIFEST
    if manifest.is_file() and manifest.stat().st_size <= MAX_INPUT_BYTES:
        _check_manifest(draft, manifest.read_bytes(), f"{label}/{MANIFEST}")
    if not found:
        names = ", ".join(FILE_NAMES.values())
        draft.problems.append(Problem(f"the directory holds none of {names}", file=label))
    return draft


def _read_archive(data: bytes, source: str) -> Draft:
    draft = Draft(source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        draft.problems.append(Problem("not a ZIP archive", file=source))
        return draft
    with archive:
        members = [info for info in archive.infolist() if not _ignored(info)]
        if sum(info.file_size for info in members) > MAX_INPUT_BYTES:
            draft.problems.append(too_large(source))
            return draft
        seen: set[Table] = set()
        for info in members:
            base = PurePosixPath(info.filename).name
            location = f"{source}:{info.filename}"
            table = _TABLE_BY_FILE.get(base)
            if base != MANIFEST and table is None:
                names = ", ".join([*FILE_NAMES.values(), MANIFEST])
                message = f"not part of an inventory archive (expected {names})"
                draft.problems.append(Problem(message, file=location))
                continue
            if table in seen:
                message = "a second file for this table; an archive holds each table once"
                draft.problems.append(Problem(message, file=location))
                continue
            content = _member_bytes(archive, info, draft, location)
            if content is None:
                continue
            if table is None:
                _check_manifest(draft, content, location)
            else:
                seen.add(table)
                _read_table(draft, table, content, location)
    if not seen and not draft.problems:
        names = ", ".join(FILE_NAMES.values())
        draft.problems.append(Problem(f"the archive holds none of {names}", file=source))
    return draft


def _ignored(info: zipfile.ZipInfo) -> bool:
    """Folders and the litter some archivers add (``__MACOSX/``, ``.DS_Store``)."""
    name = info.filename
    return info.is_dir() or name.startswith("__MACOSX/") or PurePosixPath(name).name[:1] == "."


def _member_bytes(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, draft: Draft, location: str
) -> bytes | None:
    if info.flag_bits & 0x1:
        draft.problems.append(Problem("encrypted archive members are not supported", location))
        return None
    try:
        with archive.open(info) as member:
            content = member.read(MAX_INPUT_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as exc:
        draft.problems.append(Problem(f"cannot unpack this file ({exc})", file=location))
        return None
    if len(content) > MAX_INPUT_BYTES:
        draft.problems.append(too_large(location))
        return None
    return content


def _check_manifest(draft: Draft, content: bytes, location: str) -> None:
    try:
        manifest = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        draft.problems.append(Problem("not valid JSON", file=location))
        return
    version = manifest.get(VERSION_KEY) if isinstance(manifest, dict) else None
    if isinstance(version, bool) or version != FORMAT_VERSION:
        message = f"unsupported format version; this phiward reads version {FORMAT_VERSION}"
        draft.problems.append(Problem(message, file=location, field=VERSION_KEY))


def _read_table(draft: Draft, table: Table, data: bytes, location: str) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        draft.problems.append(Problem("not UTF-8 text", file=location, row=row))
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 0
    try:
        header = next(reader, None)
        if header is None:
            draft.problems.append(Problem("empty file; expected a header row", location, 1))
            return
        row = 1
        columns = [cell.strip() for cell in header]
        if not _header_ok(draft, table, columns, location):
            return
        draft.provide(table)
        for row, cells in enumerate(reader, start=2):
            _read_row(draft, table, columns, cells, Origin(location, row, (), _ENDPOINT_SPELLINGS))
    except csv.Error as exc:
        draft.problems.append(Problem(f"not valid CSV: {exc}", file=location, row=row + 1))


def _header_ok(draft: Draft, table: Table, columns: list[str], location: str) -> bool:
    known = text_header(table)
    ok = True
    for index, name in enumerate(columns):
        if not name:
            message = f"column {index + 1} has no name"
            draft.problems.append(Problem(message, file=location, row=1))
        elif name not in known:
            draft.problems.append(Problem(unknown_field(name, known), location, 1, name))
        elif columns.index(name) != index:
            draft.problems.append(Problem("this column is given twice", location, 1, name))
            ok = False
    for column in COLUMNS[table]:
        missing = [name for name in column.text_columns if name not in columns]
        if column.required and missing:
            for name in missing:
                draft.problems.append(Problem("required column missing", location, 1, name))
            ok = False
    return ok


def _read_row(
    draft: Draft, table: Table, columns: list[str], cells: list[str], origin: Origin
) -> None:
    if not any(cell.strip() for cell in cells):
        return
    if len(cells) > len(columns):
        message = f"the row has {len(cells)} cells but the header has {len(columns)} columns"
        draft.problems.append(origin.problem(message))
        return
    values = dict(zip(columns, cells, strict=False))
    read_row(draft, table, values, typed=False, origin=origin)


# -- writing ---------------------------------------------------------------------------------


def write_table(document: InventoryDocument, table: Table) -> bytes:
    """One table as CSV: a header, then one row per record in name order."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(text_header(table))
    columns = COLUMNS[table]
    for record in document.sorted().records(table):
        writer.writerow(
            [
                cell
                for column in columns
                for cell in text_cells(column, getattr(record, column.attr))
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write(document: InventoryDocument) -> bytes:
    """The ZIP archive of every table the document has, plus the manifest.

    The output depends on the document only (fixed timestamps and attributes), so the same
    inventory always gives the same bytes.
    """
    members = [(FILE_NAMES[table], write_table(document, table)) for table in _present(document)]
    manifest = {
        VERSION_KEY: FORMAT_VERSION,
        "files": {FILE_NAMES[t]: len(document.records(t)) for t in _present(document)},
    }
    members.append((MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, content, compresslevel=6)
    return buffer.getvalue()


def _present(document: InventoryDocument) -> Iterable[Table]:
    return [table for table in Table if table in document.tables]
