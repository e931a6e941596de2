from django.apps import AppConfig


class SafeguardsConfig(AppConfig):
    name = "phiward.safeguards"
    label = "safeguards"
    verbose_name = "Security Rule safeguards"
