"""The evidence library's pages: list (filters, live search, pages), upload, detail, edit,
delete under the retention rule, download, and the record of deletions.

Every view is an ``OrgView`` in the evidence area; writes go through ``phiward.evidence.library``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.views.generic import FormView, ListView, TemplateView

from phiward.core.errors import InputProblems, NotFound, PermissionDenied
from phiward.core.permissions import Action, Area
from phiward.evidence import library
from phiward.evidence.forms import DeleteForm, EditForm, UploadForm
from phiward.evidence.models import (
    EvidenceAssetLink,
    EvidenceDeletion,
    EvidenceItem,
    EvidenceKind,
    EvidenceRiskLink,
    EvidenceSpecLink,
    expiring_q,
    state_q,
)
from phiward.evidence.retention import State
from phiward.evidence.storage import EvidenceFileError, describe_size, max_bytes
from phiward.inventory.models import Asset
from phiward.risk.models import Risk
from phiward.web.orgviews import OrgView, current_user, is_partial_request

EXPIRING = "expiring"  # the state filter's extra choice: current, expiring within 30 days


class EvidenceView(OrgView):
    area = Area.EVIDENCE
    nav = "evidence"

    def items(self) -> QuerySet[EvidenceItem]:
        return EvidenceItem.objects.for_org(self.org)

    def item(self, pk: int) -> EvidenceItem:
        found = self.items().filter(pk=pk).select_related("reviewer", "uploaded_by").first()
        if found is None:
            raise Http404("No such evidence here.")
        return found


@dataclass(frozen=True)
class Choice:
    param: str
    label: str
    choices: list[tuple[str, str]]


class EvidenceListView(EvidenceView, ListView[EvidenceItem]):
    paginate_by = 50

    def filters(self) -> list[Choice]:
        """The filter bar: its choices are what this organization's evidence is linked to."""
        if not hasattr(self, "_filters"):
            self._filters = self._make_filters()
        return self._filters

    def _make_filters(self) -> list[Choice]:
        linked_specs = (
            EvidenceSpecLink.objects.for_org(self.org)
            .values_list("spec_id", flat=True)
            .distinct()
            .order_by("spec_id")
        )
        linked_risks = Risk.objects.for_org(self.org).filter(
            pk__in=EvidenceRiskLink.objects.for_org(self.org).values("risk")
        )
        linked_assets = Asset.objects.for_org(self.org).filter(
            pk__in=EvidenceAssetLink.objects.for_org(self.org).values("asset")
        )
        states = [(s.value, s.label) for s in State]
        states.insert(1, (EXPIRING, "Expiring within 30 days"))
        return [
            Choice("kind", "Kind", list(EvidenceKind.choices)),
            Choice("state", "State", states),
            Choice("spec", "Specification", [(s, s) for s in linked_specs]),
            Choice("risk", "Risk", [(str(r.pk), str(r)) for r in linked_risks]),
            Choice("asset", "Asset", [(str(a.pk), a.name) for a in linked_assets]),
        ]

    def get_queryset(self) -> QuerySet[EvidenceItem]:
        today = timezone.localdate()
        items = self.items()
        chosen = {f.param: self.request.GET.get(f.param, "") for f in self.filters()}
        allowed = {f.param: {k for k, _ in f.choices} for f in self.filters()}
        value = {k: v for k, v in chosen.items() if v and v in allowed[k]}
        if "kind" in value:
            items = items.filter(kind=value["kind"])
        if value.get("state") == EXPIRING:
            items = items.filter(expiring_q(today))
        elif "state" in value:
            items = items.filter(state_q(State(value["state"]), today))
        if "spec" in value:
            items = items.filter(spec_links__spec_id=value["spec"])
        if "risk" in value:
            items = items.filter(risk_links__risk_id=int(value["risk"]))
        if "asset" in value:
            items = items.filter(asset_links__asset_id=int(value["asset"]))
        query = self.request.GET.get("q", "").strip()
        if query:
            items = items.filter(
                Q(title__icontains=query)
                | Q(original_name__icontains=query)
                | Q(url__icontains=query)
            )
        return items.distinct()

    def get_template_names(self) -> list[str]:
        if is_partial_request(self.request):
            return ["evidence/_table.html"]
        return ["evidence/list.html"]

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filters"] = [(f, self.request.GET.get(f.param, "")) for f in self.filters()]
        context["q"] = self.request.GET.get("q", "")
        params = self.request.GET.copy()
        params.pop("page", None)
        context["query_string"] = params.urlencode()
        context["rows"] = [(item, item.state()) for item in context["object_list"]]
        return context


class EvidenceDetailView(EvidenceView, TemplateView):
    template_name = "evidence/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        item = self.item(int(kwargs["pk"]))
        context.update(
            item=item,
            state=item.state(),
            expiring=item.expiring_soon(),
            retained_until=item.retained_until(),
            within_retention=item.within_retention(),
            spec_links=EvidenceSpecLink.objects.filter(item=item),
            risk_links=EvidenceRiskLink.objects.filter(item=item).select_related("risk"),
            asset_links=EvidenceAssetLink.objects.filter(item=item).select_related("asset"),
            supersedes=self.items().filter(superseded_by=item),
            may_delete_early=self.can(Action.ADMINISTER),
        )
        return context


class EvidenceUploadView(EvidenceView, FormView[UploadForm]):
    """Add a file or a link (multipart). The file is sealed before its row is saved."""

    template_name = "evidence/form.html"
    form_class = UploadForm
    read_action = Action.CREATE
    write_action = Action.CREATE

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["organization"] = self.org
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        initial["effective_on"] = timezone.localdate()
        spec = self.request.GET.get("spec", "")
        if spec:
            initial["specs"] = [spec]
        return initial

    def form_valid(self, form: UploadForm) -> HttpResponse:
        user = current_user(self.request)
        data = form.cleaned_data
        try:
            if data["kind"] == EvidenceKind.FILE:
                upload = data["file"]
                item = library.add_file(
                    self.org,
                    upload,
                    name=upload.name or "",
                    media_type=upload.content_type or "",
                    meta=form.metadata(),
                    links=form.links(),
                    user=user,
                )
            else:
                item = library.add_link(
                    self.org, data["url"], meta=form.metadata(), links=form.links(), user=user
                )
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Added {item.reference}: {item.title}.")
        return redirect("evidence:detail", self.org.slug, item.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            heading="Add evidence",
            multipart=True,
            max_size=describe_size(max_bytes()),
            cancel_url=reverse("evidence:list", args=[self.org.slug]),
        )
        return context


class EvidenceEditView(EvidenceView, FormView[EditForm]):
    """Change dates, reviewer, supersession and links."""

    template_name = "evidence/form.html"
    form_class = EditForm
    read_action = Action.CHANGE
    write_action = Action.CHANGE

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.pk = int(kwargs.pop("pk"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["item"] = self.object
        return kwargs

    def get_form(self, form_class: Any = None) -> EditForm:
        self.object = self.item(self.pk)
        return super().get_form(form_class)

    def get_initial(self) -> dict[str, Any]:
        item = self.object
        links = library.current_links(item)
        return {
            "title": item.title,
            "description": item.description,
            "effective_on": item.effective_on,
            "expires_on": item.expires_on,
            "reviewer": item.reviewer_id,
            "reviewed_on": item.reviewed_on,
            "last_in_effect_on": item.last_in_effect_on,
            "superseded_by": item.superseded_by_id,
            "superseded_on": item.superseded_on,
            "specs": list(links.spec_ids),
            "risks": [r.pk for r in links.risks],
            "assets": [a.pk for a in links.assets],
        }

    def form_valid(self, form: EditForm) -> HttpResponse:
        try:
            library.update(self.object, form.changes(), form.links())
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.object.reference}.")
        return redirect("evidence:detail", self.org.slug, self.object.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            heading=f"Edit {self.object.reference}",
            item=self.object,
            cancel_url=reverse("evidence:detail", args=[self.org.slug, self.object.pk]),
        )
        return context


class EvidenceDeleteView(EvidenceView, FormView[DeleteForm]):
    """Delete an item: inside its retention period only an owner may, with a reason."""

    template_name = "evidence/delete.html"
    form_class = DeleteForm
    read_action = Action.DELETE
    write_action = Action.DELETE

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.pk = int(kwargs.pop("pk"))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class: Any = None) -> DeleteForm:
        self.object = self.item(self.pk)
        return super().get_form(form_class)

    def form_valid(self, form: DeleteForm) -> HttpResponse:
        item = self.object
        try:
            library.delete(
                item,
                user=current_user(self.request),
                may_delete_early=self.can(Action.ADMINISTER),
                reason=form.cleaned_data["reason"],
            )
        except InputProblems as exc:
            for problem in exc.problems:
                form.add_error("reason" if problem.field == "reason" else None, problem.message)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Deleted {item.reference}; the deletion is recorded.")
        return redirect("evidence:list", self.org.slug)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        item = self.object
        context.update(
            item=item,
            retained_until=item.retained_until(),
            within_retention=item.within_retention(),
            may_delete_early=self.can(Action.ADMINISTER),
            cancel_url=reverse("evidence:detail", args=[self.org.slug, item.pk]),
        )
        return context


# Should a browser ever render a download, nothing in it runs, loads or frames anything.
DOWNLOAD_POLICY = (
    "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
)


def attachment(item: EvidenceItem, body: Any) -> StreamingHttpResponse:
    """A download that no browser renders: an attachment, never sniffed, sandboxed."""
    media_type = item.media_type or library.DEFAULT_MEDIA_TYPE
    response = StreamingHttpResponse(body, content_type=media_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=library.download_name(item))
        or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    if item.size is not None:
        response["Content-Length"] = str(item.size)
    response["Cache-Control"] = "no-store"
    return response


class EvidenceDownloadView(EvidenceView):
    """The item's content as an attachment, after checking its SHA-256; audit-logged."""

    read_action = Action.EXPORT
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.item(int(kwargs["pk"]))
        try:
            body = library.content(item)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except EvidenceFileError as exc:
            library.record_integrity_failure(item, str(exc))
            return TemplateResponse(
                request,
                "evidence/integrity_error.html",
                {"item": item, "problem": str(exc), "org": self.org, "nav": self.nav},
                status=409,
            )
        library.record_download(item)
        return attachment(item, body)  # type: ignore[return-value]


class DeletionListView(EvidenceView, ListView[EvidenceDeletion]):
    """What was deleted, when, by whom and why."""

    template_name = "evidence/deletions.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[EvidenceDeletion]:
        return EvidenceDeletion.objects.for_org(self.org)
