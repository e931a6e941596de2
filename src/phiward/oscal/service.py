"""OSCAL in and out: import catalogs and profiles as additional frameworks; export phiward's
catalogs, a profile of them, and an organization's SSP and assessment results."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from phiward.catalog import catalog
from phiward.catalog.catalog import FrameworkId
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.oscal import documents, reading
from phiward.oscal.models import ImportedControl, ImportedFramework

if TYPE_CHECKING:
    from phiward.oscal.documents import Json

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def catalog_file_name(framework_id: str) -> str:
    return f"phiward-{framework_id}-catalog.json"


def export_catalog(framework_id: str) -> Json:
    return documents.catalog(catalog.load(framework_id))


def export_profile(framework_id: str, catalog_href: str | None = None) -> Json:
    return documents.profile(
        catalog.load(framework_id), catalog_href or catalog_file_name(framework_id)
    )


def _own_controls(href: str) -> Sequence[reading.Control] | None:
    """phiward's own catalog when the href names its exported file (or framework id)."""
    name = reading.href_name(href)
    for framework_id in FrameworkId:
        if name in (catalog_file_name(framework_id), f"{framework_id}.json"):
            text = documents.dumps(export_catalog(framework_id)).encode()
            return reading.read(text, name).controls
    return None


def _imported_controls(href: str) -> Sequence[reading.Control] | None:
    name = reading.href_name(href)
    found = (
        ImportedFramework.objects.filter(kind="catalog", source_name=name).first()
        or ImportedFramework.objects.filter(kind="catalog", oscal_uuid=href.lstrip("#")).first()
    )
    if found is None:
        return None
    return [
        reading.Control(
            control_id=c.control_id,
            title=c.title,
            label=c.label,
            group=c.group,
            parent_id=c.parent_id,
            statement=c.statement,
            guidance=c.guidance,
            position=c.position,
        )
        for c in found.controls.all()
    ]


def lookup(href: str) -> Sequence[reading.Control] | None:
    return _own_controls(href) or _imported_controls(href)


def import_framework(
    data: bytes,
    source_name: str,
    *,
    slug: str | None = None,
    replace: bool = False,
    by: User | None = None,
) -> ImportedFramework:
    """Validate and store an OSCAL catalog or profile, all or nothing."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InputProblems(
            [Problem(f"larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB", file=source_name)]
        )
    read = reading.read(data, source_name, lookup)
    chosen = slugify(slug or read.title)[:80].strip("-")
    if not chosen:
        raise InputProblems([Problem("give the framework an id (--id)", field="slug")])
    if chosen in {str(f) for f in FrameworkId}:
        raise InputProblems([Problem(f"'{chosen}' is a shipped framework's id", field="slug")])
    with transaction.atomic():
        existing = ImportedFramework.objects.select_for_update().filter(slug=chosen).first()
        if existing is not None:
            if not replace:
                raise InputProblems(
                    [
                        Problem(
                            f"a framework '{chosen}' exists; use --replace to replace it",
                            field="slug",
                        )
                    ]
                )
            existing.delete()
        framework = ImportedFramework(
            slug=chosen,
            kind=read.kind,
            oscal_uuid=read.uuid,
            title=read.title[:500],
            version=read.version[:200],
            oscal_version=read.oscal_version[:20],
            source_name=reading.href_name(source_name)[:300],
            source_sha256=hashlib.sha256(data).hexdigest(),
            source_hrefs=list(read.source_hrefs),
            imported_by=by,
        )
        framework.save()
        ImportedControl.objects.bulk_create(
            ImportedControl(
                framework=framework,
                control_id=c.control_id,
                title=c.title[:1000],
                label=c.label[:200],
                group=c.group[:1000],
                parent_id=c.parent_id,
                statement=c.statement,
                guidance=c.guidance,
                position=c.position,
            )
            for c in read.controls
        )
        record(
            AuditEvent(
                action=AuditAction.CHANGE if existing is not None else AuditAction.CREATE,
                object_type="oscal.importedframework",
                object_id=str(framework.pk),
                summary=(
                    f"imported OSCAL {read.kind} '{chosen}' ({len(read.controls)} controls, "
                    f"sha256 {framework.source_sha256[:12]}…)"
                ),
            )
        )
    return framework


def imported(slug: str) -> ImportedFramework:
    found = ImportedFramework.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound(f"no imported framework '{slug}'")
    return found


def remove(slug: str) -> None:
    framework = imported(slug)
    with transaction.atomic():
        record(
            AuditEvent(
                action=AuditAction.DELETE,
                object_type="oscal.importedframework",
                object_id=str(framework.pk),
                summary=f"removed imported framework '{slug}'",
            )
        )
        framework.delete()
