"""The reports page and the downloads behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.generic import TemplateView

from phiward.core.errors import InvalidInput, NotFound
from phiward.core.permissions import Action, Area
from phiward.reports import downloads
from phiward.risk.models import AnalysisVersion, RiskAnalysis
from phiward.web.orgviews import OrgView


class ReportsView(OrgView, TemplateView):
    """What can be downloaded, for anyone who may read the risk program."""

    area = Area.RISK
    nav = "reports"
    template_name = "reports/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        analyses = list(RiskAnalysis.objects.for_org(self.org).order_by("-started_on", "-pk"))
        versions = AnalysisVersion.objects.for_org(self.org).order_by("analysis", "-number")
        by_analysis: dict[int, list[AnalysisVersion]] = {}
        for version in versions:
            by_analysis.setdefault(version.analysis_id, []).append(version)
        context.update(
            analyses=[(a, by_analysis.get(a.pk, [])) for a in analyses],
            may={
                name.replace("-", "_"): self.can(Action.EXPORT, area)
                for name, area in downloads.AREAS.items()
            },
        )
        return context


class DownloadView(OrgView, ABC):
    """One report's download: a subclass says what to build from the request."""

    http_method_names: ClassVar[list[str]] = ["get", "head"]  # type: ignore[misc]
    read_action = Action.EXPORT

    @abstractmethod
    def build(self, request: HttpRequest) -> downloads.Built: ...

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            built = self.build(request)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except InvalidInput as exc:
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        return downloads.response(self.org, built)


def _int(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(f"'{name}' must be a whole number")
    return int(value)


class RiskAnalysisDownload(DownloadView):
    area = Area.RISK

    def build(self, request: HttpRequest) -> downloads.Built:
        return downloads.risk_analysis(
            self.org,
            request.GET.get("format", "html"),
            _int(request, "analysis"),
            _int(request, "version"),
        )


class PostureDownload(DownloadView):
    area = Area.SAFEGUARDS

    def build(self, request: HttpRequest) -> downloads.Built:
        return downloads.posture(
            self.org, request.GET.get("format", "html"), request.GET.get("nprm") == "1"
        )


class RegisterDownload(DownloadView):
    area = Area.RISK

    def build(self, request: HttpRequest) -> downloads.Built:
        return downloads.register(self.org, request.GET.get("format", "csv"))


class EvidencePackageDownload(OrgView):
    area = Area.EVIDENCE
    read_action = Action.EXPORT
    http_method_names: ClassVar[list[str]] = ["get", "head"]  # type: ignore[misc]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return downloads.package_response(self.org)
        except InvalidInput as exc:
            return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")


class OscalDownload(DownloadView):
    area = Area.SAFEGUARDS

    def build(self, request: HttpRequest) -> downloads.Built:
        return downloads.oscal(self.org, self.kwargs["document"])
