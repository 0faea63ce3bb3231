"""List and detail pages use a fixed number of queries, whatever the amount of data."""

import pytest
from django.urls import reverse

from .factories import (
    CrimeFigureFactory,
    HeadlineMeasureFactory,
    MembershipFactory,
    NomineeFactory,
    ReportingBodyFactory,
    ReportSectionFactory,
    SubGroupFactory,
    UpdateFactory,
    UpdateSectionFactory,
)

pytestmark = pytest.mark.django_db

# Including the session, user, permission and history-middleware look-ups of every page.
MAX_QUERIES = {
    "subgroups:index": 14,  # bodies, their sub-groups, and groups within those: a query each
    "subgroups:body_detail": 13,
    "subgroups:update_detail": 11,
    "subgroups:reportingbody_detail": 9,
    "subgroups:annualreport_detail": 11,
    "subgroups:comparison": 10,
}


def build(size):
    parent = SubGroupFactory()
    for _ in range(size):
        SubGroupFactory(parent=parent)
    transport = SubGroupFactory()
    for _ in range(size):
        membership = MembershipFactory(subgroup=transport)
        for _ in range(2):
            NomineeFactory(membership=membership)
    update = UpdateFactory(subgroup=transport)
    for _ in range(size):
        UpdateFactory(subgroup=transport)
        UpdateSectionFactory(update=update)
    body = ReportingBodyFactory()
    report = None
    for year in range(size):
        section = ReportSectionFactory(report__body=body, report__start_year=2000 + year,
                                       report__end_year=2001 + year)  # fmt: skip
        report = section.report
        CrimeFigureFactory(report=report)
        HeadlineMeasureFactory(report=report)
    for _ in range(size):
        ReportSectionFactory(report=report)
        CrimeFigureFactory(report=report, category="robbery")
    for _ in range(size):
        other = ReportSectionFactory(report__start_year=2000 + size - 1,
                                     report__end_year=2000 + size).report  # fmt: skip
        CrimeFigureFactory(report=other)
    return {
        "subgroups:index": [],
        "subgroups:body_detail": [transport.pk],
        "subgroups:update_detail": [update.pk],
        "subgroups:reportingbody_detail": [body.pk],
        "subgroups:annualreport_detail": [report.pk],
        "subgroups:comparison": [],
    }


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize("name", list(MAX_QUERIES))
def test_page_query_count_does_not_grow_with_data(
    member_client, django_assert_max_num_queries, size, name
):
    args = build(size)[name]
    member_client.get(reverse(name, args=args))  # warm the permission cache

    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = member_client.get(reverse(name, args=args))

    assert response.status_code == 200
