from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class WkpAdminConfig(admin_apps.AdminConfig):
    """The Django admin, with the project's site (wkp.admin_site.AdminSite)."""

    default = False
    default_site = "wkp.admin_site.AdminSite"


class WkpConfig(AppConfig):
    default = True
    name = "wkp"
    verbose_name = "Partners"

    def ready(self):
        from .roles import sync_roles
        from .table_versions import install_triggers

        post_migrate.connect(sync_roles, dispatch_uid="wkp.sync_roles")
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="wkp.install_triggers")
        normalise_textarea_line_breaks()


def normalise_textarea_line_breaks():
    """Browsers send a textarea's line breaks as CRLF (the HTML standard says so); the records
    hold LF. Read as sent, every multi-line text saved unchanged would still change, so every
    textarea of the project reads its value with LF line breaks."""
    from django import forms

    original = forms.Textarea.value_from_datadict
    if getattr(original, "normalises_line_breaks", False):
        return

    def value_from_datadict(self, data, files, name):
        value = original(self, data, files, name)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value

    value_from_datadict.normalises_line_breaks = True
    forms.Textarea.value_from_datadict = value_from_datadict
