from django.urls import path

from phiward.accounts import views

urlpatterns = [
    path("o/<slug:org>/security/", views.PolicyView.as_view(), name="account-policy"),
    path(
        "o/<slug:org>/people/u/<str:username>/sessions/end/",
        views.EndMemberSessionsView.as_view(),
        name="member-sessions-end",
    ),
]
