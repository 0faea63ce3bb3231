"""Every HTML page the project's URL patterns serve, opened in Chromium as an administrator:
checked with axe, and left to settle.

The crawl in test_axe.py visits the main pages as each role; this one makes sure no page is
left out, including pages added later: each URL pattern is opened with the demo data's first
objects, and every answer that is an HTML page (not a download, a POST-only action or a
missing object) is checked.

Settling: SETTLE_MS after its load event, no request the page made may still be in flight (a
fetch whose response is never read kept the meeting page loading for Lighthouse), and no
request may meet an error status (the 404 for /favicon.ico).
"""

import json
import os
import time

import pytest

from tests.accessibility.conftest import axe_violations, describe
from tests.accessibility.test_axe import CHECK_FILE
from tests.conftest import PASSWORD
from tests.urlcrawl import SETTLE_MS, html_pages, watch_requests

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


TABS = 8


def test_every_html_page_settles_and_has_no_wcag_a_or_aa_violations(
    page, live_server, sign_in, demo, roles
):
    page.set_default_timeout(20000)
    sign_in(page, "admin", PASSWORD)
    paths, skipped = html_pages(page, live_server.url)
    # TABS pages load side by side, each watched on its own; axe checks each while the others
    # settle, and every page still has SETTLE_MS after its own load event before it is judged.
    tabs = [page, *(page.context.new_page() for _ in range(TABS - 1))]
    watchers = [watch_requests(tab) for tab in tabs]
    failures, unsettled, checked = [], [], []
    for start in range(0, len(paths), TABS):
        batch = list(zip(tabs, watchers, paths[start : start + TABS], strict=False))
        for tab, (pending, errors), (path, _name) in batch:
            pending.clear()
            errors.clear()
            tab.goto(f"{live_server.url}{path}", wait_until="load")
        last_loaded = time.monotonic()
        for tab, _watcher, (path, name) in batch:
            violations = axe_violations(tab)
            if violations:
                failures.append(f"{name} ({path}):\n{describe(violations)}")
        waited_ms = (time.monotonic() - last_loaded) * 1000
        if waited_ms < SETTLE_MS:
            page.wait_for_timeout(SETTLE_MS - waited_ms)
        for _tab, (pending, errors), (path, name) in batch:
            checked.append(name)
            if pending:
                unsettled.append(f"{path}: still in flight after load: {sorted(pending.values())}")
            if errors:
                unsettled.append(f"{path}: {errors}")

    print(f"checked {len(checked)}: {checked}\nskipped {len(skipped)}: {skipped}")
    assert not failures, f"{len(failures)} of {len(checked)} pages fail:\n" + "\n".join(failures)
    assert unsettled == []
    assert "meetings:meeting_detail" in checked
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
