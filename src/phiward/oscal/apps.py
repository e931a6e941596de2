from django.apps import AppConfig


class OscalConfig(AppConfig):
    name = "phiward.oscal"
    label = "oscal"
    verbose_name = "OSCAL import and export"
