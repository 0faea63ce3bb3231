"""Withdrawn papers are hidden from members, titles included, wherever members see lists
(issue 16); co-ordinators still see them."""

import datetime

import pytest
from django.urls import reverse

from meetings.models import ForwardPlanEntry, Meeting
from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    OrganisationFactory,
    PaperFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    meeting = MeetingFactory(
        status=Meeting.Status.PUBLISHED, date=datetime.date.today() + datetime.timedelta(days=30)
    )
    item = AgendaItemFactory(meeting=meeting, title="Restructuring")
    kept = PaperFactory(meeting=meeting, letter="A", title="Budget monitoring")
    gone = PaperFactory(
        meeting=meeting, letter="B", title="Merger of the boards", status="withdrawn"
    )
    item.papers.add(kept, gone)
    ForwardPlanEntry.objects.create(
        meeting=meeting,
        title="Board merger report",
        paper=gone,
        owner_organisation=OrganisationFactory(),
    )
    return meeting


def pages(client, meeting):
    urls = [
        meeting.get_absolute_url(),
        reverse("meetings:paper_list"),
        reverse("meetings:forward_plan"),
        reverse("home"),
    ]
    return {url: client.get(url).content.decode() for url in urls}


def test_members_see_no_withdrawn_paper_or_its_title(member_client, meeting):
    for url, page in pages(member_client, meeting).items():
        assert "Merger of the boards" not in page, url
    page = member_client.get(meeting.get_absolute_url()).content.decode()
    assert "Budget monitoring" in page


def test_coordinators_still_see_withdrawn_papers(coordinator_client, meeting):
    page = coordinator_client.get(meeting.get_absolute_url()).content.decode()
    assert "Merger of the boards" in page
