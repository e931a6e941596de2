"""The wizard's last step: what blocks approval, the sign-off (approvers only), the approved
versions with their digests verified, one version's snapshot, and the diff between any two
versions or a version and the analysis as it is now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from phiward.core.permissions import Action
from phiward.risk import services
from phiward.risk.forms import NoteForm
from phiward.risk.models import AnalysisVersion, RiskAnalysis
from phiward.risk.snapshot import build_snapshot
from phiward.risk.versions import SnapshotDiff, current_level, diff_snapshots
from phiward.risk.views.analyses import steps
from phiward.risk.views.base import FormPage, RiskView
from phiward.web.orgviews import current_user

NOW = "now"
_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")


def words(value: object) -> str:
    """A snapshot value as a reader sees it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        if "label" in value:
            return str(value["label"])
        if "name" in value and "role" in value:
            return f"{value['name']} ({value['role']})" if value["role"] else str(value["name"])
        if "text" in value and "all_ephi" in value:
            scope = "all ePHI assets and flows" if value["all_ephi"] else "listed assets"
            assets = f": {', '.join(value.get('assets') or ())}" if value.get("assets") else ""
            return f"{value['text'] or '—'} ({scope}{assets})"
        return ", ".join(f"{k}: {words(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(words(v) for v in value)
    text = str(value)
    return text.replace("_", " ") if _CODE.fullmatch(text) else text  # very_high: very high


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def readable(diff: SnapshotDiff) -> dict[str, Any]:
    """The diff with its values in words, for the templates."""

    def changes(items: Any) -> list[Change]:
        return [Change(c.field.replace("_", " "), words(c.before), words(c.after)) for c in items]

    return {
        "diff": diff,
        "analysis_changes": changes(diff.analysis),
        "risk_changes": [(r.reference, r.title, changes(r.changes)) for r in diff.changed],
        "answer_changes": changes(diff.answers),
    }


def versions_of(analysis: RiskAnalysis) -> list[tuple[AnalysisVersion, bool]]:
    """Every approved version, newest first, with whether its digest still verifies."""
    found = AnalysisVersion.objects.filter(analysis=analysis).order_by("-number")
    return [(version, services.verify_version(version)) for version in found]


def report_url(slug: str, analysis: RiskAnalysis, number: int | None = None) -> str:
    """The risk analysis report's download, where the reports app is installed."""
    try:
        url = reverse("reports:risk-analysis", args=[slug])
    except NoReverseMatch:
        return ""
    params = {"analysis": str(analysis.pk), **({"version": str(number)} if number else {})}
    query = QueryDict(mutable=True)
    query.update(params)
    return f"{url}?{query.urlencode()}"


class ApproveView(FormPage):
    """GET: anyone who reads the risk area sees the blockers and versions; POST: an approver
    signs off the next version."""

    template_name = "risk/approve.html"
    nav = "risk-analyses"
    read_action = Action.READ
    write_action = Action.APPROVE
    analysis: RiskAnalysis

    def load(self, **kwargs: Any) -> None:
        self.analysis = self.get_object(RiskAnalysis, kwargs["pk"], "approved_by")

    def heading(self) -> str:
        return f"Approve {self.analysis}"

    def cancel_url(self) -> str:
        return self.url("analysis-detail", self.analysis.pk)

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return NoteForm(data)

    def page_context(self) -> dict[str, Any]:
        versions = versions_of(self.analysis)
        return {
            "analysis": self.analysis,
            "steps": steps(self.analysis, "approve"),
            "blockers": services.blockers(self.analysis),
            "versions": versions,
            "report_url": report_url(self.org.slug, self.analysis),
            **readable(services.diff_since_approval(self.analysis)),
        }

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        version = services.approve_analysis(
            self.analysis, current_user(self.request), form.cleaned_data["note"]
        )
        messages.success(self.request, f"Approved {self.analysis} as version {version.number}.")
        return HttpResponseRedirect(self.url("version-detail", version.pk))


class VersionDetailView(RiskView, TemplateView):
    template_name = "risk/version.html"
    nav = "risk-analyses"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version = self.get_object(AnalysisVersion, kwargs["pk"], "analysis")
        snapshot = version.snapshot
        context.update(
            version=version,
            analysis=version.analysis,
            verified=services.verify_version(version),
            facts=snapshot.get("analysis", {}),
            method=snapshot.get("analysis", {}).get("method", {}),
            risks=[
                (r["reference"], r["title"], current_level(r).replace("_", " "), r["status"])
                for r in snapshot.get("risks", ())
            ],
            dismissed=snapshot.get("dismissed_proposals", ()),
            answers=len(snapshot.get("answers", ())),
            scope=words(snapshot.get("analysis", {}).get("scope")),
            participants=words(snapshot.get("analysis", {}).get("participants")),
            report_url=report_url(self.org.slug, version.analysis, version.number),
        )
        return context


class DiffView(RiskView, TemplateView):
    """``?from=<n>&to=<m|now>``: from the last approved version to now by default."""

    template_name = "risk/diff.html"
    nav = "risk-analyses"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        analysis = self.get_object(RiskAnalysis, kwargs["pk"])
        versions = {v.number: v for v in AnalysisVersion.objects.filter(analysis=analysis)}
        latest = max(versions, default=None)
        chosen_from = self.request.GET.get("from", str(latest or ""))
        chosen_to = self.request.GET.get("to", NOW)
        problems = []
        before: AnalysisVersion | None = None
        if chosen_from:
            before = versions.get(int(chosen_from)) if chosen_from.isdigit() else None
            if before is None:
                problems.append(f"There is no approved version '{chosen_from}'.")
        after: AnalysisVersion | None = None
        if chosen_to != NOW:
            after = versions.get(int(chosen_to)) if chosen_to.isdigit() else None
            if after is None:
                problems.append(f"There is no approved version '{chosen_to}'.")
        context.update(
            analysis=analysis,
            steps=steps(analysis, "approve"),
            numbers=sorted(versions, reverse=True),
            chosen_from=chosen_from,
            chosen_to=chosen_to,
            problems=problems,
        )
        if not problems:
            end = after.snapshot if after is not None else build_snapshot(analysis)
            diff = diff_snapshots(before.snapshot if before is not None else None, end)
            context.update(readable(diff))
        return context
