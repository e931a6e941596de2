from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "phiward.catalog"
    label = "catalog"
    verbose_name = "HIPAA catalog"
