import datetime

import pytest
from django.urls import reverse

from meetings.deadlines import is_working_day, paper_deadline
from meetings.models import ForwardPlanEntry, Meeting
from meetings.reminders import send_reminders
from tests.factories import MeetingFactory, PaperFactory, PersonFactory

D = datetime.date


def test_five_clear_working_days_before_the_july_2006_meeting():
    assert paper_deadline(D(2006, 7, 14)) == D(2006, 7, 6)


def test_deadline_skips_weekends_and_the_august_bank_holiday():
    # Meeting Tuesday 5 September 2006: clear days 4 Sep, 1, 31 Aug, 30, 29 (28 is a bank holiday)
    assert not is_working_day(D(2006, 8, 28))
    assert paper_deadline(D(2006, 9, 5)) == D(2006, 8, 25)


def test_deadline_over_easter_and_configurable():
    # Thursday 12 April 2007: clear days 11, 10 and 5 April (Easter Monday 9 and Good Friday
    # 6 April are bank holidays), so the paper is due on Wednesday 4 April.
    assert paper_deadline(D(2007, 4, 12), clear_days=3) == D(2007, 4, 4)
    assert paper_deadline(D(2006, 7, 14), clear_days=0) == D(2006, 7, 13)
    with pytest.raises(ValueError):
        paper_deadline(D(2006, 7, 14), clear_days=-1)


@pytest.mark.django_db
def test_coordinator_sees_overdue_papers(coordinator_client):
    from django.utils import timezone

    today = timezone.localdate()
    soon = MeetingFactory(date=today + datetime.timedelta(days=3))
    ForwardPlanEntry.objects.create(
        meeting=soon, title="Health update", owner_person=PersonFactory()
    )
    page = coordinator_client.get(reverse("meetings:forward_plan")).text
    assert "Health update" in page and "Overdue" in page


@pytest.mark.django_db
def test_a_paper_received_for_a_draft_meeting_is_not_named_to_members(member, coordinator_client):
    from django.test import Client
    from django.utils import timezone

    later = timezone.localdate() + datetime.timedelta(days=30)
    draft = MeetingFactory(date=later, status=Meeting.Status.DRAFT)
    published = MeetingFactory(date=later, status=Meeting.Status.PUBLISHED)
    secret = PaperFactory(meeting=draft, letter="A", title="Secret")
    shown = PaperFactory(meeting=published, letter="B", title="Public")
    for meeting, paper in ((draft, secret), (published, shown)):
        ForwardPlanEntry.objects.create(
            meeting=meeting,
            title=f"Report {paper.letter}",
            owner_person=PersonFactory(),
            paper=paper,
        )
    reader = Client()
    reader.force_login(member)

    page = reader.get(reverse("meetings:forward_plan")).text
    assert f'href="{shown.get_absolute_url()}">Paper B</a>' in page
    assert secret.get_absolute_url() not in page and "Paper A" not in page
    page = coordinator_client.get(reverse("meetings:forward_plan")).text
    assert f'href="{secret.get_absolute_url()}">Paper A</a>' in page


@pytest.mark.django_db
def test_an_entry_without_an_owner_is_refused(coordinator_client):
    from django.utils import timezone

    meeting = MeetingFactory(date=timezone.localdate() + datetime.timedelta(days=60))
    response = coordinator_client.post(
        reverse("meetings:forward_plan_create"),
        {"meeting": meeting.pk, "title": "Orphan paper", "clear_days": 5},
    )
    assert "Say who owes the paper" in response.text
    assert not ForwardPlanEntry.objects.exists()


@pytest.mark.django_db
def test_owners_are_reminded_once_shortly_before_the_deadline(mailoutbox):
    meeting = MeetingFactory(date=D(2006, 7, 14))
    owner = PersonFactory(email="tim.read@example.org")
    ForwardPlanEntry.objects.create(meeting=meeting, title="Transport update", owner_person=owner)

    assert send_reminders(today=D(2006, 6, 26)) == 0  # due 6 July: too early
    assert send_reminders(today=D(2006, 7, 3)) == 1
    assert mailoutbox[0].to == ["tim.read@example.org"]
    assert mailoutbox[0].subject == "Paper due Thursday 6 July 2006: Transport update"
    assert send_reminders(today=D(2006, 7, 4)) == 0  # once only


@pytest.mark.parametrize("role_client", ["member_client", "coordinator_client"])
@pytest.mark.django_db
def test_forward_plan_leaves_out_an_entry_whose_meeting_date_has_no_deadline(request, role_client):
    """Five working days before 2 January in the year 1 is before the first date Python has: the
    entry is left out (the meeting form refuses such a date) rather than fail the whole page."""
    client = request.getfixturevalue(role_client)
    owner = PersonFactory()
    ForwardPlanEntry.objects.create(
        meeting=MeetingFactory(date=D(1, 1, 2)), title="Lost in time", owner_person=owner
    )
    ForwardPlanEntry.objects.create(
        meeting=MeetingFactory(date=D(2006, 7, 14)), title="Transport update", owner_person=owner
    )

    response = client.get(reverse("meetings:forward_plan"), {"all": "1"})

    assert response.status_code == 200
    assert [entry.title for entry in response.context["entries"]] == ["Transport update"]


@pytest.mark.django_db
def test_forward_plan_form_offers_no_meeting_outside_the_date_range(coordinator_client):
    meeting = MeetingFactory(date=D(9999, 12, 31))
    owner = PersonFactory()

    response = coordinator_client.post(
        reverse("meetings:forward_plan_create"),
        {"meeting": meeting.pk, "title": "Far off", "clear_days": 5, "owner_person": owner.pk},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "meeting": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not ForwardPlanEntry.objects.exists()
