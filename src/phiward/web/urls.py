from allauth.account import views as account_views
from django.urls import include, path

from phiward.accounts import views as account_pages
from phiward.web import views, views_members

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    # allauth's e-mail management is not served (its page also needs an inline script); the
    # name stays so that allauth's own links and redirects still resolve.
    path("accounts/email/", account_pages.no_email_page, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("login/", account_views.LoginView.as_view(), name="account_login"),  # one login page
    path("", include("phiward.accounts.urls")),
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
    path("o/<slug:org>/people/", views_members.MembersView.as_view(), name="members"),
    path("o/<slug:org>/people/add/", views_members.MemberAddView.as_view(), name="member-add"),
    path(
        "o/<slug:org>/people/u/<str:username>/",
        views_members.MemberEditView.as_view(),
        name="member-edit",
    ),
    path(
        "o/<slug:org>/people/u/<str:username>/remove/",
        views_members.MemberRemoveView.as_view(),
        name="member-remove",
    ),
    path("o/<slug:org>/profile/", views_members.OrgProfileView.as_view(), name="org-profile"),
    path(
        "o/<slug:org>/profile/edit/",
        views_members.OrgProfileEditView.as_view(),
        name="org-profile-edit",
    ),
    path("o/<slug:org>/tokens/", include("phiward.tokens.urls")),
    path("o/<slug:org>/audit/", include("phiward.audit.urls")),
    path("healthz", views.healthz, name="healthz"),
]
