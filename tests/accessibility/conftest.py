"""Shared fixtures for the accessibility checks: the demo data, the three roles, and axe."""

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.templatetags.static import static

from meetings.models import Meeting
from wkp.roles import COORDINATOR, MEMBER

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the public sector regulations require.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

AXE = "tests-axe/axe.min.js"  # a static file in the tests (tests/settings.py)
AXE_URL, AXE_PATH = static(AXE), finders.find(AXE)


def axe_violations(page):
    """Run axe-core (carried offline by axe-playwright-python, served as a static file in the
    tests) on the page once its fonts have loaded: before the icon font arrives, an icon's
    ligature ("undo") is measured as text. Only violations are collected and sent back: the
    passes are most of axe's work and of the result's size."""
    page.evaluate("document.fonts.ready.then(() => true)")
    if page.url.startswith(("http://", "https://")):
        page.add_script_tag(url=AXE_URL)
    else:  # a page made from a string (about:blank) has no server to load it from
        page.add_script_tag(path=AXE_PATH)
    return page.evaluate(
        "options => axe.run(document, options).then(results => results.violations)",
        {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )


def describe(violations):
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in violations
    )


@pytest.fixture
def demo(db):
    call_command("load_demo", "--no-users")
    return Meeting.objects.get(pk=1)


@pytest.fixture
def roles(make_user):
    """The three demo roles, each with the suite's password."""
    return {
        "member": make_user("member", MEMBER, first_name="Mary", last_name="Member"),
        "co-ordinator": make_user(
            "coordinator", COORDINATOR, first_name="Cora", last_name="Ordinator"
        ),
        "admin": make_user(
            "admin", is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin"
        ),
    }
