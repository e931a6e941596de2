from django.urls import URLPattern, URLResolver, include, path
from django.views import View

from phiward.inventory import views

app_name = "inventory"


def _crud(
    prefix: str,
    resource: str,
    list_view: type[View],
    detail: type[View],
    create: type[View],
    update: type[View],
    delete: type[View],
) -> list[URLPattern]:
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{resource}-list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{resource}-create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{resource}-detail"),
        path(f"{prefix}/<int:pk>/edit/", update.as_view(), name=f"{resource}-update"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{resource}-delete"),
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    *_crud(
        "assets",
        "asset",
        views.AssetListView,
        views.AssetDetailView,
        views.AssetCreateView,
        views.AssetUpdateView,
        views.AssetDeleteView,
    ),
    *_crud(
        "flows",
        "flow",
        views.FlowListView,
        views.FlowDetailView,
        views.FlowCreateView,
        views.FlowUpdateView,
        views.FlowDeleteView,
    ),
    *_crud(
        "zones",
        "zone",
        views.ZoneListView,
        views.ZoneDetailView,
        views.ZoneCreateView,
        views.ZoneUpdateView,
        views.ZoneDeleteView,
    ),
    *_crud(
        "vendors",
        "vendor",
        views.VendorListView,
        views.VendorDetailView,
        views.VendorCreateView,
        views.VendorUpdateView,
        views.VendorDeleteView,
    ),
    path("map/", views.MapView.as_view(), name="map"),
    path("map.svg", views.MapDownloadView.as_view(), name="map-svg"),
    path("", include("phiward.inventory.urls_transfer")),
]
