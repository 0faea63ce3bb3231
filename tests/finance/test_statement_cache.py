"""The fund statement page is kept under a digest of the rows it is made from (issue 18,
finance.reports.fund_statement_page): every kind of change shows on the very next request."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.models import ExternalFunding, FinancialYear, LedgerEntry, Project
from wkp.models import Organisation

from .factories import make_entry

pytestmark = pytest.mark.django_db
URL = reverse("finance:statement_detail")
AS_OF = {"as_of": "2006-07-14"}


def page(client, params=AS_OF):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_posted_entry_shows_on_the_next_request(seed_ledger, member_client):
    before = page(member_client)
    year = FinancialYear.objects.get(start_year=2005)
    make_entry(year, "income", "98765", posted_on=datetime.date(2005, 6, 1))
    after = page(member_client)
    assert "98765" not in before and "98765" in after


def test_an_entry_posted_after_the_date_shown_changes_nothing_shown(seed_ledger, member_client):
    before = page(member_client)
    year = FinancialYear.objects.get(start_year=2005)
    make_entry(year, "income", "98765", posted_on=datetime.date(2006, 7, 15))
    assert "98765" not in page(member_client)
    assert "98765" in page(member_client, {"as_of": "2006-07-15"})
    assert page(member_client).count("<tr") == before.count("<tr")


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
