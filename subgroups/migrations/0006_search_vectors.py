"""Full-text search on PostgreSQL: a stored tsvector per sub-group update and per annual report
over its title, introduction, sections and next steps, kept current by the database itself
(triggers on the record and on its sections, so every write path is covered), so that a search
parses no document (issue 16). The group's or body's name is added at query time. SQLite has no
such thing; search falls back there."""

from django.db import migrations

OUTLINE_TEXT = """
CREATE OR REPLACE FUNCTION subgroups_outline_text(items jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(string_agg(item->>'text', ' '), '')
  FROM jsonb_array_elements(
    CASE jsonb_typeof(items) WHEN 'array' THEN items ELSE '[]'::jsonb END
  ) AS item
$$;
"""

RECORDS = {
    # table: (section table, foreign key, the record's document, a section's text)
    "subgroups_subgroupupdate": (
        "subgroups_updatesection",
        "update_id",
        "coalesce(NEW.title, '') || ' ' || subgroups_outline_text(NEW.intro) || ' ' || {sections}"
        " || ' ' || subgroups_outline_text(NEW.next_steps)",
        "coalesce(s.heading, '') || ' ' || subgroups_outline_text(s.body)",
    ),
    "subgroups_annualreport": (
        "subgroups_reportsection",
        "report_id",
        "coalesce(NEW.title, '') || ' ' || subgroups_outline_text(NEW.intro) || ' ' || {sections}",
        "coalesce(s.heading, '') || ' ' || subgroups_outline_text(s.body) || ' ' "
        "|| subgroups_outline_text(s.plans)",
    ),
}


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(OUTLINE_TEXT)
    for table, (section_table, key, document, section_text) in RECORDS.items():
        sections = (
            f"coalesce((SELECT string_agg({section_text}, ' ' ORDER BY s.position, s.id) "  # noqa: S608
            f"FROM {section_table} AS s WHERE s.{key} = NEW.id), '')"
        )
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector")
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {table}_search() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              NEW.search_vector := to_tsvector('english', {document.format(sections=sections)});
              RETURN NEW;
            END $$;
            CREATE TRIGGER {table}_search BEFORE INSERT OR UPDATE ON {table}
              FOR EACH ROW EXECUTE FUNCTION {table}_search();
            CREATE OR REPLACE FUNCTION {section_table}_search() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN
                UPDATE {table} SET search_vector = NULL WHERE id = OLD.{key};
              END IF;
              IF TG_OP <> 'DELETE' THEN
                UPDATE {table} SET search_vector = NULL WHERE id = NEW.{key};
              END IF;
              RETURN NULL;
            END $$;
            CREATE TRIGGER {section_table}_search AFTER INSERT OR UPDATE OR DELETE
              ON {section_table} FOR EACH ROW EXECUTE FUNCTION {section_table}_search();
            UPDATE {table} SET search_vector = NULL;
            CREATE INDEX {table}_search_gin ON {table} USING gin (search_vector);
            """  # noqa: S608
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (section_table, *_) in RECORDS.items():
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {section_table}_search ON {section_table};"
            f"DROP FUNCTION IF EXISTS {section_table}_search();"
            f"DROP TRIGGER IF EXISTS {table}_search ON {table};"
            f"DROP FUNCTION IF EXISTS {table}_search();"
            f"DROP INDEX IF EXISTS {table}_search_gin;"
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector;"
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS subgroups_outline_text(jsonb);")


class Migration(migrations.Migration):
    dependencies = [("subgroups", "0005_body_fields")]

    operations = [migrations.RunPython(add, remove)]
