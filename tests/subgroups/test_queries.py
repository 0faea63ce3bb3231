"""List and detail pages use an exact, fixed number of queries, whatever the amount of data."""

import pytest
from django.db import connection
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

# Including the session, user and permission look-ups of every page (the session is not saved:
# the first request after signing in refreshed it).
QUERIES = {
    "subgroups:index": 11,  # bodies, their sub-groups, and groups within those: a query each
    "subgroups:body_detail": 10,
    "subgroups:update_detail": 8,
    "subgroups:reportingbody_detail": 6,
    "subgroups:annualreport_detail": 8,
    # The versions of the reports, figures and bodies tables (wkp.table_versions), then the cache.
    "subgroups:comparison": 5 if connection.vendor == "postgresql" else 7,
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
@pytest.mark.parametrize("name", list(QUERIES))
def test_page_query_count_is_exact_at_two_sizes(
    member_client, django_assert_num_queries, size, name
):
    args = build(size)[name]
    member_client.get(reverse(name, args=args))  # refreshes the session once

    with django_assert_num_queries(QUERIES[name]):
        response = member_client.get(reverse(name, args=args))

    assert response.status_code == 200
