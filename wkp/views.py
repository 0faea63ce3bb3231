from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.views.generic import DetailView, ListView, TemplateView

from .models import Organisation, Person, Sector


class NavSectionMixin:
    """Tells the base template which navigation entry to mark as current."""

    nav_section = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav_section"] = self.nav_section
        return context


class HomeView(NavSectionMixin, TemplateView):
    template_name = "wkp/home.html"
    nav_section = "home"

    def get_context_data(self, **kwargs):
        from meetings.dashboard import dashboard_for

        context = super().get_context_data(**kwargs)
        context.update(dashboard_for(self.request.user))
        return context


class PartnerListView(PermissionRequiredMixin, NavSectionMixin, ListView):
    permission_required = "wkp.view_organisation"
    template_name = "wkp/organisation_list.html"
    nav_section = "partners"
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


class PartnerDetailView(PermissionRequiredMixin, NavSectionMixin, DetailView):
    permission_required = "wkp.view_organisation"
    template_name = "wkp/organisation_detail.html"
    nav_section = "partners"
    context_object_name = "organisation"
    queryset = Organisation.objects.prefetch_related("people")
