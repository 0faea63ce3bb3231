from django.db import migrations

from wkp.roles import grant_role_permissions


def grant(apps, schema_editor):
    grant_role_permissions(apps, "finance")


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0001_fund_ledger"),
        ("wkp", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop, elidable=True)]
