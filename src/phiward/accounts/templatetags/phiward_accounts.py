from django import template
from django.conf import settings

from phiward.accounts.adapter import reset_link_lifetime

register = template.Library()


@register.simple_tag
def email_configured() -> bool:
    """Whether this install sends email (password reset links)."""
    return bool(getattr(settings, "PHIWARD_EMAIL_CONFIGURED", False))


@register.simple_tag
def link_lifetime() -> str:
    """How long a password-reset link works ("30 minutes")."""
    return reset_link_lifetime()


@register.simple_tag
def max_sessions() -> int:
    """How many sessions one person may have at once."""
    return int(settings.PHIWARD_MAX_SESSIONS)
