"""Rendered HTML kept under a digest of the rows it is made from (issue 18).

A page whose content is a function of a few tables (the papers list, the fund statement, the
districts comparison) asks PostgreSQL, in one statement, for a digest of those tables' rows:
per table the number of rows and a SHA-256 of every row's columns as text, in primary-key order.
Any insert, update or delete, by whatever path (a form, the admin, a bulk update, raw SQL), changes
the digest, so the HTML cached under it can never be stale. The columns are the model's own,
read from its fields when the statement is built, so a field added later is in the digest
without anyone remembering to add it; only large text columns the content does not show are
left out, by name (`exclude`).

The digest is read before the rows the content is built from (READ COMMITTED, separate
statements): a write committed in between makes the content newer than its key, never older,
and that key is never current again. Cache keys also hold the templates' sources, so a changed
template never serves HTML rendered by the old one. The cache is Django's default (local memory
per process unless the settings say otherwise); Python code that shapes the HTML is not in the
key, so a cache shared between servers must be cleared when a new version is deployed.

On other databases (SQLite, for the demo) there is no digest and the content is built every time.
"""

import hashlib
import pickle
from dataclasses import dataclass, field
from functools import cache as once

from django.core.cache import cache
from django.db import connection
from django.template.loader import get_template

PREFIX = "wkp:rows:"
TIMEOUT = 60 * 60  # unused content leaves the cache after an hour


@dataclass(frozen=True)
class Rows:
    """The rows of `model`'s table that shape some content: all of them, or those matching
    `where` (SQL on the table aliased `t`, with `params`), leaving out the `exclude` fields."""

    model: type
    exclude: tuple = ()
    where: str = ""
    params: tuple = field(default=())

    def sql(self):
        quote = connection.ops.quote_name
        meta = self.model._meta
        unknown = set(self.exclude) - {f.name for f in meta.concrete_fields}
        if unknown:
            raise ValueError(f"{meta.label} has no field {sorted(unknown)}")
        columns = ", ".join(
            f"t.{quote(f.column)}" for f in meta.concrete_fields if f.name not in self.exclude
        )
        where = f" WHERE {self.where}" if self.where else ""
        # Names from the model's own metadata and `where` from our code; values are parameters.
        rows = f"string_agg(ROW({columns})::text, chr(30) ORDER BY t.{quote(meta.pk.column)})"
        table = f"{quote(meta.db_table)} AS t{where}"
        digest = f"coalesce(encode(sha256(convert_to({rows}, 'UTF8')), 'hex'), '')"
        return f"(SELECT count(*) || ':' || {digest} FROM {table})"  # noqa: S608


def digest(*tables):
    """One text that changes whenever a row of `tables` (Rows) changes; None when the database
    cannot make it (not PostgreSQL). One query."""
    if connection.vendor != "postgresql":
        return None
    params = [param for rows in tables for param in rows.params]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(rows.sql() for rows in tables), params)
        return "|".join(cursor.fetchone())


@once
def template_stamp(*template_names):
    """A digest of templates' sources (read once per process)."""
    stamp = hashlib.sha256()
    for name in template_names:
        stamp.update(get_template(name).template.source.encode())
    return stamp.hexdigest()


def cached(name, rows_digest, key, build, *, templates):
    """build() (a picklable value: HTML, or a small dict of it) kept under `name`, `rows_digest`
    (from digest()), `key` (what else shapes it: the page's parameters, the viewer's role) and
    the sources of `templates`. Built every time when there is no digest (None)."""
    if rows_digest is None:
        return build()
    payload = pickle.dumps((name, rows_digest, key), protocol=pickle.HIGHEST_PROTOCOL)
    entry = PREFIX + hashlib.sha256(template_stamp(*templates).encode() + payload).hexdigest()
    value = cache.get(entry)
    if value is None:
        value = build()
        cache.set(entry, value, TIMEOUT)
    return value
