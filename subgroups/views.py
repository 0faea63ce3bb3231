"""Pages for sub-groups, their updates, reporting bodies and annual reports.

Read pages need the view permission (members and co-ordinators); edit pages need add, change or
delete (co-ordinators). Each record's page includes the same partial the meeting pack uses.
"""

from collections import Counter

from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Prefetch, ProtectedError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.generic import CreateView, DeleteView, DetailView, TemplateView, UpdateView

from wkp.http_methods import PAGE_METHODS
from wkp.views import NavSectionMixin, UnchangedFormMixin

from . import forms, reports, services
from .models import (
    AnnualReport,
    Body,
    Membership,
    ReportingBody,
    SubGroupUpdate,
)


class SubGroupsPage(PermissionRequiredMixin, NavSectionMixin):
    http_method_names = PAGE_METHODS
    nav_section = "subgroups"


def protected_message(label, protected_objects):
    """Say what still refers to a record that cannot be deleted, and what to do about it."""
    counts = Counter(obj._meta.verbose_name for obj in protected_objects)
    what = ", ".join(
        f"{count} {name if count == 1 else name + 's'}" for name, count in sorted(counts.items())
    )
    return (
        f"“{label}” cannot be deleted: {what} still refer to it. Move or delete those first, "
        "or keep it."
    )


# --- read pages -----------------------------------------------------------------------------


class IndexView(SubGroupsPage, TemplateView):
    permission_required = "subgroups.view_body"
    template_name = "subgroups/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        children = (
            Body.objects.order_by("position", "name")
            .select_related("lead_organisation")
            .annotate(update_count=Count("updates"))
        )
        context["bodies_that_meet"] = (
            Body.objects.filter(parent__isnull=True)
            .order_by("kind", "position", "name")
            .select_related("lead_organisation")
            .prefetch_related(
                Prefetch(
                    "children",
                    queryset=children.prefetch_related(Prefetch("children", queryset=children)),
                )
            )
            .annotate(update_count=Count("updates"))
        )
        context["recent_updates"] = SubGroupUpdate.objects.select_related("subgroup")[:10]
        context["reporting_bodies"] = ReportingBody.objects.prefetch_related(
            Prefetch("reports", queryset=AnnualReport.objects.order_by("-end_year", "-pk"))
        )
        context["periods"] = [
            {"key": f"{start}-{end}", "label": f"{start}–{end}"}
            for start, end in reports.available_periods()
        ]
        return context


class BodyDetailView(SubGroupsPage, DetailView):
    permission_required = "subgroups.view_body"
    template_name = "subgroups/body_detail.html"
    context_object_name = "subgroup"

    def get_queryset(self):
        return Body.objects.select_related(
            "parent", "lead_organisation", "contact_officer__organisation"
        ).prefetch_related(
            "children",
            "objectives",
            reports.memberships_prefetch(),
            Prefetch("updates", queryset=SubGroupUpdate.objects.order_by("-met_on", "-pk")),
        )


class RecordWithContentView(SubGroupsPage, DetailView):
    """A record's page showing its content as the meeting pack prints it, in the template as
    `<context_object_name>_html`."""

    records = None  # staticmethod: the queryset the record is looked up in
    render_content = None  # staticmethod: the record's content as HTML

    def get_queryset(self):
        return self.records()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context[f"{self.context_object_name}_html"] = self.render_content(self.object)
        return context


class UpdateDetailView(RecordWithContentView):
    permission_required = "subgroups.view_subgroupupdate"
    template_name = "subgroups/update_detail.html"
    context_object_name = "update"
    records = staticmethod(reports.updates_queryset)
    render_content = staticmethod(reports.render_update_html)


class ReportingBodyDetailView(SubGroupsPage, DetailView):
    permission_required = "subgroups.view_reportingbody"
    template_name = "subgroups/reportingbody_detail.html"
    context_object_name = "body"

    def get_queryset(self):
        return ReportingBody.objects.select_related("organisation").prefetch_related(
            Prefetch("reports", queryset=AnnualReport.objects.order_by("-end_year", "-pk"))
        )


class AnnualReportDetailView(RecordWithContentView):
    permission_required = "subgroups.view_annualreport"
    context_object_name = "report"  # template: Django's default, subgroups/annualreport_detail.html
    records = staticmethod(reports.annual_reports_queryset)
    render_content = staticmethod(reports.render_annual_report_html)


class ComparisonView(SubGroupsPage, TemplateView):
    permission_required = "subgroups.view_crimefigure"
    template_name = "subgroups/comparison.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requested = self.request.GET.get("period")
        period = reports.parse_period(requested) if requested else None
        if requested and period is None:
            context["period_error"] = "Choose a period such as 2005-2006."
        page = reports.comparison_page(period)
        context["periods"] = [
            {
                "key": f"{start}-{end}",
                "label": f"{start}–{end}",
                "current": (start, end) == page["period"],
            }
            for start, end in page["periods"]
        ]
        # Our own template's output (subgroups/partials/comparison.html), escaped when rendered.
        context["comparison_html"] = mark_safe(page["comparison_html"])  # noqa: S308
        return context


# --- edit pages ------------------------------------------------------------------------------


class FormsetMixin:
    """A ModelForm page with inline formsets on the form's instance, saved in one transaction."""

    formset_classes = {}  # prefix -> formset class

    def get_formsets(self, instance):
        if not hasattr(self, "_formsets"):
            data = self.request.POST if self.request.method == "POST" else None
            self._formsets = {
                prefix: formset_class(data, instance=instance, prefix=prefix)
                for prefix, formset_class in self.formset_classes.items()
            }
        return self._formsets

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        formsets = list(self.get_formsets(context["form"].instance).values())
        for formset in formsets:
            formset.legend = formset.model._meta.verbose_name_plural.capitalize()
        context["formsets"] = formsets
        context["formsets_have_errors"] = any(
            formset.is_bound and not formset.is_valid() for formset in formsets
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if "pk" in self.kwargs else None
        form = self.get_form()
        formsets = self.get_formsets(form.instance)
        # The form first: its clean sets the instance fields the formsets check against.
        form_ok = form.is_valid()
        formsets_ok = [formset.is_valid() for formset in formsets.values()]
        if form_ok and all(formsets_ok):
            return self.form_valid(form)
        return self.form_invalid(form)

    def form_valid(self, form):
        self.object = services.save_with_parts(
            form=form, formsets=list(self.get_formsets(form.instance).values())
        )
        messages.success(self.request, f"Saved “{self.object}”.")
        return HttpResponseRedirect(self.get_success_url())


class RecordPage(SubGroupsPage):
    """An edit page of one kind of record: it needs the `action` permission (add, change or
    delete) on the page's model, as the admin would."""

    action = ""

    def get_permission_required(self):
        opts = self.model._meta
        return [f"{opts.app_label}.{get_permission_codename(self.action, opts)}"]


class CreatePage(RecordPage, FormsetMixin, CreateView):
    action = "add"
    template_name = "subgroups/form.html"
    heading = ""
    filled_from_link = ()  # fields a link may choose in advance: ?subgroup=<id>

    def get_initial(self):
        initial = super().get_initial()
        for name in self.filled_from_link:
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = value
        return initial

    def get_cancel_url(self):
        return reverse("subgroups:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        context["cancel_url"] = self.get_cancel_url()
        return context


class EditPage(UnchangedFormMixin, RecordPage, FormsetMixin, UpdateView):
    action = "change"
    template_name = "subgroups/form.html"

    def unchanged_formsets(self):
        return list(self.get_formsets(self.object).values())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = f"Edit {self.object}"
        context["cancel_url"] = self.object.get_absolute_url()
        return context


class DeletePage(RecordPage, DeleteView):
    action = "delete"
    template_name = "subgroups/confirm_delete.html"
    parent = ""  # the field naming the record this one belongs to, shown after the delete

    def get_success_url(self):
        if self.parent:
            return getattr(self.object, self.parent).get_absolute_url()
        return reverse("subgroups:index")

    def form_valid(self, form):
        label = str(self.object)
        try:
            response = super().form_valid(form)
        except ProtectedError as error:
            messages.error(self.request, protected_message(label, error.protected_objects))
            return redirect(self.object.get_absolute_url())
        messages.success(self.request, f"Deleted “{label}”.")
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.get_cancel_url()
        return context

    def get_cancel_url(self):
        return self.object.get_absolute_url()


def record_pages(model, form_class, *, heading, formsets=None, filled_from_link=(), parent=""):
    """The add, edit and delete pages of a kind of record, which differ only in these: its
    model, form and inline formsets, the new page's heading and the fields a link may fill in
    advance (?subgroup=<id>), and the record it belongs to (shown after a delete)."""
    fields = {"model": model, "form_class": form_class, "formset_classes": formsets or {}}
    create = {"heading": heading, "filled_from_link": filled_from_link}
    return (
        type(f"{model.__name__}CreateView", (CreatePage,), {**fields, **create}),
        type(f"{model.__name__}EditView", (EditPage,), fields),
        type(f"{model.__name__}DeleteView", (DeletePage,), {"model": model, "parent": parent}),
    )


BodyCreateView, BodyEditView, BodyDeleteView = record_pages(
    Body,
    forms.BodyForm,
    heading="New body: a board, sub-group, conference or partnership",
    formsets={"objectives": forms.ObjectiveFormSet},
)

UpdateCreateView, UpdateEditView, UpdateDeleteView = record_pages(
    SubGroupUpdate,
    forms.SubGroupUpdateForm,
    heading="New sub-group update",
    formsets={"sections": forms.UpdateSectionFormSet},
    filled_from_link=("subgroup",),
    parent="subgroup",
)

ReportingBodyCreateView, ReportingBodyEditView, ReportingBodyDeleteView = record_pages(
    ReportingBody, forms.ReportingBodyForm, heading="New reporting body"
)

AnnualReportCreateView, AnnualReportEditView, AnnualReportDeleteView = record_pages(
    AnnualReport,
    forms.AnnualReportForm,
    heading="New annual report",
    formsets={
        "sections": forms.ReportSectionFormSet,
        "measures": forms.HeadlineMeasureFormSet,
        "figures": forms.CrimeFigureFormSet,
    },
    filled_from_link=("body",),
    parent="body",
)


class MembershipCreateView(CreatePage):
    """A membership is added from its sub-group's page and shown there."""

    model = Membership
    form_class = forms.MembershipForm
    formset_classes = {"nominees": forms.NomineeFormSet}

    @cached_property
    def subgroup(self):
        # Looked up after the permission check, so a member gets 403 before any 404.
        return get_object_or_404(Body, pk=self.kwargs["subgroup_pk"])

    @property
    def heading(self):
        return f"Add an organisation to the {self.subgroup} sub-group"

    def get_cancel_url(self):
        return self.subgroup.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Membership(
            subgroup=self.subgroup, position=self.subgroup.memberships.count() + 1
        )
        return kwargs

    def get_success_url(self):
        return self.subgroup.get_absolute_url()


class MembershipEditView(EditPage):
    """A membership's own page is its sub-group's (Membership.get_absolute_url)."""

    model = Membership
    form_class = forms.MembershipForm
    formset_classes = {"nominees": forms.NomineeFormSet}

    def get_queryset(self):
        return Membership.objects.select_related("subgroup", "organisation")


class MembershipDeleteView(DeletePage):
    model = Membership
    parent = "subgroup"
