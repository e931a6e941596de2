from django.urls import URLPattern, URLResolver, path

from phiward.safeguards import views

app_name = "safeguards"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.MatrixView.as_view(), name="matrix"),
    path("posture/", views.PostureView.as_view(), name="posture"),
    path("<str:key>/", views.DetailView.as_view(), name="detail"),
    path("<str:key>/edit/", views.EditView.as_view(), name="edit"),
    path("<str:key>/approve/", views.ApproveView.as_view(), name="approve"),
    path("<str:key>/reject/", views.RejectView.as_view(), name="reject"),
    path("<str:key>/risks/", views.RiskLinksView.as_view(), name="risks"),
]
