"""Real agendas of other boards, entered through the browser and read by a member.

Each case in tests/e2e/cases/ comes from a council's published agenda and minutes (the file names
its source): a community safety partnership whose items number on from its last meeting (14-19)
and whose matters arising cite its own action numbers, a local strategic partnership with
sub-items 3.1-3.5, and a health and wellbeing board numbered from 68 with an action log carried
in (48, 49, 39; owners "JW / RB"; targets that are months; progress notes), and a local
enterprise partnership whose "Minutes" and "Matters Arising" are two items. A co-ordinator
enters the body, its people, the meeting, items, papers, minutes and actions in Chromium; a
member then reads the meeting page and the pack.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
import weasyprint
from django.urls import reverse

from meetings.models import AgendaItem, Meeting, PackVersion
from subgroups.models import Body
from tests.conftest import PASSWORD
from tests.e2e.conftest import item_label
from tests.meetings.test_views import agenda_lines
from tests.pdftext import pdf_text
from wkp.models import Person
from wkp.roles import COORDINATOR, MEMBER

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def load_case(path):
    return json.loads(path.read_text())


def paper_pdf(tmp_path, paper):
    path = tmp_path / (re.sub(r"\W+", "-", paper["title"]) + ".pdf")
    weasyprint.HTML(string=f"<h1>{paper['title']}</h1><p>{paper['text']}</p>").write_pdf(path)
    return path


def save(page, button="Save"):
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")
    errors = page.locator(".invalid-feedback, .errorlist, #error-summary, .alert-danger")
    assert errors.count() == 0, errors.all_inner_texts()


def choose_option(page, select, text):
    """Pick the option whose label contains the text (labels carry numbers and indents)."""
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    page.locator(select).select_option(value=value)


def add_action(page, url, meeting, action):
    page.goto(f"{url}{reverse('meetings:action_create', args=[meeting.pk])}")
    if action["number"]:
        page.locator("#id_number").fill(str(action["number"]))
    page.locator("#id_description").fill(action["description"])
    page.locator("#id_owner_text").fill(action["owner_text"])
    page.locator("#id_target").fill(action["target"])
    save(page, "Save action")


def publish(page, url, meeting):
    page.goto(f"{url}{reverse('meetings:agenda_edit', args=[meeting.pk])}")
    page.get_by_role("button", name="Publish agenda").click()
    page.get_by_text("The agenda is published").wait_for()


def enter_case(page, url, case, tmp_path):
    """Everything a co-ordinator types for the case, through the browser's forms."""
    body = case["body"]
    page.goto(f"{url}{reverse('subgroups:body_create')}")
    page.locator("#id_name").fill(body["name"])
    page.locator("#id_short_name").fill(body["short_name"])
    page.locator("#id_kind").select_option(body["kind"])
    if body["continue_numbering"]:
        page.locator("#id_continue_numbering").check()
    save(page)
    board = Body.objects.get(name=body["name"])

    page.goto(f"{url}{reverse('meetings:venue_create')}")
    page.locator("#id_name").fill(case["venue"])
    save(page, "Save venue")

    previous = case["previous"]
    if previous:
        page.goto(f"{url}{reverse('meetings:meeting_create')}?body={board.pk}")
        page.locator("#id_date").fill(previous["date"])
        page.locator("#id_start_time").fill(previous["start_time"])
        save(page)
        earlier = Meeting.objects.get(body=board, date=previous["date"])
        # The earlier meeting's agenda is context, not the case: its items go in directly.
        for position in range(previous["items"]):
            AgendaItem.objects.create(meeting=earlier, title=f"Item {position}", position=position)
        publish(page, url, earlier)
        for action in previous["actions"]:
            add_action(page, url, earlier, action)
            number = action["number"]
            page.goto(f"{url}{reverse('meetings:action_list')}")
            row = page.get_by_role("row").filter(has_text=action["description"])
            row.get_by_role("link", name=re.compile(rf"Edit.*action {number}$")).click()
            page.locator("#id_status").select_option(label=action["status"])
            page.locator("#id_progress").fill(action["progress"])
            save(page, "Save action")
        # Members read the earlier meeting's actions once its minutes are circulated.
        page.goto(f"{url}{reverse('meetings:minutes_detail', args=[earlier.pk])}")
        page.get_by_role("button", name="Circulate the draft to members").click()
        page.get_by_text("The draft minutes are circulated").wait_for()

    meeting_spec = case["meeting"]
    page.goto(f"{url}{reverse('meetings:meeting_create')}?body={board.pk}")
    page.get_by_role("heading", name=f"New meeting of {body['name']}").wait_for()
    if previous and body["continue_numbering"]:
        assert page.locator("#id_number_from").input_value() == str(previous["items"] + 1)
    page.locator("#id_date").fill(meeting_spec["date"])
    page.locator("#id_start_time").fill(meeting_spec["start_time"])
    page.locator("#id_venue").select_option(label=case["venue"])
    page.locator("#id_contact_officer_new").fill(case["contact_officer"]["name"])
    page.locator("#id_contact_officer_new_organisation").fill(
        case["contact_officer"]["organisation"]
    )
    page.locator("#id_sub_numbering").select_option(label=meeting_spec["sub_numbering"])
    if meeting_spec["number_from"]:
        page.locator("#id_number_from").fill(str(meeting_spec["number_from"]))
    checkbox = page.get_by_label("Start the agenda with the standing items")
    if checkbox.count():
        checkbox.uncheck()
    save(page)
    meeting = Meeting.objects.get(body=board, date=meeting_spec["date"])

    for item in case["items"]:
        page.goto(f"{url}{reverse('meetings:item_create', args=[meeting.pk])}")
        page.locator("#id_title").fill(item["title"])
        page.locator("#id_kind").select_option(label=item["kind"])
        if item.get("time"):
            page.locator("#id_scheduled_time").fill(item["time"])
        if item.get("parent"):
            choose_option(page, "#id_parent", item["parent"])
        if item.get("presenter"):
            page.locator("#id_presenters_new").fill(item["presenter"]["name"])
            page.locator("#id_presenters_new_organisation").fill(item["presenter"]["organisation"])
        save(page, "Save item")

    for item in case["items"]:
        paper = item.get("paper")
        if not paper:
            continue
        page.goto(f"{url}{reverse('meetings:paper_create', args=[meeting.pk])}")
        page.locator("#id_title").fill(paper["title"])
        page.locator("#id_upload").set_input_files(paper_pdf(tmp_path, paper))
        page.locator("#div_id_items").get_by_label(item_label(item["title"])).check()
        save(page, "Save paper")

    publish(page, url, meeting)

    page.goto(f"{url}{reverse('meetings:meeting_detail', args=[meeting.pk])}")
    page.get_by_role("link", name="Record the meeting").click()
    for title, (note, decisions) in case["minutes"].items():
        label = page.locator("label", has_text=re.compile(re.escape(title) + ": note of the"))
        field = label.first.get_attribute("for")  # the rich-text editor stands over the textarea
        page.locator(f"#div_{field} .ProseMirror[contenteditable]").fill(note)
        page.get_by_label(re.compile(re.escape(title) + r": decisions\s*$")).fill(decisions)
    save(page)
    for action in case["actions"]:
        add_action(page, url, meeting, action)
    return meeting


@pytest.mark.parametrize("case_path", CASES, ids=[path.stem for path in CASES])
def test_another_boards_meeting_entered_and_read(
    case_path, page, live_server, sign_in, make_user, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page.set_default_timeout(20000)
    case = load_case(case_path)
    make_user("coordinator", COORDINATOR)
    make_user("member", MEMBER)
    sign_in(page, "coordinator", PASSWORD)
    meeting = enter_case(page, live_server.url, case, tmp_path)

    meeting.refresh_from_db()
    assert meeting.status == "published"
    assert meeting.contact_officer == Person.objects.get(name=case["contact_officer"]["name"])
    numbers = {
        action["number"] for action in case["actions"] + (case["previous"] or {}).get("actions", [])
    }
    logged = set(meeting.body.actions.values_list("number", flat=True))
    assert {n for n in numbers if n} <= logged

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "member", PASSWORD)
    page.goto(f"{live_server.url}{reverse('meetings:meeting_detail', args=[meeting.pk])}")
    page.get_by_role("heading", name=f"{case['body']['name']} Meeting").wait_for()
    lines = agenda_lines(page.content())
    # A line may run on into what the item holds (its description, the actions table).
    found = [
        expected
        for line in lines
        for expected in case["agenda_lines"]
        if line == expected or line.startswith(expected + " ")
    ]
    assert found == case["agenda_lines"], lines
    if case["matters_arising"]:
        # Once, under the first minutes item, however many minutes items the agenda has.
        assert page.locator("table.actions").count() == 1
        table = page.locator("table.actions").first.inner_text()
        for text in case["matters_arising"]:
            assert text in table

    version = PackVersion.objects.filter(meeting=meeting).order_by("-number").first()
    assert version is not None, "publishing issued no pack"
    response = page.request.get(
        f"{live_server.url}{reverse('meetings:pack_download', args=[meeting.pk])}"
    )
    assert response.status == 200
    text = " ".join(pdf_text(response.body()).split())
    assert case["body"]["name"] in text
    assert "West Kent" not in text
    date = datetime.date.fromisoformat(case["meeting"]["date"])
    assert f"{date:%A} {date.day} {date:%B %Y}" in text
    for line in case["agenda_lines"]:
        number, title = line.split(" ", 1)
        assert number in text and title.split(" (Paper")[0].split(" – ")[0] in text
    for item in case["items"]:
        if item.get("paper"):
            assert item["paper"]["text"] in text
    if case["matters_arising"]:
        for value in case["matters_arising"]:
            assert value in text
