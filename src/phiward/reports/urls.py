from django.urls import URLPattern, URLResolver, path

from phiward.reports import views

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.ReportsView.as_view(), name="index"),
    path("risk-analysis/", views.RiskAnalysisDownload.as_view(), name="risk-analysis"),
    path("posture/", views.PostureDownload.as_view(), name="posture"),
    path("register/", views.RegisterDownload.as_view(), name="register"),
    path("evidence-package/", views.EvidencePackageDownload.as_view(), name="evidence-package"),
    path("oscal/<slug:document>/", views.OscalDownload.as_view(), name="oscal"),
]
