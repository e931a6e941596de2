"""Safeguard statuses: one per organization and Security Rule standard or specification (S9).

- ``SafeguardStatus``: the implementation status of one entry of the shipped catalog
  (``phiward.catalog``, framework ``hipaa-security``, keyed by the entry id such as
  ``164.312(a)(2)(iv)``), its owner, how it is met, its policies and procedures, when it was last
  reviewed and by whom; for an addressable specification the decision 164.306(d)(3) requires;
  for a required entry marked "not applicable", the reason and its approval.
- ``SafeguardRisk``: a risk of the register the safeguard addresses (saved one by one, so every
  link is in the audit log).

A row exists once something was recorded for the entry; until then the entry reads as "not
implemented", unassessed (``services.statuses``). The rules every writer must follow live in
``clean()``; the state changes (asking for and approving "not applicable", the last review)
live in ``services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from phiward.catalog import catalog
from phiward.catalog.catalog import CatalogEntry, FrameworkId, Requirement
from phiward.core.models import Membership, OrgScopedModel
from phiward.core.permissions import Action, Area, Role, allowed
from phiward.safeguards.status import Decision, Implementation, Recorded

MAX_POLICIES = 50
MAX_POLICY_TEXT = 500


def security_entry(spec_id: str) -> CatalogEntry | None:
    """The Security Rule standard or specification with this id (or key), if there is one."""
    found = catalog.load(FrameworkId.HIPAA_SECURITY).get(spec_id)
    return found if found is not None and found.requirement is not None else None


class SafeguardStatus(OrgScopedModel):
    spec_id = models.CharField(
        "specification", max_length=40, help_text="Security Rule citation, e.g. 164.312(b)"
    )
    status = models.CharField(
        max_length=20,
        choices=[(s.value, s.label) for s in Implementation],
        default=Implementation.NOT_IMPLEMENTED.value,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField("how it is met", blank=True)
    policies = models.JSONField(
        "policies and procedures",
        default=list,
        blank=True,
        help_text="Documents that describe it: title, and a URL or a document reference",
    )
    # Addressable specifications only (164.306(d)(3)).
    decision = models.CharField(
        max_length=20, choices=[(d.value, d.label) for d in Decision], blank=True
    )
    alternative = models.TextField(
        "equivalent alternative measure", blank=True, help_text="What is done instead"
    )
    rationale = models.TextField(
        blank=True,
        help_text="Why the specification as written is not reasonable and appropriate",
    )
    # "Not applicable" on a required standard or specification: a reason, then an approval.
    na_reason = models.TextField("reason it does not apply", blank=True)
    na_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    na_requested_at = models.DateTimeField(null=True, blank=True)
    na_prior_status = models.CharField(
        max_length=20,
        choices=[(s.value, s.label) for s in Implementation],
        blank=True,
        help_text="The status before "
        '"not applicable" was asked for, restored when the request is rejected',
    )
    na_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    na_approved_at = models.DateTimeField(null=True, blank=True)
    na_rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    na_rejected_at = models.DateTimeField(null=True, blank=True)
    na_rejection_note = models.TextField(blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["spec_id"]
        verbose_name = "safeguard status"
        verbose_name_plural = "safeguard statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "spec_id"], name="safeguard_status_unique"
            )
        ]

    def __str__(self) -> str:
        found = security_entry(self.spec_id)
        return f"{self.spec_id} {found.title}" if found else self.spec_id

    # --- what it is -----------------------------------------------------------------------------

    @property
    def entry(self) -> CatalogEntry:
        found = security_entry(self.spec_id)
        if found is None:
            raise ValueError(f"'{self.spec_id}' is not a Security Rule standard or specification")
        return found

    @property
    def is_recorded(self) -> bool:
        """Saved: something was recorded for the entry (else it is an unsaved default)."""
        return not self._state.adding

    @property
    def requirement(self) -> Requirement:
        return self.entry.requirement or Requirement.REQUIRED

    @property
    def implementation(self) -> Implementation:
        return Implementation(self.status)

    @property
    def decision_enum(self) -> Decision | None:
        return Decision(self.decision) if self.decision else None

    @property
    def na_pending(self) -> bool:
        return (
            self.status == Implementation.NOT_APPLICABLE
            and self.requirement is Requirement.REQUIRED
            and self.na_approved_by_id is None
        )

    def recorded(self) -> Recorded:
        return Recorded(
            spec_id=self.spec_id,
            status=self.implementation,
            requirement=self.requirement,
            decision=self.decision_enum,
            na_approved=self.na_approved_by_id is not None,
            assessed=self.is_recorded,
        )

    # --- rules ----------------------------------------------------------------------------------

    def clean(self) -> None:
        errors: dict[str, str] = {}
        found = security_entry(self.spec_id)
        if found is None:
            errors["spec_id"] = (
                f"'{self.spec_id}' is not a standard or implementation specification of the "
                "Security Rule catalog."
            )
            raise ValidationError(errors)
        if self.status not in set(Implementation) or self.decision not in {"", *Decision}:
            return  # clean_fields names the unknown choice
        for name in ("description", "alternative", "rationale", "na_reason", "na_rejection_note"):
            setattr(self, name, (getattr(self, name) or "").strip())
        self._check_owner(errors)
        self._check_policies(errors)
        if found.requirement is Requirement.ADDRESSABLE:
            self._check_decision(errors)
        else:
            self._check_required(errors)
        self._check_approval(errors)
        if errors:
            raise ValidationError(errors)

    def _member_role(self, user_id: int | None) -> Role | None:
        if user_id is None:
            return None
        role = (
            Membership.objects.filter(user_id=user_id, organization_id=self.organization_id)
            .values_list("role", flat=True)
            .first()
        )
        return Role(role) if role else None

    def _check_owner(self, errors: dict[str, str]) -> None:
        if self.owner_id is not None and self._member_role(self.owner_id) is None:
            errors["owner"] = "The owner must be a member of this organization."

    def _check_policies(self, errors: dict[str, str]) -> None:
        problem = policies_problem(self.policies)
        if problem:
            errors["policies"] = problem
            return
        self.policies = [
            {name: str(item.get(name, "")).strip() for name in ("title", "url", "reference")}
            for item in self.policies
        ]

    def _check_decision(self, errors: dict[str, str]) -> None:
        status, decision = self.implementation, self.decision_enum
        if self.na_reason:
            errors["na_reason"] = (
                "An addressable specification does not apply only when it is not reasonable and "
                "appropriate: record that decision and its rationale instead."
            )
        if self.alternative and decision is not Decision.ALTERNATIVE:
            errors["alternative"] = (
                "An alternative measure goes with the decision 'equivalent alternative measure'."
            )
        if decision is None:
            if status is not Implementation.NOT_IMPLEMENTED:
                errors["decision"] = (
                    "An addressable specification needs a recorded decision (164.306(d)(3)): "
                    "implemented as specified, an equivalent alternative, or not reasonable and "
                    "appropriate."
                )
            return
        if decision is Decision.ALTERNATIVE and not self.alternative:
            errors["alternative"] = "Describe the equivalent alternative measure."
        if decision in (Decision.ALTERNATIVE, Decision.NOT_REASONABLE) and not self.rationale:
            errors["rationale"] = (
                "Document why the specification as written is not reasonable and appropriate "
                "(164.306(d)(3)(ii)(B)(1))."
            )
        if decision is Decision.NOT_REASONABLE:
            if status is not Implementation.NOT_APPLICABLE:
                errors["status"] = (
                    'A specification that is not reasonable and appropriate is "not applicable"; '
                    "if an equivalent measure is reasonable, record it as an alternative."
                )
        elif status is Implementation.NOT_APPLICABLE:
            errors["status"] = (
                'An addressable specification is "not applicable" only when it is documented '
                "as not reasonable and appropriate."
            )

    def _check_required(self, errors: dict[str, str]) -> None:
        if self.decision:
            errors["decision"] = (
                f"{self.spec_id} is required: only addressable specifications take a decision."
            )
        if self.alternative:
            errors["alternative"] = (
                f"{self.spec_id} is required: an alternative measure does not replace it."
            )
        if self.na_reason and self.status != Implementation.NOT_APPLICABLE:
            errors["na_reason"] = 'A reason it does not apply goes with "not applicable".'
        if self.status == Implementation.NOT_APPLICABLE and not self.na_reason:
            errors["na_reason"] = (
                f"{self.spec_id} is required: marking it not applicable needs an explicit reason "
                "(and then an approval)."
            )

    def _check_approval(self, errors: dict[str, str]) -> None:
        if self.na_approved_by_id is None:
            return
        if self.status != Implementation.NOT_APPLICABLE or (
            self.requirement is not Requirement.REQUIRED
        ):
            errors["na_approved_by"] = 'Only a required entry marked "not applicable" is approved.'
            return
        role = self._member_role(self.na_approved_by_id)
        if role is None or not allowed(role, Action.APPROVE, Area.SAFEGUARDS):
            errors["na_approved_by"] = (
                "The approver must be a member whose role may approve safeguard decisions."
            )
        elif self.na_approved_by_id == self.na_requested_by_id and role is not Role.OWNER:
            errors["na_approved_by"] = (
                "Someone other than the person who asked for it must approve it (or an owner)."
            )


def policies_problem(value: Any) -> str:
    """What is wrong with a policies list, or "" when it is a list of well-formed references."""
    if not isinstance(value, list):
        return "A list of policies is expected."
    if len(value) > MAX_POLICIES:
        return f"At most {MAX_POLICIES} policies."
    check_url = URLValidator(schemes=["http", "https"])
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) - {"title", "url", "reference"}:
            return f"Policy {number}: give a title and a URL or a document reference."
        texts = [item.get(k, "") for k in ("title", "url", "reference")]
        if not all(isinstance(text, str) for text in texts):
            return f"Policy {number}: title, URL and reference are text."
        title, url, ref = (text.strip() for text in texts)
        if not title:
            return f"Policy {number}: a title is required."
        if not url and not ref:
            return f"Policy {number}: give a URL or a document reference."
        if any(len(text) > MAX_POLICY_TEXT for text in (title, url, ref)):
            return f"Policy {number}: at most {MAX_POLICY_TEXT} characters per part."
        if url:
            try:
                check_url(url)
            except ValidationError:
                return f"Policy {number}: the URL must be an http(s) address."
    return ""


class SafeguardRisk(OrgScopedModel):
    """A risk a safeguard addresses; a change of the safeguard flags it for re-assessment."""

    safeguard = models.ForeignKey(
        SafeguardStatus, on_delete=models.CASCADE, related_name="risk_links"
    )
    risk = models.ForeignKey("risk.Risk", on_delete=models.CASCADE, related_name="safeguard_links")

    class Meta:
        ordering = ["safeguard", "risk__number"]
        constraints = [
            models.UniqueConstraint(fields=["safeguard", "risk"], name="safeguard_risk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.safeguard.spec_id} — {self.risk.reference}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("safeguard", "risk"):
            other = getattr(self, name, None)
            if other is not None and other.organization_id != self.organization_id:
                errors[name] = f"The {name} belongs to another organization."
        if errors:
            raise ValidationError(errors)
