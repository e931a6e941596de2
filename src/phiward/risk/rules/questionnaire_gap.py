from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from phiward.risk.facts import AnswerFacts, Catalog, Inventory
from phiward.risk.rules.base import Candidate, ImpactBasis, Rule, Source

# How likely a gap is, by the worst answer given (five-level scale).
LIKELIHOOD = {"no": 4, "partial": 3, "unknown": 3}
ANSWER_WORDS = {"no": "no", "partial": "partially", "unknown": "don't know"}
QUESTIONS_SHOWN = 6


class QuestionnaireGap(Rule):
    """A NIST SP 800-66r2 key-activity question answered "no", "partially" or "don't know"
    proposes each vulnerability the catalog maps to that key activity (its ``key_activities``),
    paired with each of its ``answer_threats``: one organization-wide proposal per
    vulnerability and threat, naming every answer that called for it. Likelihood high when any
    answer is "no", else moderate; impact from the organization's largest ePHI system."""

    key = "questionnaire_gap"
    title = "Questionnaire answer shows a gap"
    threat = "(from the vulnerability's answer_threats)"
    vulnerability = "(mapped from the key activity)"
    subject = "organization"
    source = Source.QUESTIONNAIRE

    def candidates(self, inventory: Inventory, catalog: Catalog) -> Iterator[Candidate]:
        gaps = [a for a in inventory.answers if a.answer in LIKELIHOOD]
        if not gaps:
            return
        by_activity: dict[str, list[AnswerFacts]] = defaultdict(list)
        for answer in gaps:
            by_activity[answer.key_activity_id].append(answer)
        profile = inventory.profile
        basis = ImpactBasis(profile.record_count, profile.criticality, profile.categories)
        for vulnerability in sorted(catalog.vulnerabilities.values(), key=lambda v: v.key):
            answers = sorted(
                (a for ka in vulnerability.key_activities for a in by_activity.get(ka, ())),
                key=lambda a: a.question_id,
            )
            if not answers:
                continue
            facts = {a.question_id: a.answer for a in answers}
            likelihood = max(LIKELIHOOD[a.answer] for a in answers)
            reason = self._reason(vulnerability.name, answers)
            for threat in vulnerability.answer_threats:
                yield Candidate(
                    rule=self.key,
                    subject_key=f"answers:{vulnerability.key}:{threat}",
                    subject_label="Organization-wide",
                    threat=threat,
                    vulnerability=vulnerability.key,
                    reason=reason,
                    facts=facts,
                    likelihood=likelihood,
                    basis=basis,
                    source=Source.QUESTIONNAIRE,
                )

    @staticmethod
    def _reason(vulnerability: str, answers: list[AnswerFacts]) -> str:
        activities: dict[str, str] = {}
        for answer in answers:
            activities.setdefault(answer.key_activity_id, answer.key_activity_title)
        named = "; ".join(f"'{title}' ({ka})" for ka, title in activities.items())
        shown = ", ".join(
            f"{a.question_id} {ANSWER_WORDS[a.answer]}" for a in answers[:QUESTIONS_SHOWN]
        )
        more = len(answers) - QUESTIONS_SHOWN
        if more > 0:
            shown += f" and {more} more"
        return (
            f"Organization-wide: answers to NIST SP 800-66r2 key activities {named} show a gap "
            f"({shown}); the catalog maps these to '{vulnerability}'."
        )


RULE = QuestionnaireGap()
