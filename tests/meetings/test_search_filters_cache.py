"""The search page's filter choices are kept under the versions of the meetings, bodies and
organisations tables (issue 18, meetings.views.follow._search_filters): a change shows on the
very next request, and each choice made is kept apart."""

import datetime

import pytest
from django.urls import reverse

from meetings.models import Body, Meeting
from tests.factories import BodyFactory, MeetingFactory, OrganisationFactory
from wkp.models import Organisation

pytestmark = pytest.mark.django_db
URL = reverse("meetings:search")


def page(client, **params):
    response = client.get(URL, {"q": "budget", **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def meeting():
    OrganisationFactory(name="Kent Police")
    return MeetingFactory(body=BodyFactory(name="Transport Group"), title="Spring meeting")


@pytest.mark.parametrize(
    "change, shown",
    [
        (lambda m: MeetingFactory(body=m.body, date=datetime.date(2009, 3, 5)),
         '<option value="2009">'),
        (lambda m: Meeting.objects.filter(pk=m.pk).update(title="Summer meeting"),
         "Summer meeting"),
        (lambda m: Body.objects.filter(pk=m.body_id).update(name="Roads Group"), "Roads Group"),
        (lambda m: Organisation.objects.filter(name="Kent Police").update(name="Kent Constabulary"),
         "Kent Constabulary"),
    ],
    ids=["meeting added", "meeting renamed", "sub-group renamed", "organisation renamed"],
)  # fmt: skip
def test_a_change_to_the_choices_shows_on_the_next_request(member_client, meeting, change, shown):
    assert shown not in page(member_client)
    change(meeting)
    assert shown in page(member_client)


def test_the_choice_made_stays_selected(member_client, meeting):
    selected = f'<option value="{meeting.pk}" selected>'
    assert selected not in page(member_client)
    assert selected in page(member_client, meeting=meeting.pk)
    assert '<option value="2006" selected>' in page(member_client, year=2006)
    assert selected not in page(member_client)
