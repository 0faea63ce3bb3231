"""Every page has an exact query-count test (issue 18): a new URL fails here until a query test
names it, or it is listed in NOT_PAGES with the reason it needs none.

Pages are counted in two kinds of places: the PAGES tables of the modules in TABLES (one test
per module, run at two sizes, tests/pagequeries.py), and the tests named in COUNTED_ELSEWHERE.
"""

import importlib
from pathlib import Path

import pytest
from django.conf import settings

from tests.security.test_permission_matrix import CASES, POST_ONLY, project_url_names

# Modules with a PAGES table ({url name: (role, kwargs, queries)}) and the test that runs it.
TABLES = [
    "tests/wkp/test_page_queries.py::test_core_page_query_counts_are_exact",
    "tests/meetings/test_form_queries.py::test_meeting_form_and_minutes_query_counts_are_exact",
    "tests/finance/test_form_queries.py::test_finance_form_and_budget_query_counts_are_exact",
    "tests/subgroups/test_form_queries.py::test_subgroup_form_query_counts_are_exact",
]

MEETINGS = "tests/meetings/test_page_queries.py"
FINANCE = "tests/finance/test_page_queries.py"
SUBGROUPS = "tests/subgroups/test_queries.py::test_page_query_count_is_exact_at_two_sizes"

# Pages counted by their own tests (other engineers own these files: referenced, not copied).
COUNTED_ELSEWHERE = {
    "meetings:meeting_detail": f"{MEETINGS}::test_meeting_page_query_count_is_exact",
    "meetings:agenda_edit": f"{MEETINGS}::test_agenda_editor_query_count_is_exact",
    "meetings:meeting_list": f"{MEETINGS}::test_meeting_list_query_count_is_exact",
    "meetings:paper_list": f"{MEETINGS}::test_paper_list_and_search_query_counts_are_exact",
    "meetings:search": f"{MEETINGS}::test_paper_list_and_search_query_counts_are_exact",
    "meetings:action_list": f"{MEETINGS}::test_action_list_query_count_is_exact",
    # Two sizes of agenda items and attachments on an issued paper.
    "meetings:paper_detail": "tests/meetings/test_issued.py"
    "::test_an_issued_papers_page_takes_a_fixed_number_of_queries",
    # The user's own settings: nothing on them grows.
    "meetings:notice_preferences": f"{MEETINGS}::test_member_page_query_count_is_exact",
    "meetings:calendar_subscribe": f"{MEETINGS}::test_member_page_query_count_is_exact",
    "finance:statement_detail": f"{FINANCE}::test_statement_query_count_is_exact",
    "finance:financialyear_detail": f"{FINANCE}::test_year_page_query_count_is_exact",
    "finance:index": f"{FINANCE}::test_finance_home_query_count_is_exact",
    "finance:project_list": f"{FINANCE}::test_project_list_query_count_is_exact",
    "subgroups:body_detail": SUBGROUPS,
    "subgroups:update_detail": SUBGROUPS,
    "subgroups:reportingbody_detail": SUBGROUPS,
    "subgroups:annualreport_detail": SUBGROUPS,
    "subgroups:comparison": SUBGROUPS,
}

POST_ONLY_ACTIONS = {
    "meetings:agenda_reorder",
    "meetings:item_add",
    "meetings:agenda_copy",
    "meetings:agenda_undo",
    "meetings:item_row_save",
    "meetings:item_paper_add",
    "meetings:item_action",
    "meetings:meeting_publish",
    "meetings:meeting_seen",
    "meetings:pack_issue",
    "meetings:paper_delete",
    "meetings:paper_restore",
    "meetings:minutes_circulate",
    "meetings:minutes_approve",
}

# URLs that are not pages, and why they need no query test.
NOT_PAGES = {
    # Actions: a GET is refused (405) and does nothing; checked below against the permission
    # matrix, so that a page cannot hide here.
    **dict.fromkeys(POST_ONLY_ACTIONS, "POST only"),
    "logout": "POST only (a GET is refused: it would sign the visitor out)",
    # Files, not pages: their cost is typesetting or streaming the file, measured by
    # tests/benchmarks/ (pack, statement); their permissions are in the matrix.
    "meetings:calendar_feed": "download (iCalendar feed)",
    "meetings:meeting_ics": "download (iCalendar file)",
    "meetings:pack_download": "download (PDF)",
    "meetings:pack_version_download": "download (PDF)",
    "meetings:supplement_download": "download (PDF)",
    "meetings:minutes_pdf": "download (PDF)",
    "meetings:paper_pdf": "download (PDF)",
    "meetings:paper_file": "download (uploaded file)",
    "meetings:attachment_file": "download (uploaded file)",
    "finance:statement_csv": "download (CSV)",
    "finance:statement_xlsx": "download (spreadsheet)",
    "finance:statement_pdf": "download (PDF)",
    # No page of its own: a redirect to the static file.
    "favicon": "redirect",
    # For the load balancer: no session, no user, one heartbeat read (test_object_storage.py).
    "healthz": "health check",
}


def _test_function(reference):
    path, function = reference.split("::")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return module, getattr(module, function, None)


def counted_pages():
    """{url name: test reference} for every page a query test counts."""
    pages = {}
    for reference in TABLES:
        module, _ = _test_function(reference)
        pages |= dict.fromkeys(module.PAGES, reference)
    return COUNTED_ELSEWHERE | pages


def test_every_page_has_a_query_count_test_or_a_reason_for_none():
    names = project_url_names()  # every URL name but the Django admin's own pages
    counted = counted_pages()
    missing = sorted(names - set(counted) - set(NOT_PAGES))
    assert missing == [], f"pages with no query-count test (see {__name__}): {missing}"
    both = sorted(set(counted) & set(NOT_PAGES))
    assert both == [], f"counted, yet listed as not a page: {both}"
    stale = sorted((set(counted) | set(NOT_PAGES)) - names)
    assert stale == [], f"names no URL has any more: {stale}"


@pytest.mark.parametrize("reference", sorted(set(TABLES) | set(COUNTED_ELSEWHERE.values())))
def test_every_referenced_query_test_exists(reference):
    assert Path(settings.BASE_DIR, reference.split("::")[0]).is_file()
    _, function = _test_function(reference)
    assert callable(function), f"{reference} is gone: point the registry at its new name"


def test_actions_excused_as_post_only_refuse_a_get():
    """The matrix checks every role's GET status: a POST-only name answers 405 to all signed-in
    roles, so no page can be excused from a query test as an action."""
    not_refused = sorted(
        name
        for name, reason in NOT_PAGES.items()
        if reason == "POST only" and any(case[2] != POST_ONLY for case in CASES[name])
    )
    assert not_refused == []
