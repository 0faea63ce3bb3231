"""A co-ordinator records a sub-group update with a vacancy and makes it a paper of a meeting."""

import re

import pytest
from django.core.management import call_command

from meetings.models import AgendaItem, Meeting, Paper
from subgroups.models import Body, SubGroupUpdate
from tests.conftest import PASSWORD
from tests.e2e.conftest import item_label
from wkp.models import Organisation, Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(make_user):
    call_command("loaddata", "fixtures/00_partners.json", verbosity=0)
    board = Body.objects.create(name="West Kent Partnership", kind="board")
    meeting = Meeting.objects.create(body=board, date="2006-07-14", start_time="10:00")
    AgendaItem.objects.create(meeting=meeting, title="Transport", position=0)
    transport = Body.objects.create(
        name="Transport", lead_organisation=Organisation.objects.get(short_name="KCC")
    )
    make_user("coordinator", "Co-ordinator")
    return {"meeting": meeting, "transport": transport}


def test_coordinator_records_an_update_with_a_vacancy_and_attaches_it_as_a_paper(
    page, live_server, sign_in, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    page.set_default_timeout(15000)
    sign_in(page, "coordinator", PASSWORD)
    transport, meeting = world["transport"], world["meeting"]

    # Membership: Arriva with its nominee, South Eastern Trains with nobody yet.
    page.goto(f"{live_server.url}/subgroups/{transport.pk}/")
    page.get_by_role("link", name="Add an organisation").click()
    page.locator("#id_organisation").select_option(label="Arriva Southern Counties")
    page.locator("#id_nominees-0-person").select_option(
        value=str(Person.objects.get(name="Malcolm Spalding").pk)
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/subgroups/{transport.pk}/")
    page.get_by_role("link", name="Add an organisation").click()
    page.locator("#id_organisation").select_option(label="South Eastern Trains")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/subgroups/{transport.pk}/")
    assert "To be arranged" in page.content()

    # The update, whose first section shows the membership table.
    page.goto(f"{live_server.url}/subgroups/updates/new/")
    page.locator("#id_subgroup").select_option(label="Transport")
    page.locator("#id_title").fill("Transport Sub-Group Update")
    page.locator("#id_met_on").fill("2006-06-23")
    page.locator("#id_met_at").fill("Tonbridge & Malling Borough Council Offices")
    page.locator("#id_meeting").select_option(value=str(meeting.pk))
    page.locator("#id_intro").fill("The Transport Sub-Group last met on Friday 23rd June.")
    page.locator("#id_sections-0-heading").fill("Representation")
    page.locator("#id_sections-0-kind").select_option(value="membership")
    page.locator("#id_sections-0-body").fill(
        "The following organisations are represented on the Transport Sub-Group."
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/subgroups/updates/\d+/$"))
    update = SubGroupUpdate.objects.get(title="Transport Sub-Group Update")

    # The update becomes a paper of the meeting, taken at the Transport item.
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/papers/new/")
    page.locator("#id_title").fill("Transport Sub-Group Update")
    page.locator("#id_subgroup_update").select_option(value=str(update.pk))
    page.locator("#div_id_items").get_by_label(item_label("Transport")).check()
    page.get_by_role("button", name="Save paper").click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/agenda/")

    paper = Paper.objects.get(meeting=meeting)
    assert paper.subgroup_update == update
    assert paper.letter == "A"
    page.goto(f"{live_server.url}/meetings/papers/{paper.pk}/")
    text = page.get_by_role("article", name="Paper A").inner_text()
    assert "The Transport Sub-Group last met on Friday 23rd June." in text
    assert "Malcolm Spalding" in text
    assert "South Eastern Trains" in text
    assert "To be arranged" in text
