"""``/api/organizations/{org}/incidents/...``: incidents (intake, triage, status, timeline),
playbooks and steps, the post-incident review, breach assessments and their sign-off,
obligations, affected individuals, notice drafts and the annual HHS log.

Every operation goes through ``org_scope`` in the incidents area with the action it needs
(workforce members may only create: the intake); every write goes through
``phiward.incidents.services``, whose ``InputProblems`` answer 422 naming the fields.
"""

from phiward.incidents.api import breach, incidents, response  # operations register
from phiward.incidents.api.common import router

__all__ = ["breach", "incidents", "response", "router"]
