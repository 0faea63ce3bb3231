"""The co-ordinator re-creates the 14 July 2006 agenda in Chromium; a member then reads it."""

import datetime
import re

import pikepdf
import pytest
from django.core.management import call_command

from meetings.models import Meeting, Paper, Venue
from subgroups.models import Body
from tests.conftest import PASSWORD
from tests.meetings.test_views import SEED_AGENDA, agenda_lines

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAPERS = [
    # title, status, separate attachment, note
    ("Towards 2010", "To follow", False, ""),
    ("Co-ordinator's Report", "Available", False, ""),
    ("Tunbridge Wells Community Safety Partnership – Annual Report", "Available", False, ""),
    ("Tonbridge & Malling CDRP – End of Year Report 2005/6", "Available", False, ""),
    ("Sevenoaks District Community Plan", "Available", True, ""),
    (
        "Sevenoaks District Community Safety Partnership – 2005-2006 Progress",
        "Available",
        False,
        "",
    ),
    ("Business Development sub group", "Available", False, ""),
    ("Learning and Skills sub group", "To follow", False, ""),
    ("Housing Sub Group", "Available", False, ""),
    ("Transport Sub-Group Update", "Available", False, ""),
    ("Health sub group", "Available", False, "separate Choosing Health attachment"),
]

# title, kind, parent title, presenters (partner list), papers (titles)
ITEMS = [
    ("Minutes/Matters Arising", "Standing item", None, [], []),
    ("AIF", "Discussion", "Minutes/Matters Arising", [], []),
    ("Bid appraisal – Ssky Project", "Discussion", "Minutes/Matters Arising", [], []),
    ("Consultation response – Kent Prospects", "Discussion", "Minutes/Matters Arising", [], []),
    ("Presentation – ‘Towards 2010’", "Presentation", None, ["Nick Chard"], ["Towards 2010"]),
    ("Co-ordinator's report", "Report", None, [], ["Co-ordinator's Report"]),
    ("Financial Report", "Report", "Co-ordinator's report", [], []),
    ("Conference", "Report", "Co-ordinator's report", [], []),
    ("Bid Appraisal", "Report", "Co-ordinator's report", [], []),
    ("Annual Community plan and CDRP updates", "Report", None, [], []),
    ("Tunbridge Wells Borough Council CDRP", "Report", "Annual Community plan and CDRP updates",
     [], ["Tunbridge Wells Community Safety Partnership – Annual Report"]),
    ("Tonbridge & Malling Borough Council CDRP", "Report", "Annual Community plan and CDRP updates",
     [], ["Tonbridge & Malling CDRP – End of Year Report 2005/6"]),
    ("Sevenoaks District Council Community Plan and CDRP", "Report",
     "Annual Community plan and CDRP updates", [],
     ["Sevenoaks District Community Plan",
      "Sevenoaks District Community Safety Partnership – 2005-2006 Progress"]),
    # Added out of place on purpose: it is moved into place with the buttons below.
    ("Any other business", "Any other business", None, [], []),
    ("Presentation – Kent Agreement and new structures Kent wide", "Presentation", None,
     ["Richard Spoerry"], []),
    ("Sub group updates", "Report", None, [], []),
    ("Business Development", "Report", "Sub group updates", [], ["Business Development sub group"]),
    ("Learning and Skills", "Report", "Sub group updates", [], ["Learning and Skills sub group"]),
    ("Adult", "Report", "Learning and Skills", [], []),
    ("14-19", "Report", "Learning and Skills", [], []),
    ("Housing", "Report", "Sub group updates", [], ["Housing Sub Group"]),
    ("Transport", "Report", "Sub group updates", [], ["Transport Sub-Group Update"]),
    # Added at the top level on purpose: it is dragged under "Sub group updates" below.
    ("Health", "Report", None, [], ["Health sub group"]),
    ("Dates of next meetings", "Dates of next meetings", None, [], []),
]  # fmt: skip

LATER_MEETINGS = [
    # date, body, start, venue, note, replaces
    ("2006-09-27", "conference", "09:30", "The River Centre, Tonbridge", "conference", None),
    ("2006-10-20", "board", "10:00", "Kings Hill Conference Centre", "", None),
    ("2007-01-18", "board", None, None, "", None),
    ("2007-04-26", "board", None, None, "", None),
    ("2007-07-19", "board", None, None, "", None),
    ("2007-10-25", "board", None, None, "", "2007-10-18"),
]


@pytest.fixture
def world(make_user):
    call_command("loaddata", "fixtures/00_partners.json", verbosity=0)
    board = Body.objects.create(name="West Kent Partnership", kind="board")
    event = Body.objects.create(name="WKP business conference", kind="event", parent=board)
    kings_hill = Venue.objects.create(name="Kings Hill Conference Centre")
    Venue.objects.create(name="The River Centre, Tonbridge")
    for date, body, start, venue, note, replaces in LATER_MEETINGS:
        Meeting.objects.create(
            body=event if body == "conference" else board,
            date=date,
            start_time=start,
            venue=Venue.objects.get(name=venue) if venue else None,
            note=note,
            replaces_date=replaces,
        )
    make_user("coordinator", "Co-ordinator")
    make_user("member", "Member")
    return {"board": board, "kings_hill": kings_hill}


def pdf_file(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    path = tmp_path / "towards-2010.pdf"
    pdf.save(path)
    return path


def editor_row(page, title):
    return page.locator(
        "li.editor-item",
        has=page.locator(f"xpath=./div//span[@class='item-title' and text()=\"{title}\"]"),
    )


def test_coordinator_recreates_the_july_2006_agenda_and_a_member_reads_it(
    page, live_server, sign_in, world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page.set_default_timeout(15000)
    sign_in(page, "coordinator", PASSWORD)

    page.goto(f"{live_server.url}/meetings/new/")
    page.locator("#id_body").select_option(label="West Kent Partnership")
    page.locator("#id_date").fill("2006-07-14")
    page.locator("#id_start_time").fill("10:00")
    page.locator("#id_venue").select_option(label="Kings Hill Conference Centre")
    page.get_by_label("Start the agenda with the standing items").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/agenda/")
    editor_url = page.url
    meeting = Meeting.objects.get(date=datetime.date(2006, 7, 14))

    for index, (title, status, separate, note) in enumerate(PAPERS):
        page.get_by_role("link", name="Add a paper").click()
        page.locator("#id_title").fill(title)
        page.locator("#id_status").select_option(label=status)
        if separate:
            page.locator("#id_separate_attachment").check()
        if note:
            page.locator("#id_attachment_note").fill(note)
        if index == 0:
            page.locator("#id_upload").set_input_files(pdf_file(tmp_path))
        page.get_by_role("button", name="Save paper").click()
        page.wait_for_url(editor_url)
    towards = Paper.objects.get(title="Towards 2010")
    assert (towards.file_kind, towards.page_count) == ("pdf", 1)

    for title, kind, parent, presenters, papers in ITEMS:
        form = page.locator("form", has=page.get_by_role("button", name="Add item"))
        form.locator("#id_title").fill(title)
        form.locator("#id_kind").select_option(label=kind)
        if parent:
            form.locator("#id_parent").select_option(label=parent)
        if presenters:
            form.locator("#id_presenters").select_option(label=presenters)
        for paper in papers:
            form.get_by_label(re.compile(re.escape(paper) + r"\s*$")).check()
        form.get_by_role("button", name="Add item").click()
        page.wait_for_url(editor_url)
        assert page.locator(".alert-danger").count() == 0, page.locator(
            ".alert-danger"
        ).inner_text()

    # Reorder with the buttons (no mouse needed): "Any other business" moves down twice.
    for _ in range(2):
        row = editor_row(page, "Any other business")
        row.locator("> div").get_by_role("button", name="Move down").click()
        page.wait_for_url(editor_url + "*")
    # Reorder by drag and drop: "Health" goes to the end of the sub-group updates.
    page.goto(editor_url)
    handle = editor_row(page, "Health").locator("> div .drag-handle")
    target = editor_row(page, "Transport").locator("> div")
    target.scroll_into_view_if_needed()
    handle.hover()
    box = target.bounding_box()
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] * 0.8, steps=12)
    page.mouse.move(box["x"] + 60, box["y"] + box["height"] * 0.9, steps=6)
    # The editor reloads itself 200 ms after saving: wait for that reload, not a fixed time.
    with page.expect_navigation():
        page.mouse.up()
        page.get_by_text("New order saved.").wait_for()
    page.goto(editor_url)

    page.get_by_role("button", name="Publish agenda").click()
    page.get_by_text("The agenda is published").wait_for()
    meeting.refresh_from_db()
    assert meeting.status == "published"
    letters = dict(Paper.objects.filter(meeting=meeting).values_list("title", "letter"))
    assert [letters[title] for title, *_ in PAPERS] == list("ABCDEFGHIJK")

    # Paper A arrives later; its letter stays.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "member", PASSWORD)
    page.get_by_role("link", name="Meetings").click()
    row = page.get_by_role("row").filter(has_text="Friday 14 July 2006")
    row.get_by_role("link", name="West Kent Partnership Meeting").click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/")
    lines = agenda_lines(page.content())
    expected = [
        line.replace("Nick Chard (Paper A)", "Nick Chard (Paper A to follow)")
        for line in SEED_AGENDA
    ]
    assert lines == expected, "\n".join(lines)
