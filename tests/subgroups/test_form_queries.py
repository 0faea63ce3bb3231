"""Exact query counts of the sub-group forms and delete pages (issue 18), the same for 10
sub-groups, memberships, update sections, reports, sections, measures and figures as for 200.

Counts include the session, the user, the co-ordinator's second-factor device and the two
permission reads; tests/pagequeries.py builds the data. The index is here too because its
sub-groups have lead organisations here (test_queries.py counts the reading pages).
"""

import pytest

from tests.pagequeries import SIZES, measure_pages

pytestmark = pytest.mark.django_db

C = "coordinator"
SUBGROUP = {"pk": "subgroup"}
MEMBERSHIP = {"pk": "membership"}
UPDATE = {"pk": "update"}
BODY = {"pk": "body"}
REPORT = {"pk": "report"}

PAGES = {
    # Failed before the index fetched its sub-groups' lead organisations with them (N+1).
    "subgroups:index": ("member", {}, 11),
    "subgroups:body_create": (C, {}, 8),
    "subgroups:body_edit": (C, SUBGROUP, 10),
    "subgroups:body_delete": (C, SUBGROUP, 6),
    "subgroups:membership_create": (C, {"subgroup_pk": "subgroup"}, 11),
    "subgroups:membership_edit": (C, MEMBERSHIP, 13),
    "subgroups:membership_delete": (C, MEMBERSHIP, 8),
    # The update and report forms failed before their meeting lists came with the meetings'
    # bodies and their rows knew their parent (N+1; subgroups/forms.py).
    "subgroups:update_create": (C, {}, 7),
    "subgroups:update_edit": (C, UPDATE, 9),
    "subgroups:update_delete": (C, UPDATE, 6),
    "subgroups:reportingbody_create": (C, {}, 6),
    "subgroups:reportingbody_edit": (C, BODY, 7),
    "subgroups:reportingbody_delete": (C, BODY, 6),
    "subgroups:annualreport_create": (C, {}, 7),
    "subgroups:annualreport_edit": (C, REPORT, 12),
    "subgroups:annualreport_delete": (C, REPORT, 7),
}


@pytest.mark.parametrize("size", SIZES)
def test_subgroup_form_query_counts_are_exact(django_assert_num_queries, size):
    assert measure_pages(PAGES, size, django_assert_num_queries) == {}
