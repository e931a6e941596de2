from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "phiward.inventory"
    label = "inventory"
    verbose_name = "ePHI inventory"
