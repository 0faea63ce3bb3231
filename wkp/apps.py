from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WkpConfig(AppConfig):
    name = "wkp"
    verbose_name = "Partners"

    def ready(self):
        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="wkp.sync_roles")
