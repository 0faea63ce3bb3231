from django.db import migrations

from wkp.roles import grant_role_permissions


def grant(apps, schema_editor):
    grant_role_permissions(apps, "subgroups")


class Migration(migrations.Migration):
    dependencies = [
        ("subgroups", "0001_subgroups_and_reports"),
        ("wkp", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop, elidable=True)]
