from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "phiward.reports"
    label = "reports"
    verbose_name = "Audit-ready reports"
