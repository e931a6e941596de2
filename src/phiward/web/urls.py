from django.contrib.auth import views as auth_views
from django.urls import path

from phiward.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="phiward/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/", views.OrganizationListView.as_view(), name="org-list"),
    path("orgs/switch/", views.switch_org, name="switch-org"),
    path("o/<slug:org>/", views.DashboardView.as_view(), name="dashboard"),
    path("o/<slug:org>/governance/", views.GovernanceView.as_view(), name="governance"),
    path(
        "o/<slug:org>/governance/officer/",
        views.AppointOfficerView.as_view(),
        name="appoint-officer",
    ),
    path(
        "o/<slug:org>/governance/matrix/",
        views.ResponsibilityMatrixView.as_view(),
        name="raci-edit",
    ),
    path("healthz", views.healthz, name="healthz"),
]
