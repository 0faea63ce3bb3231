"""Full-text search on PostgreSQL: stored tsvector columns the database keeps current on every
write (generated columns), with GIN indexes. SQLite has no such thing; search falls back there."""

from django.db import migrations

COLUMNS = {
    "meetings_paper": "coalesce(title, '') || ' ' || coalesce(body_html, '') || ' ' "
    "|| coalesce(file_text, '')",
    "meetings_agendaitem": "coalesce(title, '') || ' ' || coalesce(description, '')",
    "meetings_minuteentry": "coalesce(note, '') || ' ' || coalesce(decisions, '')",
}


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, text in COLUMNS.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('english', {text})) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX {table}_search_gin ON {table} USING gin (search_vector)"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0008_declarations_of_interest")]

    operations = [migrations.RunPython(add, remove)]
