"""Extra form fields (is_staff, created_by, version, letter …) change nothing they name."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from meetings.models import AgendaItem, Meeting, Paper
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory

pytestmark = pytest.mark.django_db

EXTRA = {
    "is_staff": "on",
    "is_superuser": "on",
    "groups": "1",
    "user_permissions": "1",
    "created_by": "1",
    "recorded_by": "1",
    "issued_by": "1",
    "letter": "Z",
    "status": "published",
    "published_at": "2000-01-01T00:00:00Z",
    "deleted_at": "2000-01-01T00:00:00Z",
    "meeting": "999",
    "position": "42",
    "frozen_html": "<script>alert(1)</script>",
    "file_sha256": "0" * 64,
    "file_text": "injected",
    "file_html": "<script>alert(1)</script>",
    "file_checked_at": "2000-01-01T00:00:00Z",
    "pdf_tagged": "on",
    "id": "999",
    "pk": "999",
}


def test_extra_fields_on_the_meeting_form_are_ignored(coordinator_client, coordinator):
    meeting = MeetingFactory(title="Before")
    data = {
        "body": meeting.body_id, "title": "After", "date": "2006-07-14", "start_time": "10:00",
        "venue": meeting.venue_id, "number_from": 1, "sub_numbering": meeting.sub_numbering,
        "version": meeting.version, **EXTRA,
    }  # fmt: skip
    response = coordinator_client.post(reverse("meetings:meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting.refresh_from_db()
    assert meeting.title == "After"
    assert (meeting.status, meeting.published_at) == (Meeting.Status.DRAFT, None)
    assert meeting.pk != 999
    coordinator.refresh_from_db()
    assert not coordinator.is_staff and not coordinator.is_superuser


def test_extra_fields_on_the_paper_form_are_ignored(coordinator_client, coordinator):
    meeting = MeetingFactory()
    other = MeetingFactory()
    paper = PaperFactory(meeting=meeting, title="Before", letter="A")
    data = {**EXTRA, "title": "After", "status": "available", "version": paper.version}
    data["meeting"] = other.pk
    response = coordinator_client.post(reverse("meetings:paper_edit", args=[paper.pk]), data)
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.title == "After"
    assert paper.meeting_id == meeting.pk
    assert paper.deleted_at is None
    assert paper.frozen_html == "" and paper.file_sha256 == "" and paper.file_text == ""
    assert paper.pdf_tagged is None
    assert paper.file_html == "" and paper.file_checked_at is None
    assert paper.letter != "Z"
    assert paper.version == 2
    assert not get_user_model().objects.filter(is_staff=True).exists()


def test_a_forged_version_on_the_paper_form_is_refused(coordinator_client):
    paper = PaperFactory(title="Before")
    for forged in (paper.version + 1, 999, -1, "x", ""):
        response = coordinator_client.post(
            reverse("meetings:paper_edit", args=[paper.pk]),
            {"title": "After", "status": "available", "version": forged},
        )
        assert response.status_code == 200
    paper.refresh_from_db()
    assert (paper.title, paper.version) == ("Before", 1)


def test_extra_fields_on_the_item_form_are_ignored(coordinator_client):
    meeting = MeetingFactory()
    other = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Before", position=0)
    data = {**EXTRA, "title": "After", "kind": item.kind, "version": meeting.version}
    data["meeting"] = other.pk
    response = coordinator_client.post(reverse("meetings:item_edit", args=[item.pk]), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.meeting_id, item.position, item.deleted_at) == (
        "After", meeting.pk, 0, None,
    )  # fmt: skip


def test_a_ledger_entry_cannot_be_recorded_in_someone_elses_name(coordinator_client, coordinator):
    from finance.models import FinancialYear, LedgerEntry

    year = FinancialYear.objects.create(start_year=2006)
    someone = get_user_model().objects.create_user("someone", password="x" * 20)
    before = LedgerEntry.objects.count()
    response = coordinator_client.post(
        reverse("finance:ledgerentry_create"),
        {**EXTRA, "meeting": "", "year": year.pk, "kind": "income", "posted_on": "2006-07-14",
         "amount": "100.00", "description": "Grant", "recorded_by": someone.pk, "reverses": "1",
         "replaces": "1"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert LedgerEntry.objects.count() == before + 1
    entry = LedgerEntry.objects.latest("pk")
    assert entry.recorded_by_id == coordinator.pk
    assert entry.reverses_id is None and entry.replaces_id is None
    assert AgendaItem.objects.count() == 0 and Paper.objects.count() == 0
