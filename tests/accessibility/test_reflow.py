"""Reflow (WCAG 1.4.10): at 320 CSS px wide (1280 px at 400% zoom) nothing but a data table,
which needs two dimensions, is wider than the screen."""

import pytest

from tests.accessibility.test_axe import pages_to_check
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest("table"))
  .filter(e => getComputedStyle(e).visibility !== "hidden" && e.getClientRects().length)
  .filter(e => !e.closest(".visually-hidden, .skip-link"))
  .slice(0, 5).map(e => e.tagName + "." + e.className + " " + (e.innerText || "").slice(0, 40))"""


def test_pages_reflow_at_320_px_except_data_tables(page, live_server, sign_in, demo, roles):
    sign_in(page, "coordinator", PASSWORD)
    page.set_viewport_size({"width": 320, "height": 640})
    failures = []
    for name, path, _act, allowed in pages_to_check():
        if "co-ordinator" not in allowed:
            continue
        page.goto(f"{live_server.url}{path}")
        overflowing = page.evaluate(OVERFLOWING)
        if overflowing:
            failures.append(f"{name}: {overflowing}")

    assert failures == []
