"""Read model other apps may use: the fund statement (Paper B's "WKP Financial Report"), its
HTML partial and chart, and event budgets.

Public API (for meetings/pack.py and paper pages):
    fund_statement(as_of) -> FundStatement
    fund_statement_page(as_of) -> {"title", "report_html", "chart_html"} (cached, never stale)
    render_fund_report_html(as_of, *, chart=False) -> str
    render_fund_chart_svg(statement) -> str (inline <svg>, no scripts)
    event_budget_report(event_budget) -> EventBudgetReport
    render_event_budget_html(event_budget) -> str
    allocations_approved_at(meeting_id) -> {agenda item id or None: [ApprovedAllocation]}
    allocation_models() -> the models whose tables that reads
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from wkp import table_versions
from wkp.models import Organisation

from . import ledger
from .chart import fund_chart_svg
from .models import (
    EventBudget,
    ExternalFunding,
    FinancialYear,
    LedgerEntry,
    Project,
    YearAmounts,
)


@dataclass(frozen=True)
class Column:
    label: str  # 2003/4
    kind: str  # Actual / Projected

    @property
    def heading(self):
        return f"{self.label} {self.kind}"


@dataclass(frozen=True)
class Row:
    """One line of the statement. `cells` holds one value (or None for blank) per year."""

    label: str
    cells: tuple
    total: Decimal | None = None
    style: str = "figure"  # figure, heading, subtotal, project, allocated, available, external

    @property
    def is_heading(self):
        return self.style == "heading"


@dataclass(frozen=True)
class FundStatement:
    as_of: datetime.date
    title: str
    columns: tuple
    rows: tuple
    figures: tuple  # ledger.YearFigures per column
    totals: ledger.Totals | None

    @property
    def header(self):
        return ("", *(c.heading for c in self.columns), "TOTAL")

    def as_table(self):
        """Header and rows as the paper prints them: whole pounds, blanks as ""."""
        return [list(self.header)] + [
            [row.label, *(pounds_text(v) for v in row.cells), pounds_text(row.total)]
            for row in self.rows
        ]

    def as_values(self):
        """Header and rows for spreadsheets: whole pounds as int, blanks as None."""
        return [list(self.header)] + [
            [row.label, *(pounds_int(v) for v in row.cells), pounds_int(row.total)]
            for row in self.rows
        ]


def pounds_text(value):
    """Seed style: whole pounds, no separators (55000); a negative as −500; blank as ""."""
    if value is None:
        return ""
    amount = ledger.whole_pounds(value)
    return f"−{-amount}" if amount < 0 else f"{amount}"


def pounds_int(value):
    return None if value is None else int(ledger.whole_pounds(value))


def report_title(as_of):
    """The paper's title with the year in full: "December 26" would read as 26 December."""
    return f"WKP Financial Report - {as_of:%B %Y}"


def year_inputs(years, amounts, as_of):
    """finance/ledger.py's inputs for `years` from `amounts` (LedgerEntry...amounts_by_year()),
    each year actual or projected as it stood on `as_of`."""
    empty = YearAmounts()
    return [
        ledger.YearInput(
            label=y.label,
            projected=y.kind_on(as_of) == FinancialYear.Kind.PROJECTED,
            income=ledger.total(amounts.get(y.pk, empty).income),
            overheads=ledger.total(amounts.get(y.pk, empty).overhead),
            allocated=ledger.total(amounts.get(y.pk, empty).allocation),
        )
        for y in years
    ]


def fund_statement(as_of):
    """The fund as the ledger stood on `as_of` (entries posted on or before it), in four
    queries whatever the size of the ledger. Sums are taken in Python Decimal, never in SQL."""
    years = list(FinancialYear.objects.order_by("start_year"))
    amounts = LedgerEntry.objects.posted_by(as_of).amounts_by_year()
    starts = [y.start_year for y in years if y.pk in amounts]
    years = [y for y in years if min(starts) <= y.start_year <= max(starts)] if starts else []
    inputs = year_inputs(years, amounts, as_of)
    by_project = defaultdict(lambda: [[] for _ in years])
    for i, y in enumerate(years):
        for project_id, project_amounts in amounts.get(y.pk, YearAmounts()).by_project.items():
            by_project[project_id][i] = project_amounts
    figures = ledger.fund_years(inputs)
    totals = ledger.fund_totals(figures) if figures else None
    columns = tuple(
        Column(label=f.label, kind="Projected" if f.projected else "Actual") for f in figures
    )

    def line(label, attr, with_total=True, style="figure"):
        cells = tuple(getattr(f, attr) for f in figures)
        return Row(label, cells, getattr(totals, attr) if with_total and totals else None, style)

    statement_rows = [
        line("Income", "income"),
        line("b/f previous year", "brought_forward", with_total=False),
        line("Resource available", "resources", with_total=False, style="subtotal"),
        Row("Expenditure", tuple(None for _ in figures), None, "heading"),
        line("overhead (co-ordinator + marketing)", "overheads"),
        line("Projects", "projects"),
        line("Total spend", "total_spend", style="subtotal"),
        line("Net income carried forward", "carried_forward", with_total=False, style="subtotal"),
        Row("Analysis of Projects", tuple(None for _ in figures), None, "heading"),
    ]

    projects = {p.pk: p for p in Project.objects.filter(pk__in=list(by_project))}
    for project in sorted(projects.values(), key=lambda p: (p.sort_order, p.name, p.pk)):
        cells = tuple(
            ledger.total(amounts) if amounts and ledger.total(amounts) else None
            for amounts in by_project[project.pk]
        )
        if any(cells):
            row_total = ledger.total(cells)
            statement_rows.append(Row(project.name, cells, row_total, "project"))
    statement_rows.append(line("TOTAL allocated", "allocated", style="allocated"))
    for i, f in enumerate(figures):
        if f.projected:
            cells = tuple(f.available if j == i else None for j in range(len(figures)))
            statement_rows.append(
                Row(f"{f.label} project funding available", cells, None, "available")
            )

    external = list(
        ExternalFunding.objects.filter(secured_on__lte=as_of, year__in=years)
        .select_related("funder")
        .order_by("sort_order", "secured_on", "pk")
    )
    if external:
        funders = []
        for e in external:
            name = e.funder.label
            if name not in funders:
                funders.append(name)
        heading = f"External Funding ({', '.join(funders)})"
        statement_rows.append(Row(heading, tuple(None for _ in figures), None, "heading"))
        for e in external:
            cells = tuple(e.amount if y.pk == e.year_id else None for y in years)
            statement_rows.append(Row(e.name, cells, None, "external"))

    return FundStatement(
        as_of=as_of,
        title=report_title(as_of),
        columns=columns,
        rows=tuple(statement_rows),
        figures=figures,
        totals=totals,
    )


def render_fund_chart_svg(statement):
    """Income, total spend and carried forward by year, as inline SVG markup (no scripts)."""
    # Safe: built by pygal from numbers and our own fixed labels, then re-serialised by lxml.
    return mark_safe(fund_chart_svg(statement))  # noqa: S308


def render_fund_report_html(as_of, *, chart=False):
    """The fund statement as of `as_of`, rendered with finance/partials/fund_report.html (the
    same partial the finance pages use). With chart=True the SVG chart follows the table."""
    statement = fund_statement(as_of)
    html = render_to_string("finance/partials/fund_report.html", {"statement": statement})
    if chart:
        html += render_to_string(
            "finance/partials/fund_chart.html",
            {"statement": statement, "chart_svg": render_fund_chart_svg(statement)},
        )
    return html


STATEMENT_TEMPLATES = ("finance/partials/fund_report.html", "finance/partials/fund_chart.html")


def fund_statement_page(as_of):
    """The statement page's parts as of `as_of`: {"title", "report_html", "chart_html"}.

    Kept under the versions of the tables they are made from (wkp.table_versions): the
    financial years, the ledger, the projects, the external funding and the organisations (its
    funders). One query when none of them has changed since; a posted entry, a year made actual,
    a project renamed... changes a version, so the next request renders afresh."""
    versions = table_versions.versions(
        FinancialYear, LedgerEntry, Project, ExternalFunding, Organisation
    )
    return table_versions.cached(
        "fund-statement",
        versions,
        as_of.isoformat(),
        lambda: _statement_parts(fund_statement(as_of)),
        templates=STATEMENT_TEMPLATES,
    )


def _statement_parts(statement):
    chart = ""
    if statement.columns:
        chart = render_to_string(
            STATEMENT_TEMPLATES[1],
            {"statement": statement, "chart_svg": render_fund_chart_svg(statement)},
        )
    return {
        "title": statement.title,
        "report_html": render_to_string(STATEMENT_TEMPLATES[0], {"statement": statement}),
        "chart_html": chart,
    }


@dataclass(frozen=True)
class EventBudgetReport:
    name: str
    event_date: datetime.date
    venue: str
    figures: ledger.BudgetFigures


def event_budget_report(event_budget):
    """The budget's lines and totals (one query for the lines)."""
    if not isinstance(event_budget, EventBudget):
        event_budget = EventBudget.objects.get(pk=event_budget)
    lines = event_budget.lines.order_by("sort_order", "pk")
    figures = ledger.budget_figures((ln.description, ln.estimate, ln.actual) for ln in lines)
    return EventBudgetReport(
        name=event_budget.name,
        event_date=event_budget.event_date,
        venue=event_budget.venue,
        figures=figures,
    )


def render_event_budget_html(event_budget):
    """The event budget rendered with finance/partials/event_budget.html."""
    return render_to_string(
        "finance/partials/event_budget.html", {"budget": event_budget_report(event_budget)}
    )


@dataclass(frozen=True)
class ApprovedAllocation:
    """A project allocation as the meeting that approved it shows it."""

    project: str
    description: str
    amount: Decimal
    posted_on: datetime.date
    reversed: bool


def allocations_approved_at(meeting_id):
    """The allocations a meeting approved, by agenda item id (None: no item recorded); one query.

    A reversed allocation is listed as reversed (the decision stands in the minutes); reversing
    entries themselves are not decisions and are left out.
    """
    entries = (
        LedgerEntry.objects.filter(
            meeting_id=meeting_id, kind=LedgerEntry.Kind.ALLOCATION, reverses__isnull=True
        )
        .select_related("project", "reversed_by")
        .order_by("posted_on", "pk")
    )
    approved = {}
    for entry in entries:
        try:
            reversed_ = entry.reversed_by is not None
        except LedgerEntry.DoesNotExist:
            reversed_ = False
        approved.setdefault(entry.agenda_item_id, []).append(
            ApprovedAllocation(
                project=entry.project.name,
                description=entry.description,
                amount=entry.amount,
                posted_on=entry.posted_on,
                reversed=reversed_,
            )
        )
    return approved


def allocation_models():
    """The models whose tables `allocations_approved_at` reads (the meeting page's cache key)."""
    return (LedgerEntry, Project)
