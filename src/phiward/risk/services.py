"""The risk domain's write and read operations in one place, for the web, the API and the CLI.

Each lives in the module of its concern; this module only gathers them. Writes validate
through the models, save through ``save()`` (audit-logged in the same transaction) and raise
``phiward.core.errors`` exceptions (``InputProblems`` naming the field) on bad input. Functions
that sign something off (``approve_analysis``, ``approve_acceptance``) also check that the
signer may approve risk decisions; the caller checks the request's permission as usual.
"""

from __future__ import annotations

from phiward.risk.analysis import (
    SyncResult,
    accept_proposal,
    default_title,
    dismiss_proposal,
    latest_analysis,
    record_answer,
    start_analysis,
    sync_proposals,
    update_analysis,
)
from phiward.risk.approval import (
    approve_analysis,
    blockers,
    diff_since_approval,
    diff_versions,
    verify_version,
)
from phiward.risk.changes import flag_risks
from phiward.risk.charts import (
    HeatMaps,
    TreatmentProgress,
    heat_maps,
    risk_trend,
    treatment_progress,
)
from phiward.risk.org_catalog import ensure_catalog
from phiward.risk.register import (
    KEEP,
    add_risk,
    close_risk,
    confirm_risk,
    link_assets,
    next_number,
    rate_risk,
    remediation_plan,
    reopen_risk,
    update_risk,
)
from phiward.risk.treatments import (
    add_task,
    add_treatment,
    approve_acceptance,
    complete_task,
    lapsed_acceptances,
    overdue_tasks,
    overdue_treatments,
    pending_acceptances,
    update_task,
    update_treatment,
)

__all__ = [
    "KEEP",
    "HeatMaps",
    "SyncResult",
    "TreatmentProgress",
    "accept_proposal",
    "add_risk",
    "add_task",
    "add_treatment",
    "approve_acceptance",
    "approve_analysis",
    "blockers",
    "close_risk",
    "complete_task",
    "confirm_risk",
    "default_title",
    "diff_since_approval",
    "diff_versions",
    "dismiss_proposal",
    "ensure_catalog",
    "flag_risks",
    "heat_maps",
    "lapsed_acceptances",
    "latest_analysis",
    "link_assets",
    "next_number",
    "overdue_tasks",
    "overdue_treatments",
    "pending_acceptances",
    "rate_risk",
    "record_answer",
    "remediation_plan",
    "reopen_risk",
    "risk_trend",
    "start_analysis",
    "sync_proposals",
    "treatment_progress",
    "update_analysis",
    "update_risk",
    "update_task",
    "update_treatment",
    "verify_version",
]
