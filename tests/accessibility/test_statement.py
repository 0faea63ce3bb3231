"""The accessibility statement: standard UK form, linked from every footer, figures kept true."""

import json
import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

CHECK = json.loads((settings.BASE_DIR / "wkp" / "accessibility_check.json").read_text())


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def test_statement_needs_a_login(client):
    response = client.get("/accessibility/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accessibility/"


def test_statement_is_linked_from_the_footer_of_every_page(member_client):
    for path in ["/", "/meetings/", "/partners/", "/accessibility/"]:
        html = member_client.get(path).content.decode()
        footer = html[html.index("<footer") :]
        assert '<a href="/accessibility/">Accessibility statement</a>' in footer, path


def test_statement_has_the_standard_sections(member_client):
    page = text(member_client.get("/accessibility/"))

    for said in [
        # the sections
        "How accessible this intranet is",
        "Feedback and contact information",
        "Reporting accessibility problems with this intranet",
        "Enforcement procedure",
        "Compliance status",
        "Non-compliance with the accessibility regulations",
        "Preparation of this accessibility statement",
        # what they must say
        "partially compliant with the Web Content Accessibility Guidelines version 2.2",
        "Equality and Human Rights Commission (EHRC)",
        "Equality Advisory and Support Service (EASS)",
        "The meeting pack PDF is tagged",
        "papers uploaded as untagged PDF files",
        "Papers uploaded as PDF files may not be tagged",
    ]:
        assert said in page


def test_statement_quotes_the_figures_of_the_last_axe_crawl(member_client):
    html = member_client.get("/accessibility/").content.decode()

    day = int(CHECK["last_tested"][8:])
    assert re.search(rf'<span id="last-tested">{day} \w+ {CHECK["last_tested"][:4]}</span>', html)
    assert f'<span id="pages-checked">{CHECK["pages"]}</span>' in html
    assert f'<span id="roles-checked">{CHECK["roles"]}</span>' in html
    assert f'<span id="checks-run">{CHECK["checks"]}</span>' in html
    assert f'<span id="violations-found">{CHECK["violations"]}</span>' in html
    assert f'<span id="every-page">{CHECK["every_page"]}</span>' in html
    assert f"axe-core {CHECK['axe']}" in html


def test_statement_names_the_co_ordinators_to_ask_for_an_accessible_format(
    member_client, coordinator
):
    page = text(member_client.get("/accessibility/"))

    assert "Cora Ordinator – coordinator@example.org" in page
