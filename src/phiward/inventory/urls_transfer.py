"""The import / export page; included into the ``inventory`` namespace by inventory/urls.py."""

from django.urls import path

from phiward.inventory import views_transfer

urlpatterns = [
    path("transfer/", views_transfer.TransferView.as_view(), name="transfer"),
    path("transfer/export/", views_transfer.ExportView.as_view(), name="export"),
    path("transfer/import/", views_transfer.ImportView.as_view(), name="import"),
]
