"""The incident pages' forms. They only shape input: the rules live in the incident services
and the breach engine, whose ``InputProblems`` come back onto the fields they name
(``show_problems``). Every choice of a related object is limited to the organization.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.models import Organization, display_name

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SHORT_TEXT = forms.Textarea(attrs={"rows": 3})
LONG_TEXT = forms.Textarea(attrs={"rows": 6})


def field_for(path: str, form: forms.BaseForm, aliases: Mapping[str, str]) -> str | None:
    """The form field a problem's field path names: an alias, the path itself, the path with
    ``__`` for ``.``, else the nearest enclosing path that is a field
    (``individuals.by_state.MA`` -> ``individuals__by_state``)."""
    parts = path.split(".")
    while parts:
        name = ".".join(parts)
        for candidate in (aliases.get(name), name, name.replace(".", "__")):
            if candidate and candidate in form.fields:
                return candidate
        parts.pop()
    return None


def show_problems(
    form: forms.BaseForm, error: InvalidInput, aliases: Mapping[str, str] | None = None
) -> None:
    """A service's errors onto the form: next to the field they name, else above the form
    (with the field path, so nothing is lost)."""
    names = aliases or {}
    problems = error.problems if isinstance(error, InputProblems) else None
    if problems is None:
        form.add_error(None, str(error))
        return
    for problem in problems:
        path = problem.field or ""
        field = field_for(path, form, names) if path else None
        if field is None:
            form.add_error(None, f"{path}: {problem.message}" if path else problem.message)
        else:
            form.add_error(field, problem.message)


def members(organization: Organization) -> QuerySet[User]:
    return User.objects.filter(memberships__organization=organization).order_by("username")


class MemberChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{display_name(obj)} ({obj.get_username()})"


def member_field(
    label: str, empty: str = "— nobody —", required: bool = False
) -> MemberChoiceField:
    return MemberChoiceField(
        queryset=User.objects.none(), required=required, label=label, empty_label=empty
    )


class OrgForm(forms.Form):
    """A form whose member choices come from one organization."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.organization = organization
        for field in self.fields.values():
            if isinstance(field, MemberChoiceField):
                field.queryset = members(organization)


class LinesField(forms.CharField):
    """A list of short strings, one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            items = [str(v) for v in value]
        else:
            items = str(value or "").splitlines()
        return list(dict.fromkeys(item.strip() for item in items if item.strip()))
