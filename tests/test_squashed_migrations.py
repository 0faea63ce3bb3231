"""The squashed migrations (issue 20, point 5) build the database the original ones built.

Two new databases on the test cluster: one migrated the old way (every original migration, in
order, with a loader that does not replace them: what existing sites went through), one the new
way (`migrate`, which on an empty database applies only the squashed migrations: a copy of the
worker's test database, which pytest-django migrated so before any test ran, or on a run without
that copy `manage.py migrate` in a new one). Their
schemas, read from PostgreSQL's catalogue, must be the same: tables, columns (type, length,
precision, nullability, default, identity, generated expression), indexes and constraints with
their names (a new database gets the names the originals left: see HISTORIC_NAMES in the squashed
migrations) and definitions, sequences, triggers and functions. So must what the migrations and
the post_migrate hooks leave in them (content types, permissions, the role groups and what they
were given), which shows that the data migrations left out of the squash are not needed on a new
database.

Column order is not compared: a column added by a later migration comes last in an old table and
in its model's place in a new one, and nothing in Django depends on the order.
"""

import os
import subprocess
import sys
import uuid
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.original_migrations import OUR_APPS
from wkp import table_versions

SQUASHED = {
    ("wkp", "0001_squashed_0006_role_grants_recorded"),
    ("meetings", "0001_squashed_0003_pack_versions"),
    ("meetings", "0004_paper_sources_squashed_0021_pack_job_retries"),
    ("finance", "0001_squashed_0002_roles"),
    ("subgroups", "0001_squashed_0006_search_vectors"),
    ("wkp", "0007_tablechange"),  # after the squash
    ("subgroups", "0007_body_names_without_control_characters"),  # after the squash
    ("wkp", "0008_constraint_messages"),  # after the squash
    ("meetings", "0022_constraint_messages"),  # after the squash
    ("finance", "0003_constraint_messages"),  # after the squash
}

# The body merge (meetings 0014) renamed the sub-group's permissions but not those of its history
# model, so databases migrated the old way keep four stale `*_historicalsubgroup` permissions
# (given to the roles; nothing checks them) beside `*_historicalbody`. New ones never have them.
STALE_IN_OLD_DATABASES = {
    f"{action}_historicalsubgroup" for action in ("add", "change", "delete", "view")
}
WITH_CODENAMES = ("permissions", "role permissions", "role grants")  # the codename is third

# `manage.py migrate` (its pre_migrate and post_migrate hooks included) over every original
# migration, in order, as existing sites applied them.
MIGRATE_THE_OLD_WAY = """
import django
django.setup()
from django.core.management import call_command
from django.core.management.commands import migrate
from django.db import connection

from tests.original_migrations import OUR_APPS, original_migrations_executor

executor = original_migrations_executor(connection)
plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
assert not any(m.replaces for m, _ in plan if m.app_label in OUR_APPS), "a squashed one"
assert ("meetings", "0014_body_merge_data") in {(m.app_label, m.name) for m, _ in plan}
migrate.MigrationExecutor = original_migrations_executor
call_command("migrate", interactive=False, verbosity=0)
"""

CATALOGUE = {
    "tables": """
        SELECT c.relname, c.relkind FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    """,
    "columns": """
        SELECT table_name, column_name, data_type, udt_name, character_maximum_length,
               numeric_precision, numeric_scale, datetime_precision, is_nullable, column_default,
               is_identity, identity_generation, identity_start, identity_increment,
               identity_maximum, identity_minimum, identity_cycle, is_generated,
               generation_expression, collation_name
        FROM information_schema.columns WHERE table_schema = 'public'
    """,
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": """
        SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid), c.condeferrable,
               c.condeferred, c.convalidated
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relnamespace = 'public'::regnamespace
    """,
    "sequences": """
        SELECT s.sequencename, s.data_type::text, s.start_value, s.min_value, s.max_value,
               s.increment_by, s.cycle, s.cache_size, t.relname, a.attname
        FROM pg_sequences s
        JOIN pg_class sc ON sc.relname = s.sequencename
            AND sc.relnamespace = 'public'::regnamespace
        LEFT JOIN pg_depend d ON d.objid = sc.oid AND d.classid = 'pg_class'::regclass
            AND d.refclassid = 'pg_class'::regclass
        LEFT JOIN pg_class t ON t.oid = d.refobjid
        LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE s.schemaname = 'public'
    """,
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
    """,
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    """,
    # What the migrations and post_migrate leave behind.
    "content types": "SELECT app_label, model FROM django_content_type",
    "permissions": """
        SELECT ct.app_label, ct.model, p.codename, p.name FROM auth_permission p
        JOIN django_content_type ct ON ct.id = p.content_type_id
    """,
    "role permissions": """
        SELECT g.name, ct.app_label, p.codename FROM auth_group g
        JOIN auth_group_permissions gp ON gp.group_id = g.id
        JOIN auth_permission p ON p.id = gp.permission_id
        JOIN django_content_type ct ON ct.id = p.content_type_id
    """,
    "role grants": """
        SELECT g.name, ct.app_label, p.codename FROM wkp_rolegrant r
        JOIN auth_group g ON g.id = r.group_id
        JOIN auth_permission p ON p.id = r.permission_id
        JOIN django_content_type ct ON ct.id = p.content_type_id
    """,
}


def _connect(name):
    params = {**connection.get_connection_params(), "dbname": name}
    params.pop("cursor_factory", None)
    return psycopg2.connect(**params)


def _database_url(name):
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{db['HOST'] or ''}{port}/{name}"


def catalogue(name):
    """The schema of database `name` (and what the migrations left in it): catalogue rows."""
    with _connect(name) as conn, conn.cursor() as cursor:
        out = {}
        for kind, sql in CATALOGUE.items():
            cursor.execute(sql)
            out[kind] = set(cursor.fetchall())
    return out


@pytest.fixture
def two_databases(migrated_postgres_template):
    """An empty database for the old way, and one for the new way: a copy of the freshly
    migrated test database when there is one (True), else empty (False)."""
    names = [f"wkp_{way}_{uuid.uuid4().hex[:10]}" for way in ("old", "new")]
    admin = _connect(connection.settings_dict["NAME"])
    admin.autocommit = True
    copied = migrated_postgres_template is not None
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{names[0]}"')
        template = f' TEMPLATE "{migrated_postgres_template}"' if copied else ""
        cursor.execute(f'CREATE DATABASE "{names[1]}"{template}')
    yield *names, copied
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_a_new_database_applies_only_the_squashed_migrations():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    plan = {key for leaf in graph.leaf_nodes() for key in graph.forwards_plan(leaf)}
    assert {key for key in plan if key[0] in OUR_APPS} == SQUASHED


@pytest.mark.django_db
def test_squashed_migrations_build_the_same_database_as_the_originals(two_databases):
    old, new, copied = two_databases
    ways = [(old, [sys.executable, "-c", MIGRATE_THE_OLD_WAY])]
    if not copied:
        ways.append((new, [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]))
    runs = []
    for name, command in ways:
        env = {**os.environ, "DATABASE_URL": _database_url(name)}
        runs.append(
            subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    for run in runs:
        output, _ = run.communicate(timeout=1200)
        assert run.returncode == 0, output

    before, after = catalogue(old), catalogue(new)

    stale = {
        kind: {row for row in before[kind] if row[2] in STALE_IN_OLD_DATABASES}
        for kind in WITH_CODENAMES
    }
    assert {kind: len(rows) for kind, rows in stale.items()} == {
        "permissions": 4,
        "role permissions": 5,  # the co-ordinators' four and the members' view
        "role grants": 5,
    }
    for kind in CATALOGUE:
        old_way = before[kind] - stale.get(kind, set())
        assert {
            "only the old way": sorted(old_way - after[kind], key=repr),
            "only the new way": sorted(after[kind] - old_way, key=repr),
        } == {"only the old way": [], "only the new way": []}, kind
    # Not vacuous: the schema is there, with its search triggers, the two table-version triggers
    # per table (wkp.table_versions) and the names the originals derived from renamed tables and
    # columns; and the roles were given.
    versioned = len(table_versions.versioned_tables())
    assert len(after["tables"]) > 90 and len(after["triggers"]) == 4 + 2 * versioned
    assert {"subgroups_subgroup_parent_id_9e0f0414", "meetings_meeting_new_body_id_19a49032"} <= {
        name for _, name, _ in after["indexes"]
    }
    assert {group for group, *_ in after["role grants"]} == {"Co-ordinator", "Member"}
