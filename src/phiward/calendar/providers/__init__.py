"""The deadline providers that ship with the calendar, one small module each.

Other apps (incidents) register their own from their AppConfig.ready().
"""

from __future__ import annotations

from django.apps import apps

from phiward.calendar.registry import register


def register_builtin() -> None:
    from phiward.calendar.providers import evidence, risk

    register(risk.treatment_deadlines)
    register(risk.acceptance_deadlines)
    register(evidence.evidence_deadlines)
    if apps.is_installed("phiward.exercises"):
        from phiward.calendar.providers import exercises

        register(exercises.exercise_deadlines)
        register(exercises.follow_up_deadlines)
