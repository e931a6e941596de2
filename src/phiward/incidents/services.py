"""The incidents domain's write and read operations in one place, for the web, the API and the
CLI. Each lives in the module of its concern; this module only gathers them.

Every write is atomic and on the audit log (model signals, in the same transaction). Callers
check the request's permission (``org_scope`` / ``OrgView``); ``sign_off`` also checks that the
signer may approve in the incidents area. Bad input raises ``InputProblems`` naming the field.
"""

from __future__ import annotations

from phiward.incidents.affected import ListSummary, StateCount, summarise_list
from phiward.incidents.playbook_data import StepSpec
from phiward.incidents.services_breach import (
    assess,
    current_assessment,
    individuals_facts,
    mark_not_required,
    record_sent,
    set_affected_counts,
    sign_off,
    signed_assessment,
    upload_affected_list,
)
from phiward.incidents.services_intake import (
    KEEP,
    MANUAL_KINDS,
    Report,
    add_timeline_entry,
    allowed_statuses,
    change_status,
    next_number,
    report,
    update_triage,
)
from phiward.incidents.services_notices import (
    Draft,
    NoticeDrafts,
    annual_log_entries,
    determination_in_force,
    log_entry,
    notice_drafts,
    notice_settings,
    notice_text,
    record_log_export,
    save_notice_as_evidence,
    update_notice_settings,
    update_notice_text,
)
from phiward.incidents.services_playbooks import (
    apply_playbook,
    check_step,
    ensure_playbooks,
    playbook_for,
    update_playbook,
)
from phiward.incidents.services_review import (
    add_follow_up,
    complete_follow_up,
    complete_review,
    review_of,
    save_review,
)

__all__ = [
    "KEEP",
    "MANUAL_KINDS",
    "Draft",
    "ListSummary",
    "NoticeDrafts",
    "Report",
    "StateCount",
    "StepSpec",
    "add_follow_up",
    "add_timeline_entry",
    "allowed_statuses",
    "annual_log_entries",
    "apply_playbook",
    "assess",
    "change_status",
    "check_step",
    "complete_follow_up",
    "complete_review",
    "current_assessment",
    "determination_in_force",
    "ensure_playbooks",
    "individuals_facts",
    "log_entry",
    "mark_not_required",
    "next_number",
    "notice_drafts",
    "notice_settings",
    "notice_text",
    "playbook_for",
    "record_log_export",
    "record_sent",
    "report",
    "review_of",
    "save_notice_as_evidence",
    "save_review",
    "set_affected_counts",
    "sign_off",
    "signed_assessment",
    "summarise_list",
    "update_notice_settings",
    "update_notice_text",
    "update_playbook",
    "update_triage",
    "upload_affected_list",
]
