from django.urls import URLPattern, URLResolver, path

from phiward.incidents.views import breach, incidents, intake, notices, playbooks, review

app_name = "incidents"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", incidents.IncidentListView.as_view(), name="list"),
    # Every member may report (the workforce only that); the answer is the thank-you page.
    path("report/", intake.ReportView.as_view(), name="report"),
    path("hhs-log/", notices.HhsLogView.as_view(), name="hhs-log"),
    path("hhs-log/csv/", notices.HhsLogCsvView.as_view(), name="hhs-log-csv"),
    path("notice-settings/", notices.NoticeSettingsView.as_view(), name="notice-settings"),
    path("playbooks/", playbooks.PlaybookListView.as_view(), name="playbooks"),
    path("playbooks/<slug:category>/", playbooks.PlaybookEditView.as_view(), name="playbook-edit"),
    # One incident: triage, status, timeline, playbook checklist.
    path("<int:pk>/", incidents.IncidentDetailView.as_view(), name="detail"),
    path("<int:pk>/triage/", incidents.TriageView.as_view(), name="triage"),
    path("<int:pk>/status/", incidents.StatusView.as_view(), name="status"),
    path("<int:pk>/timeline/", incidents.TimelineView.as_view(), name="timeline"),
    path("<int:pk>/playbook/", incidents.PlaybookApplyView.as_view(), name="playbook"),
    path("<int:pk>/steps/", incidents.StepCheckView.as_view(), name="step-check"),
    # The post-incident review.
    path("<int:pk>/review/", review.ReviewView.as_view(), name="review"),
    path("<int:pk>/review/complete/", review.ReviewCompleteView.as_view(), name="review-complete"),
    path("<int:pk>/follow-ups/", review.FollowUpView.as_view(), name="follow-up"),
    path("<int:pk>/follow-ups/done/", review.FollowUpDoneView.as_view(), name="follow-up-done"),
    # Breach: affected individuals, the assessment, its determination and sign-off, obligations.
    path("<int:pk>/affected/", breach.AffectedView.as_view(), name="affected"),
    path("<int:pk>/assessment/", breach.AssessmentView.as_view(), name="assessment"),
    path("<int:pk>/determination/", breach.DeterminationView.as_view(), name="determination"),
    path("<int:pk>/determination/sign/", breach.SignOffView.as_view(), name="sign-off"),
    path("<int:pk>/obligations/sent/", breach.SentView.as_view(), name="sent"),
    path(
        "<int:pk>/obligations/not-required/",
        breach.NotRequiredView.as_view(),
        name="not-required",
    ),
    # Notices.
    path("<int:pk>/notices/", notices.NoticesView.as_view(), name="notices"),
    path("<int:pk>/notices/text/", notices.NoticeTextView.as_view(), name="notice-text"),
    path("<int:pk>/notices/keep/", notices.NoticeKeepView.as_view(), name="notice-keep"),
]
