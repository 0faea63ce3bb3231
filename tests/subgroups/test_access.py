import pytest
from django.urls import reverse

from .factories import (
    AnnualReportFactory,
    MembershipFactory,
    UpdateFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    membership = MembershipFactory()
    update = UpdateFactory(subgroup=membership.subgroup)
    report = AnnualReportFactory()
    return {
        "body": membership.subgroup.pk,
        "membership": membership.pk,
        "update": update.pk,
        "reportingbody": report.body.pk,
        "annualreport": report.pk,
    }


def edit_urls(records):
    urls = [
        reverse("subgroups:body_create"),
        reverse("subgroups:update_create"),
        reverse("subgroups:reportingbody_create"),
        reverse("subgroups:annualreport_create"),
        reverse("subgroups:membership_create", args=[records["body"]]),
    ]
    for model, pk in records.items():
        for action in ("edit", "delete"):
            urls.append(reverse(f"subgroups:{model}_{action}", args=[pk]))
    return urls


def read_urls(records):
    return [
        reverse("subgroups:index"),
        reverse("subgroups:body_detail", args=[records["body"]]),
        reverse("subgroups:update_detail", args=[records["update"]]),
        reverse("subgroups:reportingbody_detail", args=[records["reportingbody"]]),
        reverse("subgroups:annualreport_detail", args=[records["annualreport"]]),
        reverse("subgroups:comparison"),
    ]


def test_member_is_refused_every_edit_page_get_and_post(member_client, records):
    for url in edit_urls(records):
        assert member_client.get(url).status_code == 403, url
        assert member_client.post(url, {}).status_code == 403, url


def test_member_reads_every_page_without_edit_links(member_client, records):
    for url in read_urls(records):
        response = member_client.get(url)
        assert response.status_code == 200, url
        assert "/edit/" not in response.content.decode(), url


def test_coordinator_opens_every_edit_page(coordinator_client, records):
    for url in edit_urls(records):
        assert coordinator_client.get(url).status_code == 200, url


def test_anonymous_visitor_is_sent_to_login_from_every_page(client, records):
    for url in read_urls(records) + edit_urls(records):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_user_without_a_role_is_refused_the_subgroups_home(client, make_user):
    client.force_login(make_user("outsider"))

    assert client.get(reverse("subgroups:index")).status_code == 403


def test_unknown_record_is_404_not_500(coordinator_client):
    for name in ("body_detail", "update_edit", "annualreport_detail", "membership_edit"):
        assert coordinator_client.get(reverse(f"subgroups:{name}", args=[999])).status_code == 404
    assert (
        coordinator_client.get(reverse("subgroups:membership_create", args=[999])).status_code
        == 404
    )
