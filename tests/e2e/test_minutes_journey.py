"""Attendance, minutes and two actions for July; approved in October, whose agenda and pack
list the action that is still open."""

import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from meetings.models import Action, AgendaItem, Meeting, Minutes
from tests.conftest import PASSWORD
from wkp.models import Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(make_user, make_july_meeting, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("loaddata", "fixtures/00_partners.json", verbosity=0)
    july = make_july_meeting("held")
    AgendaItem.objects.create(meeting=july, title="Minutes/Matters Arising", kind="minutes")
    AgendaItem.objects.create(meeting=july, title="Bid appraisal – Ssky Project", position=1)
    october = Meeting.objects.create(body=july.body, date="2006-10-20", start_time="10:00")
    AgendaItem.objects.create(meeting=october, title="Minutes/Matters Arising", kind="minutes")
    make_user("coordinator", "Co-ordinator")
    make_user("member", "Member")
    return {"july": july, "october": october}


def test_minutes_with_two_actions_are_approved_and_the_open_action_is_carried_forward(
    page, live_server, sign_in, world
):
    page.set_default_timeout(20000)
    july, october = world["july"], world["october"]
    tim = Person.objects.get(name="Tim Read")
    daryl = Person.objects.get(name="Daryl Jones")
    sign_in(page, "coordinator", PASSWORD)

    page.goto(f"{live_server.url}/meetings/{july.pk}/minutes/")
    page.get_by_role("link", name="Record attendance and minutes").click()
    page.locator("#id_attendance-0-person").select_option(value=str(tim.pk))
    page.locator("#id_attendance-1-person").select_option(value=str(daryl.pk))
    page.locator("#id_attendance-1-role").select_option(label="Apologies")
    bid = AgendaItem.objects.get(meeting=july, title="Bid appraisal – Ssky Project")
    # The note is rich text: typed into the editor that replaces its textarea.
    page.locator(f"#div_id_note_{bid.pk} .ProseMirror[contenteditable]").fill(
        "The panel appraised the Ssky Project bid."
    )
    page.locator(f"#id_decisions_{bid.pk}").fill("RESOLVED that £10,000 be allocated.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/meetings/{july.pk}/minutes/")
    assert "RESOLVED that £10,000 be allocated." in page.content()

    for description, owner in [
        ("Write to the Ssky Project with the panel's decision", "person"),
        ("Send the Kent Prospects consultation response", "organisation"),
    ]:
        page.get_by_role("link", name="Add an action").click()
        page.locator("#id_item").select_option(value=str(bid.pk))
        page.locator("#id_description").fill(description)
        if owner == "person":
            page.locator("#id_owner_people").select_option(value=str(tim.pk))
        else:
            page.locator("#id_owner_organisations").select_option(
                label="Tunbridge Wells Borough Council"
            )
        page.locator("#id_target").fill("30 September 2006")
        page.get_by_role("button", name="Save action").click()
        page.wait_for_url(f"**/meetings/{july.pk}/minutes/")
    assert list(Action.objects.values_list("number", flat=True)) == [1, 2]

    page.get_by_role("button", name="Circulate the draft to members").click()
    page.get_by_text("members can read them").wait_for()
    page.locator("#id_at_meeting").select_option(index=1)
    page.get_by_role("button", name="Record approval").click()
    page.get_by_text("approved and locked").wait_for()
    assert Minutes.objects.get(meeting=july).status == "approved"
    assert page.get_by_role("link", name="Record attendance and minutes").count() == 0

    # The Kent Prospects response was sent; the Ssky letter is still open.
    page.goto(f"{live_server.url}/meetings/actions/")
    page.get_by_role("link", name="Edit action 2").click()
    page.locator("#id_status").select_option(label="Done")
    page.get_by_role("button", name="Save action").click()
    page.wait_for_url("**/meetings/actions/")

    page.goto(f"{live_server.url}/meetings/{october.pk}/agenda/")
    page.get_by_role("button", name="Publish agenda").click()
    page.get_by_text("The agenda is published").wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "member", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{october.pk}/")
    agenda = page.locator(".agenda-block").inner_text()
    assert "Outstanding actions" in agenda
    assert "Write to the Ssky Project with the panel's decision" in agenda
    assert "overdue" in agenda
    assert "Kent Prospects" not in agenda
    response = page.request.get(f"{live_server.url}/meetings/{october.pk}/pack.pdf")
    assert response.ok
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Write to the Ssky Project with the panel's decision" in text
    assert "Kent Prospects" not in text

    page.goto(f"{live_server.url}/meetings/{july.pk}/minutes/")
    minutes = page.locator(".minutes").inner_text()
    assert "Tim Read" in minutes and "Apologies" in minutes and "Daryl Jones" in minutes
