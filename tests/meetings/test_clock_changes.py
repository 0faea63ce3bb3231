"""Local times at the UK's clock changes, in every form that takes a meeting's or an item's time.

On Sunday 29 March 2026 the clocks go forward from 01:00 to 02:00 (01:30 does not exist); on
Sunday 25 October 2026 they go back from 02:00 to 01:00 (01:30 happens twice).
"""

import datetime

import lxml.html
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from meetings.clock import is_unique, london, repeated_time_note, skipped_time_error
from meetings.editor_forms import InlineItemForm, NewItemForm
from meetings.forms import AgendaItemForm, MeetingForm
from meetings.models import Meeting
from tests.factories import AgendaItemFactory, MeetingFactory

FORWARD = datetime.date(2026, 3, 29)
BACK = datetime.date(2026, 10, 25)
HALF_PAST_ONE = datetime.time(1, 30)
SKIPPED = (
    "01:30 on Sunday 29 March 2026 does not exist in UK time: the clocks go forward an hour at 1am."
)
REPEATED = (
    "01:30 on Sunday 25 October 2026 happens twice in UK time, as the clocks go back an hour at "
    "2am: it is taken as the first 01:30, before they go back."
)


@pytest.mark.parametrize(
    ("day", "time", "unique"),
    [
        (FORWARD, datetime.time(0, 59), True),
        (FORWARD, datetime.time(1, 0), False),
        (FORWARD, datetime.time(1, 59), False),
        (FORWARD, datetime.time(2, 0), True),
        (BACK, datetime.time(0, 59), True),
        (BACK, datetime.time(1, 0), False),
        (BACK, datetime.time(1, 59), False),
        (BACK, datetime.time(2, 0), True),
    ],
)
def test_is_unique_only_outside_the_changing_hour(day, time, unique):
    assert is_unique(london(day, time)) is unique


def test_skipped_time_error_names_the_time_the_day_and_the_change():
    assert skipped_time_error(FORWARD, HALF_PAST_ONE) == SKIPPED
    assert skipped_time_error(BACK, HALF_PAST_ONE) is None
    assert skipped_time_error(FORWARD, datetime.time(2, 30)) is None


def test_repeated_time_note_says_the_first_one_is_meant():
    assert repeated_time_note(BACK, HALF_PAST_ONE) == REPEATED
    assert repeated_time_note(FORWARD, HALF_PAST_ONE) is None
    assert london(BACK, HALF_PAST_ONE).astimezone(datetime.UTC) == datetime.datetime(
        2026, 10, 25, 0, 30, tzinfo=datetime.UTC
    )


def test_skipped_time_error_reads_older_rules_from_the_zone_data():
    """Before 1981 the UK changed its clocks at 2am GMT."""
    assert skipped_time_error(datetime.date(1975, 3, 16), datetime.time(2, 30)) == (
        "02:30 on Sunday 16 March 1975 does not exist in UK time: the clocks go forward an hour "
        "at 2am."
    )


def meeting_data(meeting, **extra):
    data = {
        "body": meeting.body_id,
        "date": "2026-03-29",
        "start_time": "10:00",
        "number_from": 1,
        "sub_numbering": "bullets",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        {"start_time": "01:30"},
        {"start_time": "00:30", "end_time": "01:30"},
    ],
)
def test_meeting_form_refuses_a_time_the_clocks_skip(extra):
    meeting = MeetingFactory()
    form = MeetingForm(meeting_data(meeting, **extra))

    assert not form.is_valid()
    (field,) = [name for name, value in extra.items() if value == "01:30"]
    assert form.errors == {field: [SKIPPED]}


@pytest.mark.django_db
def test_meeting_form_refuses_moving_a_meeting_to_where_its_time_is_skipped():
    meeting = MeetingFactory(date=datetime.date(2026, 3, 22), start_time=HALF_PAST_ONE)
    form = MeetingForm(
        meeting_data(meeting, start_time="01:30", version=meeting.version), instance=meeting
    )

    assert not form.is_valid()
    assert form.errors == {"start_time": [SKIPPED]}


@pytest.mark.django_db
def test_meeting_form_refuses_moving_a_meeting_to_where_an_items_time_is_skipped():
    meeting = MeetingFactory(date=datetime.date(2026, 3, 22), start_time=datetime.time(0, 30))
    AgendaItemFactory(meeting=meeting, title="Night-time economy", scheduled_time=HALF_PAST_ONE)
    moved = meeting_data(meeting, start_time="00:30", version=meeting.version)

    form = MeetingForm(moved, instance=meeting)

    assert not form.is_valid()
    assert form.errors == {"date": [f"“Night-time economy” is at {SKIPPED} Change its time first."]}
    unmoved = {**moved, "date": "2026-03-22"}
    assert MeetingForm(unmoved, instance=meeting).is_valid(), "only a move is checked"


@pytest.mark.django_db
def test_creating_a_meeting_at_a_repeated_time_stores_it_and_says_which_is_meant(
    coordinator_client,
):
    meeting = MeetingFactory()

    response = coordinator_client.post(
        reverse("meetings:meeting_create"),
        meeting_data(meeting, date="2026-10-25", start_time="01:30", end_time="02:30"),
    )

    assert response.status_code == 302
    created = Meeting.objects.get(date=BACK)
    assert (created.start_time, created.end_time) == (HALF_PAST_ONE, datetime.time(2, 30))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Meeting created. Now build its agenda.",
        REPEATED,
    ]


@pytest.mark.django_db
def test_creating_a_meeting_at_a_skipped_time_is_refused(coordinator_client):
    meeting = MeetingFactory()

    response = coordinator_client.post(
        reverse("meetings:meeting_create"), meeting_data(meeting, start_time="01:30")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"start_time": [SKIPPED]}
    assert not Meeting.objects.filter(date=FORWARD).exists()


def posted_back(response):
    """The edit form's values as the browser would send them, unchanged."""
    document = lxml.html.document_fromstring(response.text)
    (form,) = [f for f in document.forms if f.method.upper() == "POST" and "start_time" in f.fields]
    return dict(form.form_values())


@pytest.mark.django_db
def test_meeting_at_a_repeated_time_saved_unchanged_changes_nothing(coordinator_client):
    meeting = MeetingFactory(date=BACK, start_time=HALF_PAST_ONE, end_time=datetime.time(1, 45))
    url = reverse("meetings:meeting_edit", args=[meeting.pk])

    data = posted_back(coordinator_client.get(url))
    response = coordinator_client.post(url, data)

    assert (data["start_time"], data["end_time"]) == ("01:30", "01:45")
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Nothing was changed, so nothing was saved."
    ]
    saved = Meeting.objects.get(pk=meeting.pk)
    assert (saved.date, saved.start_time, saved.end_time, saved.version) == (
        BACK,
        HALF_PAST_ONE,
        datetime.time(1, 45),
        meeting.version,
    )


def item_forms(meeting, time):
    item = AgendaItemFactory(meeting=meeting)
    common = {"title": "Welcome", "kind": "report", "scheduled_time": time}
    return [
        AgendaItemForm({**common, "version": meeting.version}, meeting=meeting),
        InlineItemForm(
            {f"item{item.pk}-{k}": v for k, v in {**common, "version": meeting.version}.items()},
            instance=item,
            meeting=meeting,
            prefix=f"item{item.pk}",
        ),
        NewItemForm(
            {f"new-{k}": v for k, v in {**common, "version": meeting.version}.items()},
            meeting=meeting,
        ),
    ]


@pytest.mark.django_db
def test_agenda_item_forms_refuse_a_time_the_clocks_skip_on_the_meeting_day():
    meeting = MeetingFactory(date=FORWARD, start_time=datetime.time(0, 30))

    for form in item_forms(meeting, "01:30"):
        assert not form.is_valid()
        assert form.errors == {"scheduled_time": [SKIPPED]}, type(form).__name__


@pytest.mark.django_db
def test_agenda_item_forms_take_a_repeated_time_and_a_skipped_one_on_another_day():
    for day in (BACK, datetime.date(2026, 3, 28)):
        meeting = MeetingFactory(date=day, start_time=datetime.time(0, 30))
        for form in item_forms(meeting, "01:30"):
            assert form.is_valid(), (type(form).__name__, form.errors)
            assert form.cleaned_data["scheduled_time"] == HALF_PAST_ONE
