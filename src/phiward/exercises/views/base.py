from __future__ import annotations

from django.http import Http404

from phiward.core.permissions import Area
from phiward.exercises.models import Exercise, FollowUpAction, IRPlanVersion
from phiward.web.orgviews import OrgView


class IncidentsView(OrgView):
    area = Area.INCIDENTS
    nav = "exercises"

    def exercise(self, pk: int) -> Exercise:
        found = Exercise.objects.for_org(self.org).filter(pk=pk).first()
        if found is None:
            raise Http404("No such exercise here.")
        return found

    def action(self, pk: int) -> FollowUpAction:
        found = (
            FollowUpAction.objects.for_org(self.org)
            .filter(pk=pk)
            .select_related("exercise")
            .first()
        )
        if found is None:
            raise Http404("No such follow-up action here.")
        return found

    def version(self, pk: int) -> IRPlanVersion:
        found = (
            IRPlanVersion.objects.for_org(self.org)
            .filter(pk=pk)
            .select_related("approved_by", "created_by", "source_exercise", "based_on")
            .first()
        )
        if found is None:
            raise Http404("No such plan version here.")
        return found
