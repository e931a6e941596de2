from django.urls import URLPattern, URLResolver, path

from phiward.exercises.views import plan, records

app_name = "exercises"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", records.ExerciseListView.as_view(), name="list"),
    path("new/", records.ExerciseCreateView.as_view(), name="create"),
    path("settings/", records.IntervalsView.as_view(), name="intervals"),
    path("major-changes/new/", records.MajorChangeView.as_view(), name="major-change"),
    path("<int:pk>/", records.ExerciseDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", records.ExerciseEditView.as_view(), name="edit"),
    path("<int:pk>/actions/new/", records.ActionCreateView.as_view(), name="action-create"),
    path("<int:pk>/revise-plan/", records.OpenRevisionView.as_view(), name="open-revision"),
    path("actions/<int:pk>/done/", records.ActionDoneView.as_view(), name="action-done"),
    path("plan/", plan.PlanListView.as_view(), name="plan"),
    path("plan/new/", plan.PlanStartView.as_view(), name="plan-start"),
    path("plan/<int:pk>/", plan.PlanDetailView.as_view(), name="plan-detail"),
    path("plan/<int:pk>/edit/", plan.PlanEditView.as_view(), name="plan-edit"),
    path("plan/<int:pk>/approve/", plan.PlanApproveView.as_view(), name="plan-approve"),
    path("plan/<int:pk>/diff/", plan.PlanDiffView.as_view(), name="plan-diff"),
]
