from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def email_configured() -> bool:
    """Whether this install sends email (password reset links)."""
    return bool(getattr(settings, "PHIWARD_EMAIL_CONFIGURED", False))
