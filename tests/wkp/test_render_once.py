"""Documents typeset on request (minutes, statements, sub-group reports) are typeset once."""

import pytest
from django.core.files.storage import default_storage

from wkp.pdf import render_pdf_once

HTML = "<!doctype html><html lang='en-GB'><title>{0}</title><body><p>{0}</p></body></html>"


def test_the_same_html_is_typeset_once_and_read_back_after(renders):
    first = render_pdf_once(HTML.format("Minutes of 14 July 2006"), name="The minutes")
    again = render_pdf_once(HTML.format("Minutes of 14 July 2006"), name="The minutes")
    assert first.startswith(b"%PDF") and again == first
    assert renders.names == ["The minutes"]
    assert len(default_storage.listdir("renders/documents")[1]) == 1


def test_changed_html_or_tagging_is_typeset_again(renders):
    render_pdf_once(HTML.format("Draft"), name="A")
    render_pdf_once(HTML.format("Circulated"), name="B")
    render_pdf_once(HTML.format("Circulated"), name="C", tagged=False)
    assert renders.names == ["A", "B", "C"]


@pytest.mark.django_db
def test_circulated_minutes_downloaded_twice_are_typeset_once(renders, member_client, coordinator):
    from meetings import services
    from meetings.models import Meeting
    from tests.factories import AgendaItemFactory, MeetingFactory

    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting, title="Bid appraisal – Ssky Project")
    minutes = services.minutes_for(meeting)
    services.save_minutes(
        minutes, version=minutes.version, entries={item: ("", "RESOLVED that it be supported.")}
    )
    services.circulate_minutes(minutes, by=coordinator)
    url = f"/meetings/{meeting.pk}/minutes.pdf"
    first, second = member_client.get(url), member_client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content.startswith(b"%PDF") and second.content == first.content
    assert len(renders.names) == 1


def test_the_creation_time_alone_does_not_typeset_again(renders):
    created = '<meta name="dcterms.created" content="{}">'
    render_pdf_once(created.format("2026-11-27T06:00:00") + HTML.format("x"), name="first")
    render_pdf_once(created.format("2026-11-27T06:00:09") + HTML.format("x"), name="second")
    assert renders.names == ["first"]
