"""The audit-log page, under /o/<org>/audit/."""

from django.urls import path

from phiward.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditLogView.as_view(), name="log"),
    path("export/", views.AuditExportView.as_view(), name="export"),
]
