from django.db import migrations

from wkp.roles import grant_role_permissions


def grant(apps, schema_editor):
    grant_role_permissions(apps, "meetings")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_meetings_agendas_papers"),
        ("wkp", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop, elidable=True)]
