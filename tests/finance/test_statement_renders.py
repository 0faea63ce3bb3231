"""The fund statement's PDF in the render cache: today's and each year end's are kept and read
back; any other date a member asks for is typeset and not stored (finance/views.py)."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from tests.finance.factories import make_ledger

URL = reverse("finance:statement_pdf")


def stored():
    if not default_storage.exists("renders/documents"):
        return set()
    return set(default_storage.listdir("renders/documents")[1])


@pytest.mark.django_db
def test_other_dates_are_typeset_and_not_stored(renders, member_client):
    make_ledger()  # 2003/4 to 2005/6 actual, 2006/7 projected
    dates = ["2004-01-10", "2005-02-11", "2006-07-14", "2006-03-30"]

    responses = [member_client.get(f"{URL}?as_of={day}") for day in dates]

    assert [r.status_code for r in responses] == [200] * len(dates)
    assert all(r.content.startswith(b"%PDF-") for r in responses)
    assert len(renders.names) == len(dates)
    assert stored() == set()


@pytest.mark.django_db
def test_todays_statement_is_stored_and_read_back(renders, member_client):
    make_ledger()
    today = timezone.localdate().isoformat()

    first = member_client.get(URL)
    again = member_client.get(f"{URL}?as_of={today}")

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(renders.names) == 1
    assert len(stored()) == 1


@pytest.mark.django_db
def test_a_financial_year_end_is_stored_and_read_back(renders, member_client):
    make_ledger()  # years starting 2003 to 2006: their ends are 31 March 2004 to 2007

    first = member_client.get(f"{URL}?as_of=2005-03-31")
    again = member_client.get(f"{URL}?as_of=2005-03-31")
    no_such_year = member_client.get(f"{URL}?as_of=2010-03-31")

    assert first.status_code == again.status_code == no_such_year.status_code == 200
    assert again.content == first.content
    assert len(renders.names) == 2  # 31 March 2005 once, 31 March 2010 (no year ends then)
    assert len(stored()) == 1
