"""Rendered HTML kept under the versions of the tables it is made from (issue 18).

A page whose content is a function of some tables (the meeting page, the papers list, search, the
fund statement, the districts comparison) is cached under a key that PostgreSQL itself keeps
current: every table of the project's apps has two triggers (installed after every migrate), so
any insert, update, delete or truncate, by whatever path (a form, the admin, `update()`, raw SQL,
a worker on another machine), changes the key. No write path has to remember anything, and the
key costs one index lookup per table, however many rows the table holds.

How: a statement trigger notes the table as changed in the transaction (a transaction-local
setting); a deferred constraint trigger, run at commit, records the committing transaction's id
against each changed table in `wkp_tablechange`, in name order. The row lock that needs is held
only while the transaction commits (a pack build writing for a minute blocks no one), and two
transactions take their locks in the same order (no deadlock). A transaction id is never used
twice, not even after a rollback, so a key is never reused for other content.

Reads: the key is read before (or in the same statement as) the rows the content is built from;
under READ COMMITTED a write committed in between makes the content newer than its key, and that
key is never current again. A transaction that has itself written one of the key's tables and
not yet committed (a test's transaction, or a view writing then reading) gets a key of its own
transaction id and write count, so it neither serves its own stale content nor shares its
uncommitted content.

Cache keys also hold the templates' sources, so a changed template never serves HTML rendered by
the old one. The cache is Django's default (local memory per process unless the settings say
otherwise); Python code that shapes the HTML is not in the key, so a cache shared between servers
must be cleared when a new version is deployed. Tables written on every request or by the
workers' clocks (`cache_versioned = False` on the model: visits, heartbeats) have no triggers
and cannot be part of a key. Other databases (SQLite, for the demo) have no versions: the content
is built every time.

For migrations: a deferred trigger leaves "pending trigger events" until commit, so a migration
that writes rows (RunPython) and then alters the same table fails on PostgreSQL ("cannot ALTER
TABLE … because it has pending trigger events"). Django's documentation already gives the rule
for tables with foreign keys: keep data and schema changes in separate migrations.
"""

# SQL here is built from the models' own table names only; nothing comes from a request.
# ruff: noqa: S608

import hashlib
import pickle
from functools import cache as once

from django.apps import apps
from django.core.cache import cache
from django.db import connection, connections
from django.template.loader import get_template

PREFIX = "wkp:tables:"
TIMEOUT = 60 * 60  # unused content leaves the cache after an hour
PROJECT_APPS = ("wkp", "meetings", "finance", "subgroups")
CHANGED = "wkp_table_changed"  # the statement trigger's name on every versioned table
COMMITTED = "wkp_table_committed"  # the deferred constraint trigger's name

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION wkp_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pending text := coalesce(current_setting('wkp.pending_tables', true), '');
    written text := coalesce(current_setting('wkp.written_tables', true), '');
    writes bigint := coalesce(nullif(current_setting('wkp.writes', true), ''), '0')::bigint;
BEGIN
    PERFORM set_config('wkp.writes', (writes + 1)::text, true);
    IF position(',' || TG_TABLE_NAME || ',' IN ',' || written) = 0 THEN
        PERFORM set_config('wkp.written_tables', written || TG_TABLE_NAME || ',', true);
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        -- No row events follow a truncate: record it now (it holds the table exclusively anyway).
        INSERT INTO wkp_tablechange AS c (name, xact) VALUES (TG_TABLE_NAME, pg_current_xact_id())
        ON CONFLICT (name) DO UPDATE SET xact = excluded.xact;
    ELSIF position(',' || TG_TABLE_NAME || ',' IN ',' || pending) = 0 THEN
        PERFORM set_config('wkp.pending_tables', pending || TG_TABLE_NAME || ',', true);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wkp_table_committed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pending text := coalesce(current_setting('wkp.pending_tables', true), '');
BEGIN
    IF pending <> '' THEN
        PERFORM set_config('wkp.pending_tables', '', true);
        INSERT INTO wkp_tablechange AS c (name, xact)
        SELECT name, pg_current_xact_id()
        FROM unnest(string_to_array(rtrim(pending, ','), ',')) AS name ORDER BY name
        ON CONFLICT (name) DO UPDATE SET xact = excluded.xact;
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGERS_SQL = """
CREATE OR REPLACE TRIGGER {changed} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION wkp_table_changed();
CREATE CONSTRAINT TRIGGER {committed} AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wkp_table_committed();
"""


def versioned_tables():
    """The tables of the project's apps (with many-to-many tables) that carry the triggers."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label not in PROJECT_APPS or not meta.managed or meta.proxy:
            continue
        if getattr(model, "cache_versioned", True):
            tables.add(meta.db_table)
    return sorted(tables)


def install_triggers(using="default", **kwargs):
    """post_migrate: the trigger functions (as this code has them), the triggers on every
    versioned table lacking them (a table added by a later migration gets them then), and none
    on a table that is no longer versioned (its model now says `cache_versioned = False`)."""
    database = connections[using]
    if database.vendor != "postgresql":
        return
    tables = versioned_tables()
    with database.cursor() as cursor:
        cursor.execute("SELECT to_regclass('wkp_tablechange') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # migrated back before the table, or only part of the way
        cursor.execute(FUNCTIONS_SQL)
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN (%s, %s)",
            [CHANGED, COMMITTED],
        )
        found = cursor.fetchall()
        # A table with the deferred trigger has both: TRIGGERS_SQL makes it last.
        done = {table for table, trigger in found if trigger == COMMITTED}
        quote = database.ops.quote_name
        for table in sorted({table for table, _ in found} - set(tables)):
            cursor.execute(
                f"DROP TRIGGER IF EXISTS {CHANGED} ON {quote(table)}; "
                f"DROP TRIGGER IF EXISTS {COMMITTED} ON {quote(table)}"
            )
        for table in tables:
            if table not in done:
                cursor.execute(
                    TRIGGERS_SQL.format(table=quote(table), changed=CHANGED, committed=COMMITTED)
                )


def _table_names(models):
    names = []
    for model in models:
        if not getattr(model, "cache_versioned", True):
            raise ValueError(f"{model._meta.label} has no version (cache_versioned = False)")
        names.append(model._meta.db_table)
    return sorted(set(names))


def versions_sql(models):
    """A SQL expression (text) that changes whenever a row of `models`' tables changes, for use
    inside another statement (the meeting's own, say) so that it reads the same snapshot."""
    names = ", ".join(f"'{name}'" for name in _table_names(models))
    return (
        "(SELECT coalesce(string_agg(c.name || '=' || c.xact::text, ',' ORDER BY c.name), '') "
        f"FROM wkp_tablechange AS c WHERE c.name IN ({names}))"
        # Uncommitted writes of this very transaction to one of these tables: a key of its own.
        " || CASE WHEN string_to_array(rtrim(coalesce("
        "current_setting('wkp.written_tables', true), ''), ','), ',') "
        f"&& ARRAY[{names}] "
        "THEN '|' || pg_current_xact_id()::text || ':' || current_setting('wkp.writes', true) "
        "ELSE '' END"
    )


def versions(*models):
    """The versions of `models`' tables as one text (one query); None when the database keeps
    none (not PostgreSQL): then nothing is cached."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + versions_sql(models))
        return cursor.fetchone()[0]


@once
def template_stamp(*template_names):
    """A digest of templates' sources (read once per process)."""
    stamp = hashlib.sha256()
    for name in template_names:
        stamp.update(get_template(name).template.source.encode())
    return stamp.hexdigest()


def cached(name, table_versions, key, build, *, templates):
    """build() (a picklable value: HTML, or a small dict of it) kept under `name`,
    `table_versions` (from versions() or versions_sql()), `key` (what else shapes it: the page's
    parameters, the viewer's permissions) and the sources of `templates`. Built every time when
    there are no versions (None)."""
    if table_versions is None:
        return build()
    payload = pickle.dumps((name, table_versions, key), protocol=pickle.HIGHEST_PROTOCOL)
    entry = PREFIX + hashlib.sha256(template_stamp(*templates).encode() + payload).hexdigest()
    value = cache.get(entry)
    if value is None:
        value = build()
        cache.set(entry, value, TIMEOUT)
    return value
