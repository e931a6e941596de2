from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "phiward.calendar"
    label = "calendar"
    verbose_name = "Program calendar"

    def ready(self) -> None:
        from phiward.calendar.providers import register_builtin

        register_builtin()
