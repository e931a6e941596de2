"""Build the ``nprm-2025`` framework: the January 2025 proposed Security Rule changes.

PROPOSED ONLY (90 FR 898): not final as of the reference material. The NPRM's own regulatory text
was not available; each proposal keeps its source as the YAML gives it, and is flagged
``from_secondary_summaries`` where that source or its proposed citation says "secondary".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from phiward.catalog.catalog import (
    CatalogEntry,
    EntryKind,
    Fact,
    Framework,
    FrameworkId,
    FrameworkStatus,
    entry_key,
)

FILE_NAME = "hipaa_security_nprm_2025_proposed.yaml"

# YAML figure -> (label, unit)
FIGURES = {
    "cadence_months": ("At least every", "months"),
    "hours": ("Within", "hours"),
    "critical_days": ("Critical-risk patches within", "calendar days"),
    "high_days": ("High-risk patches within", "calendar days"),
}
KNOWN_KEYS = {"topic", "detail", "source", "proposed_cite", *FIGURES}


def _slug(topic: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", topic.casefold()).strip("-")


def _header_notes(text: str) -> tuple[str, ...]:
    """The YAML's leading comment block, as sentences (PyYAML drops comments)."""
    lines: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return (" ".join(lines),) if lines else ()


def _status_facts(status: dict[str, Any]) -> tuple[Fact, ...]:
    nprm = status["nprm"]
    facts = [
        Fact(
            "Published",
            f"{nprm['fr']}, {nprm['published']} (FR Doc. {nprm['fr_doc']}); "
            f"comments were due {nprm['comments_due']}",
        )
    ]
    for key, value in status.items():
        if key.startswith("unified_agenda"):
            facts.append(
                Fact(
                    f"Unified Agenda ({key.removeprefix('unified_agenda_').replace('_', ' ')})",
                    f"{value['stage']}, final action {value['final_action']} "
                    f"(source: {value['source']})",
                )
            )
    facts.append(Fact("eCFR check", str(status["ecfr_check"])))
    facts.append(Fact("Proposed compliance timing", str(status["proposed_compliance_timing"])))
    return tuple(facts)


def _proposal(item: dict[str, Any]) -> CatalogEntry:
    unknown = set(item) - KNOWN_KEYS
    if unknown:
        raise ValueError(f"{FILE_NAME}: unknown field(s) {sorted(unknown)} in '{item['topic']}'")
    topic = str(item["topic"])
    cite = str(item.get("proposed_cite", ""))
    source = str(item["source"])
    secondary = "secondary" in f"{source} {cite}".casefold()
    citation = cite.replace("(secondary)", "").strip()
    notes = []
    if cite:
        notes.append(f"Proposed citation {cite}: from secondary sources, unverified.")
    entry_id = _slug(topic)
    detail = str(item["detail"])
    return CatalogEntry(
        id=entry_id,
        key=entry_key(entry_id),
        citation=citation,
        cfr_paragraph="",
        kind=EntryKind.PROPOSAL,
        title=topic,
        title_is_editorial=True,
        family=None,
        requirement=None,
        in_appendix_a=False,
        parent=None,
        text="",  # the NPRM's regulatory text was not available to the reference
        summary=detail[:1].upper() + detail[1:],
        notes=tuple(notes),
        facts=tuple(
            Fact(label, f"{item[key]} {unit.removesuffix('s') if item[key] == 1 else unit}")
            for key, (label, unit) in FIGURES.items()
            if key in item
        ),
        source=source,
        from_secondary_summaries=secondary,
    )


def build(reference: Path) -> Framework:
    raw = (reference / FILE_NAME).read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    return Framework(
        id=FrameworkId.NPRM_2025,
        title="HIPAA Security Rule NPRM 2025 (proposed, not final)",
        short_title="2025 proposed rule",
        status=FrameworkStatus.PROPOSED,
        citation="90 FR 898 (RIN 0945-AA22), proposed modifications to 45 CFR 164 Subpart C",
        source="HHS OCR fact sheet as reproduced by third parties; law-firm and other secondary "
        "summaries",
        as_of="2026-10-08",
        notes=_header_notes(raw),
        facts=_status_facts(data["status"]),
        quirks=(),
        entries=tuple(_proposal(item) for item in data["proposals"]),
    )
