from django.db import migrations

from wkp.roles import COORDINATOR, MEMBER


def record_given(apps, schema_editor):
    """What the role groups hold now was given by the sync (which, until now, gave everything
    back on every migrate): record it, so that what an administrator removes from now on stays
    removed."""
    group_model = apps.get_model("auth", "Group")
    grant_model = apps.get_model("wkp", "RoleGrant")
    for group in group_model.objects.filter(name__in=[COORDINATOR, MEMBER]):
        grant_model.objects.bulk_create(
            [grant_model(group=group, permission=p) for p in group.permissions.all()],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("wkp", "0005_role_grant")]

    operations = [migrations.RunPython(record_given, migrations.RunPython.noop, elidable=True)]
