"""The meeting page's cached agenda and papers fragments (issue 18, meetings/fragments.py): an
edit shows on the next request, whatever path made it; a member never gets a co-ordinator's
fragment; and an unchanged agenda is served from the cache rather than rendered again."""

import pytest

from meetings.fragments import fragment_key
from meetings.models import AgendaItem, AgendaItemPaper, Meeting, Paper
from tests.conftest import sign_in_fully
from tests.factories import MeetingFactory, PaperFactory

pytestmark = pytest.mark.django_db

AGENDA_ITEMS = "meetings/partials/agenda_items.html"


@pytest.fixture
def meeting():
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItem.objects.create(meeting=meeting, title="Community safety", position=0)
    paper = PaperFactory(meeting=meeting, letter="A", title="Safety budget")
    AgendaItemPaper.objects.create(item=item, paper=paper)
    return meeting


def page(client, meeting):
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    return response


def test_an_unchanged_agenda_is_served_from_the_cache(member_client, meeting):
    first = page(member_client, meeting)
    second = page(member_client, meeting)
    assert AGENDA_ITEMS in [t.name for t in first.templates]
    assert AGENDA_ITEMS not in [t.name for t in second.templates]
    assert "Community safety" in second.content.decode()
    assert first.content.decode().count("Safety budget") == second.content.decode().count(
        "Safety budget"
    )


def test_edits_to_items_and_papers_show_at_once(member_client, meeting):
    page(member_client, meeting)
    page(member_client, meeting)  # cached now
    # Saved straight to the rows, bypassing every service (no version is bumped).
    AgendaItem.objects.filter(meeting=meeting).update(title="Road safety")
    Paper.objects.filter(meeting=meeting).update(title="Roads budget")
    html = page(member_client, meeting).content.decode()
    assert "Road safety" in html and "Community safety" not in html
    assert "Roads budget" in html and "Safety budget" not in html
    AgendaItem.objects.create(meeting=meeting, title="Any other business", position=1)
    assert "Any other business" in page(member_client, meeting).content.decode()
    AgendaItemPaper.objects.all().delete()
    html = page(member_client, meeting).content.decode()
    agenda = html.split('id="agenda-heading"')[1].split('id="papers-heading"')[0]
    assert "Paper A" not in agenda


def test_a_member_never_gets_a_coordinators_fragment(client, coordinator, member, meeting):
    Paper.objects.filter(meeting=meeting).update(status=Paper.Status.WITHDRAWN)
    sign_in_fully(client, coordinator)
    for _ in range(2):  # rendered, then cached for co-ordinators
        assert "Safety budget" in page(client, meeting).content.decode()
    client.logout()
    client.force_login(member)
    for _ in range(2):
        assert "Safety budget" not in page(client, meeting).content.decode()


def test_a_draft_agenda_is_never_shown_to_a_member(client, coordinator, member, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.DRAFT)
    sign_in_fully(client, coordinator)
    assert "Community safety" in page(client, meeting).content.decode()
    client.logout()
    client.force_login(member)
    response = client.get(meeting.get_absolute_url())
    assert "Community safety" not in response.content.decode()


def test_the_key_holds_the_role_and_every_field():
    paper = Paper(pk=1, letter="A", title="One")
    member = fragment_key("meetings/partials/paper_table.html", {"papers": [paper]}, "member")
    coordinator = fragment_key(
        "meetings/partials/paper_table.html", {"papers": [paper]}, "co-ordinator"
    )
    assert member != coordinator
    paper.page_count = 12
    assert member != fragment_key(
        "meetings/partials/paper_table.html", {"papers": [paper]}, "member"
    )
