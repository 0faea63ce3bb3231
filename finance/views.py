import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from django.views.generic import (
    CreateView,
    DetailView,
    FormView,
    ListView,
    TemplateView,
    UpdateView,
)

from wkp.downloads import attachment
from wkp.http_methods import PAGE_METHODS
from wkp.pdf import PdfRenderError, render_pdf_once
from wkp.views import NavSectionMixin, UnchangedFormMixin, nothing_changed

from . import exports, ledger, models, services
from .forms import (
    EventBudgetForm,
    EventBudgetLineForm,
    ExternalFundingForm,
    FinancialYearForm,
    FinancialYearUpdateForm,
    LedgerEntryForm,
    ProjectForm,
    ReopenYearForm,
    ReverseEntryForm,
)
from .reports import (
    event_budget_report,
    fund_statement,
    fund_statement_page,
    render_fund_chart_svg,
)

VIEW_PERMISSION = "finance.view_ledgerentry"


def parse_as_of(request):
    """?as_of=YYYY-MM-DD, or today; an unreadable date falls back to today with a message."""
    today = timezone.localdate()
    text = request.GET.get("as_of", "").strip()
    if not text:
        return today, None
    try:
        return datetime.date.fromisoformat(text), None
    except ValueError:
        return today, "That date could not be read; showing the fund as it stands today."


class FinanceView(PermissionRequiredMixin, NavSectionMixin):
    http_method_names = PAGE_METHODS
    nav_section = "finance"
    permission_required = VIEW_PERMISSION


class RecordFormView(FinanceView):
    """A form page saving one record: the user goes into its history, and `saved_message`
    (formatted with the record) is shown."""

    saved_message = ""

    def form_valid(self, form):
        form.instance._history_user = self.request.user
        if self.saved_message:
            messages.success(self.request, self.saved_message.format(record=form.instance))
        return super().form_valid(form)


class FinanceHomeView(FinanceView, TemplateView):
    template_name = "finance/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["years"] = models.FinancialYear.objects.order_by("start_year")
        context["budgets"] = models.EventBudget.objects.order_by("-event_date")
        context["external_funding"] = models.ExternalFunding.objects.select_related(
            "funder", "year"
        )
        context["today"] = timezone.localdate()
        context["can_edit"] = self.request.user.has_perm("finance.add_ledgerentry")
        return context


class StatementView(FinanceView, TemplateView):
    template_name = "finance/statement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        as_of, problem = parse_as_of(self.request)
        if problem:
            messages.warning(self.request, problem)
        page = fund_statement_page(as_of)
        context.update(
            title=page["title"],
            report_html=mark_safe(page["report_html"]),  # noqa: S308 - our templates' output
            chart_html=mark_safe(page["chart_html"]),  # noqa: S308
            as_of=as_of,
            query=f"?as_of={as_of.isoformat()}",
        )
        return context


def _statement_file(request, extension, content_type, make):
    """The fund statement as of ?as_of=, as a file to download made by `make(statement)`."""
    as_of, _ = parse_as_of(request)
    data = make(fund_statement(as_of))
    return attachment(data, f"wkp-fund-{as_of}.{extension}", content_type=content_type)


def is_kept_date(as_of):
    """Whether the statement's PDF as of `as_of` is kept in the render cache: today's (the page's
    default) and each financial year's end, the dates asked for again and again. Any other date
    is typeset on each request and not stored, so asking for date after date fills no storage."""
    if as_of == timezone.localdate():
        return True
    return (as_of.month, as_of.day) == (3, 31) and models.FinancialYear.objects.filter(
        start_year=as_of.year - 1
    ).exists()


def _statement_pdf(statement):
    html = render_to_string(
        "finance/pdf/statement.html",
        {
            "statement": statement,
            "chart_svg": render_fund_chart_svg(statement) if statement.columns else "",
        },
    )
    return render_pdf_once(html, name=statement.title, keep=is_kept_date(statement.as_of))


@require_safe
@permission_required(VIEW_PERMISSION, raise_exception=True)
def statement_csv(request):
    # UTF-8 with a byte-order mark, or Excel reads "£" and "ŵ" in the ANSI code page.
    return _statement_file(
        request,
        "csv",
        "text/csv; charset=utf-8",
        lambda statement: "\ufeff" + exports.statement_csv(statement),
    )


@require_safe
@permission_required(VIEW_PERMISSION, raise_exception=True)
def statement_xlsx(request):
    return _statement_file(
        request,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.statement_xlsx,
    )


@require_safe
@permission_required(VIEW_PERMISSION, raise_exception=True)
def statement_pdf(request):
    try:
        return _statement_file(request, "pdf", "application/pdf", _statement_pdf)
    except PdfRenderError as error:
        messages.error(request, str(error))
        as_of, _ = parse_as_of(request)
        return redirect(f"{reverse('finance:statement_detail')}?as_of={as_of.isoformat()}")


class FinancialYearDetailView(FinanceView, DetailView):
    """The ledger for one year: every entry, reversals included, in posting order."""

    template_name = "finance/financialyear_detail.html"
    context_object_name = "year"
    slug_field = "start_year"
    slug_url_kwarg = "start_year"
    model = models.FinancialYear

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.object
        queryset = (
            models.LedgerEntry.objects.in_year(year)
            .select_related("project", "source", "recorded_by", "meeting__minutes", "agenda_item")
            .order_by("posted_on", "pk")
        )
        entries = list(queryset)
        reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
        # A draft meeting's agenda is the co-ordinators' alone: an allocation cited at one shows
        # members neither the meeting's link nor the item's title.
        sees_drafts = self.request.user.has_perm("meetings.change_meeting")
        for entry in entries:
            entry.is_reversed = entry.pk in reversed_ids
            entry.shows_meeting = entry.meeting_id and (sees_drafts or not entry.meeting.is_draft)
        amounts = queryset.amounts_by_year().get(year.pk, models.YearAmounts())
        context.update(
            entries=entries,
            net_income=ledger.total(amounts.income),
            net_overheads=ledger.total(amounts.overhead),
            net_allocated=ledger.total(amounts.allocation),
            reopenings=year.reopenings.select_related("reopened_by"),
            can_edit=self.request.user.has_perm("finance.add_ledgerentry"),
            can_manage=self.request.user.has_perm("finance.change_financialyear"),
        )
        return context


class FinancialYearCreateView(FinanceView, CreateView):
    permission_required = "finance.add_financialyear"
    template_name = "finance/financialyear_form.html"
    form_class = FinancialYearForm

    def form_valid(self, form):
        try:
            year = services.create_year(by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Financial year {year.label} added.")
        return redirect(year)


class YearActionMixin(FinanceView):
    permission_required = "finance.change_financialyear"

    def get_year(self):
        return get_object_or_404(models.FinancialYear, start_year=self.kwargs["start_year"])


class FinancialYearUpdateView(UnchangedFormMixin, YearActionMixin, UpdateView):
    template_name = "finance/financialyear_form.html"
    form_class = FinancialYearUpdateForm
    context_object_name = "year"

    def get_object(self, queryset=None):
        return self.get_year()

    def form_valid(self, form):
        # Not super().form_valid: the service saves, under the year's lock. Unchanged: no save.
        if nothing_changed(self.request, form):
            return HttpResponseRedirect(self.unchanged_url())
        try:
            self.object = services.update_year(
                self.get_year(),
                kind=form.cleaned_data["kind"],
                actual_from=form.cleaned_data["actual_from"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object.label} updated.")
        return redirect(self.get_success_url())


class FinancialYearCloseView(YearActionMixin, TemplateView):
    template_name = "finance/financialyear_close.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["year"] = self.get_year()
        return context

    def post(self, request, *args, **kwargs):
        year = services.close_year(self.get_year(), by=request.user)
        messages.success(request, f"{year.label} is closed: its ledger is now read-only.")
        return redirect(year)


class FinancialYearReopenView(YearActionMixin, FormView):
    template_name = "finance/financialyear_reopen.html"
    form_class = ReopenYearForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["year"] = self.get_year()
        return context

    def form_valid(self, form):
        try:
            year = services.reopen_year(
                self.get_year(), by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{year.label} reopened; the reopening is recorded.")
        return redirect(year)


class LedgerEntryCreateView(FinanceView, FormView):
    permission_required = "finance.add_ledgerentry"
    template_name = "finance/ledgerentry_form.html"
    form_class = LedgerEntryForm

    def get_initial(self):
        initial = super().get_initial()
        start_year = self.request.GET.get("year", "")
        if start_year.isdigit():
            year = models.FinancialYear.objects.filter(start_year=int(start_year)).first()
            if year:
                initial["year"] = year
                today = timezone.localdate()
                initial["posted_on"] = today if year.contains(today) else year.start_date
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            entry = services.post_entry(
                year=data["year"], kind=data["kind"], by=self.request.user, **form.service_fields()
            )
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(self.request, f"Posted to {entry.year.label}: {entry.description}.")
        return redirect(entry.year)


class EntryActionMixin(FinanceView):
    permission_required = "finance.add_ledgerentry"

    def get_entry(self):
        if not hasattr(self, "_entry"):
            self._entry = get_object_or_404(
                models.LedgerEntry.objects.select_related("year", "project"), pk=self.kwargs["pk"]
            )
        return self._entry

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entry"] = self.get_entry()
        return context


class LedgerEntryCorrectView(EntryActionMixin, FormView):
    """Correct an entry: posts a reversing entry and the corrected replacement together."""

    template_name = "finance/ledgerentry_correct.html"
    form_class = LedgerEntryForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        entry = self.get_entry()
        kwargs["fixed"] = ("year", "kind")
        kwargs["initial"] = {
            "year": entry.year,
            "kind": entry.kind,
            "posted_on": entry.posted_on,
            "amount": entry.amount,
            "description": entry.description,
            "source": entry.source_id,
            "project": entry.project_id,
            "meeting": entry.meeting_id,
            "agenda_item": entry.agenda_item_id,
        }
        return kwargs

    def form_valid(self, form):
        entry = self.get_entry()
        try:
            _, replacement = services.correct_entry(
                entry, by=self.request.user, **form.service_fields()
            )
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Corrected: reversed entry {entry.pk} and posted {replacement.pk}."
        )
        return redirect(entry.year)


class LedgerEntryReverseView(EntryActionMixin, FormView):
    template_name = "finance/ledgerentry_reverse.html"
    form_class = ReverseEntryForm

    def get_initial(self):
        entry = self.get_entry()
        today = timezone.localdate()
        return {"posted_on": today if entry.year.contains(today) else entry.posted_on}

    def form_valid(self, form):
        entry = self.get_entry()
        try:
            services.reverse_entry(
                entry,
                by=self.request.user,
                posted_on=form.cleaned_data["posted_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error("posted_on" if error.code == "out_of_year" else None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Entry {entry.pk} reversed.")
        return redirect(entry.year)


class LedgerEntryHistoryView(FinanceView, DetailView):
    """Who posted an entry, when, and every recorded change to it."""

    template_name = "finance/ledgerentry_history.html"
    context_object_name = "entry"
    queryset = models.LedgerEntry.objects.select_related("year", "project", "recorded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["records"] = self.object.history.select_related("history_user").order_by(
            "history_date"
        )
        return context


class ProjectListView(FinanceView, ListView):
    template_name = "finance/project_list.html"
    context_object_name = "projects"
    queryset = models.Project.objects.select_related("lead_organisation").order_by(
        "sort_order", "name"
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = self.request.user.has_perm("finance.change_project")
        return context


class ProjectCreateView(FinanceView, CreateView):
    permission_required = "finance.add_project"
    template_name = "finance/project_form.html"
    form_class = ProjectForm

    def get_success_url(self):
        messages.success(self.request, f"Project “{self.object.name}” saved.")
        return reverse("finance:project_list")


class ProjectUpdateView(UnchangedFormMixin, ProjectCreateView, UpdateView):
    permission_required = "finance.change_project"
    model = models.Project

    def unchanged_url(self):
        return reverse("finance:project_list")


class EventBudgetDetailView(FinanceView, DetailView):
    template_name = "finance/eventbudget_detail.html"
    context_object_name = "event_budget"
    model = models.EventBudget

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["budget"] = event_budget_report(self.object)
        context["lines"] = self.object.lines.order_by("sort_order", "pk")
        context["can_edit"] = self.request.user.has_perm("finance.change_eventbudgetline")
        return context


class EventBudgetLineUpdateView(UnchangedFormMixin, RecordFormView, UpdateView):
    permission_required = "finance.change_eventbudgetline"
    template_name = "finance/eventbudgetline_form.html"
    form_class = EventBudgetLineForm
    queryset = models.EventBudgetLine.objects.select_related("budget")
    context_object_name = "line"
    saved_message = "“{record.description}” saved."

    def get_success_url(self):
        return self.object.budget.get_absolute_url()


class ExternalFundingCreateView(RecordFormView, CreateView):
    permission_required = "finance.add_externalfunding"
    template_name = "finance/externalfunding_form.html"
    form_class = ExternalFundingForm
    saved_message = "External funding “{record.name}” saved."

    def get_success_url(self):
        return reverse("finance:index")


class ExternalFundingUpdateView(UnchangedFormMixin, ExternalFundingCreateView, UpdateView):
    permission_required = "finance.change_externalfunding"
    model = models.ExternalFunding


class EventBudgetCreateView(RecordFormView, CreateView):
    permission_required = "finance.add_eventbudget"
    template_name = "finance/eventbudget_form.html"
    form_class = EventBudgetForm


class EventBudgetLineCreateView(RecordFormView, CreateView):
    permission_required = "finance.add_eventbudgetline"
    template_name = "finance/eventbudgetline_form.html"
    form_class = EventBudgetLineForm

    def get_budget(self):
        return get_object_or_404(models.EventBudget, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["budget"] = self.get_budget()
        return context

    saved_message = "“{record.description}” added."

    def form_valid(self, form):
        form.instance.budget = self.get_budget()
        return super().form_valid(form)

    def get_success_url(self):
        return self.object.budget.get_absolute_url()
