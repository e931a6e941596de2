from django.urls import URLPattern, URLResolver, path

from phiward.risk.views import analyses, approval, catalog, overview, proposals, register
from phiward.risk.views import treatments as treat

app_name = "risk"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", overview.OverviewView.as_view(), name="overview"),
    path("plan/", overview.PlanView.as_view(), name="plan"),
    # The analysis wizard: scope and method, questionnaire, proposals, approval.
    path("analyses/", analyses.AnalysisListView.as_view(), name="analysis-list"),
    path("analyses/new/", analyses.AnalysisStartView.as_view(), name="analysis-start"),
    path("analyses/<int:pk>/", analyses.AnalysisDetailView.as_view(), name="analysis-detail"),
    path("analyses/<int:pk>/edit/", analyses.AnalysisEditView.as_view(), name="analysis-edit"),
    path(
        "analyses/<int:pk>/questionnaire/",
        analyses.QuestionnaireView.as_view(),
        name="questionnaire",
    ),
    path("analyses/<int:pk>/answer/", analyses.AnswerView.as_view(), name="answer"),
    path("analyses/<int:pk>/proposals/", proposals.ProposalListView.as_view(), name="proposals"),
    path("analyses/<int:pk>/proposals/sync/", proposals.SyncView.as_view(), name="proposal-sync"),
    path("proposals/<int:pk>/accept/", proposals.AcceptView.as_view(), name="proposal-accept"),
    path("proposals/<int:pk>/dismiss/", proposals.DismissView.as_view(), name="proposal-dismiss"),
    path("analyses/<int:pk>/approve/", approval.ApproveView.as_view(), name="approve"),
    path("analyses/<int:pk>/diff/", approval.DiffView.as_view(), name="diff"),
    path("versions/<int:pk>/", approval.VersionDetailView.as_view(), name="version-detail"),
    # The register.
    path("risks/", register.RegisterView.as_view(), name="register"),
    path("risks/new/", register.RiskCreateView.as_view(), name="risk-create"),
    path("risks/<int:pk>/", register.RiskDetailView.as_view(), name="risk-detail"),
    path("risks/<int:pk>/edit/", register.RiskEditView.as_view(), name="risk-edit"),
    path("risks/<int:pk>/rate/", register.RateView.as_view(), name="risk-rate"),
    path("risks/<int:pk>/confirm/", register.ConfirmView.as_view(), name="risk-confirm"),
    path("risks/<int:pk>/close/", register.CloseView.as_view(), name="risk-close"),
    path("risks/<int:pk>/reopen/", register.ReopenView.as_view(), name="risk-reopen"),
    path(
        "risks/<int:pk>/treatments/new/",
        treat.TreatmentCreateView.as_view(),
        name="treatment-create",
    ),
    path("treatments/<int:pk>/edit/", treat.TreatmentEditView.as_view(), name="treatment-edit"),
    path(
        "treatments/<int:pk>/approve/",
        treat.TreatmentApproveView.as_view(),
        name="treatment-approve",
    ),
    path("treatments/<int:pk>/tasks/new/", treat.TaskCreateView.as_view(), name="task-create"),
    path("tasks/<int:pk>/done/", treat.TaskCompleteView.as_view(), name="task-complete"),
    # The organization's threat and vulnerability catalog.
    path("threats/", catalog.ThreatListView.as_view(), name="threat-list"),
    path("threats/new/", catalog.ThreatCreateView.as_view(), name="threat-create"),
    path("threats/<int:pk>/edit/", catalog.ThreatEditView.as_view(), name="threat-edit"),
    path("vulnerabilities/", catalog.VulnerabilityListView.as_view(), name="vulnerability-list"),
    path(
        "vulnerabilities/new/",
        catalog.VulnerabilityCreateView.as_view(),
        name="vulnerability-create",
    ),
    path(
        "vulnerabilities/<int:pk>/edit/",
        catalog.VulnerabilityEditView.as_view(),
        name="vulnerability-edit",
    ),
]
