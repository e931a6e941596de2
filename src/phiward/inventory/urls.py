from django.urls import URLPattern, URLResolver, include, path
from django.views import View

from phiward.inventory import views

app_name = "inventory"


def _crud(
    prefix: str, resource: views.Resource, list_view: type[View], detail: type[View]
) -> list[URLPattern]:
    create, update, delete = views.editing_views(resource)
    name = resource.name
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}-list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{name}-create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}-detail"),
        path(f"{prefix}/<int:pk>/edit/", update.as_view(), name=f"{name}-update"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}-delete"),
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    *_crud("assets", views.ASSET, views.AssetListView, views.AssetDetailView),
    *_crud("flows", views.FLOW, views.FlowListView, views.FlowDetailView),
    *_crud("zones", views.ZONE, views.ZoneListView, views.ZoneDetailView),
    *_crud("vendors", views.VENDOR, views.VendorListView, views.VendorDetailView),
    path("map/", views.MapView.as_view(), name="map"),
    path("map.svg", views.MapDownloadView.as_view(), name="map-svg"),
    path("", include("phiward.inventory.urls_transfer")),
]
