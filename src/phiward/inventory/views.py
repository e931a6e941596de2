"""Inventory pages: list (filters, search, htmx), detail, create, edit, delete, and the ePHI map.

Every view is an ``OrgView``: the organization comes from the URL, the membership decides
the allowed actions, and ``get_queryset`` is the organization's objects only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Model, Q, QuerySet
from django.forms import BaseForm, Form
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic import (
    CreateView,
    DeleteView,
    DetailView,
    ListView,
    TemplateView,
    UpdateView,
)

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.permissions import Action, Area
from phiward.inventory.forms import (
    AssetForm,
    DataFlowForm,
    OrgScopedModelForm,
    VendorForm,
    ZoneForm,
)
from phiward.inventory.models import (
    UNENCRYPTED_TRANSIT_Q,
    Asset,
    AssetKind,
    AtRestEncryption,
    BaaStatus,
    Criticality,
    DataFlow,
    Lifecycle,
    TransitEncryption,
    Vendor,
    Zone,
    ZoneKind,
    handles_ephi_q,
)
from phiward.web.orgviews import OrgView, is_partial_request

YES_NO = [("yes", "Yes"), ("no", "No")]


@dataclass(frozen=True)
class Filter:
    """One select in a list page's filter bar, applied as a queryset filter."""

    param: str
    label: str
    choices: list[tuple[str, str]]

    def apply(self, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        return queryset.filter(**{self.param: value})


@dataclass(frozen=True)
class FlagFilter(Filter):
    """A yes/no filter on a Q expression (e.g. 'handles ePHI')."""

    condition: Q = field(default_factory=Q)

    def apply(self, queryset: QuerySet[Any], value: str) -> QuerySet[Any]:
        return (
            queryset.filter(self.condition) if value == "yes" else queryset.exclude(self.condition)
        )


class InventoryView(OrgView):
    area = Area.INVENTORY


@dataclass(frozen=True)
class Resource:
    """One inventory resource as the generic views see it."""

    name: str  # URL name prefix: asset, flow, zone, vendor
    plural: str
    nav: str
    model: type[Model]
    form: type[OrgScopedModelForm]
    # Fields a "new …" link may preset through the query string (e.g. a flow's source).
    prefill: tuple[str, ...] = ()


ASSET = Resource("asset", "Assets", "assets", Asset, AssetForm, ("zone", "vendor", "kind"))
FLOW = Resource(
    "flow",
    "Data flows",
    "flows",
    DataFlow,
    DataFlowForm,
    ("source_asset", "source_vendor", "destination_asset", "destination_vendor"),
)
ZONE = Resource("zone", "Network zones", "zones", Zone, ZoneForm)
VENDOR = Resource("vendor", "Vendors", "vendors", Vendor, VendorForm)


class ResourceMixin(InventoryView):
    """The generic views' shared part: the resource's objects in this organization only."""

    resource: ClassVar[Resource]

    def get_queryset(self) -> QuerySet[Any]:
        return self.resource.model.objects.for_org(self.org)  # type: ignore[attr-defined,no-any-return]

    def get_form_class(self) -> type[BaseForm]:
        return self.resource.form

    def get_success_url(self) -> str:
        obj: Model = self.object  # type: ignore[attr-defined]
        return reverse(f"inventory:{self.resource.name}-detail", args=[self.org.slug, obj.pk])

    def list_url(self) -> str:
        return reverse(f"inventory:{self.resource.name}-list", args=[self.org.slug])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            resource=self.resource.name, plural=self.resource.plural, nav=self.resource.nav
        )
        return context


class ResourceListView(ResourceMixin, ListView):
    paginate_by = 50
    search_fields: ClassVar[tuple[str, ...]] = ("name",)
    related: ClassVar[tuple[str, ...]] = ()

    def filters(self) -> list[Filter]:
        return []

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset().select_related(*self.related)
        for spec in self.filters():
            value = self.request.GET.get(spec.param, "")
            if value and value in {key for key, _ in spec.choices}:
                queryset = spec.apply(queryset, value)
        query = self.request.GET.get("q", "").strip()
        if query:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": query})
            queryset = queryset.filter(condition)
        return queryset

    def get_template_names(self) -> list[str]:
        if is_partial_request(self.request):
            return [f"inventory/_{self.resource.name}_table.html"]
        return [f"inventory/{self.resource.name}_list.html"]

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filters"] = [
            (spec, self.request.GET.get(spec.param, "")) for spec in self.filters()
        ]
        context["q"] = self.request.GET.get("q", "")
        params = self.request.GET.copy()
        params.pop("page", None)
        context["query_string"] = params.urlencode()
        return context


class ResourceDetailView(ResourceMixin, DetailView):
    def get_template_names(self) -> list[str]:
        return [f"inventory/{self.resource.name}_detail.html"]


class ResourceFormMixin(ResourceMixin):
    def get_template_names(self) -> list[str]:
        return ["inventory/object_form.html"]

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["organization"] = self.org
        return kwargs

    def form_valid(self, form: BaseForm) -> HttpResponse:
        try:
            with transaction.atomic():
                response: HttpResponse = super().form_valid(form)  # type: ignore[misc]
        except IntegrityError:
            # Someone saved the same name between our check and the save.
            form.add_error("name", "A record with this name was just saved by someone else.")
            return self.form_invalid(form)  # type: ignore[attr-defined,no-any-return]
        messages.success(self.request, f"Saved {self.object}.")  # type: ignore[attr-defined]
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.list_url()
        return context


class ResourceCreateView(ResourceFormMixin, CreateView):
    read_action = Action.CREATE
    write_action = Action.CREATE

    def get_initial(self) -> dict[str, Any]:
        # Prefill from the query string, e.g. "new flow from this asset" links.
        initial: dict[str, Any] = super().get_initial()
        for key in self.resource.prefill:
            value = self.request.GET.get(key, "")
            if value.isdigit() or (key == "kind" and value):
                initial[key] = value
        return initial


class ResourceUpdateView(ResourceFormMixin, UpdateView):
    read_action = Action.CHANGE
    write_action = Action.CHANGE


class ResourceDeleteView(ResourceMixin, DeleteView):
    read_action = Action.DELETE
    write_action = Action.DELETE

    def get_template_names(self) -> list[str]:
        return ["inventory/object_confirm_delete.html"]

    def get_form_class(self) -> type[BaseForm]:
        return Form  # a bare confirmation form, not the resource's edit form

    def get_success_url(self) -> str:
        return self.list_url()

    def form_valid(self, form: BaseForm) -> HttpResponse:
        name = str(self.object)
        response: HttpResponse = super().form_valid(form)
        messages.success(self.request, f"Deleted {name}.")
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "cancel_url": self.get_success_url()}


# --- assets ---------------------------------------------------------------------------------


class AssetListView(ResourceListView):
    resource = ASSET
    search_fields = ("name", "hostname", "ip_address", "serial_number", "owner", "site", "model")
    related = ("zone", "vendor")

    def filters(self) -> list[Filter]:
        zones = [
            (str(pk), name) for pk, name in Zone.objects.for_org(self.org).values_list("pk", "name")
        ]
        return [
            Filter("kind", "Kind", AssetKind.choices),
            Filter("zone", "Zone", zones),
            FlagFilter("ephi", "Handles ePHI", YES_NO, condition=handles_ephi_q()),
            Filter("encryption_at_rest", "Encryption at rest", AtRestEncryption.choices),
            Filter("criticality", "Criticality", Criticality.choices),
            Filter("lifecycle", "Lifecycle", Lifecycle.choices),
        ]


class AssetDetailView(ResourceDetailView):
    resource = ASSET

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        asset: Asset = self.object
        flows = DataFlow.objects.for_org(self.org).select_related(
            "source_asset", "source_vendor", "destination_asset", "destination_vendor"
        )
        context["flows"] = flows.filter(Q(source_asset=asset) | Q(destination_asset=asset))
        return context


# --- data flows -----------------------------------------------------------------------------


class FlowListView(ResourceListView):
    resource = FLOW
    search_fields = (
        "name",
        "protocol",
        "purpose",
        "source_asset__name",
        "source_vendor__name",
        "destination_asset__name",
        "destination_vendor__name",
    )
    related = ("source_asset", "source_vendor", "destination_asset", "destination_vendor")

    def filters(self) -> list[Filter]:
        return [
            Filter("transit_encryption", "Transit encryption", TransitEncryption.choices),
            FlagFilter("unencrypted", "Unencrypted", YES_NO, condition=UNENCRYPTED_TRANSIT_Q),
            FlagFilter("ephi", "Carries ePHI", YES_NO, condition=~Q(ephi_categories=[])),
        ]


class FlowDetailView(ResourceDetailView):
    resource = FLOW

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related(*FlowListView.related)


# --- zones ----------------------------------------------------------------------------------


class ZoneListView(ResourceListView):
    resource = ZONE
    search_fields = ("name", "description", "cidrs")

    def filters(self) -> list[Filter]:
        return [Filter("kind", "Kind", ZoneKind.choices)]

    def get_queryset(self) -> QuerySet[Any]:
        zones: QuerySet[Any] = super().get_queryset()
        annotated: QuerySet[Any] = zones.annotate(
            asset_count=Count("assets"),
            ephi_count=Count("assets", filter=handles_ephi_q("assets__")),
        ).order_by("name")
        return annotated


# Detail pages list at most this many related objects and link to the filtered list for more.
DETAIL_LIMIT = 100


class ZoneDetailView(ResourceDetailView):
    resource = ZONE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        assets = Asset.objects.for_org(self.org).filter(zone=self.object)
        context["asset_count"] = assets.count()
        context["assets"] = assets[:DETAIL_LIMIT]
        return context


# --- vendors --------------------------------------------------------------------------------


class VendorListView(ResourceListView):
    resource = VENDOR
    search_fields = ("name", "service", "contact")

    def filters(self) -> list[Filter]:
        return [
            Filter("baa_status", "BAA", BaaStatus.choices),
            FlagFilter("ephi", "Handles ePHI", YES_NO, condition=Q(handles_ephi=True)),
            FlagFilter("remote", "Remote access", YES_NO, condition=Q(remote_access=True)),
        ]


class VendorDetailView(ResourceDetailView):
    resource = VENDOR

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        vendor: Vendor = self.object
        context["assets"] = Asset.objects.for_org(self.org).filter(vendor=vendor)
        context["flows"] = (
            DataFlow.objects.for_org(self.org)
            .filter(Q(source_vendor=vendor) | Q(destination_vendor=vendor))
            .select_related(*FlowListView.related)
        )
        return context


# --- the ePHI map ---------------------------------------------------------------------------


class MapView(InventoryView, TemplateView):
    nav = "map"
    template_name = "inventory/map.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from phiward.inventory.epmap import render_org_map

        return {**super().get_context_data(**kwargs), "map_svg": render_org_map(self.org)}


class MapDownloadView(InventoryView):
    read_action = Action.EXPORT

    def get(self, request: HttpRequest) -> HttpResponse:
        from phiward.inventory.epmap import render_org_map

        response = HttpResponse(render_org_map(self.org), content_type="image/svg+xml")
        record(
            AuditEvent(
                action=AuditAction.DOWNLOAD,
                organization_id=self.org.pk,
                object_type="inventory.map",
                summary="ePHI map downloaded (SVG)",
            )
        )
        response["Content-Disposition"] = f'attachment; filename="{self.org.slug}-ephi-map.svg"'
        return response


def editing_views(resource: Resource) -> tuple[type[View], type[View], type[View]]:
    """The create, edit and delete views of a resource: nothing in them is resource-specific."""
    title = resource.name.capitalize()
    return (
        type(f"{title}CreateView", (ResourceCreateView,), {"resource": resource}),
        type(f"{title}UpdateView", (ResourceUpdateView,), {"resource": resource}),
        type(f"{title}DeleteView", (ResourceDeleteView,), {"resource": resource}),
    )
