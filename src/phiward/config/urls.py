from django.contrib import admin
from django.urls import include, path

from phiward.api import api

urlpatterns = [
    path("", include("phiward.web.urls")),
    path("o/<slug:org>/inventory/", include("phiward.inventory.urls")),
    path("catalog/", include("phiward.catalog.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
