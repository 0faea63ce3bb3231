"""The districts comparison is kept under the versions of the annual reports, crime figures and
reporting bodies tables (issue 18, subgroups.reports.comparison_page): every kind of change shows on
the very next request, and the page renders in an exact number of queries at two sizes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from subgroups.models import AnnualReport, CrimeFigure, ReportingBody

from .factories import AnnualReportFactory, CrimeFigureFactory
from .test_queries import build

pytestmark = pytest.mark.django_db
URL = reverse("subgroups:comparison")
POSTGRES = connection.vendor == "postgresql"


def page(client, params=None):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def figure():
    return CrimeFigureFactory(
        report__body__district="Sevenoaks", rate_per_1000=Decimal("72"), count=1234
    )


@pytest.mark.parametrize(
    "change, shown",
    [
        (lambda f: CrimeFigure.objects.filter(pk=f.pk).update(rate_per_1000=Decimal("65")),
         "65 per 1,000"),
        (lambda f: ReportingBody.objects.filter(pk=f.report.body_id).update(district="Dartford"),
         "Dartford"),
        (lambda f: AnnualReport.objects.filter(pk=f.report_id).update(title="Strategic review"),
         "Strategic review"),
        (lambda f: CrimeFigureFactory(report__body__district="Tunbridge Wells"),
         "Tunbridge Wells"),
        (lambda f: AnnualReportFactory(start_year=2006, end_year=2007), "2006–2007"),
    ],
    ids=["figure", "district", "report title", "new district", "new period"],
)  # fmt: skip
def test_every_change_shows_on_the_next_request(member_client, figure, change, shown):
    before = page(member_client)
    assert "72 per 1,000" in before and shown not in before
    change(figure)
    assert shown in page(member_client)


def test_each_period_is_kept_apart(member_client, figure):
    CrimeFigureFactory(
        report__start_year=2004, report__end_year=2005, report__body=figure.report.body,
        rate_per_1000=Decimal("81"),
    )  # fmt: skip
    assert "72 per 1,000" in page(member_client)
    assert "81 per 1,000" in page(member_client, {"period": "2004-2005"})
    assert "72 per 1,000" in page(member_client, {"period": "2005-2006"})
    bad = page(member_client, {"period": "soon"})
    assert "Choose a period such as 2005-2006." in bad and "72 per 1,000" in bad


# Session, user, permissions (4) and the digest; when rendered (first, or after a change), the
# periods, the reports and their figures.
RENDERED = 8 if POSTGRES else 7


@pytest.mark.parametrize("size", [2, 12])
def test_the_comparison_renders_in_an_exact_number_of_queries(
    member_client, django_assert_num_queries, size
):
    build(size)
    member_client.get(reverse("accessibility"))  # refreshes the session once
    with django_assert_num_queries(RENDERED):
        assert member_client.get(URL).status_code == 200
