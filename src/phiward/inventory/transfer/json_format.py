"""The inventory as JSON: for scripts and pipelines.

Every field of every record is written (empty ones as ``null``, ``""`` or ``[]``), so a
consumer sees the same keys on every row. Reading keeps the line of each object, so a
problem names the line where its record starts.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from json import decoder, scanner

from phiward.core.errors import Problem
from phiward.inventory.transfer.document import Draft, InventoryDocument, check_size
from phiward.inventory.transfer.tree import LocatedMapping, read_tree, write_tree

MEDIA_TYPE = "application/json"


class _ConstantRefused(ValueError):
    pass


def _refuse_constant(name: str) -> object:
    raise _ConstantRefused(f"{name} is not a number JSON allows")


class _LocatingDecoder(json.JSONDecoder):
    """A decoder whose objects are ``LocatedMapping``s that know their line."""

    def __init__(self, text: str) -> None:
        super().__init__(parse_constant=_refuse_constant)
        breaks = [match.start() for match in re.finditer("\n", text)]

        def parse_object(
            s_and_end: tuple[str, int],
            strict: bool,
            scan_once: Callable[[str, int], tuple[object, int]],
            object_hook: object,
            object_pairs_hook: object,
            memo: dict[str, str] | None = None,
        ) -> tuple[LocatedMapping, int]:
            start = s_and_end[1] - 1  # the index of "{"
            pairs, end = decoder.JSONObject(  # type: ignore[attr-defined]
                s_and_end, strict, scan_once, None, list, memo
            )
            mapping = LocatedMapping(line=bisect.bisect_right(breaks, start) + 1)
            for key, value in pairs:
                if key in mapping:
                    mapping.duplicates.append(key)
                mapping[key] = value
            return mapping, end

        self.parse_object = parse_object
        self.scan_once = scanner.py_make_scanner(self)  # type: ignore[attr-defined]


def read(data: bytes, source: str) -> Draft:
    """Read a JSON inventory into a draft (problems collected, nothing raised)."""
    check_size(data, source)
    draft = Draft(source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        draft.problems.append(Problem("not UTF-8 text", file=source, row=row))
        return draft
    try:
        root = _LocatingDecoder(text).decode(text)
    except json.JSONDecodeError as exc:
        draft.problems.append(Problem(f"not valid JSON: {exc.msg}", file=source, row=exc.lineno))
        return draft
    except _ConstantRefused as exc:
        draft.problems.append(Problem(f"not valid JSON: {exc}", file=source))
        return draft
    except RecursionError:
        draft.problems.append(Problem("not valid JSON: nested too deeply", file=source))
        return draft
    return read_tree(root, source)


def write(document: InventoryDocument) -> bytes:
    """The document as JSON, two-space indented, tables in name order."""
    tree = write_tree(document, omit_empty=False)
    return (json.dumps(tree, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
