from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "phiward.jobs"
    label = "jobs"
    verbose_name = "Scheduled work"
