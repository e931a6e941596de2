from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "phiward.risk"
    label = "risk"
    verbose_name = "Risk analysis and risk register"

    def ready(self) -> None:
        from phiward.risk import changes

        changes.connect()  # inventory changes mark linked risks for re-assessment (S12)
