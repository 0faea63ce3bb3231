"""Every form that posts, posted from its rendered page as a browser would.

The pages are the permission matrix's (every URL name of the project, test_permission_matrix.py)
that a co-ordinator may open. Each page is loaded by a co-ordinator through a test client that
enforces CSRF checks, every `<form method="post">` on it is read with an HTML parser (its action
and its own fields: hidden inputs including `csrfmiddlewaretoken`, text, selected options,
textareas, checked boxes) and submitted unchanged. No form may be refused (403: a missing CSRF
token) or fail (500). Each submission is rolled back so that the next page sees the same world.
"""

from urllib.parse import urljoin

import lxml.html
import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in_fully
from tests.security.test_permission_matrix import CASES, resolve_kwargs
from tests.security.world import ROLES, build_world

pytestmark = pytest.mark.django_db

COORDINATOR = ROLES.index("coordinator")
# Signing out is posted once, last (it ends the session the other posts need).
LOGOUT = "/accounts/logout/"


class Rollback(Exception):
    pass


def post_forms(page_url, html):
    """(action, fields) for each form on the page whose method is POST."""
    document = lxml.html.document_fromstring(html)
    forms = []
    for form in document.forms:
        if (form.method or "GET").upper() != "POST":
            continue
        action = urljoin(page_url, form.get("action") or page_url)
        fields = {}
        for name, value in form.form_values():
            fields.setdefault(name, []).append(value)
        # The first named submit button is what a click on it sends.
        button = form.xpath(
            ".//button[@name][not(@type) or @type='submit']|.//input[@type='submit'][@name]"
        )
        if button:
            fields.setdefault(button[0].get("name"), []).append(button[0].get("value", ""))
        forms.append((action, fields))
    return forms


def coordinator_pages(world):
    for name, cases in CASES.items():
        for label, kwargs, expected in cases:
            if expected[COORDINATOR] == 200:
                yield name, label, reverse(name, kwargs=resolve_kwargs(kwargs, world))


def test_every_rendered_post_form_is_accepted(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    client = Client(enforce_csrf_checks=True)
    sign_in_fully(client, world.users["coordinator"])
    posted, problems, pages_with_forms = set(), [], set()
    for name, label, url in coordinator_pages(world):
        response = client.get(url)
        assert response.status_code == 200, (name, label)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for action, fields in post_forms(url, response.content.decode()):
            pages_with_forms.add(name)
            if action == LOGOUT or (url, action) in posted:
                continue
            posted.add((url, action))
            try:
                with transaction.atomic():
                    status = client.post(action, fields).status_code
                    raise Rollback
            except Rollback:
                pass
            if status == 403 or status >= 500:
                problems.append((name, label, action, status))
    home_forms = dict(post_forms("/", client.get("/").content.decode()))
    response = client.post(LOGOUT, home_forms[LOGOUT])
    assert response.status_code == 302
    assert problems == []
    # The pages known to carry forms are all there (the crawl did not silently skip them).
    assert {
        "meetings:meeting_detail",
        "meetings:agenda_edit",
        "meetings:paper_edit",
        "finance:ledgerentry_create",
        "subgroups:update_edit",
        "meetings:notice_preferences",
    } <= pages_with_forms
    assert len(posted) >= 40
