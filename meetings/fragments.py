"""The meeting page's shared HTML, cached under a key made of the versions of the rows it shows
(issue 18).

The version of a row is PostgreSQL's own: every INSERT or UPDATE writes a new tuple, with the
writing transaction's id (`xmin`) at a new place (`ctid`), and a DELETE removes it. So
`with_page_versions()`, read in the query that loads the meeting, lists (xmin, ctid) of every
row the page can show, and changes whenever any of them changes, whoever writes it: a service,
the browser editor,
the upload worker, the pack worker, Django admin, `queryset.update()`, `bulk_create`, raw SQL, a
process on another machine. No write path has to remember to raise a version, and nothing is
ever stale. The price is that the list must cover every table the page's shared part reads:
tests/meetings/test_meeting_page_cache.py checks that against the queries of a cache miss, and
changes each kind of row and checks the next request.

The versions are read in the meeting's own statement, before anything is rendered, so the HTML
stored under a key is never older than the rows the key names. The key also holds the viewer's
permissions (so a member never gets a co-ordinator's HTML, nor the reverse), today's date
("overdue", "Record the meeting") and a digest of the templates' sources (a deployment with a
changed template never serves the old HTML from a shared cache). The cache is Django's default
cache: local memory per process unless settings say otherwise, which is correct on any number of
machines because the key comes from the database.

What belongs to one viewer stays out of the cached HTML: the "changed since you last looked"
panel and the CSRF token are put in per request at slots the shared HTML marks, and base.html
(menu, name, messages) is rendered per request as on every page. Without PostgreSQL (the SQLite
demo) there are no row versions and the page is rendered afresh every time.
"""

# SQL here is built from model table names only; the meeting's ids come from the outer row.
# ruff: noqa: S608, S611

import hmac
from functools import cache as once

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from finance.reports import allocation_row_versions_sql
from subgroups.reports import body_row_versions_sql, event_body_ids_sql
from wkp import row_digest
from wkp.models import Organisation, Person

from .models import (
    Action,
    AgendaItem,
    AgendaItemPaper,
    Attachment,
    Meeting,
    Minutes,
    PackJob,
    PackVersion,
    Paper,
    Venue,
)

PAGE_TEMPLATE = "meetings/partials/meeting_page.html"
# The page's shared template and every partial it may include.
TEMPLATES = (
    PAGE_TEMPLATE,
    "meetings/partials/meeting_heading.html",
    "meetings/partials/pack_panel.html",
    "meetings/partials/agenda.html",
    "meetings/partials/agenda_items.html",
    "meetings/partials/paper_ref.html",
    "meetings/partials/allocations.html",
    "meetings/partials/action_table.html",
    "meetings/partials/next_meetings.html",
    "meetings/partials/paper_table.html",
)


@once
def slot(name):
    """A marker for a per-viewer part of the shared HTML. Derived from SECRET_KEY, so it is the
    same on every machine sharing a cache and no one can type it into a paper's title."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"meeting-page-slot:{name}".encode(), "sha256")
    return f"slot{mac.hexdigest()[:32]}"


def _versions(model, where):
    """(xmin, ctid) of the rows of `model` matching `where` (SQL on the alias t), as one text."""
    return (
        f"(SELECT string_agg(t.xmin::text || '/' || t.ctid::text, ',' ORDER BY t.ctid) "
        f"FROM {model._meta.db_table} AS t WHERE {where})"
    )


def _ids(model, column, where):
    """A subquery of `column` of the rows of `model` matching `where` (SQL on the alias s; every
    inner table is aliased, so the meeting's own columns always mean the outer row)."""
    return f"SELECT s.{column} FROM {model._meta.db_table} AS s WHERE {where}"


@once
def _versions_sql():
    """One SQL expression listing the versions of every row the shared page may show, for the
    meeting row of the outer query (`meetings_meeting`). Where the page picks rows by date or
    status (next meetings, outstanding actions), every row that could qualify is listed: a
    superset only costs a cache miss, never a stale page."""
    outer = Meeting._meta.db_table
    meeting, body = f'"{outer}"."id"', f'"{outer}"."body_id"'
    items = _ids(AgendaItem, "id", f"s.meeting_id = {meeting}")
    papers = _ids(Paper, "id", f"s.meeting_id = {meeting}")
    actions = _ids(Action, "id", f"s.body_id = {body}")
    events = event_body_ids_sql(body)
    action_meetings = _ids(Action, "meeting_id", f"s.body_id = {body}")

    # Meetings shown as next meetings, and those whose actions are matters arising.
    def family(a):
        return (
            f"{a}.id = {meeting} OR {a}.body_id = {body} OR {a}.body_id IN ({events}) "
            f"OR {a}.id IN ({action_meetings})"
        )

    presenters = AgendaItem.presenters.through
    owner_people = Action.owner_people.through
    owner_organisations = Action.owner_organisations.through
    parts = [
        _versions(Meeting, family("t")),
        body_row_versions_sql(),
        _versions(Venue, "TRUE"),  # likewise
        _versions(AgendaItem, f"t.meeting_id = {meeting}"),
        _versions(AgendaItemPaper, f"t.item_id IN ({items})"),
        _versions(presenters, f"t.agendaitem_id IN ({items})"),
        _versions(Paper, f"t.meeting_id = {meeting}"),
        _versions(Attachment, f"t.paper_id IN ({papers})"),
        _versions(Minutes, f"t.meeting_id IN ({_ids(Meeting, 'id', family('s'))})"),
        _versions(PackVersion, f"t.meeting_id = {meeting}"),
        _versions(PackJob, f"t.meeting_id = {meeting}"),
        _versions(Action, f"t.body_id = {body}"),
        _versions(owner_people, f"t.action_id IN ({actions})"),
        _versions(owner_organisations, f"t.action_id IN ({actions})"),
        _versions(
            Person,
            f't.id = "{outer}"."contact_officer_id" '
            f"OR t.id IN ({_ids(presenters, 'person_id', f's.agendaitem_id IN ({items})')}) "
            f"OR t.id IN ({_ids(owner_people, 'person_id', f's.action_id IN ({actions})')})",
        ),
        _versions(
            Organisation,
            f"t.id IN ({_ids(Paper, 'author_organisation_id', f's.meeting_id = {meeting}')}) "
            f"OR t.id IN "
            f"({_ids(owner_organisations, 'organisation_id', f's.action_id IN ({actions})')})",
        ),
        allocation_row_versions_sql(meeting),
    ]
    # NULL (no rows) and "" must differ from each other and from a neighbour's rows: tag each.
    tagged = ", ".join(f"'{n}:' || coalesce({part}, '-')" for n, part in enumerate(parts))
    return f"md5(concat_ws('|', {tagged}))"


def with_page_versions():
    """Annotations for the query that reads the meeting: `page_versions`, a digest of the
    versions of every row its shared page shows, read in the same statement (one snapshot) as
    the meeting itself. None without PostgreSQL (nothing is cached then)."""
    if connection.vendor != "postgresql":
        return {}
    return {"page_versions": RawSQL(_versions_sql(), [])}


def viewer_key(user):
    """What about the viewer can change the shared HTML: their permissions, nothing else."""
    permissions = ",".join(sorted(user.get_all_permissions()))
    return f"{user.is_active}:{user.is_superuser}:{permissions}"


def shared_page_html(meeting, user, today, build_context):
    """The meeting page's shared HTML with the per-viewer slots still in it: from the cache when
    these very rows were rendered before for these permissions today, else rendered from
    `build_context()` (which runs the page's queries) and kept (`wkp.row_digest.cached`, under
    the versions read with the meeting: see above)."""

    def build():
        context = build_context()
        context["changes_slot"] = slot("changes")
        context["csrf_token"] = slot("csrf")
        return render_to_string(PAGE_TEMPLATE, context)

    versions = getattr(meeting, "page_versions", None)
    key = (meeting.pk, viewer_key(user), today.isoformat())
    return row_digest.cached("meeting-page", versions, key, build, templates=TEMPLATES)


def fill_slots(html, *, changes_html, csrf_token):
    """The shared HTML with this viewer's parts put in (`csrf_token` is called only if the page
    has a form, so a page without one sets no CSRF cookie)."""
    html = html.replace(slot("changes"), changes_html)
    if slot("csrf") in html:
        html = html.replace(slot("csrf"), csrf_token())
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered
