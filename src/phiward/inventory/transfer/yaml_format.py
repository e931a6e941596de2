"""The inventory as YAML: the format people edit by hand and keep in version control.

Reading uses a safe loader (no Python tags) with a deliberately small schema: ``true`` and
``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text), decimal numbers are
numbers, ``null`` and ``~`` are empty, and everything else, dates included, is text that the
field rules then check. Aliases and anchors are refused. Every mapping remembers its line and
the line of each key, so problems point at the exact line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from phiward.core.errors import Problem
from phiward.inventory.transfer.document import Draft, InventoryDocument, check_size
from phiward.inventory.transfer.tree import LocatedMapping, read_tree, write_tree

MEDIA_TYPE = "application/yaml"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_MAP = "tag:yaml.org,2002:map"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"


class _AliasUsed(Exception):
    def __init__(self, line: int) -> None:
        super().__init__("aliases (*name) are not supported")
        self.line = line


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasUsed(node.start_mark.line + 1)
        return super().construct_object(node, deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
# A subset of what YAML 1.1 writers treat as a float, so anything else they write unquoted
# comes back as text.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+][0-9]+)?$"),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[LocatedMapping]:
    mapping = LocatedMapping(line=node.start_mark.line + 1)
    yield mapping
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = key if isinstance(key, str) else str(key)
        if key in mapping.key_lines:
            mapping.duplicates.append(key)
        mapping.key_lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)


_Loader.add_constructor(_MAP, _construct_mapping)


def read(data: bytes, source: str) -> Draft:
    """Read a YAML inventory into a draft (problems collected, nothing raised)."""
    check_size(data, source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        draft = Draft(source)
        row = data[: exc.start].count(b"\n") + 1
        draft.problems.append(Problem("not UTF-8 text", file=source, row=row))
        return draft
    loader = _Loader(text)
    try:
        root = loader.get_single_data()
    except _AliasUsed as exc:
        return _failed(source, str(exc), exc.line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return _failed(source, f"not valid YAML: {exc.problem or exc.context}", line)
    except yaml.YAMLError as exc:
        return _failed(source, f"not valid YAML: {exc}", None)
    finally:
        loader.dispose()
    return read_tree(root, source)


def _failed(source: str, message: str, line: int | None) -> Draft:
    draft = Draft(source)
    draft.problems.append(Problem(message, file=source, row=line))
    return draft


class _FlowMapping(dict[str, object]):
    """Written on one line: ``from: {asset: EHR}``."""


class _FlowList(list[object]):
    """Written on one line: ``ephi_categories: [billing, demographics]``."""


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    pass


# Characters a YAML reader turns into a plain newline, or cannot read raw: text holding them
# is written double-quoted, where they are escaped.
_UNSAFE = re.compile("[\r\x85\u2028\u2029\ufeff]|[^\n\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd]")


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    style = '"' if _UNSAFE.search(value) else "|" if "\n" in value else None
    node: yaml.ScalarNode = dumper.represent_scalar(_STR, value, style=style)
    return node


def _represent_flow_mapping(dumper: _Dumper, value: _FlowMapping) -> yaml.MappingNode:
    node: yaml.MappingNode = dumper.represent_mapping(_MAP, value.items(), flow_style=True)
    return node


def _represent_flow_list(dumper: _Dumper, value: _FlowList) -> yaml.SequenceNode:
    node: yaml.SequenceNode = dumper.represent_sequence(_SEQ, value, flow_style=True)
    return node


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowMapping, _represent_flow_mapping)
_Dumper.add_representer(_FlowList, _represent_flow_list)


def write(document: InventoryDocument) -> bytes:
    """The document as YAML; empty fields are left out, tables are in name order."""
    tree = write_tree(document, omit_empty=True)
    for table_rows in tree.values():
        if not isinstance(table_rows, list):
            continue
        for row in table_rows:
            for key, value in row.items():
                if isinstance(value, dict):
                    row[key] = _FlowMapping(value)
                elif isinstance(value, list):
                    row[key] = _FlowList(value)
    text = yaml.dump(
        tree,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=120,
    )
    return str(text).encode("utf-8")
