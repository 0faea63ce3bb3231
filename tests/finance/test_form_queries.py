"""Exact query counts of the finance forms, the entry history and the event budget page (issue
18), the same for 10 projects, budget lines, external funds and 20 ledger entries as for 200 and
400. The statement, year, index and project list are counted in test_page_queries.py.

Counts include the session, the user, the two permission reads and, for a co-ordinator, the
second-factor device; tests/pagequeries.py builds the data.
"""

import pytest

from tests.pagequeries import SIZES, measure_pages

pytestmark = pytest.mark.django_db

C = "coordinator"
YEAR = {"start_year": "year"}
ENTRY = {"pk": "entry"}
BUDGET = {"pk": "budget"}

PAGES = {
    "finance:financialyear_create": (C, {}, 6),
    "finance:financialyear_update": (C, YEAR, 6),
    "finance:financialyear_close": (C, {"start_year": "open_year"}, 6),
    "finance:financialyear_reopen": (C, YEAR, 6),
    "finance:ledgerentry_create": (C, {}, 11),
    "finance:ledgerentry_history": ("member", ENTRY, 6),
    "finance:ledgerentry_correct": (C, ENTRY, 12),
    "finance:ledgerentry_reverse": (C, ENTRY, 6),
    "finance:project_create": (C, {}, 6),
    "finance:project_update": (C, {"pk": "project"}, 7),
    "finance:eventbudget_create": (C, {}, 5),
    "finance:eventbudget_detail": ("member", BUDGET, 6),
    "finance:eventbudgetline_create": (C, BUDGET, 6),
    "finance:eventbudgetline_update": (C, {"pk": "budget_line"}, 6),
    "finance:externalfunding_create": (C, {}, 7),
    "finance:externalfunding_update": (C, {"pk": "external"}, 8),
}


@pytest.mark.parametrize("size", SIZES)
def test_finance_form_and_budget_query_counts_are_exact(django_assert_num_queries, size):
    assert measure_pages(PAGES, size, django_assert_num_queries) == {}
