from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "phiward.web"
    label = "web"
    verbose_name = "Web interface"
