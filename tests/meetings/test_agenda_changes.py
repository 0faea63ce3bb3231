"""A new pack version names agenda changes too: items added, removed, renamed and moved."""

import datetime
import io

import pytest
from pypdf import PdfReader

from meetings import services
from meetings.models import AgendaItem, Meeting, Notice, Venue
from meetings.services import describe_agenda_changes
from tests.factories import AgendaItemFactory, MeetingFactory, VenueFactory


def state(*entries):
    return [
        {"id": pk, "parent": parent, "number": number, "title": title}
        for pk, parent, number, title in entries
    ]


def test_agenda_changes_name_additions_removals_renames_and_moves():
    before = state((1, None, "1", "Welcome"), (2, None, "2", "Minutes"), (3, None, "3", "Finance"))
    after = state(
        (3, None, "1", "Finance"),
        (1, None, "2", "Welcome and introductions"),
        (4, None, "3", "Community safety"),
    )
    assert describe_agenda_changes(before, after) == [
        "Item 1 – Finance: moved (was item 3).",
        "Item 2 – Welcome and introductions: renamed (was “Welcome”).",
        "Item 3 – Community safety: added to the agenda.",
        "Item 2 – Minutes: removed from the agenda.",
    ]


def test_items_renumbered_by_an_earlier_change_have_not_moved():
    before = state((1, None, "1", "A"), (2, None, "2", "B"), (3, None, "3", "C"))
    after = state((2, None, "1", "B"), (3, None, "2", "C"))
    assert describe_agenda_changes(before, after) == ["Item 1 – A: removed from the agenda."]
    assert describe_agenda_changes(before, before) == []


def test_an_item_made_a_sub_item_has_moved():
    before = state((1, None, "1", "A"), (2, None, "2", "B"))
    after = state((1, None, "1", "A"), (2, 1, "1.1", "B"))
    assert describe_agenda_changes(before, after) == ["Item 1.1 – B: moved (was item 2)."]


def test_a_new_time_or_description_is_a_change_and_older_versions_without_them_are_not():
    before = [
        {
            "id": 1,
            "parent": None,
            "number": "1",
            "title": "A",
            "time": "10:30:00",
            "description": "",
        },
        {"id": 2, "parent": None, "number": "2", "title": "B", "time": "", "description": "ab12"},
    ]
    after = [
        {**before[0], "time": "10:50:00"},
        {**before[1], "time": "11:00:00", "description": "cd34"},
    ]
    assert describe_agenda_changes(before, after) == [
        "Item 1 – A: time changed (was 10.30am).",
        "Item 2 – B: time changed (was no time).",
        "Item 2 – B: description changed.",
    ]
    issued_earlier = state((1, None, "1", "A"), (2, None, "2", "B"))
    assert describe_agenda_changes(issued_earlier, after) == []


@pytest.mark.django_db
def test_an_issued_pack_takes_a_new_item_time_description_or_venue_address_as_a_new_version(
    settings, tmp_path, coordinator, django_capture_on_commit_callbacks
):
    """The pack prints items' times and descriptions and the venue's address: a change to one
    alone was "the same pack", so the co-ordinator could not issue the correction."""
    settings.MEDIA_ROOT = tmp_path
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting, title="Precept", position=0)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.issue_pack(meeting, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.issue_pack(meeting, by=coordinator) == first, "nothing changed"

    AgendaItem.objects.filter(pk=item.pk).update(
        scheduled_time=datetime.time(10, 50), description="<p>Options (a) to (c).</p>"
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = services.issue_pack(meeting, by=coordinator)
    assert second.number == 2
    assert second.changes == [
        "Item 1 – Precept: time changed (was no time).",
        "Item 1 – Precept: description changed.",
    ]
    with second.file.open("rb") as handle:
        agenda = " ".join(page.extract_text() for page in PdfReader(handle).pages[:2])
    assert "10.50am Precept" in " ".join(agenda.split())

    venue = VenueFactory(name="Council Chamber", address="High Street")
    Meeting.objects.filter(pk=meeting.pk).update(venue=venue)
    meeting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        third = services.issue_pack(meeting, by=coordinator)
    Venue.objects.filter(pk=venue.pk).update(address="Town Hall, High Street")
    meeting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        fourth = services.issue_pack(meeting, by=coordinator)
    assert (third.number, fourth.number) == (3, 4)


@pytest.mark.django_db
def test_a_new_version_names_agenda_changes_on_its_cover_and_in_its_notice(
    settings, tmp_path, coordinator, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    make_user("reader", "Member")
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    welcome = AgendaItemFactory(meeting=meeting, title="Welcome", position=0)
    minutes = AgendaItemFactory(meeting=meeting, title="Minutes", position=1)
    finance = AgendaItemFactory(meeting=meeting, title="Finance", position=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_pack(meeting, by=coordinator)
    meeting.refresh_from_db()
    services.update_item(welcome, version=meeting.version, title="Welcome and introductions")
    meeting.refresh_from_db()
    services.delete_item(minutes, version=meeting.version)
    meeting.refresh_from_db()
    services.move_item(finance, version=meeting.version, direction="up")
    meeting.refresh_from_db()
    services.add_item(meeting, version=meeting.version, title="Community safety")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        version = services.issue_pack(meeting, by=coordinator)

    expected = [
        "Item 1 – Finance: moved (was item 3).",
        "Item 2 – Welcome and introductions: renamed (was “Welcome”).",
        "Item 3 – Community safety: added to the agenda.",
        "Item 2 – Minutes: removed from the agenda.",
    ]
    assert version.number == 2
    assert version.changes == expected
    with version.file.open("rb") as handle:
        cover = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "Changed since version 1" in cover
    for change in expected:
        assert change in " ".join(cover.split()), change
    notice = Notice.objects.latest("created_at")
    assert all(change in notice.body for change in expected)
    (message,) = [m for m in mailoutbox if m.to == ["reader@example.org"]]
    assert "Item 2 – Welcome and introductions: renamed (was “Welcome”)." in message.body
