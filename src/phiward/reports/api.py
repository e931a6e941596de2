"""Report downloads over the API: the same reports as the web page and ``phiward report``."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router

from phiward.core.apiscope import WRITE_ERRORS, ProblemOut, org_scope
from phiward.core.permissions import Action
from phiward.reports import downloads

router = Router(tags=["reports"])
BASE = "/{org}/reports"


BINARY: dict[str, object] = {"type": "string", "format": "binary"}
SCHEMAS: dict[str, dict[str, object]] = {
    "application/pdf": BINARY,
    "application/zip": BINARY,
    "text/html": {"type": "string"},
    "text/csv": {"type": "string"},
}


def _content(*media_types: str, json_schema: dict[str, object] | None = None) -> dict[str, object]:
    content = {
        kind: {"schema": json_schema if kind == "application/json" else SCHEMAS[kind]}
        for kind in media_types
    }
    return {
        "responses": {"200": {"description": "The report, as an attachment", "content": content}}
    }


@router.get(
    f"{BASE}/risk-analysis/{{analysis_id}}",
    response={**WRITE_ERRORS},
    operation_id="download_risk_analysis_report",
    summary="The risk analysis report of an approved version (default: latest) or the draft",
    openapi_extra=_content("application/pdf", "text/html"),
)
def risk_analysis_report(
    request: HttpRequest,
    org: str,
    analysis_id: int,
    format: Literal["pdf", "html"] = "html",
    version: int | None = None,
) -> HttpResponse:
    scope = org_scope(request, org, Action.EXPORT, downloads.AREAS["risk-analysis"])
    built = downloads.risk_analysis(scope.organization, format, analysis_id, version)
    return downloads.response(scope.organization, built)


@router.get(
    f"{BASE}/posture",
    response={**WRITE_ERRORS},
    operation_id="download_posture_report",
    summary="The safeguards report by citation, optionally with the 2025 proposed rule lens",
    openapi_extra=_content("application/pdf", "text/html"),
)
def posture_report(
    request: HttpRequest, org: str, format: Literal["pdf", "html"] = "html", nprm: bool = False
) -> HttpResponse:
    scope = org_scope(request, org, Action.EXPORT, downloads.AREAS["posture"])
    return downloads.response(
        scope.organization, downloads.posture(scope.organization, format, nprm)
    )


@router.get(
    f"{BASE}/register",
    response={**WRITE_ERRORS},
    operation_id="download_risk_register",
    summary="The risk register as CSV or JSON",
    openapi_extra=_content(
        "text/csv", "application/json", json_schema={"type": "array", "items": {"type": "object"}}
    ),
)
def register_report(
    request: HttpRequest, org: str, format: Literal["csv", "json"] = "csv"
) -> HttpResponse:
    scope = org_scope(request, org, Action.EXPORT, downloads.AREAS["register"])
    return downloads.response(scope.organization, downloads.register(scope.organization, format))


@router.get(
    f"{BASE}/evidence-package",
    response={**WRITE_ERRORS, 409: ProblemOut},
    operation_id="download_evidence_package",
    summary="A zip of every evidence item, the reports, OSCAL documents, manifest and SHA256SUMS",
    openapi_extra=_content("application/zip"),
)
def evidence_package(request: HttpRequest, org: str) -> HttpResponse:
    scope = org_scope(request, org, Action.EXPORT, downloads.AREAS["evidence-package"])
    return downloads.package_response(scope.organization)  # type: ignore[return-value]


@router.get(
    f"{BASE}/oscal/{{document}}",
    response={**WRITE_ERRORS},
    operation_id="download_oscal_document",
    summary="The organization's OSCAL system security plan or assessment results (JSON)",
    openapi_extra=_content("application/json", json_schema={"type": "object"}),
)
def oscal_document(
    request: HttpRequest, org: str, document: Literal["ssp", "assessment-results"]
) -> HttpResponse:
    scope = org_scope(request, org, Action.EXPORT, downloads.AREAS["oscal"])
    return downloads.response(scope.organization, downloads.oscal(scope.organization, document))
