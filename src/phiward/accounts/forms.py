from __future__ import annotations

from django import forms

from phiward.accounts.policy import MAX_IDLE_MINUTES, MAX_LIFETIME_HOURS


class PolicyForm(forms.Form):
    workforce_mfa_required = forms.BooleanField(
        required=False,
        label="Workforce members must use two-factor authentication",
        help_text="Every other role always must. Turning this off is recorded in the audit log.",
    )
    session_idle_minutes = forms.IntegerField(
        min_value=1,
        max_value=MAX_IDLE_MINUTES,
        label="Log out after minutes without activity",
        help_text="15 minutes is the HIPAA automatic-logoff default.",
    )
    session_lifetime_hours = forms.IntegerField(
        min_value=1,
        max_value=MAX_LIFETIME_HOURS,
        label="Log out hours after logging in",
        help_text="Whether active or not. A person in several organizations gets the strictest.",
    )
