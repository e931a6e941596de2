from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "phiward.core"
    label = "core"
    verbose_name = "Organizations and people"
