from django.apps import AppConfig


class WkpConfig(AppConfig):
    name = "wkp"
    verbose_name = "Partners"
