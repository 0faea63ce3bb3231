"""Small builders for finance tests (the seed ledger comes from fixtures/20_finance.json)."""

import datetime
from decimal import Decimal

from finance import services
from finance.models import FinancialYear, LedgerEntry, Project


def make_year(start_year, kind="projected", **extra):
    if kind == "actual":
        extra.setdefault("actual_from", datetime.date(start_year + 1, 6, 30))
    return FinancialYear.objects.create(start_year=start_year, kind=kind, **extra)


def post_on_first_day(year, kind, amount, description, *, by, project=None):
    """A posting through the ledger service, dated the first day of `year`."""
    return services.post_entry(
        year=year,
        kind=kind,
        amount=amount,
        posted_on=year.start_date,
        description=description,
        project=project,
        by=by,
    )


def make_entry(year, kind, amount, project=None, posted_on=None, **extra):
    return LedgerEntry.objects.create(
        year=year,
        kind=kind,
        amount=Decimal(amount),
        posted_on=posted_on or year.start_date,
        description=extra.pop("description", f"{kind} {amount}"),
        project=project,
        **extra,
    )


def make_allocation(year, project, amount, description, *, meeting, item=None):
    """An allocation to `project` approved at `meeting` (under its agenda `item`, if given)."""
    return make_entry(
        year,
        "allocation",
        amount,
        project=project,
        description=description,
        meeting=meeting,
        agenda_item=item,
    )


def make_ledger(years=3, projects_per_year=2):
    """A ledger of `years` actual years and one projected year, with allocations."""
    project_rows = []
    result = []
    for i in range(years + 1):
        year = make_year(2003 + i, "actual" if i < years else "projected")
        make_entry(year, "income", "55000")
        make_entry(year, "overhead", "20000")
        for j in range(projects_per_year):
            project = Project.objects.create(name=f"Project {i}-{j}", sort_order=i * 10 + j)
            project_rows.append(project)
            make_entry(year, "allocation", "1000", project=project)
        result.append(year)
    return result
