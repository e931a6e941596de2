from django.urls import path

from phiward.tokens import views

app_name = "tokens"

urlpatterns = [
    path("", views.TokensView.as_view(), name="list"),
    path("revoke/", views.TokenRevokeView.as_view(), name="revoke"),
]
