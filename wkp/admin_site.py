"""The project's Django admin site, in a module of its own: the admin reads it (as the
default site, `wkp.apps.WkpAdminConfig`) before any app's admin.py registers a model."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator

from .http_methods import require_form_methods


class AdminSite(admin.AdminSite):
    """The Django admin answering only GET, HEAD and POST, as every other page does
    (wkp.http_methods): it rendered PUT, PATCH and DELETE as a GET."""

    site_header = "West Kent Partnership administration"
    site_title = "WKP admin"
    index_title = "Partner list and settings"

    def admin_view(self, view, cacheable=False):
        return require_form_methods(super().admin_view(view, cacheable))

    @method_decorator(require_form_methods)
    @login_not_required  # as Django's own: its sign-in page needs no sign-in
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)
