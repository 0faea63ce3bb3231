"""The axe helper every crawl uses reports the faults of a page it is shown (so a crawl with no
violations means the pages have none, not that the check saw nothing)."""

import pytest

from tests.accessibility.conftest import axe_violations

pytestmark = pytest.mark.e2e

FAULTY = """<!doctype html><html lang="en-GB"><head><title>Faults</title></head><body><main>
<h1>Faults</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text" name="unlabelled">
<p style="color: #bbb; background: #fff">Faint text</p>
</main></body></html>"""


def test_the_axe_helper_names_each_known_fault(page):
    found = {violation["id"] for violation in axe_violations_of(page, FAULTY)}
    assert {"image-alt", "label", "color-contrast"} <= found


def test_the_axe_helper_finds_nothing_on_a_clean_page(page):
    clean = FAULTY.replace("<img ", '<img alt="" ').replace("#bbb", "#333")
    clean = clean.replace('name="unlabelled"', 'name="unlabelled" aria-label="Name"')
    assert axe_violations_of(page, clean) == []


def axe_violations_of(page, html):
    page.set_content(html)
    return axe_violations(page)
