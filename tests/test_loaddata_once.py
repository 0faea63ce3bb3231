"""The suite's fixture loading (tests/conftest.py, `loaddata_once_per_worker`): rows copied back
into empty tables are the rows Django's `loaddata` leaves, and no INSERT is sent for them."""

import os

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.loaddata import Command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import conftest
from tests.conftest import skip_unless_postgres

FIXTURES = sorted((settings.BASE_DIR / "fixtures").glob("*.json"))


def load_and_read():
    """Loads the demo fixtures in a savepoint rolled back after reading every table's rows and
    counting the INSERTs. What a sequence or the clock gives is left out: the ids of
    many-to-many rows, simple-history's record ids and dates (the dates are checked apart)."""
    through = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    through -= {m._meta.db_table for m in apps.get_models()}
    tables = {}
    with transaction.atomic(), CaptureQueriesContext(connection) as sent:
        call_command("loaddata", *FIXTURES, verbosity=0)
        for table in connection.introspection.django_table_names(only_existing=True):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
                names = [column.name for column in cursor.description]
                left_out = {"history_id", "history_date", "m2m_history_id"}
                if table in through or "m2m_history_id" in names:
                    left_out.add("id")
                kept = [i for i, name in enumerate(names) if name not in left_out]
                rows = sorted(tuple(str(row[i]) for i in kept) for row in cursor.fetchall())
            if rows:
                tables[table] = rows
        inserts = sum(query["sql"].startswith("INSERT") for query in sent.captured_queries)
        dates = history_dates()
        transaction.set_rollback(True)
    return tables, inserts, dates


def history_dates():
    with connection.cursor() as cursor:
        cursor.execute("SELECT history_date FROM meetings_historicalagendaitem")
        return {date for (date,) in cursor.fetchall()}


@pytest.mark.django_db
def test_fixture_rows_copied_back_are_the_rows_loaddata_leaves(monkeypatch):
    skip_unless_postgres("COPY")
    if os.environ.get("WKP_TEST_LOADDATA_ONCE") == "0":
        pytest.skip("copying fixture rows back is turned off for this run")
    first, _, _ = load_and_read()  # real: the tables it writes are noted (or copied back)
    kept, _, _ = load_and_read()  # real, into empty tables: their rows are kept (or copied back)
    before = timezone.now()
    copied, inserts, dates = load_and_read()
    assert dates and min(dates) >= before
    (_models, rows_kept, _count), *_ = [
        loaded
        for key, loaded in conftest._LOADED.items()
        if [path for path, _mtime, _size in key[2]] == [str(path) for path in FIXTURES]
    ]
    assert "meetings_historicalagendaitem_presenters" in rows_kept
    assert inserts == 0
    monkeypatch.setattr(Command, "loaddata", conftest.DJANGO_LOADDATA)
    real, real_inserts, _ = load_and_read()
    assert real_inserts >= 230
    assert {"wkp_organisation", "meetings_paper", "finance_ledgerentry"} <= set(real)
    assert set(real) - set(copied) == set()
    for table, rows in real.items():
        assert copied[table] == kept[table] == first[table] == rows, table
