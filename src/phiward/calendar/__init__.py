"""The program calendar: deadlines from every app, warnings at 30/14/7/1 days, iCalendar.

Public interface (stable; other apps import these):

    Deadline, register, unregister, registered_providers, warning_level, deadlines_for, upcoming
"""

from phiward.calendar.deadlines import WARNING_DAYS, Deadline, Urgency, urgency, warning_level
from phiward.calendar.registry import (
    Provider,
    deadlines_for,
    register,
    registered_providers,
    unregister,
    upcoming,
)

__all__ = [
    "WARNING_DAYS",
    "Deadline",
    "Provider",
    "Urgency",
    "deadlines_for",
    "register",
    "registered_providers",
    "unregister",
    "upcoming",
    "urgency",
    "warning_level",
]
