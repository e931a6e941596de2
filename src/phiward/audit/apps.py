from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "phiward.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from phiward.audit import ledger, tracking
        from phiward.core import auditing

        auditing.install(ledger.record_event)
        tracking.connect()
        # Logins, logouts and failed logins are recorded by phiward.accounts.receivers.
