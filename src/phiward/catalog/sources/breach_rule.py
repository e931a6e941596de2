"""Build the ``hipaa-breach`` framework from the structured Breach Notification Rule.

``hipaa_breach_notification_rule.yaml`` models Subpart D as logic (definitions, notifications,
deadlines) rather than as a list. ``SECTIONS`` and ``PROVISIONS`` below lay it out as catalog
entries: each names the YAML path of its verbatim text, a title and a plain summary (ours), and
the figures worth showing as facts. Section headings come from the eCFR XML. The build fails if a
piece of CFR text in the YAML is left out of the layout, or if a path no longer resolves.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
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

FILE_NAME = "hipaa_breach_notification_rule.yaml"
XML_FILE_NAME = "ecfr_45cfr164_subpartD_breach_2026-07-01.xml"

# (label, YAML path, template with {} for the value, or "if true|if false" for a yes/no value)
FactSpec = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Layout:
    id: str
    title: str
    summary: str
    text: str = ""  # YAML path of the verbatim text; "" when the YAML has none
    citation: str = ""  # defaults to the id
    facts: tuple[FactSpec, ...] = ()
    notes: tuple[str, ...] = ()  # YAML paths of notes


_404 = "notifications[id=164.404]"
_406 = "notifications[id=164.406]"
_408 = "notifications[id=164.408]"
_410 = "notifications[id=164.410]"
_SUBSTITUTE = f"{_404}.methods.substitute_notice"
_DEADLINE = (
    ("Deadline", "{n}.deadline.rule", "{}"),
    ("Outer limit", "{n}.deadline.outer_limit_calendar_days_after_discovery", "{} calendar days"),
    ("Delay allowed under", "{n}.deadline.subject_to", "§ {}"),
)
_PARTIES = (("To", "{n}.to", "{}"), ("By", "{n}.by", "{}"), ("Trigger", "{n}.trigger", "{}"))


def _with(specs: tuple[FactSpec, ...], notification: str) -> tuple[FactSpec, ...]:
    return tuple((label, path.format(n=notification), template) for label, path, template in specs)


SECTIONS = (
    Layout(
        "164.400",
        "",
        "The breach rules apply to breaches of PHI occurring on or after 23 September 2009.",
        text="applicability.cfr_text",
    ),
    Layout(
        "164.402",
        "",
        "What a breach is, its three exceptions, the presumption of breach unless a four-factor "
        "risk assessment shows a low probability of compromise, and what unsecured PHI is.",
    ),
    Layout(
        "164.404",
        "",
        "Notify each affected individual without unreasonable delay and within 60 calendar days "
        "of discovery, in plain language, with substitute notice when contact details fail.",
    ),
    Layout(
        "164.406",
        "",
        "A breach involving more than 500 residents of a State or jurisdiction is also announced "
        "through prominent media outlets there, within the same 60 days.",
    ),
    Layout(
        "164.408",
        "",
        "Notify HHS: with the individual notices for 500 or more individuals; otherwise in a "
        "yearly submission within 60 days after the end of the calendar year.",
        notes=(f"{_408}.note",),
    ),
    Layout(
        "164.410",
        "",
        "A business associate tells the covered entity without unreasonable delay and within 60 "
        "calendar days of discovery, identifying the affected individuals where it can.",
    ),
    Layout(
        "164.412",
        "",
        "A law-enforcement statement that notice would impede an investigation delays it: for "
        "the period stated in writing, or up to 30 days after a documented oral statement.",
        text="law_enforcement_delay.cfr_text[0]",
    ),
    Layout(
        "164.414",
        "",
        "Privacy Rule administrative requirements apply, and the entity must be able to prove "
        "every notice was made or that the incident was not a breach.",
    ),
)

PROVISIONS = (
    Layout(
        "164.402:breach",
        "Breach (definition)",
        "Acquisition, access, use or disclosure of PHI that the Privacy Rule does not permit and "
        "that compromises its security or privacy.",
        text="definitions.breach.cfr_text",
        citation="164.402",
    ),
    Layout(
        "164.402(1)(i)",
        "Exception: unintentional good-faith access by the workforce",
        "Unintentional, good-faith acquisition, access or use by a workforce member or person "
        "acting under authority, within scope, with no further impermissible use or disclosure.",
        text="definitions.exceptions[id=164.402(1)(i)].cfr_text",
    ),
    Layout(
        "164.402(1)(ii)",
        "Exception: inadvertent disclosure between authorized persons",
        "Inadvertent disclosure between people authorized to access PHI at the same covered "
        "entity, business associate or organized health care arrangement.",
        text="definitions.exceptions[id=164.402(1)(ii)].cfr_text",
    ),
    Layout(
        "164.402(1)(iii)",
        "Exception: recipient could not retain the information",
        "A good-faith belief that the unauthorized recipient could not reasonably have retained "
        "the information.",
        text="definitions.exceptions[id=164.402(1)(iii)].cfr_text",
    ),
    Layout(
        "164.402(2)",
        "Presumption of breach and the risk assessment",
        "An impermissible use or disclosure is presumed a breach unless a risk assessment of at "
        "least four factors shows a low probability that the PHI has been compromised.",
        text="definitions.presumption_and_risk_assessment.cfr_text",
        facts=(
            (
                "If a low probability is not demonstrated",
                "definitions.presumption_and_risk_assessment.outcome_if_not_demonstrated",
                "{}",
            ),
        ),
    ),
    *(
        Layout(
            f"164.402(2)({number})",
            title,
            summary,
            text=f"definitions.presumption_and_risk_assessment.factors[id=164.402(2)({number})]"
            ".cfr_text",
        )
        for number, title, summary in (
            (
                "i",
                "Factor 1: nature and extent of the PHI",
                "The types of identifiers involved and how likely re-identification is.",
            ),
            ("ii", "Factor 2: the unauthorized person", "Who used the PHI or received it."),
            (
                "iii",
                "Factor 3: acquired or viewed",
                "Whether the PHI was actually acquired or viewed.",
            ),
            ("iv", "Factor 4: mitigation", "How far the risk to the PHI has been mitigated."),
        )
    ),
    Layout(
        "164.402:unsecured-phi",
        "Unsecured protected health information (definition)",
        "PHI not made unusable, unreadable or indecipherable to unauthorized persons by a "
        "technology or method HHS guidance specifies (in practice: encryption or destruction).",
        text="definitions.unsecured_phi.cfr_text",
        citation="164.402",
        notes=(
            "definitions.unsecured_phi.hhs_guidance_secondary_copy.note",
            "definitions.unsecured_phi.hhs_guidance_secondary_copy.secured_if_any",
        ),
    ),
    Layout(
        "164.404(a)(1)",
        "Notify affected individuals",
        "After discovering a breach of unsecured PHI, the covered entity notifies each individual "
        "whose PHI was, or is reasonably believed to have been, affected.",
        text=f"{_404}.cfr_text.standard",
        facts=_with(_PARTIES, _404),
    ),
    Layout(
        "164.404(a)(2)",
        "Breaches treated as discovered (covered entity)",
        "Discovery is the first day the breach is known, or would have been with reasonable "
        "diligence, to any workforce member or agent other than the person who committed it.",
        text="discovery.covered_entity.cfr_text",
    ),
    Layout(
        "164.404(b)",
        "Timeliness of notice to individuals",
        "Without unreasonable delay and no later than 60 calendar days after discovery, unless "
        "law enforcement delays it.",
        text=f"{_404}.cfr_text.timeliness",
        facts=_with(_DEADLINE, _404),
    ),
    *(
        Layout(
            f"164.404(c)(1)({letter})",
            title,
            summary,
            text=f"{_404}.content_elements[id=164.404(c)(1)({letter})].cfr_text",
        )
        for letter, title, summary in (
            ("A", "Content: what happened", "What happened, with the breach and discovery dates."),
            ("B", "Content: the PHI involved", "The types of unsecured PHI that were involved."),
            ("C", "Content: steps to take", "What individuals should do to protect themselves."),
            (
                "D",
                "Content: what the entity is doing",
                "How the covered entity investigates, mitigates harm and prevents recurrence.",
            ),
            (
                "E",
                "Content: contact procedures",
                "How to ask questions: toll-free number, e-mail, web site or postal address.",
            ),
        )
    ),
    Layout(
        "164.404(c)(2)",
        "Plain language",
        "The notice is written in plain language.",
        text=f"{_404}.plain_language.cfr_text",
    ),
    Layout(
        "164.404(d)(1)(i)",
        "Written notice",
        "First-class mail to the last known address, or e-mail if the individual agreed to it.",
        text=f"{_404}.methods.written.cfr_text",
    ),
    Layout(
        "164.404(d)(1)(ii)",
        "Deceased individuals",
        "Written notice to the next of kin or personal representative when their address is known.",
        text=f"{_404}.methods.deceased.cfr_text",
    ),
    Layout(
        "164.404(d)(2)",
        "Substitute notice",
        "When contact information is insufficient or out of date, another notice reasonably "
        "calculated to reach the individual.",
        text=f"{_SUBSTITUTE}.cfr_text",
        facts=(
            (
                "Substitute notice to next of kin or personal representative",
                f"{_SUBSTITUTE}.not_required_for_next_of_kin",
                "not required|required",
            ),
        ),
    ),
    Layout(
        "164.404(d)(2)(i)",
        "Substitute notice: fewer than 10 individuals",
        "Alternative written notice, telephone or other means.",
        text=f"{_SUBSTITUTE}.fewer_than_10_insufficient_contacts.cfr_text",
        facts=(("Options", f"{_SUBSTITUTE}.fewer_than_10_insufficient_contacts.options", "{}"),),
    ),
    Layout(
        "164.404(d)(2)(ii)",
        "Substitute notice: 10 or more individuals",
        "A 90-day web posting or major media notice, with a toll-free number active for 90 days.",
        text=f"{_SUBSTITUTE}.ten_or_more_insufficient_contacts.cfr_text",
        facts=(
            ("Options", f"{_SUBSTITUTE}.ten_or_more_insufficient_contacts.options", "{}"),
            (
                "Web posting",
                f"{_SUBSTITUTE}.ten_or_more_insufficient_contacts.posting_days",
                "{} days",
            ),
            (
                "Toll-free number active",
                f"{_SUBSTITUTE}.ten_or_more_insufficient_contacts.toll_free_days",
                "{} days",
            ),
            ("Must include", f"{_SUBSTITUTE}.ten_or_more_insufficient_contacts.must_include", "{}"),
        ),
    ),
    Layout(
        "164.404(d)(3)",
        "Urgent situations",
        "If misuse may be imminent, individuals may also be reached by telephone or other means.",
        text=f"{_404}.methods.urgent.cfr_text",
    ),
    Layout(
        "164.406(a)",
        "Notify prominent media outlets",
        "For more than 500 residents of a State or jurisdiction, notify prominent media there.",
        text=f"{_406}.cfr_text[0]",
        facts=(
            ("To", f"{_406}.to", "{}"),
            ("By", f"{_406}.by", "{}"),
            (
                "Threshold",
                f"{_406}.trigger.residents_of_a_single_state_or_jurisdiction_greater_than",
                "more than {} residents of one State or jurisdiction",
            ),
        ),
    ),
    Layout(
        "164.406(b)",
        "Timeliness of media notice",
        "Without unreasonable delay and no later than 60 calendar days after discovery.",
        text=f"{_406}.cfr_text[1]",
        facts=_with(_DEADLINE, _406),
    ),
    Layout(
        "164.406(c)",
        "Content of media notice",
        "The same content as the notice to individuals.",
        text=f"{_406}.cfr_text[2]",
        facts=(("Content", f"{_406}.content", "{}"),),
    ),
    Layout(
        "164.408(a)",
        "Notify the Secretary",
        "After discovering a breach of unsecured PHI, the covered entity notifies HHS.",
        text="xml:164.408(a)",
        facts=(("To", f"{_408}.to", "{}"), ("By", f"{_408}.by", "{}")),
    ),
    Layout(
        "164.408(b)",
        "Secretary: 500 or more individuals",
        "Notify HHS at the same time as the individuals, as the HHS web site specifies.",
        text=f"{_408}.branches[id=164.408(b)].cfr_text",
        facts=(
            (
                "Threshold",
                f"{_408}.branches[id=164.408(b)].condition.individuals_affected_at_least",
                "{} or more individuals",
            ),
            ("Deadline", f"{_408}.branches[id=164.408(b)].deadline", "{}"),
        ),
    ),
    Layout(
        "164.408(c)",
        "Secretary: fewer than 500 individuals",
        "Log each breach and report the year's breaches within 60 days after the year ends.",
        text=f"{_408}.branches[id=164.408(c)].cfr_text",
        facts=(
            (
                "Threshold",
                f"{_408}.branches[id=164.408(c)].condition.individuals_affected_less_than",
                "fewer than {} individuals",
            ),
            ("Deadline", f"{_408}.branches[id=164.408(c)].deadline", "{}"),
        ),
    ),
    Layout(
        "164.410(a)(1)",
        "Business associate notifies the covered entity",
        "After discovering a breach of unsecured PHI, the business associate tells the covered "
        "entity.",
        text=f"{_410}.cfr_text[0]",
        facts=_with(_PARTIES, _410),
    ),
    Layout(
        "164.410(a)(2)",
        "Breaches treated as discovered (business associate)",
        "Discovery is the first day the breach is known, or would have been with reasonable "
        "diligence, to any employee, officer or agent other than the person who committed it.",
        text="discovery.business_associate.cfr_text",
    ),
    Layout(
        "164.410(b)",
        "Timeliness of business associate notice",
        "Without unreasonable delay and no later than 60 calendar days after discovery.",
        text=f"{_410}.cfr_text[1]",
        facts=_with(_DEADLINE, _410),
    ),
    Layout(
        "164.410(c)(1)",
        "Content: the affected individuals",
        "Identify, where possible, each individual whose PHI was or may have been affected.",
        text=f"{_410}.content[0]",
    ),
    Layout(
        "164.410(c)(2)",
        "Content: what the individual notice needs",
        "Give the covered entity what it must include in the notice to individuals, then or as "
        "soon as it becomes available.",
        text=f"{_410}.content[1]",
    ),
    Layout(
        "164.412(a)",
        "Written statement from law enforcement",
        "Delay notice for the period the official specifies in writing.",
        text="law_enforcement_delay.cfr_text[1]",
        facts=(("Delay", "law_enforcement_delay.written_statement", "{}"),),
    ),
    Layout(
        "164.412(b)",
        "Oral statement from law enforcement",
        "Document the statement and the official, and delay no longer than 30 days unless a "
        "written statement follows.",
        text="law_enforcement_delay.cfr_text[2]",
        facts=(
            (
                "Longest delay",
                "law_enforcement_delay.oral_statement.max_delay_days_from_oral_statement",
                "{} days from the oral statement",
            ),
            ("Unless", "law_enforcement_delay.oral_statement.unless", "{}"),
        ),
    ),
    Layout(
        "164.414(a)",
        "Administrative requirements",
        "The Privacy Rule's administrative requirements (164.530) apply to this subpart.",
        text="administrative_and_burden_of_proof.admin.cfr_text",
    ),
    Layout(
        "164.414(b)",
        "Burden of proof",
        "The entity must show that every notice was made, or that the use or disclosure was not a "
        "breach.",
        text="administrative_and_burden_of_proof.burden_of_proof.cfr_text",
        notes=("administrative_and_burden_of_proof.documentation_retention_via_164_530_j",),
    ),
)

_STEP = re.compile(r"(\w+)(?:\[([^\]]+)\])?(?:\.|$)")


def resolve(data: Any, path: str) -> Any:
    """``a.b[2].c`` or ``a[id=164.404].c`` in the YAML; KeyError when it does not resolve."""
    node = data
    position = 0
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise KeyError(path)
        position = step.end()
        name, selector = step.groups()
        node = node[name]
        if selector is None:
            continue
        if selector.startswith("id="):
            wanted = selector.removeprefix("id=")
            matching = [item for item in node if str(item.get("id")) == wanted]
            if len(matching) != 1:
                raise KeyError(path)
            node = matching[0]
        else:
            node = node[int(selector)]
    return node


def _format(value: Any, template: str) -> str:
    """``template`` with ``{}`` for the value; for a yes/no value, ``"if true|if false"``."""
    if isinstance(value, bool):
        if_true, if_false = template.split("|")
        return if_true if value else if_false
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    return template.format(value)


def _lines(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items]


def _cfr_texts(node: Any, inside: bool = False) -> list[str]:
    """Every piece of CFR text in the YAML: values under ``cfr_text`` keys (and BA content)."""
    if isinstance(node, dict):
        found: list[str] = []
        for key, value in node.items():
            found.extend(_cfr_texts(value, inside or key in ("cfr_text", "content")))
        return found
    if isinstance(node, list):
        return [text for item in node for text in _cfr_texts(item, inside)]
    if inside and isinstance(node, str) and not node.startswith("same as"):
        return [node.strip()]
    return []


@dataclass(frozen=True, slots=True)
class SubpartXml:
    headings: dict[str, str]  # "164.404" -> "Notification to individuals"
    paragraphs: dict[str, str]  # "164.408(a)" -> its text


def read_xml(reference: Path) -> SubpartXml:
    root = ET.parse(reference / XML_FILE_NAME).getroot()  # noqa: S314 - trusted local file
    headings: dict[str, str] = {}
    paragraphs: dict[str, str] = {}
    for section in root.iter("DIV8"):
        number = section.get("N", "")
        head = section.findtext("HEAD") or ""
        headings[number] = head.removeprefix(f"§ {number}").strip().rstrip(".")
        for paragraph in section.iter("P"):
            text = "".join(paragraph.itertext()).strip()
            label = re.match(r"\(([a-z])\)", text)
            if label:
                paragraphs.setdefault(f"{number}({label.group(1)})", text)
    return SubpartXml(headings, paragraphs)


def _entry(
    data: Any, xml: SubpartXml, layout: Layout, kind: EntryKind, parent: str | None
) -> CatalogEntry:
    if layout.text.startswith("xml:"):
        text = xml.paragraphs[layout.text.removeprefix("xml:")]
    else:
        text = "\n".join(_lines(resolve(data, layout.text))) if layout.text else ""
    notes = [line for path in layout.notes for line in _lines(resolve(data, path))]
    if layout.text.startswith("xml:"):
        notes.append("Text from the eCFR XML: the structured breach YAML does not carry it.")
    citation = layout.citation or layout.id
    return CatalogEntry(
        id=layout.id,
        key=entry_key(layout.id),
        citation=citation,
        cfr_paragraph=citation,
        kind=kind,
        title=layout.title or xml.headings[layout.id],
        title_is_editorial=kind is not EntryKind.SECTION,
        family=None,
        requirement=None,
        in_appendix_a=False,
        parent=parent,
        text=text,
        summary=layout.summary,
        notes=tuple(notes),
        facts=tuple(
            Fact(label, _format(resolve(data, path), template))
            for label, path, template in layout.facts
        ),
    )


def build(reference: Path) -> Framework:
    data = yaml.safe_load((reference / FILE_NAME).read_text(encoding="utf-8"))
    xml = read_xml(reference)
    entries: list[CatalogEntry] = []
    for section in SECTIONS:
        entries.append(_entry(data, xml, section, EntryKind.SECTION, None))
        for layout in PROVISIONS:
            if layout.id.split(":")[0].split("(")[0] == section.id:
                entries.append(_entry(data, xml, layout, EntryKind.PROVISION, section.id))
    if len(entries) != len(SECTIONS) + len(PROVISIONS):
        raise ValueError(f"{FILE_NAME}: a provision belongs to no section")
    shipped = {line for item in entries for line in item.text.splitlines()}
    missing = [text for text in _cfr_texts(data) if text not in shipped]
    if missing:
        raise ValueError(f"{FILE_NAME}: CFR text left out of the catalog: {missing[0][:60]}...")
    return Framework(
        id=FrameworkId.HIPAA_BREACH,
        title="HIPAA Breach Notification Rule",
        short_title="Breach Notification",
        status=FrameworkStatus.FINAL,
        citation="45 CFR 164.400-164.414 (Part 164, Subpart D)",
        source="eCFR 45 CFR 164 Subpart D (2026-07-01)",
        as_of="2026-07-01",
        notes=(
            "Text is verbatim from the CFR; titles of provisions and all summaries are ours "
            "(the CFR titles only sections).",
            "Thresholds differ: media notice is for more than 500 residents of one State or "
            "jurisdiction (164.406); HHS notice within 60 days is for 500 or more individuals in "
            "total (164.408).",
        ),
        facts=(),
        quirks=(),
        entries=tuple(entries),
    )
