"""Editing an organization's playbook: its title and its steps, one text box per phase with one
step per line (plain textareas: keyboard and screen-reader friendly, no script needed)."""

from __future__ import annotations

from typing import Any

from django import forms

from phiward.incidents.models import PHASE_ORDER, Phase, Playbook
from phiward.incidents.playbook_data import StepSpec

MAX_STEP = 2000  # characters in one step
MAX_STEPS = 100  # steps in one phase

HELP = {
    Phase.CONTAINMENT: "Stop the harm from spreading.",
    Phase.ERADICATION: "Remove the cause; establish what happened.",
    Phase.RECOVERY: "Return to normal operation.",
    Phase.COMMUNICATION: "Who is told what, and the breach assessment.",
}


class StepLinesField(forms.CharField):
    """A phase's steps, one per line (blank lines are ignored; order is kept)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        super().__init__(strip=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        lines = value if isinstance(value, list | tuple) else str(value or "").splitlines()
        return [" ".join(str(line).split()) for line in lines if str(line).strip()]

    def validate(self, value: Any) -> None:
        if len(value) > MAX_STEPS:
            raise forms.ValidationError(f"at most {MAX_STEPS} steps in one phase")
        for n, step in enumerate(value, start=1):
            if len(step) > MAX_STEP:
                raise forms.ValidationError(f"step {n} is longer than {MAX_STEP} characters")


def phase_field(phase: str) -> str:
    """The form field of a phase's steps (the phase's own name)."""
    return phase


class PlaybookForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for value, label in Phase.choices:
            self.fields[phase_field(value)] = StepLinesField(
                label=f"{label} steps (one per line)", help_text=HELP[Phase(value)]
            )

    @staticmethod
    def initial_for(playbook: Playbook) -> dict[str, Any]:
        initial: dict[str, Any] = {"title": playbook.title}
        steps = list(playbook.steps.order_by("order"))
        for phase in PHASE_ORDER:
            lines = [" ".join(s.text.split()) for s in steps if s.phase == phase]
            initial[phase_field(phase)] = lines
        return initial

    def steps(self) -> list[StepSpec]:
        """The steps in order: phase by phase, each phase's lines in order."""
        return [
            StepSpec(phase, text)
            for phase in PHASE_ORDER
            for text in self.cleaned_data.get(phase_field(phase)) or []
        ]

    def step_aliases(self) -> dict[str, str]:
        """The service's field names (``steps``, ``steps[3].text``) to this form's fields."""
        aliases = {"steps": phase_field(PHASE_ORDER[0])}
        for n, step in enumerate(self.steps(), start=1):
            aliases[f"steps[{n}].text"] = phase_field(step.phase)
            aliases[f"steps[{n}].phase"] = phase_field(step.phase)
        return aliases
