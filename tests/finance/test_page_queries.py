"""Exact query counts of the finance pages at two sizes (issue 18): the same number of queries
for 20 ledger entries as for 2,000. Entries are made with bulk_create so the tests stay fast.

Each page is loaded once first (the first request after signing in refreshes the session), then
counted: the session read, the user, the two permission reads, the page's own queries (and, for
a co-ordinator, django-otp's look-up of the verified device).
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from finance.models import LedgerEntry, Project
from tests.pagequeries import count_queries as count
from tests.pagequeries import count_rendered_then_cached

from .factories import make_entry, make_year

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"


def ledger_of(size):
    """Two actual years and a projected one; `size` entries, a tenth of them income, the rest
    allocations spread over twenty projects."""
    years = [make_year(2003, "actual"), make_year(2004, "actual"), make_year(2005)]
    projects = Project.objects.bulk_create(
        Project(name=f"Project {n}", sort_order=n) for n in range(20)
    )
    entries = []
    for n in range(size):
        year = years[n % 3]
        income = n % 10 == 0
        entries.append(
            LedgerEntry(
                year=year,
                kind="income" if income else "allocation",
                amount=Decimal("100.00") if income else Decimal("1.50"),
                posted_on=year.start_date + datetime.timedelta(days=n % 300),
                description=f"Entry {n}",
                project=None if income else projects[n % 20],
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    make_entry(years[0], "overhead", "20")
    return years


# The versions of the tables the statement is made from (wkp.table_versions), then from the
# cache; when it is rendered (first, or after a change), years, ledger amounts, projects, external
# funding.
STATEMENT = 5 if POSTGRES else 8
STATEMENT_RENDERED = 9 if POSTGRES else 8


@pytest.mark.parametrize("size", [20, 2000])
def test_statement_query_count_is_exact(member_client, django_assert_num_queries, size):
    ledger_of(size)
    url = reverse("finance:statement_detail")
    rendered, response = count_rendered_then_cached(
        member_client, django_assert_num_queries, url, STATEMENT_RENDERED, STATEMENT
    )
    assert "Project 19" in rendered.content.decode()
    assert response.context["report_html"] == rendered.context["report_html"]


YEAR_PAGE = 8


@pytest.mark.parametrize("size", [20, 2000])
def test_year_page_query_count_is_exact(coordinator_client, django_assert_num_queries, size):
    years = ledger_of(size)
    url = reverse("finance:financialyear_detail", args=[years[0].start_year])
    count(coordinator_client, django_assert_num_queries, url, YEAR_PAGE)


FINANCE_HOME = 7
PROJECT_LIST = 5


@pytest.mark.parametrize("size", [20, 2000])
def test_finance_home_query_count_is_exact(member_client, django_assert_num_queries, size):
    ledger_of(size)
    count(member_client, django_assert_num_queries, reverse("finance:index"), FINANCE_HOME)


@pytest.mark.parametrize("size", [20, 2000])
def test_project_list_query_count_is_exact(member_client, django_assert_num_queries, size):
    ledger_of(size)
    count(member_client, django_assert_num_queries, reverse("finance:project_list"), PROJECT_LIST)
