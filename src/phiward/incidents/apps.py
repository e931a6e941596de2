from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "phiward.incidents"
    label = "incidents"
    verbose_name = "Incidents and breach notification"

    def ready(self) -> None:
        from phiward.incidents import deadlines, uploads

        deadlines.register_with_calendar()  # a no-op while phiward.calendar is not installed
        uploads.register()  # the affected-individuals list is read in memory, never spooled
