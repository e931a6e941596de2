"""``/api/catalog``: the HIPAA catalog, read-only, for any authenticated user."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from phiward.catalog import catalog
from phiward.catalog.catalog import (
    CatalogEntry,
    CrosswalkScheme,
    EntryKind,
    Family,
    Framework,
    FrameworkId,
    FrameworkStatus,
    KeyActivity,
    Quirk,
    Requirement,
)
from phiward.core.apiscope import ProblemOut

router = Router(tags=["catalog"])


class FactOut(Schema):
    label: str
    value: str


class QuirkOut(Schema):
    id: str
    source: str
    source_citation: str
    citation: str
    note: str


class FrameworkOut(Schema):
    id: FrameworkId
    title: str
    status: FrameworkStatus
    citation: str
    source: str
    as_of: str
    entry_count: int
    families: list[Family]
    notes: list[str]
    facts: list[FactOut]
    quirks: list[QuirkOut]


class EntrySummaryOut(Schema):
    framework: FrameworkId
    id: str
    key: str
    citation: str
    title: str
    kind: EntryKind
    family: Family | None
    requirement: Requirement | None
    in_appendix_a: bool
    parent: str | None
    summary: str
    from_secondary_summaries: bool


class ElementOut(Schema):
    citation: str
    text: str


class BulletOut(Schema):
    text: str
    items: list[str]


class KeyActivityOut(Schema):
    id: str
    number: int
    title: str
    standard: str
    addresses: list[str]
    descriptions: list[BulletOut]
    sample_questions: list[BulletOut]
    footnotes: list[str]


class CrosswalkOut(Schema):
    scheme: CrosswalkScheme
    reference: str
    url: str


class EntryOut(EntrySummaryOut):
    framework_status: FrameworkStatus
    cfr_paragraph: str
    title_is_editorial: bool
    text: str
    elements: list[ElementOut]
    notes: list[str]
    facts: list[FactOut]
    source: str
    nist_ids: list[str]
    children: list[EntrySummaryOut]
    quirks: list[QuirkOut]
    key_activities: list[KeyActivityOut]
    crosswalks: list[CrosswalkOut]


def _quirk_out(quirk: Quirk) -> QuirkOut:
    return QuirkOut(
        id=quirk.id,
        source=quirk.source,
        source_citation=quirk.source_citation,
        citation=quirk.citation,
        note=quirk.note,
    )


def _framework_out(framework: Framework) -> FrameworkOut:
    return FrameworkOut(
        id=framework.id,
        title=framework.title,
        status=framework.status,
        citation=framework.citation,
        source=framework.source,
        as_of=framework.as_of,
        entry_count=len(framework.entries),
        families=list(framework.families),
        notes=list(framework.notes),
        facts=[FactOut(label=f.label, value=f.value) for f in framework.facts],
        quirks=[_quirk_out(q) for q in framework.quirks],
    )


def _summary_out(framework: Framework, item: CatalogEntry) -> EntrySummaryOut:
    return EntrySummaryOut(
        framework=framework.id,
        id=item.id,
        key=item.key,
        citation=item.citation,
        title=item.title,
        kind=item.kind,
        family=item.family,
        requirement=item.requirement,
        in_appendix_a=item.in_appendix_a,
        parent=item.parent,
        summary=item.summary,
        from_secondary_summaries=item.from_secondary_summaries,
    )


def _key_activity_out(ka: KeyActivity) -> KeyActivityOut:
    return KeyActivityOut(
        id=ka.id,
        number=ka.number,
        title=ka.title,
        standard=ka.standard,
        addresses=list(ka.addresses),
        descriptions=[BulletOut(text=b.text, items=list(b.items)) for b in ka.descriptions],
        sample_questions=[BulletOut(text=q.text, items=list(q.items)) for q in ka.sample_questions],
        footnotes=list(ka.footnotes),
    )


@router.get("/frameworks", response=list[FrameworkOut], summary="List catalog frameworks")
def list_frameworks(request: HttpRequest) -> list[FrameworkOut]:
    return [_framework_out(framework) for framework in catalog.frameworks()]


@router.get(
    "/frameworks/{framework}/entries",
    response=list[EntrySummaryOut],
    summary="Search a framework's entries",
)
def list_entries(
    request: HttpRequest,
    framework: FrameworkId,
    q: str = "",
    family: Family | None = None,
    requirement: Requirement | None = None,
    kind: EntryKind | None = None,
) -> list[EntrySummaryOut]:
    """Entries in catalog order; ``q`` words must all appear (citation, title, text...)."""
    found = catalog.load(framework)
    return [
        _summary_out(found, item)
        for item in catalog.search(
            found, query=q[:200], family=family, requirement=requirement, kind=kind
        )
    ]


@router.get(
    "/frameworks/{framework}/entries/{key}",
    response={200: EntryOut, 404: ProblemOut},
    summary="One entry by key or citation",
)
def get_entry(request: HttpRequest, framework: FrameworkId, key: str) -> EntryOut:
    found = catalog.load(framework)
    item = catalog.entry(framework, key)
    return EntryOut(
        **_summary_out(found, item).model_dump(),
        framework_status=found.status,
        cfr_paragraph=item.cfr_paragraph,
        title_is_editorial=item.title_is_editorial,
        text=item.text,
        elements=[ElementOut(citation=e.citation, text=e.text) for e in item.elements],
        notes=list(item.notes),
        facts=[FactOut(label=f.label, value=f.value) for f in item.facts],
        source=item.source,
        nist_ids=list(item.nist_ids),
        children=[_summary_out(found, child) for child in found.children_of(item)],
        quirks=[_quirk_out(q) for q in found.quirks_for(item)],
        key_activities=[_key_activity_out(ka) for ka in found.key_activities_for(item)],
        crosswalks=[
            CrosswalkOut(scheme=c.scheme, reference=c.reference, url=c.url) for c in item.crosswalks
        ],
    )
