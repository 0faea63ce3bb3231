import datetime

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.models import Meeting
from tests.conftest import sign_in_fully
from tests.factories import AgendaItemFactory, BodyFactory, MeetingFactory, PaperFactory

pytestmark = pytest.mark.django_db


def test_what_changed_after_a_paper_is_replaced(member_client, member, coordinator):
    with time_machine.travel(datetime.datetime(2026, 10, 31, 9, 0, tzinfo=datetime.UTC)):
        meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
        item = AgendaItemFactory(meeting=meeting, title="Transport")
        paper = PaperFactory(meeting=meeting, letter="A", title="Transport update")
        item.papers.add(paper)
    url = meeting.get_absolute_url()
    with time_machine.travel(datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)):
        member_client.force_login(member)
        member_client.post(reverse("meetings:meeting_seen", args=[meeting.pk]))
        assert "Changed since you last looked" not in member_client.get(url).text

    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)):
        paper.refresh_from_db()
        paper.body_html = "<p>Replaced text</p>"
        services.save_paper(paper, version=paper.version, by=coordinator)
        new = PaperFactory(meeting=meeting, letter="B", title="Late paper")

    member_client.force_login(member)  # the session expired while the clock was moved
    page = member_client.get(url).text
    assert "Changed since you last looked" in page
    assert "Updated: " in page and "Transport update" in page
    assert "New: " in page and "Late paper" in page
    home = member_client.get(reverse("home")).text
    changed = home.split("Changed since you last looked")[1].split("Recent papers")[0]
    assert "Transport update</a> – West Kent Partnership, 14 July 2006" in changed

    member_client.post(reverse("meetings:meeting_seen", args=[meeting.pk]))
    assert "Changed since you last looked" not in member_client.get(url).text
    assert new.pk


def test_recent_papers_on_the_home_page_name_the_meetings_body(member_client):
    lep = BodyFactory(name="Lancashire Enterprise Partnership")
    meeting = MeetingFactory(
        status=Meeting.Status.PUBLISHED, body=lep, date=datetime.date(2021, 11, 23)
    )
    PaperFactory(meeting=meeting, letter="C", title="LEP Programmes Update")
    home = member_client.get(reverse("home")).text
    recent = " ".join(home.split("Recent papers")[1].split())
    assert (
        "LEP Programmes Update</a> – Lancashire Enterprise Partnership, 23 November 2021" in recent
    )


def test_moving_a_meeting_updates_the_same_calendar_entry(coordinator, member):
    from django.test import Client

    coordinator_client, member_client = Client(), Client()
    sign_in_fully(coordinator_client, coordinator)
    member_client.force_login(member)
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    ics = reverse("meetings:meeting_ics", args=[meeting.pk])
    (before,) = Calendar.from_ical(member_client.get(ics).content).walk("VEVENT")
    response = coordinator_client.post(
        reverse("meetings:meeting_edit", args=[meeting.pk]),
        {
            "body": meeting.body_id,
            "date": "2006-07-21",
            "start_time": "10:00",
            "venue": meeting.venue_id,
            "number_from": 1,
            "sub_numbering": "bullets",
            "version": meeting.version,
        },
    )
    assert response.status_code == 302
    (after,) = Calendar.from_ical(member_client.get(ics).content).walk("VEVENT")
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("dtstart").date() == datetime.date(2006, 7, 21)
