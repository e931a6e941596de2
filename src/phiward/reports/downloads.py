"""What every report download shares: the report catalogue, finding the analysis, the file
response, and the audit record. The web views, the API and the CLI all go through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import FileResponse, HttpResponse

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.core.models import Organization
from phiward.core.permissions import Area
from phiward.risk.models import RiskAnalysis

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class Built:
    data: bytes
    file_name: str
    fmt: str


def analysis_for(organization: Organization, analysis_id: int | None = None) -> RiskAnalysis:
    """The organization's analysis ``analysis_id``, or its latest one."""
    analyses = RiskAnalysis.objects.for_org(organization)
    if analysis_id is not None:
        found = analyses.filter(pk=analysis_id).first()
        if found is None:
            raise NotFound(f"no risk analysis {analysis_id} in '{organization.slug}'")
        return found
    latest = analyses.order_by("-started_on", "-pk").first()
    if latest is None:
        raise NotFound(
            f"'{organization.slug}' has no risk analysis yet; start one with 'phiward risk analyze'"
        )
    return latest


def record_download(organization: Organization, file_name: str) -> None:
    """A report left phiward: the audit log says which, to whom (the current actor)."""
    record(
        AuditEvent(
            action=AuditAction.DOWNLOAD,
            organization_id=organization.pk,
            object_type="report",
            object_id=file_name[:100],
            summary=f"downloaded report {file_name}",
        )
    )


def _choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise InputProblems([Problem(f"one of: {', '.join(allowed)}", field=field)])
    return value


def risk_analysis(
    organization: Organization, fmt: str, analysis_id: int | None, version: int | None
) -> Built:
    from phiward.reports import risk_analysis as report

    fmt = _choice(fmt, ("pdf", "html"), "format")
    source = report.source_for(analysis_for(organization, analysis_id), version)
    return Built(report.render(source, fmt), report.file_name(source, fmt), fmt)


def posture(organization: Organization, fmt: str, nprm: bool) -> Built:
    from phiward.reports import posture as report

    fmt = _choice(fmt, ("pdf", "html"), "format")
    return Built(
        report.render(organization, fmt, nprm=nprm), report.file_name(organization, fmt), fmt
    )


def register(organization: Organization, fmt: str) -> Built:
    from phiward.reports import register as report

    fmt = _choice(fmt, ("csv", "json"), "format")
    return Built(report.render(organization, fmt), report.file_name(organization, fmt), fmt)


def oscal(organization: Organization, document: str) -> Built:
    from phiward.oscal import documents, system

    builders: dict[str, Callable[[Organization], documents.Json]] = {
        "ssp": system.export_ssp,
        "assessment-results": system.export_assessment_results,
    }
    document = _choice(document, tuple(builders), "document")
    text = documents.dumps(builders[document](organization))
    return Built(text.encode("utf-8"), f"{organization.slug}-oscal-{document}.json", "json")


# The area whose export right each report needs.
AREAS = {
    "risk-analysis": Area.RISK,
    "register": Area.RISK,
    "posture": Area.SAFEGUARDS,
    "oscal": Area.SAFEGUARDS,
    "evidence-package": Area.EVIDENCE,
}


def package_response(organization: Organization) -> FileResponse:
    """The evidence package, streamed from its temporary file; its download recorded."""
    from phiward.reports import package

    handle = package.build(organization)
    name = package.file_name(organization)
    record_download(organization, name)
    answer = FileResponse(
        handle, as_attachment=True, filename=name, content_type=MEDIA_TYPES["zip"]
    )
    answer["Cache-Control"] = "no-store"
    return answer


def response(organization: Organization, built: Built) -> HttpResponse:
    """The report as an attachment (never rendered inline: HTML reports carry their own
    stylesheet, which the app's CSP would refuse), its download recorded."""
    record_download(organization, built.file_name)
    answer = HttpResponse(built.data, content_type=MEDIA_TYPES[built.fmt])
    answer["Content-Disposition"] = f'attachment; filename="{built.file_name}"'
    answer["Cache-Control"] = "no-store"
    return answer
