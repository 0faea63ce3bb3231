"""The site icon: linked from every page and answered at /favicon.ico, so no page logs a 404.

(The browser crawl in tests/accessibility/test_every_url.py checks that no page meets a 404.)
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

ICO_MAGIC = b"\x00\x00\x01\x00"


def static_file(url):
    """The bytes the static files serve at `url`."""
    assert url.startswith(settings.STATIC_URL), url
    found = finders.find(url.removeprefix(settings.STATIC_URL))
    assert found, url
    return Path(found).read_bytes()


def test_favicon_ico_is_answered_for_anyone_signed_in_or_not(client, member):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert static_file(response["Location"]).startswith(ICO_MAGIC)

    client.force_login(member)
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert static_file(response["Location"]).startswith(ICO_MAGIC)
    assert client.post("/favicon.ico").status_code == 405


def test_base_template_and_admin_link_the_icon(admin_client):
    for page, path in ((Client(), "/accounts/login/"), (admin_client, "/admin/")):
        html = page.get(path).content.decode()
        (href,) = re.findall(r'<link rel="icon" href="([^"]+)"', html)
        assert static_file(href).startswith(ICO_MAGIC)
