"""The HIPAA catalog: frameworks of regulation entries shipped as data files, and their loader.

Pure Python, no Django. The data lives in ``phiward/catalog/data/<framework>.json`` and is
produced by ``python -m phiward.catalog.build`` from the reference material (see
``data/PROVENANCE.md``). Everything here is immutable: frozen dataclasses and ``StrEnum``s.

An entry has an ``id`` (its citation as the regulation writes it, e.g. ``164.308(a)(1)(ii)(A)``)
and a URL-safe ``key`` derived from it (``164.308-a-1-ii-A``); both find it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from importlib import resources

from phiward.core.errors import NotFound

# The dictionaries the JSON files decode to; values are checked where they are used.
JsonObject = Mapping[str, object]


class FrameworkId(StrEnum):
    HIPAA_SECURITY = "hipaa-security"
    HIPAA_BREACH = "hipaa-breach"
    NPRM_2025 = "nprm-2025"


class FrameworkStatus(StrEnum):
    FINAL = "final"
    PROPOSED = "proposed"


class EntryKind(StrEnum):
    STANDARD = "standard"
    IMPLEMENTATION_SPECIFICATION = "implementation_specification"
    SECTION = "section"
    PROVISION = "provision"
    PROPOSAL = "proposal"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EntryKind.STANDARD: "Standard",
    EntryKind.IMPLEMENTATION_SPECIFICATION: "Implementation specification",
    EntryKind.SECTION: "Section",
    EntryKind.PROVISION: "Provision",
    EntryKind.PROPOSAL: "Proposal",
}


class Family(StrEnum):
    """The safeguard family (section) of a Security Rule entry."""

    ADMINISTRATIVE = "administrative"
    PHYSICAL = "physical"
    TECHNICAL = "technical"
    ORGANIZATIONAL = "organizational"
    DOCUMENTATION = "documentation"

    @property
    def label(self) -> str:
        return _FAMILY_LABELS[self]


_FAMILY_LABELS = {
    Family.ADMINISTRATIVE: "Administrative safeguards (164.308)",
    Family.PHYSICAL: "Physical safeguards (164.310)",
    Family.TECHNICAL: "Technical safeguards (164.312)",
    Family.ORGANIZATIONAL: "Organizational requirements (164.314)",
    Family.DOCUMENTATION: "Policies, procedures and documentation (164.316)",
}


class Requirement(StrEnum):
    """Required, or Addressable per 164.306(d)(3). Standards always count as required."""

    REQUIRED = "required"
    ADDRESSABLE = "addressable"

    @property
    def letter(self) -> str:
        return "R" if self is Requirement.REQUIRED else "A"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CrosswalkScheme(StrEnum):
    # SP 800-66r2 maps each standard to NIST publications (SP 800-53, SP 800-30, FIPS 199, ...).
    NIST_PUBLICATION = "nist-publication"


@dataclass(frozen=True, slots=True)
class Fact:
    """A named figure an entry states (a deadline, a threshold, a cadence)."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Element:
    """A lettered sub-paragraph kept inside its entry, e.g. 164.314(a)(2)(i)(C)."""

    citation: str
    text: str


@dataclass(frozen=True, slots=True)
class Bullet:
    """A description or sample question of a key activity, with its sub-items."""

    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyActivity:
    """A key activity of NIST SP 800-66r2 for one standard."""

    id: str
    number: int
    title: str
    standard: str
    addresses: tuple[str, ...]  # CFR entry ids of the implementation specifications it covers
    nist_addresses: tuple[str, ...]  # the same, as NIST's export cites them
    descriptions: tuple[Bullet, ...]
    sample_questions: tuple[Bullet, ...]
    footnotes: tuple[str, ...]

    @property
    def question_count(self) -> int:
        return sum(1 + len(question.items) for question in self.sample_questions)


@dataclass(frozen=True, slots=True)
class Crosswalk:
    scheme: CrosswalkScheme
    reference: str
    url: str


@dataclass(frozen=True, slots=True)
class Quirk:
    """A known error or oddity in a source, and how the catalog resolves it."""

    id: str
    source: str
    source_citation: str
    citation: str
    note: str


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    id: str
    key: str
    citation: str
    cfr_paragraph: str
    kind: EntryKind
    title: str
    title_is_editorial: bool
    family: Family | None
    requirement: Requirement | None
    in_appendix_a: bool
    parent: str | None
    text: str
    summary: str
    elements: tuple[Element, ...] = ()
    notes: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    source: str = ""
    from_secondary_summaries: bool = False
    nist_ids: tuple[str, ...] = ()
    key_activities: tuple[KeyActivity, ...] = ()
    crosswalks: tuple[Crosswalk, ...] = ()

    @property
    def is_group_head(self) -> bool:
        return self.parent is None


@dataclass(frozen=True, slots=True)
class EntryGroup:
    """Search results under their standard (or section); ``head_matches`` says if it matched."""

    head: CatalogEntry
    head_matches: bool
    members: tuple[CatalogEntry, ...]


@dataclass(frozen=True, slots=True)
class Framework:
    id: FrameworkId
    title: str
    short_title: str
    status: FrameworkStatus
    citation: str
    source: str
    as_of: str
    notes: tuple[str, ...]
    facts: tuple[Fact, ...]
    quirks: tuple[Quirk, ...]
    entries: tuple[CatalogEntry, ...]
    _index: dict[str, CatalogEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, CatalogEntry] = {}
        for item in self.entries:
            index[item.id] = item
            index[item.key] = item
        object.__setattr__(self, "_index", index)

    @property
    def is_proposed(self) -> bool:
        return self.status is FrameworkStatus.PROPOSED

    @property
    def families(self) -> tuple[Family, ...]:
        present = {item.family for item in self.entries if item.family is not None}
        return tuple(family for family in Family if family in present)

    @property
    def has_requirements(self) -> bool:
        return any(item.requirement is not None for item in self.entries)

    def get(self, entry_id: str) -> CatalogEntry | None:
        """The entry with this id or key (``§``/``45 CFR`` prefixes and spaces ignored)."""
        return self._index.get(entry_id) or self._index.get(normalize_citation(entry_id))

    def parent_of(self, item: CatalogEntry) -> CatalogEntry | None:
        return self._index.get(item.parent) if item.parent else None

    def children_of(self, item: CatalogEntry) -> tuple[CatalogEntry, ...]:
        return tuple(child for child in self.entries if child.parent == item.id)

    def key_activities_for(self, item: CatalogEntry) -> tuple[KeyActivity, ...]:
        """A standard's key activities; for a specification, those that address it."""
        if item.key_activities:
            return item.key_activities
        parent = self.parent_of(item)
        if parent is None:
            return ()
        return tuple(ka for ka in parent.key_activities if item.id in ka.addresses)

    def quirks_for(self, item: CatalogEntry) -> tuple[Quirk, ...]:
        return tuple(quirk for quirk in self.quirks if quirk.citation == item.id)


# --- keys and citations -------------------------------------------------------------------------

_PAREN = re.compile(r"\(([^()]*)\)")
_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")


def entry_key(entry_id: str) -> str:
    """The URL-safe form of an id: ``164.308(a)(1)(ii)(A)`` -> ``164.308-a-1-ii-A``."""
    dashed = _PAREN.sub(r"-\1-", entry_id)
    return _UNSAFE.sub("-", dashed).strip("-")


_CITATION_PREFIX = re.compile(r"^\s*(45\s*C\.?F\.?R\.?)?\s*§*\s*", re.IGNORECASE)


def normalize_citation(text: str) -> str:
    """``45 CFR § 164.308(a)(1)`` -> ``164.308(a)(1)``."""
    return re.sub(r"\s+", "", _CITATION_PREFIX.sub("", text))


# --- loading ------------------------------------------------------------------------------------


def framework_ids() -> tuple[FrameworkId, ...]:
    return tuple(FrameworkId)


def _framework_id(framework_id: str) -> FrameworkId:
    try:
        return FrameworkId(framework_id)
    except ValueError:
        known = ", ".join(FrameworkId)
        raise NotFound(f"no catalog framework '{framework_id}' (known: {known})") from None


@functools.cache
def _load(framework_id: FrameworkId) -> Framework:
    path = resources.files("phiward.catalog") / "data" / f"{framework_id}.json"
    return framework_from_dict(json.loads(path.read_text(encoding="utf-8")))


def load(framework_id: str) -> Framework:
    """The shipped framework (read once per process); NotFound for an unknown id."""
    return _load(_framework_id(framework_id))


def frameworks() -> tuple[Framework, ...]:
    return tuple(_load(framework_id) for framework_id in FrameworkId)


def entry(framework_id: str, entry_id: str) -> CatalogEntry:
    """One entry by id or key; NotFound names what was asked for."""
    framework = load(framework_id)
    found = framework.get(entry_id)
    if found is None:
        raise NotFound(f"no entry '{entry_id}' in catalog framework '{framework.id}'")
    return found


def find(entry_id: str) -> tuple[Framework, CatalogEntry]:
    """The first framework (in ``FrameworkId`` order) that has this entry."""
    for framework in frameworks():
        found = framework.get(entry_id)
        if found is not None:
            return framework, found
    raise NotFound(f"no catalog entry '{entry_id}'")


# --- search -------------------------------------------------------------------------------------


def _haystack(item: CatalogEntry) -> str:
    parts = [item.id, item.key, item.citation, item.title, item.summary, item.text]
    parts.extend(element.text for element in item.elements)
    parts.extend(ka.title for ka in item.key_activities)
    return "\n".join(parts).casefold()


def matches(
    item: CatalogEntry,
    *,
    query: str = "",
    family: Family | None = None,
    requirement: Requirement | None = None,
    kind: EntryKind | None = None,
) -> bool:
    """Every word of ``query`` appears somewhere in the entry, and each given filter holds."""
    if family is not None and item.family is not family:
        return False
    if requirement is not None and item.requirement is not requirement:
        return False
    if kind is not None and item.kind is not kind:
        return False
    haystack = _haystack(item)
    terms = _CITATION_PREFIX.sub("", query).casefold().split()
    return all(term in haystack for term in terms)


def search(
    framework: Framework,
    *,
    query: str = "",
    family: Family | None = None,
    requirement: Requirement | None = None,
    kind: EntryKind | None = None,
) -> tuple[CatalogEntry, ...]:
    """The framework's entries that match, in catalog order."""
    return tuple(
        item
        for item in framework.entries
        if matches(item, query=query, family=family, requirement=requirement, kind=kind)
    )


def grouped(framework: Framework, found: Iterable[CatalogEntry]) -> tuple[EntryGroup, ...]:
    """Results under their standard or section, in catalog order."""
    hits = {item.id for item in found}
    groups: list[EntryGroup] = []
    for head in framework.entries:
        if not head.is_group_head:
            continue
        members = tuple(child for child in framework.children_of(head) if child.id in hits)
        if head.id in hits or members:
            groups.append(EntryGroup(head=head, head_matches=head.id in hits, members=members))
    return tuple(groups)


# --- (de)serialization --------------------------------------------------------------------------


def dumps(framework: Framework) -> str:
    """The data file's text: stable, so a rebuild from the same sources is byte-identical."""
    data = {
        name.name: getattr(framework, name.name)
        for name in fields(framework)
        if name.name not in ("_index", "facts", "quirks", "entries")
    }
    data["facts"] = [asdict(fact) for fact in framework.facts]
    data["quirks"] = [asdict(quirk) for quirk in framework.quirks]
    data["entries"] = [asdict(item) for item in framework.entries]
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _str(data: JsonObject, name: str) -> str:
    value = data[name]
    if not isinstance(value, str):
        raise TypeError(f"catalog data: '{name}' should be a string")
    return value


def _opt_str(data: JsonObject, name: str) -> str | None:
    value = data.get(name)
    return None if value is None else _str(data, name)


def _strs(data: JsonObject, name: str) -> tuple[str, ...]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"catalog data: '{name}' should be a list of strings")
    return tuple(value)


def _objects(data: JsonObject, name: str) -> list[JsonObject]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TypeError(f"catalog data: '{name}' should be a list of objects")
    return value


def _bool(data: JsonObject, name: str) -> bool:
    return data.get(name) is True


def _int(data: JsonObject, name: str) -> int:
    value = data[name]
    if not isinstance(value, int):
        raise TypeError(f"catalog data: '{name}' should be an integer")
    return value


def _key_activity(data: JsonObject) -> KeyActivity:
    return KeyActivity(
        id=_str(data, "id"),
        number=_int(data, "number"),
        title=_str(data, "title"),
        standard=_str(data, "standard"),
        addresses=_strs(data, "addresses"),
        nist_addresses=_strs(data, "nist_addresses"),
        descriptions=tuple(
            Bullet(_str(b, "text"), _strs(b, "items")) for b in _objects(data, "descriptions")
        ),
        sample_questions=tuple(
            Bullet(_str(b, "text"), _strs(b, "items")) for b in _objects(data, "sample_questions")
        ),
        footnotes=_strs(data, "footnotes"),
    )


def _entry(data: JsonObject) -> CatalogEntry:
    family = _opt_str(data, "family")
    requirement = _opt_str(data, "requirement")
    return CatalogEntry(
        id=_str(data, "id"),
        key=_str(data, "key"),
        citation=_str(data, "citation"),
        cfr_paragraph=_str(data, "cfr_paragraph"),
        kind=EntryKind(_str(data, "kind")),
        title=_str(data, "title"),
        title_is_editorial=_bool(data, "title_is_editorial"),
        family=Family(family) if family else None,
        requirement=Requirement(requirement) if requirement else None,
        in_appendix_a=_bool(data, "in_appendix_a"),
        parent=_opt_str(data, "parent"),
        text=_str(data, "text"),
        summary=_str(data, "summary"),
        elements=tuple(
            Element(_str(e, "citation"), _str(e, "text")) for e in _objects(data, "elements")
        ),
        notes=_strs(data, "notes"),
        facts=tuple(Fact(_str(f, "label"), _str(f, "value")) for f in _objects(data, "facts")),
        source=_str(data, "source"),
        from_secondary_summaries=_bool(data, "from_secondary_summaries"),
        nist_ids=_strs(data, "nist_ids"),
        key_activities=tuple(_key_activity(ka) for ka in _objects(data, "key_activities")),
        crosswalks=tuple(
            Crosswalk(CrosswalkScheme(_str(c, "scheme")), _str(c, "reference"), _str(c, "url"))
            for c in _objects(data, "crosswalks")
        ),
    )


def framework_from_dict(data: JsonObject) -> Framework:
    return Framework(
        id=FrameworkId(_str(data, "id")),
        title=_str(data, "title"),
        short_title=_str(data, "short_title"),
        status=FrameworkStatus(_str(data, "status")),
        citation=_str(data, "citation"),
        source=_str(data, "source"),
        as_of=_str(data, "as_of"),
        notes=_strs(data, "notes"),
        facts=tuple(Fact(_str(f, "label"), _str(f, "value")) for f in _objects(data, "facts")),
        quirks=tuple(
            Quirk(
                id=_str(q, "id"),
                source=_str(q, "source"),
                source_citation=_str(q, "source_citation"),
                citation=_str(q, "citation"),
                note=_str(q, "note"),
            )
            for q in _objects(data, "quirks")
        ),
        entries=tuple(_entry(e) for e in _objects(data, "entries")),
    )
