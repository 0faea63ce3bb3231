"""wkp.table_versions (issue 18): a table's version changes with any committed write to it, by
whatever path; a transaction sees its own writes in its key; no write waits for another; and
content cached under the versions is built again after such a write."""

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from meetings.models import Venue
from wkp import table_versions
from wkp.models import Organisation, WorkerHeartbeat

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="table versions need PostgreSQL"
)


def version():
    return table_versions.versions(Organisation)


def other_connection():
    """A second session on the test database, as another web process or machine would be."""
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
    )
    other.autocommit = True
    return other


@pytest.mark.django_db
def test_inside_one_transaction_every_write_by_any_path_gives_a_new_key():
    """The test runs in one transaction, never committed: the key is the transaction's own."""
    organisation = Organisation.objects.create(name="Kent County Council", short_name="KCC")
    seen = {version()}
    Organisation.objects.create(name="Tunbridge Wells Borough Council")
    seen.add(version())
    Organisation.objects.filter(pk=organisation.pk).update(short_name="Kent")  # no save()
    seen.add(version())
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wkp_organisation SET address = 'Maidstone' WHERE id = %s", [organisation.pk]
        )
    seen.add(version())
    organisation.delete()
    seen.add(version())

    assert len(seen) == 5
    assert version() == version()  # stable while nothing changes


@pytest.mark.django_db
def test_a_write_to_another_table_leaves_the_key_alone():
    before = version()
    WorkerHeartbeat.objects.create(name="worker-1", seen_at=timezone.now())
    Venue.objects.create(name="Sevenoaks Council Chamber")
    assert version() == before


@pytest.mark.django_db(transaction=True)
def test_committed_writes_of_another_session_change_the_key_and_a_rollback_does_not():
    organisation = Organisation.objects.create(name="Kent Police", sector="police")
    start = version()
    other = other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("UPDATE wkp_organisation SET short_name = 'KP'")
        committed = version()
        assert committed != start

        other.autocommit = False
        with other.cursor() as cursor:
            cursor.execute("UPDATE wkp_organisation SET short_name = 'Police'")
            assert version() == committed  # not committed: not seen
        other.rollback()
        assert version() == committed
        assert Organisation.objects.get(pk=organisation.pk).short_name == "KP"

        with other.cursor() as cursor:
            cursor.execute("TRUNCATE wkp_organisation CASCADE")
        other.commit()
        assert version() not in {start, committed}
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_two_sessions_writing_one_table_do_not_wait_for_each_other():
    """The version row is locked only while a transaction commits: a long transaction that wrote
    a table (a pack build) does not hold up a co-ordinator's save to the same table."""
    slow = Organisation.objects.create(name="Slow", sector="other")
    quick = Organisation.objects.create(name="Quick", sector="other")
    first, second = other_connection(), other_connection()
    try:
        first.autocommit = False
        with first.cursor() as cursor:
            cursor.execute("UPDATE wkp_organisation SET address = 'a' WHERE id = %s", [slow.pk])
        before = version()
        with second.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute("UPDATE wkp_organisation SET address = 'b' WHERE id = %s", [quick.pk])
        after_second = version()
        first.commit()
        assert len({before, after_second, version()}) == 3
        assert set(Organisation.objects.values_list("address", flat=True)) == {"a", "b"}
    finally:
        first.close()
        second.close()


@pytest.mark.django_db
def test_every_table_of_the_apps_has_the_triggers_but_the_busy_ones():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN (%s, %s) GROUP BY c.relname",
            [table_versions.CHANGED, table_versions.COMMITTED],
        )
        triggered = dict(cursor.fetchall())
    tables = table_versions.versioned_tables()
    assert {"meetings_paper", "meetings_agendaitem_presenters", "finance_ledgerentry"} <= {*tables}
    assert triggered == dict.fromkeys(tables, 2)
    assert "meetings_meetingvisit" not in triggered and "wkp_workerheartbeat" not in triggered
    with pytest.raises(ValueError, match="cache_versioned"):
        table_versions.versions(WorkerHeartbeat)


@pytest.mark.django_db
def test_migrate_gives_a_table_that_lost_its_deferred_trigger_both_again():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {table_versions.COMMITTED} ON meetings_paper")
        assert triggers_on(cursor, "meetings_paper") == 1
        table_versions.install_triggers()
        assert triggers_on(cursor, "meetings_paper") == 2


@pytest.mark.django_db
def test_migrate_takes_the_triggers_off_a_table_no_longer_versioned():
    """As if MeetingVisit had been versioned once and its model then said otherwise."""
    busy = "meetings_meetingvisit"
    with connection.cursor() as cursor:
        cursor.execute(
            table_versions.TRIGGERS_SQL.format(
                table=busy, changed=table_versions.CHANGED, committed=table_versions.COMMITTED
            )
        )
        assert triggers_on(cursor, busy) == 2
        table_versions.install_triggers()
        assert triggers_on(cursor, busy) == 0
        assert triggers_on(cursor, "meetings_paper") == 2


def triggers_on(cursor, table):
    cursor.execute(
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relname = %s AND t.tgname IN (%s, %s)",
        [table, table_versions.CHANGED, table_versions.COMMITTED],
    )
    return cursor.fetchone()[0]


@pytest.mark.django_db
def test_cached_content_is_built_again_only_when_a_version_changes():
    built = []

    def build():
        built.append(1)
        return f"<p>{Organisation.objects.count()}</p>"

    def page():
        return table_versions.cached(
            "test", version(), "key", build, templates=("includes/pagination.html",)
        )

    Organisation.objects.create(name="Kent Fire and Rescue Service")
    first = page()
    assert page() == first
    assert len(built) == 1
    Organisation.objects.create(name="West Kent PCT")
    assert page() != first
    assert len(built) == 2


def test_without_versions_the_content_is_built_every_time():
    built = []
    for _ in range(2):
        table_versions.cached("test", None, "key", lambda: built.append(1) or "x", templates=())
    assert len(built) == 2
