"""The table the cache keys are read from (wkp.table_versions): per table, the id of the last
transaction that changed it. The triggers that write it are installed after every migrate."""

from django.db import migrations

CREATE = """
CREATE TABLE wkp_tablechange (
    name text PRIMARY KEY,
    xact xid8 NOT NULL
)
"""
DROP = """
DROP TABLE wkp_tablechange;
DROP FUNCTION IF EXISTS wkp_table_changed() CASCADE;
DROP FUNCTION IF EXISTS wkp_table_committed() CASCADE;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("wkp", "0006_role_grants_recorded")]

    operations = [migrations.RunPython(create, drop)]
