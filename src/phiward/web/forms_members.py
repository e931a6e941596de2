"""Forms of the People and Organization profile pages.

The forms only shape input; the rules (last owner, officers, who may grant what) live in
``phiward.core.members`` and come back as domain errors, which ``show_problem`` places on the
form.
"""

from __future__ import annotations

from typing import Any

from django import forms

from phiward.core.errors import InputProblems, PhiwardError
from phiward.core.members import PROFILE_FIELDS
from phiward.core.models import Organization
from phiward.core.permissions import Role


def _role_field(roles: list[Role]) -> forms.ChoiceField:
    return forms.ChoiceField(choices=[(role.value, role.label) for role in roles])


class MemberAddForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="An existing user of this install, or the username for a new user.",
    )
    create = forms.BooleanField(
        required=False,
        label="Create a new user with this username",
        help_text="A one-time password is shown once after adding; hand it over privately.",
    )
    first_name = forms.CharField(max_length=150, required=False, help_text="New users only.")
    last_name = forms.CharField(max_length=150, required=False, help_text="New users only.")
    email = forms.EmailField(required=False, help_text="New users only.")

    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field(roles)
        self.fields["role"].initial = Role.WORKFORCE.value
        self.order_fields(["username", "role", "create", "first_name", "last_name", "email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("create"):
            for name in ("first_name", "last_name", "email"):
                if cleaned.get(name):
                    self.add_error(
                        name, "Only used when creating a new user: tick 'Create a new user'."
                    )
        return cleaned


class RoleForm(forms.Form):
    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field(roles)


class ProfileForm(forms.Form):
    """The organization's changeable profile fields, with the model's own limits and choices."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Organization, fields=list(PROFILE_FIELDS)))


def show_problem(form: forms.Form, error: PhiwardError) -> None:
    """Put a domain error on the form: on the field it names, else above the fields."""
    if isinstance(error, InputProblems):
        for problem in error.problems:
            field = problem.field if problem.field in form.fields else None
            form.add_error(field, problem.message)
        return
    form.add_error(None, str(error))
