"""The co-ordinator re-creates the 14 July 2006 agenda in Chromium; a member then reads it."""

import datetime

import pikepdf
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from meetings.models import Meeting, Paper, Venue
from subgroups.models import Body
from tests.conftest import PASSWORD
from tests.meetings.test_views import SEED_AGENDA, agenda_lines

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The agenda in the order a co-ordinator types it. Each step: title, the button that adds it
# ("same": Enter; "under": Add as sub-item; "up": Add one level up), kind (None: what the row
# offers already), presenter, and its paper: (paper title, how) with how "upload", "to follow",
# "separate" (an upload circulated separately) or "note:<attachment note>" (an upload with a note).
ENTRY = [
    ("Minutes/Matters Arising", "same", "Standing item", None, None),
    ("AIF", "under", "Discussion", None, None),
    ("Bid appraisal – Ssky Project", "same", None, None, None),
    ("Consultation response – Kent Prospects", "same", None, None, None),
    ("Presentation – ‘Towards 2010’", "up", "Presentation", "Nick Chard",
     ("Towards 2010", "to follow")),
    ("Co-ordinator's report", "same", None, None, ("Co-ordinator's Report", "upload")),
    ("Financial Report", "under", None, None, None),
    ("Conference", "same", None, None, None),
    ("Bid Appraisal", "same", None, None, None),
    ("Annual Community plan and CDRP updates", "up", None, None, None),
    ("Tunbridge Wells Borough Council CDRP", "under", None, None,
     ("Tunbridge Wells Community Safety Partnership – Annual Report", "upload")),
    ("Tonbridge & Malling Borough Council CDRP", "same", None, None,
     ("Tonbridge & Malling CDRP – End of Year Report 2005/6", "upload")),
    ("Sevenoaks District Council Community Plan and CDRP", "same", None, None,
     ("Sevenoaks District Community Plan", "separate")),
    ("Presentation – Kent Agreement and new structures Kent wide", "up", "Presentation",
     "Richard Spoerry", None),
    ("Sub group updates", "same", None, None, None),
    ("Business Development", "under", None, None, ("Business Development sub group", "upload")),
    ("Learning and Skills", "same", None, None, ("Learning and Skills sub group", "to follow")),
    ("Adult", "under", None, None, None),
    ("14-19", "same", None, None, None),
    ("Housing", "up", None, None, ("Housing Sub Group", "upload")),
    ("Transport", "same", None, None, ("Transport Sub-Group Update", "upload")),
    ("Health", "same", None, None,
     ("Health sub group", "note:separate Choosing Health attachment")),
    ("Any other business", "up", "Any other business", None, None),
    ("Dates of next meetings", "same", "Dates of next meetings", None, None),
]  # fmt: skip
# A second paper on an item goes on through "Add paper" on the item's row.
SECOND_PAPERS = {
    "Sevenoaks District Council Community Plan and CDRP": (
        "Sevenoaks District Community Safety Partnership – 2005-2006 Progress"
    ),
}
PAPER_TITLES = [
    "Towards 2010",
    "Co-ordinator's Report",
    "Tunbridge Wells Community Safety Partnership – Annual Report",
    "Tonbridge & Malling CDRP – End of Year Report 2005/6",
    "Sevenoaks District Community Plan",
    "Sevenoaks District Community Safety Partnership – 2005-2006 Progress",
    "Business Development sub group",
    "Learning and Skills sub group",
    "Housing Sub Group",
    "Transport Sub-Group Update",
    "Health sub group",
]

# The same agenda through the full-page forms this editor replaces, as the journey test before
# it entered it: each paper on its own page, then each item with its kind, parent, presenter and
# papers chosen in the "Add an item" form below the agenda. Counted by `before_totals`.
OLD_PAPERS = [
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
OLD_ITEMS = [
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


def pdf_file(tmp_path, name="paper.pdf"):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    path = tmp_path / name
    pdf.save(path)
    return path


def editor_row(page, title):
    return page.locator(
        "li.editor-item",
        has=page.locator(f"xpath=./div//span[@class='item-title' and text()=\"{title}\"]"),
    )


class Tally:
    """What the co-ordinator does: actions (a click, Enter, a choice in a list, a tick, a file
    chosen or dropped), fields typed in (the words themselves are not counted as actions) and
    page loads (every full load of a page in the tab)."""

    def __init__(self, page):
        self.actions = self.fields = self.page_loads = 0
        page.on("load", lambda _page: self._load())

    def _load(self):
        self.page_loads += 1

    def act(self, n=1):
        self.actions += n

    def typed(self, n=1):
        self.fields += n

    def snapshot(self):
        return (self.actions, self.fields, self.page_loads)


def before_totals():
    """The old full-page forms, counted with the same rules as `Tally` (uploads for the same
    nine papers as today's run, "to follow" for A and H)."""
    actions = fields = loads = 0
    for title, status, separate, note in OLD_PAPERS:
        actions += 1  # "Add a paper" (a page load)
        fields += 1 + bool(note)
        actions += status != "Available"  # the status list
        actions += separate  # the "separate attachment" box
        actions += status == "Available"  # the file chosen
        actions += 1  # "Save paper" (a page load back to the editor)
        loads += 2
        assert title in PAPER_TITLES
    for _title, kind, parent, presenters, papers in OLD_ITEMS:
        fields += 1
        actions += (kind != "Report") + bool(parent) + len(presenters) + len(papers)
        actions += 1  # "Add item" (a page load)
        loads += 1
    # "Health" and "Any other business" were entered out of place there and moved after; here
    # they are counted as if entered in place.
    return {"actions": actions, "fields": fields, "page_loads": loads}


def test_coordinator_enters_the_july_2006_agenda_at_word_processor_speed(
    page, live_server, sign_in, world, tmp_path, settings
):
    """The whole agenda with Papers A–K, counted: a plain item or sub-item is one action and no
    page load; an item with its uploaded paper at most three actions and no page load."""
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
    meeting = Meeting.objects.get(date=datetime.date(2006, 7, 14))

    tally = Tally(page)
    page.get_by_label("New item title").click()  # the only click to start typing
    tally.act()
    per_item = []
    for index, (title, placement, kind, presenter, paper) in enumerate(ENTRY):
        before = tally.snapshot()
        form = page.locator("#add-row form")
        title_box = form.get_by_label("New item title")
        expect(title_box).to_be_focused()  # the keyboard focus waits in the new row
        expect(title_box).to_be_in_viewport()  # and the page is scrolled to it
        page.keyboard.type(title)
        tally.typed()
        if kind:
            form.get_by_label("Kind").select_option(label=kind)
            tally.act()
        if presenter:
            form.get_by_label("Presenters (partner list)").select_option(label=presenter)
            tally.act()
        if paper:
            paper_title, how = paper
            form.get_by_label("Paper title, if not the item's").fill(paper_title)
            tally.typed()
            if how == "to follow":
                form.get_by_label("Paper to follow").check()
                tally.act()
            else:
                form.get_by_label("PDF or Word (.docx) file").set_input_files(
                    pdf_file(tmp_path, f"paper-{index}.pdf")
                )
                tally.act()
            if how == "separate":
                form.get_by_label("Separate attachment").check()
                tally.act()
            if how.startswith("note:"):
                form.get_by_label("Attachment note").fill(how.removeprefix("note:"))
                tally.typed()
        if placement == "same":
            title_box.press("Enter")
        else:
            button = {"under": "Add as sub-item", "up": "Add one level up"}[placement]
            form.get_by_role("button", name=button).click()
        tally.act()
        page.locator("#workspace .messages").get_by_text(f"Item “{title}” added").wait_for()
        assert page.locator(".alert-danger").count() == 0
        if title in SECOND_PAPERS:
            row = editor_row(page, title)
            row.locator("> div").get_by_role("link", name="Add paper").click()
            tally.act()
            panel = row.locator("form.paper-panel")
            panel.get_by_label("Paper title").fill(SECOND_PAPERS[title])
            tally.typed()
            panel.get_by_label("Upload a PDF or Word (.docx) file").set_input_files(
                pdf_file(tmp_path, "second.pdf")
            )
            tally.act()
            panel.get_by_role("button", name="Add paper").click()
            tally.act()
            page.locator("#workspace .messages").get_by_text("added to").wait_for()
        after = tally.snapshot()
        per_item.append((title, *(b - a for a, b in zip(before, after, strict=True))))

    entered = tally.snapshot()
    for title, _actions, _fields, loads in per_item:
        assert loads == 0, title
    plain = [
        row
        for row, (_t, _p, kind, presenter, paper) in zip(per_item, ENTRY, strict=True)
        if not (kind or presenter or paper)
    ]
    assert plain and all(actions == 1 for _title, actions, _f, _l in plain), plain
    with_upload = [
        row
        for row, entry in zip(per_item, ENTRY, strict=True)
        if entry[4]
        and entry[4][1] != "to follow"
        and not entry[2]
        and entry[0] not in SECOND_PAPERS
    ]
    assert with_upload and all(actions <= 3 for _t, actions, _f, _l in with_upload), with_upload
    assert entered[2] == 0, "no page load while entering the agenda"

    # Move buttons and drag and drop stay, in place too: Housing moves down below Transport,
    # then Transport is dragged back below Housing.
    editor_row(page, "Housing").locator("> div").get_by_role("button", name="Move down").click()
    page.locator("#workspace .messages").get_by_text("Item “Housing” moved.").wait_for()
    expect(
        editor_row(page, "Housing").locator("> div").get_by_role("button", name="Move down")
    ).to_be_focused()
    titles = page.locator("#agenda-editor .item-title")
    expect(titles.nth(19)).to_have_text("Transport")
    handle = editor_row(page, "Transport").locator("> div .drag-handle")
    target = editor_row(page, "Housing").locator("> div")
    handle.hover()
    box = target.bounding_box()
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] * 0.8, steps=12)
    page.mouse.move(box["x"] + 60, box["y"] + box["height"] * 0.9, steps=6)
    page.mouse.up()
    status = page.locator("#reorder-status")
    expect(status).not_to_have_text("Saving the new order…")
    expect(status).to_have_text("New order saved.")
    expect(titles.nth(19)).to_have_text("Housing")
    expect(titles.nth(20)).to_have_text("Transport")
    assert tally.page_loads == 0

    print(
        f"\n14 July 2006 agenda, {len(ENTRY)} items and 11 papers entered: "
        f"{entered[0]} actions, {entered[1]} fields typed, {entered[2]} page loads "
        f"(before: {before_totals()})"
    )
    for title, actions, fields, loads in per_item:
        print(f"  {actions} action(s), {fields} field(s), {loads} page load(s): {title}")

    page.get_by_role("button", name="Publish agenda").click()
    page.get_by_text("The agenda is published").wait_for()
    meeting.refresh_from_db()
    assert meeting.status == "published"
    letters = dict(Paper.objects.filter(meeting=meeting).values_list("title", "letter"))
    assert [letters[title] for title in PAPER_TITLES] == list("ABCDEFGHIJK")
    assert Paper.objects.get(title="Sevenoaks District Community Plan").separate_attachment
    assert Paper.objects.filter(meeting=meeting, file_kind="pdf").count() == 9

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "member", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    lines = agenda_lines(page.content())
    expected = [
        line.replace("Nick Chard (Paper A)", "Nick Chard (Paper A to follow)")
        for line in SEED_AGENDA
    ]
    assert lines == expected, "\n".join(lines)
