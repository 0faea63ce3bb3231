import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from .http_methods import PAGE_METHODS, require_form_methods
from .models import Organisation, Person, Sector
from .registry import home_sections
from .roles import COORDINATOR
from .two_factor import safe_next


class PathOnlyNextMixin:
    """Django's sign-in and sign-out views go on to any `next` on this site, a relative address
    ("abc") too, which the browser reads against /accounts/login/: only a path is taken here."""

    def get_redirect_url(self):
        return safe_next(self.request, super().get_redirect_url())


# The method is checked before a signed-in user is sent on.
@method_decorator(require_form_methods, name="dispatch")
class SignInView(PathOnlyNextMixin, auth_views.LoginView):
    pass


class SignOutView(PathOnlyNextMixin, auth_views.LogoutView):
    pass


class NavSectionMixin:
    """Tells the base template which navigation entry to mark as current."""

    nav_section = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav_section"] = self.nav_section
        return context


def nothing_changed(request, *forms):
    """True (and says so) when a valid edit form and its formsets come back as they were sent.

    Saving such a form would still bump versions, write history and perhaps issue a new pack
    version "replaced" with itself; a form opened and saved unchanged changes nothing.
    """
    if any(form.has_changed() for form in forms):
        return False
    messages.info(request, "Nothing was changed, so nothing was saved.")
    return True


class UnchangedFormMixin:
    """For UpdateView: an unchanged form (and unchanged formsets) saves nothing."""

    def unchanged_formsets(self):
        return []

    def unchanged_url(self):
        return self.get_success_url()

    def form_valid(self, form):
        if nothing_changed(self.request, form, *self.unchanged_formsets()):
            return HttpResponseRedirect(self.unchanged_url())
        return super().form_valid(form)


class HomeView(NavSectionMixin, TemplateView):
    http_method_names = PAGE_METHODS
    template_name = "wkp/home.html"
    nav_section = "home"

    def get_context_data(self, **kwargs):
        # The sections come from the apps (wkp/registry.py): the core imports none of them.
        context = super().get_context_data(**kwargs)
        sections = home_sections()
        for section in sections:
            context.update(section.context(self.request.user))
        context["home_templates"] = [section.template for section in sections]
        return context


class PartnerPage(PermissionRequiredMixin, NavSectionMixin):
    http_method_names = PAGE_METHODS
    permission_required = "wkp.view_organisation"
    nav_section = "partners"


class PartnerListView(PartnerPage, ListView):
    template_name = "wkp/organisation_list.html"
    context_object_name = "organisations"

    def get_queryset(self):
        queryset = Organisation.objects.prefetch_related(
            Prefetch("people", queryset=Person.objects.order_by("name"))
        )
        sector = self.request.GET.get("sector")
        if sector in Sector.values:
            queryset = queryset.filter(sector=sector)
        if self.request.GET.get("partners") == "1":
            queryset = queryset.partners()
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sectors"] = Sector.choices
        context["current_sector"] = self.request.GET.get("sector", "")
        context["partners_only"] = self.request.GET.get("partners") == "1"
        return context


class PartnerDetailView(PartnerPage, DetailView):
    template_name = "wkp/organisation_detail.html"
    context_object_name = "organisation"
    queryset = Organisation.objects.prefetch_related("people")


class AccessibilityStatementView(TemplateView):
    """The accessibility statement; its figures come from the last clean run of the axe crawl."""

    http_method_names = PAGE_METHODS
    template_name = "wkp/accessibility.html"
    check_file = settings.BASE_DIR / "wkp" / "accessibility_check.json"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        check = json.loads(self.check_file.read_text())
        check["last_tested"] = datetime.date.fromisoformat(check["last_tested"])
        context["check"] = check
        context["coordinators"] = (
            get_user_model()
            .objects.filter(groups__name=COORDINATOR, is_active=True)
            .order_by("last_name", "first_name")
        )
        return context


@login_not_required
@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico where a page names no icon (files opened directly, tools);
    the pages themselves link the static file (base.html, the admin's base_site.html)."""
    return redirect(static("favicon.ico"))
