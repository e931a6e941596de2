"""The evidence package: what an auditor asks for, in one zip.

- ``reports/``: the risk analysis report (the latest approved version, else the draft) and the
  safeguards report as PDF, the risk register as CSV;
- ``oscal/``: the system security plan and the assessment results;
- ``evidence/``: every evidence file and generated record, each checked against its recorded
  SHA-256 while it is copied (a mismatch stops the package and names the item);
- ``manifest.json``: the organization, when and by what it was made, and every item with its
  citations, risks, assets, dates, hash and place in the zip (links are listed with their URL);
- ``SHA256SUMS``: ``sha256sum -c`` checks every file of the package.

The zip is written to a temporary file in the data directory (never whole in memory) and
handed back as an open file; nothing half-made is ever returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from phiward import __version__
from phiward.core.errors import InvalidInput
from phiward.core.models import Organization
from phiward.evidence import library
from phiward.evidence.models import (
    EvidenceAssetLink,
    EvidenceItem,
    EvidenceKind,
    EvidenceRiskLink,
    EvidenceSpecLink,
)
from phiward.evidence.storage import EvidenceFileError
from phiward.oscal import documents, system
from phiward.reports import posture, register, risk_analysis
from phiward.risk.models import RiskAnalysis

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(name: str) -> str:
    return _UNSAFE.sub("-", name).strip("-.")[:80] or "file"


class _Writer:
    def __init__(self, archive: zipfile.ZipFile, when: dt.datetime) -> None:
        self.archive = archive
        self.stamp = when.timetuple()[:6]
        self.sums: list[tuple[str, str]] = []

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def add(self, name: str, data: bytes) -> str:
        self.archive.writestr(self._info(name), data)
        digest = hashlib.sha256(data).hexdigest()
        self.sums.append((digest, name))
        return digest

    def stream(self, name: str, chunks: Iterable[bytes]) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with self.archive.open(self._info(name), "w", force_zip64=True) as target:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        self.sums.append((digest.hexdigest(), name))
        return digest.hexdigest(), size


def _links(organization: Organization) -> dict[str, dict[int, list[str]]]:
    found: dict[str, dict[int, list[str]]] = {
        "spec_ids": defaultdict(list),
        "risks": defaultdict(list),
        "assets": defaultdict(list),
    }
    for item_id, spec_id in EvidenceSpecLink.objects.for_org(organization).values_list(
        "item_id", "spec_id"
    ):
        found["spec_ids"][item_id].append(spec_id)
    for link in EvidenceRiskLink.objects.for_org(organization).select_related("risk"):
        found["risks"][link.item_id].append(link.risk.reference)
    for item_id, name in EvidenceAssetLink.objects.for_org(organization).values_list(
        "item_id", "asset__name"
    ):
        found["assets"][item_id].append(name)
    return found


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def build(organization: Organization, now: dt.datetime | None = None) -> IO[bytes]:
    """The package as an open temporary file, positioned at its start."""
    now = now or timezone.now()
    handle = tempfile.TemporaryFile(dir=settings.DATA_DIR)  # noqa: SIM115 - returned open
    try:
        with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
            writer = _Writer(archive, now)
            manifest = _write(organization, writer, now)
            writer.add("manifest.json", _json(manifest))
            sums = "".join(f"{digest}  {name}\n" for digest, name in writer.sums)
            archive.writestr(writer._info("SHA256SUMS"), sums.encode("ascii"))
        handle.seek(0)
        return handle
    except BaseException:
        handle.close()
        raise


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _write(organization: Organization, writer: _Writer, now: dt.datetime) -> dict[str, Any]:
    reports: list[dict[str, str]] = []
    analysis = RiskAnalysis.objects.for_org(organization).order_by("-started_on", "-pk").first()
    if analysis is not None:
        source = risk_analysis.source_for(analysis)
        name = f"reports/{risk_analysis.file_name(source, 'pdf')}"
        reports.append(
            {"path": name, "sha256": writer.add(name, risk_analysis.render(source, "pdf"))}
        )
    name = f"reports/{posture.file_name(organization, 'pdf')}"
    reports.append({"path": name, "sha256": writer.add(name, posture.render(organization, "pdf"))})
    name = f"reports/{register.file_name(organization, 'csv')}"
    reports.append({"path": name, "sha256": writer.add(name, register.render(organization, "csv"))})
    for label, built in (
        ("ssp", system.export_ssp(organization)),
        ("assessment-results", system.export_assessment_results(organization)),
    ):
        name = f"oscal/{organization.slug}-{label}.json"
        reports.append(
            {"path": name, "sha256": writer.add(name, documents.dumps(built).encode("utf-8"))}
        )
    links = _links(organization)
    items: list[dict[str, Any]] = []
    today = now.date()
    for item in EvidenceItem.objects.for_org(organization).order_by("pk"):
        entry: dict[str, Any] = {
            "reference": item.reference,
            "title": item.title,
            "kind": item.kind,
            "effective_on": _date(item.effective_on),
            "expires_on": _date(item.expires_on),
            "in_effect": item.effective_on <= today
            and (item.expires_on is None or item.expires_on >= today)
            and item.superseded_by_id is None,
            "uploaded_at": item.created_at.isoformat(),
            "reviewed_on": _date(item.reviewed_on),
            "spec_ids": sorted(links["spec_ids"].get(item.pk, [])),
            "risks": sorted(links["risks"].get(item.pk, [])),
            "assets": sorted(links["assets"].get(item.pk, [])),
            "sha256": item.sha256 or None,
        }
        if item.kind == EvidenceKind.LINK:
            entry["url"] = item.url
        else:
            suffix = ".json" if item.kind == EvidenceKind.RECORD else ""
            name = f"evidence/{item.reference}-{_safe(item.original_name or item.title)}{suffix}"
            try:
                digest, size = writer.stream(name, library.content(item))
            except EvidenceFileError as exc:
                library.record_integrity_failure(item, str(exc))
                raise InvalidInput(
                    f"evidence {item.reference} does not match its recorded SHA-256; "
                    "the package was not made (see 'phiward evidence verify')"
                ) from exc
            entry.update(path=name, size=size, media_type=item.media_type or "application/json")
            if digest != item.sha256:  # pragma: no cover - content() checks already
                raise InvalidInput(f"evidence {item.reference} changed while packaged")
        items.append(entry)
    return {
        "format": "phiward-evidence-package/1",
        "generator": f"phiward {__version__}",
        "generated_at": now.astimezone(dt.UTC).isoformat(),
        "organization": {"name": organization.name, "slug": organization.slug},
        "reports": reports,
        "evidence": items,
        "retention": "Documentation is kept six years from creation or from when it was last in "
        "effect, whichever is later (45 CFR 164.316(b)(2)(i)).",
    }


def file_name(organization: Organization, now: dt.datetime | None = None) -> str:
    day = (now or timezone.now()).date().isoformat()
    return f"{organization.slug}-evidence-package-{day}.zip"
