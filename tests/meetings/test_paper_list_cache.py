"""The papers list is kept under the versions of the paper, meeting and body tables (issue 18,
wkp.table_versions): served from the cache while nothing changes, and every kind of change shows on
the very next request."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, Paper
from subgroups.models import Body
from tests.conftest import sign_in_fully
from tests.factories import MeetingFactory, PaperFactory

pytestmark = pytest.mark.django_db
URL = reverse("meetings:paper_list")


@pytest.fixture
def paper():
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED, date=datetime.date(2006, 7, 14))
    return PaperFactory(meeting=meeting, title="Fund report")


def page(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "change, shown, hidden",
    [
        (lambda p: Paper.objects.filter(pk=p.pk).update(title="Budget"), "Budget", "Fund report"),
        (lambda p: Paper.objects.filter(pk=p.pk).update(status=Paper.Status.WITHDRAWN), None,
         "Fund report"),
        (lambda p: Paper.objects.filter(pk=p.pk).update(deleted_at=timezone.now()), None,
         "Fund report"),
        (lambda p: Meeting.objects.filter(pk=p.meeting_id).update(date=datetime.date(2006, 9, 1)),
         "1 September 2006", "14 July 2006"),
        (lambda p: Meeting.objects.filter(pk=p.meeting_id).update(status=Meeting.Status.DRAFT),
         None, "Fund report"),
        (lambda p: PaperFactory(meeting=p.meeting, title="Crime figures"), "Crime figures", None),
        # Each row names the meeting's body: papers of several bodies share the list.
        (lambda p: Body.objects.filter(pk=p.meeting.body_id).update(name="Lancashire LEP"),
         "Lancashire LEP", None),
    ],
    ids=["retitled", "withdrawn", "deleted", "meeting moved", "meeting made draft", "added",
         "body renamed"],
)  # fmt: skip
def test_every_change_shows_on_the_next_request(member_client, paper, change, shown, hidden):
    before = page(member_client)
    assert "Fund report" in before and "14 July 2006" in before

    change(paper)

    after = page(member_client)
    if shown:
        assert shown in after
    if hidden:
        assert hidden not in after


def test_members_and_co_ordinators_never_share_a_list(member, coordinator, paper):
    member_client = Client()
    member_client.force_login(member)
    coordinator_client = sign_in_fully(Client(), coordinator)
    Paper.objects.filter(pk=paper.pk).update(status=Paper.Status.WITHDRAWN)
    assert "Fund report" not in page(member_client)
    assert "Fund report" in page(coordinator_client)
    assert "Fund report" not in page(member_client)


def test_pages_of_the_list_are_kept_apart(member_client, paper):
    PaperFactory.create_batch(60, meeting=paper.meeting, title="Another paper")
    first = member_client.get(URL).content.decode()
    second = member_client.get(URL, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert member_client.get(URL, {"page": 3}).status_code == 404
    assert member_client.get(URL, {"page": "last"}).content.decode().count("Page 2 of 2") == 1
