"""Exercise history and an IR plan for the demo clinic (``phiward demo`` may call this).

Relative to ``today``: four quarterly tabletops (the last one four months ago, so the next is
overdue), two drills (the next due within weeks), a full test ten months ago, a major change
six weeks ago (a full test due within 90 days of it), follow-up actions (one open and
overdue), and the plan: version 1 approved, version 2 approved after a tabletop's findings.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.exercises import plan, services
from phiward.exercises.models import Exercise
from phiward.exercises.schedule import ExerciseKind, add_months

TABLETOPS = (
    ("Ransomware encrypts the EHR on a Monday", "Nobody knew who calls the cyber insurer."),
    ("A misdirected fax with lab results", "The breach-assessment template was hard to find."),
    ("A stolen, encrypted laptop", "Encryption status was confirmed within the hour."),
    ("A phished billing-office mailbox", "Mailbox audit logging was off for two users."),
)


def seed_demo(org: Organization, *, today: dt.date, officer: User | None) -> list[Exercise]:
    made = []
    for i, (title, finding) in enumerate(TABLETOPS):
        held = add_months(today, -(4 + 3 * (len(TABLETOPS) - 1 - i)))
        made.append(
            services.record_exercise(
                org,
                services.ExerciseData(
                    kind=ExerciseKind.TABLETOP,
                    title=f"Tabletop: {title}",
                    held_on=held,
                    scenario=title + ".",
                    duration_minutes=90,
                    participants=(officer,) if officer else (),
                    external_participants=("Outside counsel",),
                    metrics={"minutes_to_detect": 10 + i, "minutes_to_decide": 120 - 10 * i},
                    findings=finding,
                ),
                user=officer,
            )
        )
    for months in (11, 5):
        made.append(
            services.record_exercise(
                org,
                services.ExerciseData(
                    kind=ExerciseKind.DRILL,
                    title="Drill: restore the EHR database from backup",
                    held_on=add_months(today, -months),
                    duration_minutes=180,
                    metrics={"minutes_to_contain": 95},
                    findings="Restore met the four-hour recovery objective.",
                ),
                user=officer,
            )
        )
    full = services.record_exercise(
        org,
        services.ExerciseData(
            kind=ExerciseKind.FULL_TEST,
            title="Full test: fail over to the secondary site",
            held_on=add_months(today, -10),
            duration_minutes=480,
            metrics={"minutes_to_detect": 4, "minutes_to_contain": 55, "minutes_to_notify": 240},
            findings="DNS records took too long to switch.",
        ),
        user=officer,
    )
    made.append(full)
    services.add_action(
        full, "Lower DNS TTLs for patient-facing services", owner=officer,
        due_on=today - dt.timedelta(days=12),
    )  # fmt: skip
    first_tabletop = made[0]
    done = services.add_action(
        first_tabletop, "Add the insurer's hotline to the plan", owner=officer,
        due_on=first_tabletop.held_on + dt.timedelta(days=30),
    )  # fmt: skip
    services.set_action_done(done, first_tabletop.held_on + dt.timedelta(days=21))
    services.record_major_change(
        org, "Moved to a new cloud-hosted EHR", changed_on=today - dt.timedelta(days=42),
        user=officer,
    )  # fmt: skip
    v1 = plan.start_draft(org, user=officer)
    plan.approve(v1, user=officer, role=None, effective_on=add_months(today, -14))
    v2 = plan.open_revision(first_tabletop, user=officer)
    plan.update_draft(
        v2,
        title=v2.title,
        body=v2.body.replace(
            "## 3. Reporting",
            "## 3. Reporting\nCall the cyber insurer's hotline within one hour of a suspected "
            "ransomware incident.",
        ),
        change_summary=v2.change_summary + " Insurer hotline added to reporting.",
    )
    plan.approve(
        v2, user=officer, role=None, effective_on=first_tabletop.held_on + dt.timedelta(days=21)
    )
    return made
