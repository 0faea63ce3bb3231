"""Exact query counts of the core pages (issue 18) at two sizes of partners and people: the home
page, the accessibility statement, the sign-in pages and the partner list and page.

Counts include the session, the user and the two permission reads (none for the sign-in page,
whose visitor is anonymous and has no session yet); tests/pagequeries.py builds the data.
"""

import pytest

from tests.pagequeries import SIZES, measure_pages

pytestmark = pytest.mark.django_db

PAGES = {
    "home": ("member", {}, 7),
    "accessibility": ("member", {}, 5),
    "login": ("anonymous", {}, 0),
    # The second sign-in step and setting up an app, for co-ordinators who owe them.
    "two_factor": ("coordinator owing the second step", {}, 5),
    "two_factor_setup": ("coordinator without an app", {}, 6),
    "partner_list": ("member", {}, 6),
    "partner_detail": ("member", {"pk": "organisation"}, 6),
}


@pytest.mark.parametrize("size", SIZES)
def test_core_page_query_counts_are_exact(django_assert_num_queries, size):
    assert measure_pages(PAGES, size, django_assert_num_queries) == {}
