"""Bodies that meet, each with its own meetings, numbering and action log; people added where
they are chosen; bad input refused with a message and nothing saved changed."""

import datetime

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Action, AgendaItem, Meeting
from meetings.schedule import next_meetings
from subgroups.models import Body
from tests.factories import AgendaItemFactory, MeetingFactory, PersonFactory, VenueFactory
from tests.subgroups.helpers import formset_data
from wkp.models import Organisation, Person

pytestmark = pytest.mark.django_db


def errors_of(response):
    return " ".join(m for messages in response.context["form"].errors.values() for m in messages)


@pytest.fixture
def board():
    return Body.objects.create(name="West Kent Partnership", short_name="WKP", kind="board")


@pytest.fixture
def other_board():
    return Body.objects.create(
        name="Haringey Community Safety Partnership", kind="partnership", continue_numbering=True
    )


def body_data(**values):
    data = {"name": "", "short_name": "", "kind": "board", "parent": "", "position": "0",
            "lead_organisation": "", "contact_officer": "", "contact_officer_new": "",
            "contact_officer_new_organisation": "", "remit": "", "aims": ""}  # fmt: skip
    data.update(values)
    data.update(formset_data("objectives", []))
    return data


def test_a_coordinator_adds_a_body_with_a_new_contact_officer(coordinator_client):
    response = coordinator_client.post(
        reverse("subgroups:body_create"),
        body_data(
            name="Epping Forest Local Strategic Partnership Board",
            kind="partnership",
            contact_officer_new="Colin Rowell",
            contact_officer_new_organisation="Epping Forest District Council",
        ),
    )

    assert response.status_code == 302
    body = Body.objects.get(name="Epping Forest Local Strategic Partnership Board")
    assert body.contact_officer.name == "Colin Rowell"
    assert body.contact_officer.organisation.name == "Epping Forest District Council"
    assert body.contact_officer.organisation.sector == "other"


def test_a_duplicate_body_name_is_refused(coordinator_client, board):
    response = coordinator_client.post(
        reverse("subgroups:body_create"), body_data(name="west kent partnership".title())
    )
    assert response.status_code == 200
    assert "A body with this name already exists" in errors_of(response)
    assert Body.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("short_name", "A\r\nB"), ("short_name", "WKP\t2"), ("name", "West Kent\nPartnership")],
)
def test_a_body_name_with_a_line_break_or_tab_is_refused(coordinator_client, field, value):
    data = body_data(name="West Kent Partnership", short_name="WKP")
    data[field] = value

    response = coordinator_client.post(reverse("subgroups:body_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        field: [
            "Take out the line breaks, tabs and other control characters: this name is used "
            "in file names, page headers and e-mail subjects."
        ]
    }
    assert not Body.objects.exists()


def test_a_body_with_meetings_cannot_be_deleted(coordinator_client, board):
    MeetingFactory(body=board)
    MeetingFactory(body=board, date=datetime.date(2006, 10, 20))

    response = coordinator_client.post(
        reverse("subgroups:body_delete", args=[board.pk]), follow=True
    )

    assert response.status_code == 200
    message = " ".join(str(m) for m in response.context["messages"])
    assert "“West Kent Partnership” cannot be deleted: 2 meetings still refer to it." in message
    assert "Move or delete those first" in message
    assert Body.objects.filter(pk=board.pk).exists()


def test_a_new_meeting_starts_from_the_same_bodys_last_meeting(coordinator_client, other_board):
    kings_hill = VenueFactory(name="Kings Hill")
    wood_green = VenueFactory(name="Civic Centre, Wood Green")
    officer = PersonFactory(name="Maria Fletcher")
    earlier = MeetingFactory(
        body=other_board,
        date=datetime.date(2012, 3, 1),
        start_time=datetime.time(12),
        venue=wood_green,
        contact_officer=officer,
    )
    for position in range(13):
        AgendaItemFactory(meeting=earlier, position=position)
    # A later meeting of another body must not be the model.
    MeetingFactory(date=datetime.date(2012, 5, 1), venue=kings_hill)

    response = coordinator_client.get(
        reverse("meetings:meeting_create") + f"?body={other_board.pk}"
    )

    initial = response.context["form"].initial
    assert initial["body"] == other_board.pk
    assert initial["venue"] == wood_green.pk
    assert initial["start_time"] == datetime.time(12)
    assert initial["contact_officer"] == officer.pk
    assert initial["number_from"] == 14
    assert "New meeting of Haringey Community Safety Partnership" in response.text


def test_a_bad_body_id_on_the_new_meeting_page_is_ignored(coordinator_client, board):
    for value in ["²", "9" * 23, "x", "999"]:
        response = coordinator_client.get(reverse("meetings:meeting_create") + f"?body={value}")
        assert response.status_code == 200


def test_next_meetings_and_matters_arising_stay_within_the_body(board, other_board):
    july = MeetingFactory(body=board, date=datetime.date(2006, 7, 14))
    october = MeetingFactory(body=board, date=datetime.date(2006, 10, 20))
    conference = Body.objects.create(name="WKP conference", kind="event", parent=board)
    MeetingFactory(body=conference, date=datetime.date(2006, 9, 27))
    theirs = MeetingFactory(body=other_board, date=datetime.date(2006, 8, 1))
    owner = PersonFactory()
    ours = services.add_action(july, description="Ours", owner_people=[owner])
    services.add_action(theirs, description="Theirs", owner_people=[owner])

    assert [m.date.month for m in next_meetings(july)] == [9, 10]
    assert list(Action.objects.outstanding_before(october)) == [ours]


def test_each_body_numbers_its_own_action_log_and_keeps_carried_in_numbers(board, other_board):
    ours = MeetingFactory(body=board)
    theirs = MeetingFactory(body=other_board)
    owner = PersonFactory()

    first = services.add_action(ours, description="One", owner_people=[owner])
    carried = services.add_action(theirs, description="Carried in", owner_text="JW / RB", number=48)
    after = services.add_action(theirs, description="Next", owner_text="RB")

    assert (first.number, carried.number, after.number) == (1, 48, 49)
    assert services.add_action(ours, description="Two", owner_text="AB").number == 2


def action_data(**values):
    data = {"number": "", "item": "", "description": "Report back", "owner_people": [],
            "owner_people_new": "", "owner_people_new_organisation": "",
            "owner_organisations": [], "owner_text": "JW / RB", "target": ""}  # fmt: skip
    data.update(values)
    return data


def test_an_action_number_already_used_in_the_body_is_refused(coordinator_client, other_board):
    meeting = MeetingFactory(body=other_board, date=datetime.date(2011, 1, 20))
    services.add_action(meeting, description="Existing", owner_text="JW", number=48)

    response = coordinator_client.post(
        reverse("meetings:action_create", args=[meeting.pk]), action_data(number="48")
    )

    assert response.status_code == 200
    assert (
        "Action 48 is already in the log of Haringey Community Safety Partnership. Leave the "
        "number blank for the next one (49)."
    ) in errors_of(response)
    assert Action.objects.count() == 1


def test_an_unknown_month_is_refused_with_a_message(coordinator_client, other_board):
    meeting = MeetingFactory(body=other_board, date=datetime.date(2011, 1, 20))
    response = coordinator_client.post(
        reverse("meetings:action_create", args=[meeting.pk]), action_data(target="Smarch 2011")
    )
    assert response.status_code == 200
    assert "“Smarch” is not a month." in errors_of(response)
    assert not Action.objects.exists()


def test_an_action_with_a_month_target_and_a_new_owner(coordinator_client, other_board):
    meeting = MeetingFactory(body=other_board, date=datetime.date(2011, 1, 20))
    response = coordinator_client.post(
        reverse("meetings:action_create", args=[meeting.pk]),
        action_data(
            number="48",
            target="March 2011",
            owner_text="",
            owner_people_new="Jane Wood",
            owner_people_new_organisation="KCC",
        ),
    )

    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.number, action.target_label, action.target_is_month) == (48, "March 2011", True)
    assert action.is_overdue(datetime.date(2011, 3, 31)) is False
    assert action.is_overdue(datetime.date(2011, 4, 1)) is True
    assert [p.name for p in action.owner_people.all()] == ["Jane Wood"]


def test_a_new_person_is_added_once_and_matched_to_an_organisation_by_short_name(
    coordinator_client, board
):
    kcc = Organisation.objects.create(name="Kent County Council", short_name="KCC", sector="county")
    meeting = MeetingFactory(body=board)
    item = AgendaItemFactory(meeting=meeting, title="Towards 2010")
    data = {"version": str(meeting.version), "title": "Towards 2010", "kind": item.kind,
            "description": "", "scheduled_time": "", "presenters": [],
            "presenters_new": "Nick  Chard", "presenters_new_organisation": "kcc",
            "presenters_text": "", "papers": []}  # fmt: skip

    for _ in range(2):
        response = coordinator_client.post(reverse("meetings:item_edit", args=[item.pk]), data)
        assert response.status_code == 302
        data["version"] = str(Meeting.objects.get(pk=meeting.pk).version)

    person = Person.objects.get(name="Nick Chard")
    assert person.organisation == kcc
    assert list(AgendaItem.objects.get(pk=item.pk).presenters.all()) == [person]


def test_a_new_persons_organisation_without_a_name_is_refused(coordinator_client, board):
    response = coordinator_client.post(
        reverse("meetings:meeting_create"),
        {
            "body": board.pk,
            "title": "",
            "date": "2006-07-14",
            "contact_officer_new": "",
            "contact_officer_new_organisation": "KCC",
            "number_from": "1",
            "sub_numbering": "bullets",
        },  # fmt: skip
    )
    assert response.status_code == 200
    assert "Give the new person's name too." in errors_of(response)
    assert not Meeting.objects.exists()
    assert not Organisation.objects.exists()
