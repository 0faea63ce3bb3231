"""The fund statement page is kept under the versions of the tables it is made from (issue 18,
finance.reports.fund_statement_page): every kind of change shows on the very next request."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from finance.models import ExternalFunding, FinancialYear, LedgerEntry, Project
from finance.reports import fund_statement
from wkp.models import Organisation

from .factories import make_entry

pytestmark = pytest.mark.django_db
URL = reverse("finance:statement_detail")
AS_OF = {"as_of": "2006-07-14"}


def page(client, params=AS_OF):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def report(client, as_of="2006-07-14"):
    response = client.get(URL, {"as_of": as_of})
    assert response.status_code == 200
    return response.context["report_html"]


def fresh(as_of="2006-07-14"):
    """The table as the ledger stands, computed and rendered without the cache."""
    statement = fund_statement(datetime.date.fromisoformat(as_of))
    return render_to_string("finance/partials/fund_report.html", {"statement": statement})


def test_a_posted_entry_shows_on_the_next_request(seed_ledger, member_client):
    before = report(member_client)
    assert before == fresh()
    year = FinancialYear.objects.get(start_year=2005)
    make_entry(year, "income", "98765", posted_on=datetime.date(2005, 6, 1))
    after = report(member_client)
    assert after != before
    assert after == fresh()


def test_an_entry_posted_after_the_date_shown_changes_nothing_shown(seed_ledger, member_client):
    before = report(member_client)
    year = FinancialYear.objects.get(start_year=2005)
    make_entry(year, "income", "98765", posted_on=datetime.date(2006, 7, 15))
    assert report(member_client) == before == fresh()
    assert report(member_client, "2006-07-15") == fresh("2006-07-15") != before


@pytest.mark.parametrize(
    "change, shown",
    [
        (lambda: Project.objects.filter(name="Ssky Project").update(name="Sky project"),
         "Sky project"),
        (lambda: LedgerEntry.objects.filter(kind="overhead").update(amount=Decimal("12345")),
         "12345"),
        (lambda: FinancialYear.objects.filter(start_year=2006).update(
            kind="actual", actual_from=datetime.date(2006, 7, 1)), "2006/7 Actual"),
        (lambda: ExternalFunding.objects.update(name="Lottery grant"), "Lottery grant"),
        (lambda: Organisation.objects.filter(
            pk__in=ExternalFunding.objects.values("funder")).update(short_name="FUNDER"),
         "External Funding (FUNDER"),
    ],
    ids=["project renamed", "entry changed in SQL", "year made actual", "funding renamed",
         "funder renamed"],
)  # fmt: skip
def test_every_change_shows_on_the_next_request(seed_ledger, member_client, change, shown):
    assert shown not in page(member_client)
    change()
    assert shown in page(member_client)
