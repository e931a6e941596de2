"""Reading an OSCAL catalog or profile into a flat list of controls (an additional framework).

The document is validated with compliance-trestle's OSCAL models; every problem is reported with
the file and the JSON path of the offending field. A profile is resolved against catalogs phiward
already knows (imported ones, by the href's file name or the catalog's UUID, and phiward's own
exported catalogs, whose file names ``phiward oscal export catalog`` writes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml
from pydantic import ValidationError

from phiward.core.errors import InputProblems, Problem

MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Control:
    control_id: str
    title: str
    label: str
    group: str  # the group titles above it, " / "-joined
    parent_id: str
    statement: str
    guidance: str
    position: int


@dataclass(frozen=True)
class ReadCatalog:
    kind: str  # "catalog" or "profile"
    uuid: str
    title: str
    version: str
    oscal_version: str
    controls: tuple[Control, ...]
    source_hrefs: tuple[str, ...] = ()  # a profile's imported catalogs


# Finds the controls of a catalog a profile imports: by href (and file name), else None.
CatalogLookup = Callable[[str], Sequence[Control] | None]


def parse(data: bytes, source: str) -> dict[str, Any]:
    """The document as JSON or YAML (by content), or a problem naming the file and line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputProblems([Problem("not UTF-8 text", file=source)]) from None
    stripped = text.lstrip()
    try:
        document = json.loads(text) if stripped.startswith("{") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InputProblems(
            [Problem(f"not valid JSON: {exc.msg}", file=source, row=exc.lineno)]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputProblems([Problem("not valid JSON or YAML", file=source, row=row)]) from None
    if not isinstance(document, dict):
        raise InputProblems([Problem("an OSCAL document is an object", file=source)])
    return document


def _problems(exc: ValidationError, root: str, source: str) -> list[Problem]:
    problems = []
    for error in exc.errors()[:MAX_PROBLEMS]:
        # Trestle's union models add class names into the location; keep the JSON keys.
        path = [root]
        for part in error.get("loc", ()):
            if isinstance(part, int):
                path.append(f"[{part}]")
            elif part and not str(part)[0].isupper():
                path.append(str(part).replace("_", "-"))
        where = ".".join(path).replace(".[", "[")
        problems.append(Problem(str(error.get("msg", "invalid")), file=source, field=where))
    return problems


def _validate(document: Mapping[str, Any], source: str) -> tuple[str, Any]:
    from trestle.oscal.catalog import Catalog
    from trestle.oscal.profile import Profile

    models: dict[str, Any] = {"catalog": Catalog, "profile": Profile}
    kinds = [key for key in models if key in document]
    if len(kinds) != 1 or len(document) != 1:
        raise InputProblems(
            [
                Problem(
                    "expected one top-level key, 'catalog' or 'profile' "
                    f"(found: {', '.join(sorted(document)) or 'none'})",
                    file=source,
                )
            ]
        )
    kind = kinds[0]
    try:
        return kind, models[kind].model_validate(document[kind])
    except ValidationError as exc:
        raise InputProblems(_problems(exc, kind, source)) from None


def _text(value: Any) -> str:
    """The plain value of a trestle field (many are pydantic root models or enums)."""
    if value is None:
        return ""
    root = getattr(value, "root", None)
    if root is not None:
        return _text(root)
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, str):
        return enum_value
    return str(value)


def _prose(parts: Sequence[Any] | None, name: str) -> str:
    texts: list[str] = []
    for part in parts or ():
        if part.name == name:
            if part.prose:
                texts.append(part.prose)
            texts.extend(_prose(getattr(part, "parts", None), "item").splitlines())
    return "\n".join(t for t in texts if t)


def _label(control: Any) -> str:
    for prop in getattr(control, "props", None) or ():
        if prop.name == "label":
            return _text(prop.value)
    return ""


def _walk(controls: Sequence[Any] | None, group: str, parent: str) -> Iterator[Control]:
    for control in controls or ():
        yield Control(
            control_id=_text(control.id),
            title=_text(control.title),
            label=_label(control),
            group=group,
            parent_id=parent,
            statement=_prose(getattr(control, "parts", None), "statement"),
            guidance=_prose(getattr(control, "parts", None), "guidance"),
            position=0,
        )
        yield from _walk(getattr(control, "controls", None), group, _text(control.id))


def _walk_groups(groups: Sequence[Any] | None, above: str) -> Iterator[Control]:
    for group in groups or ():
        title = f"{above} / {_text(group.title)}" if above else _text(group.title)
        yield from _walk(getattr(group, "controls", None), title, "")
        yield from _walk_groups(getattr(group, "groups", None), title)


def _numbered(controls: Iterator[Control]) -> tuple[Control, ...]:
    out = []
    for position, control in enumerate(controls):
        out.append(
            Control(**{**control.__dict__, "position": position})  # dataclass copy with position
        )
    return tuple(out)


def _duplicates(controls: Sequence[Control], source: str) -> None:
    seen: set[str] = set()
    problems = []
    for control in controls:
        if control.control_id in seen:
            problems.append(
                Problem(f"control id '{control.control_id}' appears twice", file=source)
            )
        seen.add(control.control_id)
    if problems:
        raise InputProblems(problems[:MAX_PROBLEMS])


def href_name(href: str) -> str:
    """The file name an href points at (``../cat/nist.json#x`` -> ``nist.json``)."""
    return PurePosixPath(href.split("#", 1)[0].split("?", 1)[0]).name


def read(data: bytes, source: str, lookup: CatalogLookup | None = None) -> ReadCatalog:
    document = parse(data, source)
    kind, model = _validate(document, source)
    meta = model.metadata
    if kind == "catalog":
        controls = _numbered(
            iter(
                [
                    *_walk(getattr(model, "controls", None), "", ""),
                    *_walk_groups(getattr(model, "groups", None), ""),
                ]
            )
        )
        _duplicates(controls, source)
        if not controls:
            raise InputProblems([Problem("the catalog has no controls", file=source)])
        return ReadCatalog(
            kind,
            _text(model.uuid),
            _text(meta.title),
            _text(meta.version),
            _text(meta.oscal_version),
            controls,
        )
    return _resolve_profile(model, source, lookup)


def _resolve_profile(model: Any, source: str, lookup: CatalogLookup | None) -> ReadCatalog:
    chosen: list[Control] = []
    problems: list[Problem] = []
    hrefs: list[str] = []
    for index, imported in enumerate(model.imports):
        href = _text(imported.href)
        hrefs.append(href)
        controls = lookup(href) if lookup is not None else None
        if controls is None:
            problems.append(
                Problem(
                    f"imports a catalog phiward does not know ('{href}'): import that catalog "
                    "first (phiward oscal import), or export phiward's own with "
                    "'phiward oscal export catalog'",
                    file=source,
                    field=f"profile.imports[{index}].href",
                )
            )
            continue
        by_id = {control.control_id: control for control in controls}
        wanted: set[str] = set()
        if getattr(imported, "include_all", None) is not None:
            wanted = set(by_id)
        for selection in getattr(imported, "include_controls", None) or ():
            for control_id in getattr(selection, "with_ids", None) or ():
                name = _text(control_id)
                if name not in by_id:
                    problems.append(
                        Problem(
                            f"includes control '{name}', which the catalog does not have",
                            file=source,
                            field=f"profile.imports[{index}].include-controls",
                        )
                    )
                else:
                    wanted.add(name)
                    if _text(getattr(selection, "with_child_controls", None)) == "yes":
                        wanted |= _descendants(name, controls)
        for selection in getattr(imported, "exclude_controls", None) or ():
            for control_id in getattr(selection, "with_ids", None) or ():
                wanted.discard(_text(control_id))
        chosen.extend(control for control in controls if control.control_id in wanted)
    if problems:
        raise InputProblems(problems[:MAX_PROBLEMS])
    controls = _numbered(iter(chosen))
    _duplicates(controls, source)
    if not controls:
        raise InputProblems([Problem("the profile selects no controls", file=source)])
    meta = model.metadata
    return ReadCatalog(
        "profile",
        _text(model.uuid),
        _text(meta.title),
        _text(meta.version),
        _text(meta.oscal_version),
        controls,
        tuple(hrefs),
    )


def _descendants(control_id: str, controls: Sequence[Control]) -> set[str]:
    found: set[str] = set()
    frontier = {control_id}
    while frontier:
        children = {c.control_id for c in controls if c.parent_id in frontier}
        frontier = children - found
        found |= children
    return found
