"""An edit of a financial year that races its closing: the year's row is locked before "closed"
is checked, so the edit waits for the close and is then refused; it never reopens the year.

Two real PostgreSQL connections (a co-ordinator closing the year in one, another saving the
year's edit form in the other); skipped on SQLite, which serialises writers.
"""

import os
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from finance import services
from finance.models import FinancialYear

from ..conftest import sign_in_fully
from .factories import make_year

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and os.environ.get("WKP_REQUIRE_POSTGRES") != "1",
        reason="needs PostgreSQL: two connections holding and waiting for a row lock",
    ),
]

POLLS = 20000  # of pg_stat_activity, 5 ms apart at least: a bound, never reached in practice


def waiting_for_a_lock(cursor):
    # Within a transaction PostgreSQL answers from one snapshot of the activity unless cleared.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    return cursor.fetchone()[0]


def test_year_edit_that_raced_its_closing_is_refused_and_the_year_stays_closed(coordinator):
    year = make_year(2006)
    closer = get_user_model().objects.create_user("closer")
    client = sign_in_fully(Client(), coordinator)
    url = reverse("finance:financialyear_update", args=[2006])
    assert client.get(url).status_code == 200  # the form as opened, before the year is closed
    edit = {}

    def save_the_edit_form():
        try:
            edit["response"] = client.post(url, {"kind": "actual", "actual_from": "2007-06-30"})
        finally:
            connections.close_all()

    with transaction.atomic():
        services.close_year(year, by=closer)  # holds the year's row lock until commit
        editor = threading.Thread(target=save_the_edit_form)
        editor.start()
        with connections["default"].cursor() as cursor:
            for _ in range(POLLS):
                if waiting_for_a_lock(cursor) or not editor.is_alive():
                    break
                threading.Event().wait(0.005)
            edit_waited = waiting_for_a_lock(cursor) > 0
    editor.join()

    assert edit_waited is True
    assert edit["response"].status_code == 200
    assert "2006/7 is closed: reopen it first." in edit["response"].content.decode()
    assert FinancialYear.objects.get(pk=year.pk).is_closed is True
