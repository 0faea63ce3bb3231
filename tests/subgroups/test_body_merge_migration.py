"""The merge of meetings.Body and subgroups.SubGroup into one Body keeps every demo record.

The demo data as it was before the merge (a frozen copy in pre_merge_demo/, loaded through the
models of that time) is migrated forward on PostgreSQL; every record is then found again, with
its body, parent and links.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.core.management.color import no_style
from django.db import connection, transaction

from tests.original_migrations import original_migrations_executor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_MERGE = [
    ("meetings", "0012_meeting_visits"),
    ("subgroups", "0003_constraint_messages"),
    ("wkp", "0002_roles"),
]
FROZEN_DEMO = Path(__file__).parent / "pre_merge_demo"


def load_frozen_fixture(apps, path):
    """loaddata through historical models (loaddata itself uses today's models)."""
    models = set()
    for obj in json.loads(path.read_text()):
        model = apps.get_model(obj["model"])
        models.add(model)
        values, many = {}, {}
        for name, value in obj["fields"].items():
            field = model._meta.get_field(name)
            if field.many_to_many:
                many[name] = value
            elif field.is_relation:
                values[field.attname] = value
            else:
                values[name] = value
        instance = model(pk=obj["pk"], **values)
        instance.save()
        for name, ids in many.items():
            getattr(instance, name).set(ids)
    return models


def migrate(targets):
    # The original migrations (our apps' are squashed), as the sites of the time applied them.
    executor = original_migrations_executor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_every_demo_record_survives_the_body_merge():
    latest = original_migrations_executor(connection).loader.graph.leaf_nodes()
    old = migrate(BEFORE_MERGE)
    with transaction.atomic():
        models = set()
        for path in sorted(FROZEN_DEMO.glob("*.json")):
            models |= load_frozen_fixture(old, path)
        # An action of the time, numbered in the one sequence all meetings shared.
        action = old.get_model("meetings", "Action").objects.create(
            number=5, meeting_id=1, description="Circulate the AIF review"
        )
        action.owner_people.set([1])
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)
    before = {
        "meetings": sorted(
            old.get_model("meetings", "Meeting").objects.values_list("date", "body__name")
        ),
        "subgroups": sorted(
            old.get_model("subgroups", "SubGroup").objects.values_list("name", "parent__name")
        ),
        "memberships": sorted(
            old.get_model("subgroups", "Membership").objects.values_list(
                "subgroup__name", "organisation__name", "unit"
            )
        ),
        "updates": sorted(
            old.get_model("subgroups", "SubGroupUpdate").objects.values_list(
                "subgroup__name", "title", "meeting__date"
            )
        ),
        "papers": old.get_model("meetings", "Paper").objects.count(),
        "items": old.get_model("meetings", "AgendaItem").objects.count(),
        "ledger": old.get_model("finance", "LedgerEntry").objects.count(),
    }

    new = migrate(latest)

    Body = new.get_model("subgroups", "Body")
    Meeting = new.get_model("meetings", "Meeting")
    assert sorted(Meeting.objects.values_list("date", "body__name")) == before["meetings"]
    assert Body.objects.count() == len(before["subgroups"]) + 2  # the board and the conference
    board = Body.objects.get(name="West Kent Partnership")
    assert board.kind == "board"
    conference = Body.objects.get(name="West Kent Partnership business conference")
    assert (conference.kind, conference.parent_id) == ("event", board.pk)
    for name, parent in before["subgroups"]:
        body = Body.objects.get(name=name)
        assert body.kind == "subgroup"
        # A sub-group that reported to nobody now reports to the board.
        assert body.parent.name == (parent or "West Kent Partnership")
    assert (
        sorted(
            new.get_model("subgroups", "Membership").objects.values_list(
                "subgroup__name", "organisation__name", "unit"
            )
        )
        == before["memberships"]
    )
    assert (
        sorted(
            new.get_model("subgroups", "SubGroupUpdate").objects.values_list(
                "subgroup__name", "title", "meeting__date"
            )
        )
        == before["updates"]
    )
    assert new.get_model("meetings", "Paper").objects.count() == before["papers"]
    assert new.get_model("meetings", "AgendaItem").objects.count() == before["items"]
    assert new.get_model("finance", "LedgerEntry").objects.count() == before["ledger"]
    action = new.get_model("meetings", "Action").objects.get()
    assert (action.body_id, action.number, action.meeting.date) == (
        board.pk,
        5,
        datetime.date(2006, 7, 14),
    )
    assert list(action.owner_people.values_list("pk", flat=True)) == [1]
    Permission = new.get_model("auth", "Permission")
    assert Permission.objects.filter(content_type__app_label="subgroups", codename="change_body")
    assert not Permission.objects.filter(codename__endswith="_subgroup")
