"""The partnership fund: financial years, projects, an append-only ledger, external funding and
event budgets. Figures are never stored: `finance/ledger.py` computes them and
`finance/reports.py` builds the fund statement.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from wkp.models import NamedModel, detail_url, optional_link

MONEY = {"max_digits": 12, "decimal_places": 2}


class FinancialYear(models.Model):
    """April to March. Actual years report what happened; a projected year is a budget."""

    class Kind(models.TextChoices):
        ACTUAL = "actual"
        PROJECTED = "projected"

    start_year = models.PositiveSmallIntegerField(
        unique=True, help_text="The calendar year in which the financial year starts (1 April)."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROJECTED)
    actual_from = models.DateField(
        null=True,
        blank=True,
        help_text="The date the year's figures became actual (final); statements as of an "
        "earlier date show the year as projected.",
    )
    is_closed = models.BooleanField(
        "closed", default=False, help_text="A closed year's ledger is read-only."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__gte=1990) & Q(start_year__lte=2200),
                name="financialyear_start_year_plausible",
                violation_error_message="A financial year starts in a year from 1990 to 2200.",
            ),
            models.CheckConstraint(
                condition=Q(kind="projected") | Q(actual_from__isnull=False),
                name="financialyear_actual_has_date",
                violation_error_message="An actual year needs the date its figures became final.",
            ),
        ]

    def __str__(self):
        return self.label

    get_absolute_url = detail_url("finance:financialyear_detail", "start_year")

    @property
    def label(self):
        """The partnership's label for the year starting in April: 2003/4, 2009/10."""
        return f"{self.start_year}/{(self.start_year + 1) % 100}"

    @property
    def start_date(self):
        return datetime.date(self.start_year, 4, 1)

    @property
    def end_date(self):
        return datetime.date(self.start_year + 1, 3, 31)

    def contains(self, day):
        return self.start_date <= day <= self.end_date

    def kind_on(self, day):
        """Actual or projected as the year stood on `day`."""
        if self.kind == self.Kind.ACTUAL and self.actual_from and self.actual_from <= day:
            return self.Kind.ACTUAL
        return self.Kind.PROJECTED


class YearReopening(models.Model):
    """A co-ordinator reopened a closed year: who, when and why."""

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="reopenings")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        ordering = ["-reopened_at", "-pk"]

    def __str__(self):
        return f"{self.year.label} reopened {self.reopened_at:%d %B %Y}"


class Project(NamedModel):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    lead_organisation = optional_link(
        "wkp.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    sort_order = models.PositiveIntegerField(
        default=0, help_text="Position in the analysis of projects (lower first)."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "name"]


@dataclass
class YearAmounts:
    """One year's ledger amounts by kind (and allocations by project), to be added up in
    Python Decimal by finance/ledger.py (never summed in SQL)."""

    income: list = field(default_factory=list)
    overhead: list = field(default_factory=list)
    allocation: list = field(default_factory=list)
    by_project: dict = field(default_factory=lambda: defaultdict(list))


class LedgerEntryQuerySet(models.QuerySet):
    def posted_by(self, as_of):
        return self.filter(posted_on__lte=as_of)

    def in_year(self, year):
        return self.filter(year=year)

    def amounts_by_year(self):
        """{year id: YearAmounts} for these entries: the one grouping of ledger rows by year.

        One query (none if this queryset has been fetched already: its rows are grouped)."""
        if self._result_cache is not None:
            rows = ((e.year_id, e.kind, e.project_id, e.amount) for e in self._result_cache)
        else:
            rows = self.order_by().values_list("year_id", "kind", "project_id", "amount")
        by_year = defaultdict(YearAmounts)
        for year_id, kind, project_id, amount in rows:
            amounts = by_year[year_id]
            getattr(amounts, kind).append(amount)
            if kind == LedgerEntry.Kind.ALLOCATION:
                amounts.by_project[project_id].append(amount)
        return dict(by_year)


class LedgerEntry(models.Model):
    """One posting to the fund. Entries are never edited: a correction posts a reversing entry
    (the negative of the original, linked by `reverses`) and, if needed, a replacement."""

    class Kind(models.TextChoices):
        INCOME = "income"
        OVERHEAD = "overhead"
        ALLOCATION = "allocation", "Project allocation"

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    posted_on = models.DateField(
        help_text="The date the entry takes effect; statements as of an earlier date leave it out."
    )
    amount = models.DecimalField(**MONEY)
    description = models.CharField(max_length=200)
    source = optional_link(
        "wkp.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For income: the partner organisation that contributed it, when known.",
    )
    project = optional_link(Project, on_delete=models.PROTECT, related_name="allocations")
    meeting = optional_link(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The meeting that approved this allocation.",
    )
    agenda_item = optional_link(
        "meetings.AgendaItem",
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The agenda item at which it was approved.",
    )
    reverses = optional_link(
        "self",
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text="The entry this one cancels.",
        one_to_one=True,
    )
    replaces = optional_link(
        "self",
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text="The entry this one corrects.",
    )
    override_reason = models.TextField(
        blank=True,
        help_text="Why an allocation beyond the funds available was accepted (recorded).",
    )
    recorded_by = optional_link(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["year", "posted_on", "pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0)
                | Q(reverses__isnull=False, amount__lt=0),
                name="ledgerentry_sign",
                violation_error_message="Amounts are positive; only a reversing entry is negative.",
            ),
            models.CheckConstraint(
                condition=Q(kind="allocation", project__isnull=False)
                | (~Q(kind="allocation") & Q(project__isnull=True)),
                name="ledgerentry_allocation_has_project",
                violation_error_message="An allocation needs a project, and only an allocation.",
            ),
        ]

    def __str__(self):
        return f"{self.year.label} {self.get_kind_display()}: {self.description} {self.amount}"

    @property
    def is_reversal(self):
        return self.reverses_id is not None


class ExternalFunding(models.Model):
    """Money secured for the area from outside (SEEDA's grants): reported apart from the fund."""

    funder = models.ForeignKey("wkp.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("project", max_length=200)
    year = models.ForeignKey(
        FinancialYear, on_delete=models.PROTECT, related_name="external_funding"
    )
    amount = models.DecimalField(**MONEY)
    secured_on = models.DateField()
    sort_order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "secured_on", "pk"]
        verbose_name_plural = "external funding"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="externalfunding_amount_positive",
                violation_error_message="The amount must be more than £0.00.",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.funder})"


class EventBudget(NamedModel):
    """The estimated (and, when known, actual) cost of an event such as the 2006 conference."""

    name = models.CharField(max_length=200)
    event_date = models.DateField()
    venue = models.CharField(max_length=200, blank=True)
    meeting = optional_link("meetings.Meeting", on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-event_date", "pk"]

    get_absolute_url = detail_url("finance:eventbudget_detail")


class EventBudgetLine(models.Model):
    budget = models.ForeignKey(EventBudget, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    estimate = models.DecimalField(**MONEY)
    actual = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Leave blank until the cost is known."
    )
    sort_order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["budget", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimate__gte=0),
                name="eventbudgetline_estimate_not_negative",
                violation_error_message="An estimate cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(actual__isnull=True) | Q(actual__gte=0),
                name="eventbudgetline_actual_not_negative",
                violation_error_message="An actual cost cannot be negative.",
            ),
        ]

    def __str__(self):
        return self.description
