"""wkp.row_digest (issue 18): the digest of a table's rows changes with any write to them, by
whatever path, and content cached under it is built again after such a write."""

import pytest
from django.db import connection

from wkp import row_digest
from wkp.models import Organisation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="digests need PostgreSQL"),
]


def digest_of(**rows):
    return row_digest.digest(row_digest.Rows(Organisation, **rows))


def test_digest_changes_on_insert_update_and_delete_by_any_path():
    organisation = Organisation.objects.create(name="Kent County Council", short_name="KCC")
    seen = {digest_of()}

    Organisation.objects.create(name="Tunbridge Wells Borough Council")
    seen.add(digest_of())
    Organisation.objects.filter(pk=organisation.pk).update(short_name="Kent")  # no save()
    seen.add(digest_of())
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wkp_organisation SET address = 'Maidstone' WHERE id = %s", [organisation.pk]
        )
    seen.add(digest_of())
    organisation.delete()
    seen.add(digest_of())

    assert len(seen) == 5
    assert digest_of() == digest_of()  # and it is stable while nothing changes


def test_a_column_left_out_does_not_change_the_digest_and_where_narrows_it():
    organisation = Organisation.objects.create(name="Sevenoaks District Council")
    before = digest_of(exclude=("address",))
    narrowed = digest_of(where="t.id = %s", params=(organisation.pk,))

    Organisation.objects.filter(pk=organisation.pk).update(address="Argyle Road")
    Organisation.objects.create(name="Kent Police")

    assert digest_of(exclude=("address",)) != before  # the new row counts
    Organisation.objects.filter(name="Kent Police").delete()
    assert digest_of(exclude=("address",)) == before
    assert digest_of(where="t.id = %s", params=(organisation.pk,)) != narrowed


def test_an_unknown_field_to_leave_out_is_refused():
    with pytest.raises(ValueError, match="no field"):
        digest_of(exclude=("addresss",))


def test_cached_content_is_built_again_only_when_the_digest_changes():
    built = []

    def build():
        built.append(1)
        return f"<p>{Organisation.objects.count()}</p>"

    def page():
        return row_digest.cached(
            "test", digest_of(), "key", build, templates=("includes/pagination.html",)
        )

    Organisation.objects.create(name="Kent Fire and Rescue Service")
    first = page()
    assert page() == first
    assert len(built) == 1
    Organisation.objects.create(name="West Kent PCT")
    assert page() != first
    assert len(built) == 2


def test_without_a_digest_the_content_is_built_every_time():
    built = []
    for _ in range(2):
        row_digest.cached("test", None, "key", lambda: built.append(1) or "x", templates=())
    assert len(built) == 2
