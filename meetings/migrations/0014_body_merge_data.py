from django.db import migrations

KIND_OF_OLD_BODY = {"board": "board", "subgroup": "subgroup", "event": "event"}


def merge_bodies(apps, schema_editor):
    """Copy each meetings.Body into subgroups.Body (reusing a sub-group of the same name), point
    meetings, their history and their actions at it, and put top-level sub-groups under the
    board when there is exactly one."""
    OldBody = apps.get_model("meetings", "Body")
    Body = apps.get_model("subgroups", "Body")
    Meeting = apps.get_model("meetings", "Meeting")
    HistoricalMeeting = apps.get_model("meetings", "HistoricalMeeting")
    Action = apps.get_model("meetings", "Action")
    HistoricalAction = apps.get_model("meetings", "HistoricalAction")

    new_id = {}
    for old in OldBody.objects.order_by("pk"):
        kind = KIND_OF_OLD_BODY.get(old.kind, "board")
        body = Body.objects.filter(name=old.name).first()
        if body is None:
            body = Body.objects.create(name=old.name, kind=kind)
        elif kind != "subgroup":
            Body.objects.filter(pk=body.pk).update(kind=kind)
        new_id[old.pk] = body.pk

    for old_id, body_id in new_id.items():
        Meeting.objects.filter(body_id=old_id).update(new_body_id=body_id)
        HistoricalMeeting.objects.filter(body_id=old_id).update(new_body_id=body_id)
    for meeting in Meeting.objects.values("pk", "new_body_id"):
        Action.objects.filter(meeting_id=meeting["pk"]).update(body_id=meeting["new_body_id"])
        HistoricalAction.objects.filter(meeting_id=meeting["pk"]).update(
            body_id=meeting["new_body_id"]
        )

    boards = list(Body.objects.filter(kind="board").values_list("pk", flat=True))
    if len(boards) == 1:
        Body.objects.filter(kind__in=["subgroup", "event"], parent__isnull=True).exclude(
            pk=boards[0]
        ).update(parent_id=boards[0])

    # Permissions follow the renamed model; the old meetings.Body's content type goes.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="subgroups", codename__endswith="_subgroup"
    ):
        action = permission.codename.removesuffix("_subgroup")
        if not Permission.objects.filter(
            content_type=permission.content_type, codename=f"{action}_body"
        ).exists():
            permission.codename = f"{action}_body"
            permission.name = f"Can {action} body"
            permission.save()
    ContentType.objects.filter(app_label="meetings", model__in=["body", "historicalbody"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0013_body_merge_schema"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(merge_bodies, migrations.RunPython.noop, elidable=True)]
