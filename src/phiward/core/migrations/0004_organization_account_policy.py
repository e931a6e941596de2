# The account policy of an organization (phiward.accounts): MFA for the workforce role and
# session limits.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_record_uid"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="workforce_mfa_required",
            field=models.BooleanField(
                default=True,
                help_text="Workforce members must use MFA (every other role always must).",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="session_idle_minutes",
            field=models.PositiveSmallIntegerField(
                default=15,
                help_text="Log out after this many minutes without a request.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(240),
                ],
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="session_lifetime_hours",
            field=models.PositiveSmallIntegerField(
                default=12,
                help_text="Log out this many hours after logging in, active or not.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(24),
                ],
            ),
        ),
    ]
