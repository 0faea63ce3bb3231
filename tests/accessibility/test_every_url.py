"""Every HTML page the project's URL patterns serve, checked with axe as an administrator.

The crawl in test_axe.py visits the main pages as each role; this one makes sure no page is
left out, including pages added later: each URL pattern is opened with the demo data's first
objects, and every answer that is an HTML page (not a download, a POST-only action or a
missing object) is checked.
"""

import json
import os

import pytest

from tests.accessibility.conftest import axe_violations, describe
from tests.accessibility.test_axe import CHECK_FILE
from tests.conftest import PASSWORD
from tests.urlcrawl import html_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_every_html_page_of_the_project_has_no_wcag_a_or_aa_violations(
    page, live_server, sign_in, demo, roles
):
    page.set_default_timeout(20000)
    sign_in(page, "admin", PASSWORD)
    failures, checked = [], []
    paths, skipped = html_pages(page, live_server.url)
    for path, name in paths:
        page.goto(f"{live_server.url}{path}")
        checked.append(name)
        violations = axe_violations(page)
        if violations:
            failures.append(f"{name} ({path}):\n{describe(violations)}")

    print(f"checked {len(checked)}: {checked}\nskipped {len(skipped)}: {skipped}")
    assert not failures, f"{len(failures)} of {len(checked)} pages fail:\n" + "\n".join(failures)
    assert len(checked) >= 50

    # The statement quotes this figure: a new page means a new figure (record it again).
    if os.environ.get("WKP_RECORD_ACCESSIBILITY") == "1":
        recorded = json.loads(CHECK_FILE.read_text())
        recorded["every_page"] = len(checked)
        CHECK_FILE.write_text(json.dumps(recorded, indent=2) + "\n")
    recorded = json.loads(CHECK_FILE.read_text())
    assert recorded.get("every_page") == len(checked), (
        "the accessibility statement's page count is out of date: run "
        "WKP_RECORD_ACCESSIBILITY=1 pytest tests/accessibility after a clean run"
    )
