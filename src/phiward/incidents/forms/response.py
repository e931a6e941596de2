"""The post-incident review, follow-up actions, affected counts, notices and obligations."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone

from phiward.core.models import Organization
from phiward.evidence.models import EvidenceItem
from phiward.incidents.affected import StateCount
from phiward.incidents.forms import (
    DATE,
    LONG_TEXT,
    SHORT_TEXT,
    LinesField,
    OrgForm,
    member_field,
)
from phiward.incidents.models import NoticeMethod, Obligation
from phiward.risk.models import Risk

# "MA=520" or "MA=520,3,1,12": individuals, then optionally deceased with next of kin known,
# deceased without, living with insufficient contact information.
_COUNT_LINE = re.compile(r"^\s*([A-Za-z]{2})\s*[=:]\s*(\d{1,9})((?:\s*,\s*\d{1,9}){0,3})\s*$")


class ReviewForm(OrgForm):
    root_cause = forms.CharField(required=False, label="Root cause", widget=LONG_TEXT)
    lessons_learned = forms.CharField(required=False, label="Lessons learned", widget=LONG_TEXT)
    risks = forms.ModelMultipleChoiceField(
        queryset=Risk.objects.none(),
        required=False,
        label="Risks of the register this incident bears on",
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Completing the review flags them for re-assessment of their likelihood.",
    )

    def __init__(self, *args: Any, organization: Organization, sees_risks: bool, **kwargs: Any):
        super().__init__(*args, organization=organization, **kwargs)
        if sees_risks:
            field = self.fields["risks"]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = Risk.objects.for_org(organization).order_by("number")
        else:
            del self.fields["risks"]


class FollowUpForm(OrgForm):
    title = forms.CharField(max_length=300, label="What is to be done")
    owner = member_field("Owner", "— no owner —")
    due_on = forms.DateField(required=False, label="Due on", widget=DATE)


class ObligationChoiceField(forms.ModelChoiceField[Obligation]):
    def label_from_instance(self, obj: Obligation) -> str:
        due = f" (due {obj.due_on.isoformat()})" if obj.due_on else ""
        return f"{obj.title}{due}"


class SentForm(OrgForm):
    """Record a notice as sent: which obligation, when, how, and the evidence."""

    obligation = ObligationChoiceField(
        queryset=Obligation.objects.none(), label="Obligation", empty_label=None
    )
    sent_on = forms.DateField(label="Sent on", widget=DATE, initial=timezone.localdate)
    method = forms.ChoiceField(choices=NoticeMethod.choices, label="Method")
    evidence = forms.ModelChoiceField(
        queryset=EvidenceItem.objects.none(),
        required=False,
        label="Evidence",
        empty_label="— none —",
        help_text="The notice as sent, a mailing receipt, the portal's confirmation ... (an "
        "item of the evidence library).",
    )
    notes = forms.CharField(required=False, label="Notes", widget=SHORT_TEXT)

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        obligations: Any,
        sees_evidence: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        field = self.fields["obligation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = obligations
        if sees_evidence:
            evidence = self.fields["evidence"]
            assert isinstance(evidence, forms.ModelChoiceField)
            evidence.queryset = EvidenceItem.objects.for_org(organization).order_by("-pk")
        else:
            del self.fields["evidence"]


class NotRequiredForm(forms.Form):
    obligation = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    reason = forms.CharField(label="Why it is not required", widget=SHORT_TEXT, max_length=5000)


class AffectedForm(forms.Form):
    """Counts per State typed in, or a list uploaded (summarised; the rows are not kept)."""

    counts = forms.CharField(
        required=False,
        label="Counts per State",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One State per line: postal code = individuals, and optionally, separated by "
        "commas, deceased with a next of kin's address, deceased without one, and living "
        "individuals whose contact information is insufficient. E.g. 'MA=520' or "
        "'MA=520,3,1,12'.",
    )
    estimated = forms.BooleanField(required=False, label="The counts are an estimate")
    upload = forms.FileField(
        required=False,
        label="Or upload the list (CSV)",
        help_text="Columns state, deceased (y/n), contact_ok (y/n); other columns such as names "
        "are ignored and never stored. The list replaces the counts above.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_counts(self) -> list[StateCount]:
        rows: list[StateCount] = []
        for number, line in enumerate(self.cleaned_data.get("counts", "").splitlines(), 1):
            if not line.strip():
                continue
            match = _COUNT_LINE.match(line)
            if match is None:
                raise forms.ValidationError(f"line {number}: write e.g. MA=520 or MA=520,3,1,12")
            extra = [int(n) for n in re.findall(r"\d+", match[3])]
            extra += [0] * (3 - len(extra))
            rows.append(StateCount(match[1].upper(), int(match[2]), *extra))
        return rows


def counts_text(counts: Any) -> str:
    """The counts page's text for stored ``AffectedCount`` rows."""
    lines = []
    for c in counts:
        extra = (c.next_of_kin_known, c.next_of_kin_unknown, c.insufficient_contact)
        tail = "," + ",".join(str(n) for n in extra) if any(extra) else ""
        lines.append(f"{c.state}={c.individuals}{tail}")
    return "\n".join(lines)


class NoticeTextForm(forms.Form):
    what_happened = forms.CharField(
        required=False,
        label="What happened",
        widget=LONG_TEXT,
        help_text="In plain language; the dates of the breach and of its discovery are added "
        "from the assessment (164.404(c)(1)(A)). No names of patients.",
    )
    phi_types = LinesField(
        required=False,
        label="Kinds of information involved",
        help_text="One per line: full name, date of birth, diagnosis ... (164.404(c)(1)(B)).",
    )
    steps_for_individuals = forms.CharField(
        required=False,
        label="What people should do to protect themselves",
        widget=SHORT_TEXT,
        help_text="164.404(c)(1)(C).",
    )
    what_we_are_doing = forms.CharField(
        required=False,
        label="What we are doing",
        widget=SHORT_TEXT,
        help_text="To investigate, to reduce harm and to prevent it happening again "
        "(164.404(c)(1)(D)).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NoticeSettingsForm(forms.Form):
    """How affected people can reach the organization (164.404(c)(1)(E)): at least one."""

    contact_toll_free = forms.CharField(
        required=False,
        max_length=40,
        label="Toll-free number",
        help_text="Required, active for 90 days, when substitute notice is given for 10 or more.",
    )
    contact_email = forms.EmailField(required=False, label="E-mail address")
    contact_website = forms.URLField(required=False, label="Website", assume_scheme="https")
    contact_address = forms.CharField(required=False, label="Postal address", widget=SHORT_TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
