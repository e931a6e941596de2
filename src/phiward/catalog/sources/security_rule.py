"""Build the ``hipaa-security`` framework: the Security Rule plus NIST SP 800-66r2 guidance.

The regulation comes from ``hipaa_security_rule.yaml`` (22 standards, 46 implementation
specifications with verbatim CFR text); each standard gets its SP 800-66r2 key activities,
sample questions and publication crosswalks from the NIST CPRT export. The builder refuses
sources that contradict themselves (an "(Addressable)" label on a spec marked required, NIST
typing a spec differently), so a silent drift in the reference cannot ship.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from phiward.catalog.catalog import (
    CatalogEntry,
    Element,
    EntryKind,
    Family,
    Framework,
    FrameworkId,
    FrameworkStatus,
    Quirk,
    Requirement,
    entry_key,
)
from phiward.catalog.sources import nist_sp800_66

FILE_NAME = "hipaa_security_rule.yaml"
APPENDIX_A = "45 CFR 164 Appendix A to Subpart C"

CFR_QUIRKS = (
    Quirk(
        id="appendix-a-workforce-clearance",
        source=APPENDIX_A,
        source_citation="164.308(a)(3)(ii)(B)",
        citation="164.308(a)(3)(ii)(B)",
        note=(
            'Appendix A prints "Workforce Clearance Procedure" without its (A); the regulation '
            "text of 164.308(a)(3)(ii)(B) says Addressable, and the catalog follows the text."
        ),
    ),
    Quirk(
        id="appendix-a-written-contract",
        source=APPENDIX_A,
        source_citation="164.308(b)(1)",
        citation="164.308(b)(3)",
        note=(
            "Appendix A still lists the written contract or other arrangement under "
            "164.308(b)(1); since the 2013 Omnibus rule the specification sits at 164.308(b)(3)."
        ),
    ),
    Quirk(
        id="cfr-nonexistent-308-b-4",
        source="45 CFR 164.314(a)(2)(iii)",
        source_citation="164.308(b)(4)",
        citation="164.314(a)(2)(iii)",
        note=(
            "164.314(a)(2)(iii) refers to the subcontractor contract 'required by "
            "§ 164.308(b)(4)', a paragraph that does not exist; the requirement is 164.308(b)(3)."
        ),
    ),
)

CROSSWALK_NOTE = (
    "Crosswalks: SP 800-66r2 maps each standard to NIST publications (SP 800-53 Rev. 5, "
    "SP 800-30, FIPS 199 and others). The reference export has no control-level mapping to "
    "NIST CSF 2.0 or to individual SP 800-53 controls, so none is shipped."
)


def _check_label(item: dict[str, Any]) -> None:
    """The "(Required)"/"(Addressable)" label in the CFR text agrees with the flag."""
    text = str(item["cfr_text"])
    if item["kind"] != "implementation_specification":
        return
    if "(Addressable)" in text and item["required"] is not False:
        raise ValueError(f"{FILE_NAME}: {item['id']} says Addressable but is marked required")
    if "(Required)" in text and item["required"] is not True:
        raise ValueError(f"{FILE_NAME}: {item['id']} says Required but is marked addressable")


def _check_quirks(by_id: dict[str, CatalogEntry]) -> None:
    clearance = by_id["164.308(a)(3)(ii)(B)"]
    if (
        clearance.requirement is not Requirement.ADDRESSABLE
        or "(Addressable)" not in clearance.text
    ):
        raise ValueError(f"{FILE_NAME}: workforce clearance is no longer Addressable in the text")
    if "164.308(b)(3)" not in by_id or "164.308(b)(4)" in by_id:
        raise ValueError(f"{FILE_NAME}: the written contract is no longer at 164.308(b)(3)")
    if "164.308(b)(4)" not in by_id["164.314(a)(2)(iii)"].text:
        raise ValueError(f"{FILE_NAME}: 164.314(a)(2)(iii) no longer cites 164.308(b)(4)")


def build(reference: Path) -> Framework:
    data = yaml.safe_load((reference / FILE_NAME).read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = data["entries"]
    standards = {str(r["id"]) for r in rows if r["kind"] == "standard"}
    specs = {str(r["id"]) for r in rows if r["kind"] == "implementation_specification"}
    guide = nist_sp800_66.read(reference, standards, specs)

    entries: list[CatalogEntry] = []
    for row in rows:
        _check_label(row)
        entry_id = str(row["id"])
        kind = EntryKind(str(row["kind"]))
        requirement = Requirement.REQUIRED if row["required"] else Requirement.ADDRESSABLE
        nist = guide.standards.get(entry_id)
        if kind is EntryKind.STANDARD:
            nist_ids: tuple[str, ...] = (nist.nist_id,) if nist else ()
        else:
            exact = (entry_id,) if entry_id in guide.spec_types else ()
            nist_ids = exact + guide.aliases.get(entry_id, ())
            nist_type = guide.spec_types.get(entry_id)
            if nist_type is not None and nist_type != requirement.letter:
                raise ValueError(f"{FILE_NAME}: NIST types {entry_id} as {nist_type}")
        extra = [*row.get("related_paragraphs", []), *row.get("elements", [])]
        entries.append(
            CatalogEntry(
                id=entry_id,
                key=entry_key(entry_id),
                citation=entry_id,
                cfr_paragraph=str(row["cfr_paragraph"]),
                kind=kind,
                title=str(row["title"]),
                title_is_editorial=bool(row["title_is_editorial"]),
                family=Family(str(row["safeguard"])),
                requirement=requirement,
                in_appendix_a=bool(row["in_appendix_a"]),
                parent=None if kind is EntryKind.STANDARD else str(row["standard_id"]),
                text=str(row["cfr_text"]).strip(),
                summary=str(row["summary"]).strip(),
                elements=tuple(Element(str(e["id"]), str(e["cfr_text"]).strip()) for e in extra),
                nist_ids=nist_ids,
                key_activities=nist.key_activities if nist else (),
                crosswalks=nist.crosswalks if nist else (),
            )
        )
    by_id = {item.id: item for item in entries}
    _check_quirks(by_id)
    notes = data["notes"]
    return Framework(
        id=FrameworkId.HIPAA_SECURITY,
        title="HIPAA Security Rule",
        short_title="Security Rule",
        status=FrameworkStatus.FINAL,
        citation="45 CFR 164.302-164.318 (Part 164, Subpart C)",
        source=f"eCFR 45 CFR 164 Subpart C (2026-07-01); {guide.document}",
        as_of="2026-07-01",
        notes=(
            str(notes["source"]),
            str(notes["appendix_a_note"]),
            str(notes["titles"]),
            str(notes["required_semantics"]),
            CROSSWALK_NOTE,
        ),
        facts=(),
        quirks=CFR_QUIRKS + guide.quirks,
        entries=tuple(entries),
    )
