"""Rendered fragments of the meeting page kept under a key made of what they show (issue 18).

A fragment's template is included with `only`, so its HTML is a function of its context alone.
The key is a SHA-256 of that context pickled whole: every field of every record in it, the
related records it holds (select_related) and its prefetched rows. The page's exact query tests
(tests/meetings/test_page_queries.py) prove the templates load nothing lazily, so nothing a
fragment shows is outside its key: an edit changes the key and the next request renders afresh;
a stale fragment cannot be served. The viewer's role is part of the key too, so a member and a
co-ordinator never share a fragment even where their contexts happen to match.

What depends on the viewer (seen marks, the changes panel, follow state, the CSRF token, edit
buttons) stays outside these fragments. The cache is Django's default cache (local memory per
process unless settings say otherwise); the templates' sources are part of the key, so a
deployment that changes a template never serves HTML of the old one.
"""

import hashlib
import pickle
from functools import cache as once

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

PREFIX = "wkp:meeting-fragment:"
TIMEOUT = 60 * 60  # an unused fragment leaves the cache after an hour


@once
def template_stamp(template_name):
    """A digest of a fragment template and the partials it includes (read once per process)."""
    digest = hashlib.sha256()
    for name in INCLUDES[template_name]:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()


# Each fragment's template and every partial it may include.
INCLUDES = {
    "meetings/partials/agenda.html": (
        "meetings/partials/agenda.html",
        "meetings/partials/agenda_items.html",
        "meetings/partials/paper_ref.html",
        "meetings/partials/allocations.html",
        "meetings/partials/action_table.html",
        "meetings/partials/next_meetings.html",
    ),
    "meetings/partials/paper_table.html": ("meetings/partials/paper_table.html",),
}


def fragment_key(template_name, context, role):
    payload = pickle.dumps((template_name, role, context), protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(template_stamp(template_name).encode() + payload).hexdigest()
    return f"{PREFIX}{digest}"


def render_fragment(template_name, context, *, role):
    """`template_name` rendered with `context` alone, from the cache when that exact content was
    rendered before for the same role."""
    key = fragment_key(template_name, context, role)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, context)
        cache.set(key, html, TIMEOUT)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered
