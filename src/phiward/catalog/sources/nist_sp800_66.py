"""Read the NIST SP 800-66r2 CPRT export: key activities, sample questions and crosswalks.

The export is a flat list of elements (standard, imp_spec, key_activity, description,
sample_question, footnote, pub_crosswalk, type) joined by "projection" relationships. Its
citations mostly match the CFR, with the exceptions listed in ``CITATION_FIXES``; standards are
cited without their trailing ``(1)`` (``164.310(a)`` for ``164.310(a)(1)``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from phiward.catalog.catalog import Bullet, Crosswalk, CrosswalkScheme, KeyActivity, Quirk

FILE_NAME = "nist_sp800-66r2_cprt_export.json"
SOURCE = "NIST SP 800-66r2 CPRT export"


@dataclass(frozen=True, slots=True)
class CitationFix:
    citation: str  # the catalog entry it belongs to
    cfr_paragraph: str  # the exact CFR paragraph
    quirk_id: str
    note: str


# NIST cites these implementation specifications at paragraphs that differ from the CFR.
CITATION_FIXES = {
    "164.308(b)(4)": CitationFix(
        citation="164.308(b)(3)",
        cfr_paragraph="164.308(b)(3)",
        quirk_id="nist-written-contract",
        note=(
            "NIST labels the written contract or other arrangement 164.308(b)(4); since the "
            "2013 Omnibus rule the CFR has it at 164.308(b)(3), and there is no 164.308(b)(4)."
        ),
    ),
    "164.314(a)(3)(i)": CitationFix(
        citation="164.314(a)(2)(i)",
        cfr_paragraph="164.314(a)(2)(i)(C)",
        quirk_id="nist-ba-incident-reporting",
        note=(
            "NIST labels business associate security-incident reporting 164.314(a)(3)(i); in "
            "the CFR it is 164.314(a)(2)(i)(C), an element of the business associate contract "
            "specification 164.314(a)(2)(i)."
        ),
    ),
    "164.314(a)(2)(i).2": CitationFix(
        citation="164.314(a)(2)(i)",
        cfr_paragraph="164.314(a)(2)(i)(B)",
        quirk_id="nist-ba-subcontractor-element",
        note=(
            "NIST numbers the subcontractor clause of the business associate contract "
            "164.314(a)(2)(i).2; in the CFR it is 164.314(a)(2)(i)(B)."
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class NistStandard:
    nist_id: str
    citation: str
    key_activities: tuple[KeyActivity, ...]
    crosswalks: tuple[Crosswalk, ...]


@dataclass(frozen=True, slots=True)
class NistGuide:
    standards: dict[str, NistStandard]  # by CFR citation of the standard
    spec_types: dict[str, str]  # CFR citation -> "R" / "A", for specifications NIST cites exactly
    aliases: dict[str, tuple[str, ...]]  # CFR citation -> the NIST ids that differ from it
    quirks: tuple[Quirk, ...]
    document: str


def _order(element_id: str) -> tuple[int, ...]:
    """``SQ_164.308(b)(1).1.02.03`` -> ``(1, 2, 3)``: the numbering after the citation."""
    tail = element_id.rsplit(")", 1)[-1]
    return tuple(int(part) for part in tail.split(".") if part.isdigit())


def _standard_citation(nist_id: str, cfr_standards: set[str]) -> str:
    if nist_id in cfr_standards:
        return nist_id
    if f"{nist_id}(1)" in cfr_standards:
        return f"{nist_id}(1)"
    raise ValueError(f"{FILE_NAME}: standard {nist_id} matches no CFR standard")


def _spec_citation(nist_id: str, cfr_specs: set[str]) -> str:
    if nist_id in CITATION_FIXES:
        return CITATION_FIXES[nist_id].citation
    if nist_id in cfr_specs:
        return nist_id
    raise ValueError(f"{FILE_NAME}: implementation specification {nist_id} matches no CFR entry")


def read(reference: Path, cfr_standards: set[str], cfr_specs: set[str]) -> NistGuide:
    raw = json.loads((reference / FILE_NAME).read_text(encoding="utf-8"))["response"]["elements"]
    elements = {element["element_identifier"]: element for element in raw["elements"]}
    children: dict[str, list[str]] = defaultdict(list)
    for relation in raw["relationships"]:
        children[relation["source_element_identifier"]].append(relation["dest_element_identifier"])

    def kids(element_id: str, element_type: str) -> list[str]:
        found = [c for c in children[element_id] if elements[c]["element_type"] == element_type]
        return sorted(found, key=_order)

    def text(element_id: str) -> str:
        return str(elements[element_id]["text"]).strip()

    def bullets(element_id: str, element_type: str) -> tuple[Bullet, ...]:
        return tuple(
            Bullet(text(b), tuple(text(i) for i in kids(b, element_type)))
            for b in kids(element_id, element_type)
        )

    def footnotes(element_id: str) -> list[str]:
        found = [text(f) for f in kids(element_id, "footnote")]
        for child_type in ("description", "sample_question"):
            for child in children[element_id]:
                if elements[child]["element_type"] == child_type:
                    found.extend(footnotes(child))
        return found

    spec_types: dict[str, str] = {}
    aliases: dict[str, list[str]] = defaultdict(list)
    standards: dict[str, NistStandard] = {}
    for element in raw["elements"]:
        if element["element_type"] != "standard":
            continue
        nist_id = element["element_identifier"]
        citation = _standard_citation(nist_id, cfr_standards)
        if citation != nist_id:
            aliases[citation].append(nist_id)
        activities = []
        for ka_id in kids(nist_id, "key_activity"):
            nist_specs = kids(ka_id, "imp_spec")
            addresses: list[str] = []
            for spec in nist_specs:
                cfr = _spec_citation(spec, cfr_specs)
                if cfr not in addresses:
                    addresses.append(cfr)
                if cfr != spec and spec not in aliases[cfr]:
                    aliases[cfr].append(spec)
                if spec not in CITATION_FIXES:
                    (spec_type,) = kids(spec, "type")
                    spec_types[cfr] = spec_type
            activities.append(
                KeyActivity(
                    id=ka_id,
                    number=_order(ka_id)[-1],
                    title=str(elements[ka_id]["title"]).strip(),
                    standard=citation,
                    addresses=tuple(addresses),
                    nist_addresses=tuple(nist_specs),
                    descriptions=bullets(ka_id, "description"),
                    sample_questions=bullets(ka_id, "sample_question"),
                    footnotes=tuple(dict.fromkeys(footnotes(ka_id))),
                )
            )
        crosswalks = tuple(
            Crosswalk(CrosswalkScheme.NIST_PUBLICATION, str(elements[c]["title"]), text(c))
            for c in kids(nist_id, "pub_crosswalk")
        )
        standards[citation] = NistStandard(nist_id, citation, tuple(activities), crosswalks)

    quirks = tuple(
        Quirk(
            id=fix.quirk_id,
            source=SOURCE,
            source_citation=nist_id,
            citation=fix.citation,
            note=fix.note,
        )
        for nist_id, fix in CITATION_FIXES.items()
        if any(nist_id in ka.nist_addresses for s in standards.values() for ka in s.key_activities)
    )
    if len(quirks) != len(CITATION_FIXES):
        raise ValueError(f"{FILE_NAME}: a known citation quirk is no longer in the export")
    (document,) = raw["documents"]
    return NistGuide(
        standards=standards,
        spec_types=spec_types,
        aliases={cfr: tuple(ids) for cfr, ids in aliases.items()},
        quirks=quirks,
        document=f"{document['name']} (SP 800-66 Rev. 2, version {document['version']})",
    )
