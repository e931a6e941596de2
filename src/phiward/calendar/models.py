"""What the calendar stores: the deadline reminders already sent (``calendar-reminders``).

Deadlines themselves are not stored here; every app's provider answers them when asked. A
reminder row names its deadline by kind and key only (never its title) and is audited like
every organization-scoped record.
"""

from __future__ import annotations

from django.db import models

from phiward.core.models import OrgScopedModel


class ReminderLevel(models.IntegerChoices):
    DAYS_30 = 30, "30 days"
    DAYS_14 = 14, "14 days"
    DAYS_7 = 7, "7 days"
    DAYS_1 = 1, "1 day"
    OVERDUE = 0, "Overdue"


class ReminderSent(OrgScopedModel):
    """One reminder about one deadline at one level, for the due date it had then."""

    kind = models.CharField(max_length=50, help_text="The deadline's kind (Deadline.kind)")
    key = models.CharField(max_length=200, help_text="The deadline's key, stable within kind")
    due_on = models.DateField(help_text="The due date the reminder was for")
    level = models.PositiveSmallIntegerField(choices=ReminderLevel.choices)
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(
        default=0, help_text="People it was addressed to (those with an e-mail address)"
    )
    mailed = models.BooleanField(
        default=False, help_text="E-mail was configured: the recipients were sent it"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "key", "due_on", "level"],
                name="calendar_one_reminder_per_level",
            )
        ]
        ordering = ["-sent_at", "-pk"]
        verbose_name = "deadline reminder"

    def __str__(self) -> str:
        return f"reminder {self.kind}/{self.key} at {self.get_level_display()}"
