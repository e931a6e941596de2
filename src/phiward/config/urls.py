from django.contrib import admin
from django.urls import include, path

from phiward.api import api

urlpatterns = [
    path("", include("phiward.web.urls")),
    path("o/<slug:org>/inventory/", include("phiward.inventory.urls")),
    path("o/<slug:org>/risk/", include("phiward.risk.urls")),
    path("o/<slug:org>/safeguards/", include("phiward.safeguards.urls")),
    path("o/<slug:org>/evidence/", include("phiward.evidence.urls")),
    path("o/<slug:org>/reports/", include("phiward.reports.urls")),
    path("o/<slug:org>/incidents/", include("phiward.incidents.urls")),
    path("o/<slug:org>/calendar/", include("phiward.calendar.urls")),
    path("o/<slug:org>/exercises/", include("phiward.exercises.urls")),
    path("catalog/", include("phiward.catalog.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
