from django.urls import URLPattern, URLResolver, path

from phiward.evidence import views

app_name = "evidence"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.EvidenceListView.as_view(), name="list"),
    path("upload/", views.EvidenceUploadView.as_view(), name="upload"),
    path("deleted/", views.DeletionListView.as_view(), name="deletions"),
    path("<int:pk>/", views.EvidenceDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EvidenceEditView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.EvidenceDeleteView.as_view(), name="delete"),
    path("<int:pk>/download/", views.EvidenceDownloadView.as_view(), name="download"),
]
