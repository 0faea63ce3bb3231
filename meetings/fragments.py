"""The meeting page's shared HTML, cached under the versions of the tables it reads (issue 18).

`with_page_versions()`, read in the query that loads the meeting (one snapshot, before anything
is rendered), gives the versions of every table the page's shared part reads
(wkp.table_versions): any write to any of them, by whatever path (a service, the browser
editor, the upload or pack worker, Django admin, `update()`, raw SQL, another machine), changes
the key, so nothing is ever stale. The price is that the list must cover every table the shared
part reads: tests/meetings/test_meeting_page_cache.py checks `page_models()` against the queries
of a cache miss, and changes each kind of row and checks the next request.

The key also holds the viewer's permissions (so a member never gets a co-ordinator's HTML, nor
the reverse), today's date ("overdue", "Record the meeting") and a digest of the templates'
sources. The cache is Django's default cache: local memory per process unless settings say
otherwise, which is correct on any number of machines because the key comes from the database.

What belongs to one viewer stays out of the cached HTML: the "changed since you last looked"
panel and the CSRF token are put in per request at slots the shared HTML marks, and base.html
(menu, name, messages) is rendered per request as on every page. Without PostgreSQL (the SQLite
demo) there are no table versions and the page is rendered afresh every time.
"""

# RawSQL of table names only (wkp.table_versions.versions_sql).
# ruff: noqa: S611

import hmac
from functools import cache as once

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from finance.reports import allocation_models
from subgroups.reports import meeting_page_models
from wkp import table_versions
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


def page_models():
    """The models whose tables the shared page reads (a test checks this against the queries of
    a render)."""
    return (
        Meeting,
        Venue,
        AgendaItem,
        AgendaItemPaper,
        AgendaItem.presenters.through,
        Paper,
        Attachment,
        Minutes,
        PackVersion,
        PackJob,
        Action,
        Action.owner_people.through,
        Action.owner_organisations.through,
        Person,
        Organisation,
        *meeting_page_models(),
        *allocation_models(),
    )


def with_page_versions():
    """Annotations for the query that reads the meeting: `page_versions`, the versions of every
    table its shared page reads (wkp.table_versions), read in the same statement (one snapshot)
    as the meeting itself. None without PostgreSQL (nothing is cached then)."""
    if connection.vendor != "postgresql":
        return {}
    return {"page_versions": RawSQL(table_versions.versions_sql(page_models()), [])}


def viewer_key(user):
    """What about the viewer can change the shared HTML: their permissions, nothing else."""
    permissions = ",".join(sorted(user.get_all_permissions()))
    return f"{user.is_active}:{user.is_superuser}:{permissions}"


def shared_page_html(meeting, user, today, build_context):
    """The meeting page's shared HTML with the per-viewer slots still in it: from the cache when
    these very rows were rendered before for these permissions today, else rendered from
    `build_context()` (which runs the page's queries) and kept (`wkp.table_versions.cached`, under
    the versions read with the meeting: see above)."""

    def build():
        context = build_context()
        context["changes_slot"] = slot("changes")
        context["csrf_token"] = slot("csrf")
        return render_to_string(PAGE_TEMPLATE, context)

    versions = getattr(meeting, "page_versions", None)
    key = (meeting.pk, viewer_key(user), today.isoformat())
    return table_versions.cached("meeting-page", versions, key, build, templates=TEMPLATES)


def fill_slots(html, *, changes_html, csrf_token):
    """The shared HTML with this viewer's parts put in (`csrf_token` is called only if the page
    has a form, so a page without one sets no CSRF cookie)."""
    html = html.replace(slot("changes"), changes_html)
    if slot("csrf") in html:
        html = html.replace(slot("csrf"), csrf_token())
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered
