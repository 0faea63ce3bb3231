"""Amounts that are not plain money give an error on the amount field of the real ledger form,
never a posting or a server error."""

import pytest
from django.urls import reverse

from finance.models import FinancialYear, LedgerEntry

pytestmark = pytest.mark.django_db

BAD_AMOUNTS = [
    "1e3", "NaN", "nan", "Infinity", "-Infinity", "inf", "0.005", "1,000.00", "£100", "100.001",
    "", " ", "0x10", "1_000", "١٠٠", "99999999999.99", "1e-2", "--1", "1/2", "\x00",
]  # fmt: skip


def test_odd_amounts_are_refused_with_a_form_error(coordinator_client):
    year = FinancialYear.objects.create(start_year=2006)
    coordinator_client.raise_request_exception = False
    outcomes = []
    for amount in BAD_AMOUNTS:
        response = coordinator_client.post(
            reverse("finance:ledgerentry_create"),
            {"year": year.pk, "kind": "income", "posted_on": "2006-07-14", "amount": amount,
             "description": "Odd amount"},
        )  # fmt: skip
        errors = response.context["form"].errors if response.status_code == 200 else {}
        outcomes.append((amount, response.status_code, "amount" in errors))
    assert [o for o in outcomes if o[1:] != (200, True)] == [], outcomes
    assert LedgerEntry.objects.count() == 0


def test_a_plain_amount_is_posted_exactly(coordinator_client):
    year = FinancialYear.objects.create(start_year=2006)
    response = coordinator_client.post(
        reverse("finance:ledgerentry_create"),
        {"year": year.pk, "kind": "income", "posted_on": "2006-07-14", "amount": "1000.10",
         "description": "Grant"},
    )  # fmt: skip
    assert response.status_code == 302
    assert str(LedgerEntry.objects.get().amount) == "1000.10"
