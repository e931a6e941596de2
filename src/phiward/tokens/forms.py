"""The form of the API tokens page: it shapes input; the rules live in ``lifecycle``."""

from __future__ import annotations

from typing import Any

from django import forms

from phiward.core.permissions import Role
from phiward.tokens.lifecycle import MAX_NAME
from phiward.tokens.secret import DEFAULT_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME, help_text="What the token is for, e.g. 'nightly inventory export'."
    )

    def __init__(self, *args: Any, roles: list[Role], own: Role, max_days: int, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["role"] = forms.ChoiceField(
            choices=[(role.value, role.label) for role in roles],
            initial=own.value,
            help_text="What the token may do; never more than your own role allows.",
        )
        self.fields["days"] = forms.IntegerField(
            label="Expires after (days)",
            min_value=1,
            max_value=max_days,
            initial=min(DEFAULT_DAYS, max_days),
            help_text=f"At most {max_days} days on this install.",
        )
