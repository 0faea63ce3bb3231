"""The suite's flush between transactional tests (tests/conftest.py, `sql_flush_by_delete`)
leaves the database as Django's TRUNCATE does: every table empty, sequences where they were;
the foreign-key triggers it skips (as a superuser) are skipped for that transaction only."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import skip_unless_postgres
from tests.factories import AgendaItemFactory, PaperFactory, PersonFactory
from wkp.models import Organisation


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_every_table_by_delete_and_keeps_the_sequences(make_user):
    skip_unless_postgres("the PostgreSQL flush")
    make_user("cora", "Co-ordinator")
    council = PersonFactory().organisation
    paper = PaperFactory()
    AgendaItemFactory(meeting=paper.meeting).papers.add(paper)
    tables = connection.introspection.django_table_names(only_existing=True)
    with connection.cursor() as cursor:
        filled = {table for table in tables if _rows(cursor, table)}
    assert {"wkp_person", "meetings_paper", "meetings_agendaitempaper", "auth_group"} <= filled

    with CaptureQueriesContext(connection) as sent:
        # As TransactionTestCase calls it after each test (less the post_migrate signal).
        options = {"reset_sequences": False, "inhibit_post_migrate": True}
        call_command("flush", interactive=False, verbosity=0, **options)

    statements = [query["sql"] for query in sent.captured_queries]
    assert not [sql for sql in statements if "TRUNCATE" in sql.upper()]
    assert {f'DELETE FROM "{table}"' for table in filled} <= set(statements)  # noqa: S608
    with connection.cursor() as cursor:
        assert {table: rows for table in tables if (rows := _rows(cursor, table))} == {}
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    replica = "SET LOCAL session_replication_role = replica"
    assert (replica in statements) == superuser
    again = Organisation.objects.create(name="Kent County Council", short_name="KCC")
    assert again.pk > council.pk


def _rows(cursor, table):
    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
    return cursor.fetchone()[0]
