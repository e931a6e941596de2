"""``/api/organizations/{org}/risk/...``: analyses (questionnaire answers, proposals, approval,
versions and diffs, heat maps), the register (risks, ratings, closing), treatments and tasks,
the remediation plan and the threat and vulnerability catalog.

Every operation goes through ``org_scope`` with the action it needs (approving an analysis or
an acceptance needs ``approve``); every write goes through ``phiward.risk.services``, whose
``InputProblems`` answer 422 naming the fields as this API calls them.
"""

from phiward.risk.api import analyses, register  # their operations register on the router
from phiward.risk.api.common import router

__all__ = ["analyses", "register", "router"]
