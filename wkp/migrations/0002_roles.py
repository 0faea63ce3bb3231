from django.db import migrations

from wkp.roles import grant_role_permissions


def create_roles(apps, schema_editor):
    grant_role_permissions(apps, "wkp")


class Migration(migrations.Migration):
    dependencies = [
        ("wkp", "0001_partner_list"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop, elidable=True)]
