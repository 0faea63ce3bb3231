"""The agenda editor in place, in Chromium: a file dropped on an item becomes its paper, an item
edited in its row, two co-ordinators adding at once (the second is told, nothing is lost), and
every action with JavaScript switched off."""

import base64
import io

import pikepdf
import pytest
from playwright.sync_api import expect

from meetings.models import AgendaItem, Paper
from tests.conftest import PASSWORD
from tests.factories import AgendaItemFactory, MeetingFactory, PersonFactory
from wkp.models import Person
from wkp.roles import COORDINATOR

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agenda(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user("coordinator", COORDINATOR)
    make_user("second", COORDINATOR)
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="Minutes", position=0)
    AgendaItemFactory(meeting=meeting, title="Transport", position=1)
    PersonFactory(name="Nick Chard")
    return meeting


def pdf_base64():
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return base64.b64encode(out.getvalue()).decode()


def row(page, title):
    return page.locator(
        "li.editor-item",
        has=page.locator(f"xpath=./div//span[@class='item-title' and text()=\"{title}\"]"),
    )


def count_loads(page):
    loads = []
    page.on("load", lambda _page: loads.append(1))
    return loads


DROP_JS = """([selector, data, name]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "application/pdf"}));
  const target = document.querySelector(selector);
  for (const type of ["dragenter", "dragover", "drop"]) {
    target.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                              cancelable: true}));
  }
}"""


def test_a_file_dropped_on_an_item_becomes_its_paper_at_once(page, live_server, sign_in, agenda):
    sign_in(page, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{agenda.pk}/agenda/")
    loads = count_loads(page)
    transport = AgendaItem.objects.get(title="Transport")

    page.evaluate(DROP_JS, [f"#item-{transport.pk} > .editor-row", pdf_base64(), "transport.pdf"])

    page.get_by_text("Paper A “Transport” added to “Transport”.").wait_for()
    expect(row(page, "Transport").locator("> div")).to_contain_text("(Paper A)")
    paper = Paper.objects.get()
    assert (paper.title, paper.letter, paper.file_kind, paper.file_name) == (
        "Transport",
        "A",
        "pdf",
        "transport.pdf",
    )
    assert list(paper.agenda_items.all()) == [transport]
    assert loads == []


def test_an_item_is_edited_in_its_row(page, live_server, sign_in, agenda):
    sign_in(page, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{agenda.pk}/agenda/")
    loads = count_loads(page)
    item = AgendaItem.objects.get(title="Transport")

    row(page, "Transport").locator("> div").get_by_role("link", name="Edit").click()
    form = page.get_by_role("form", name="Edit Transport")
    title = form.get_by_label("Title")
    expect(title).to_be_focused()
    title.fill("Presentation – ‘Towards 2010’")
    form.get_by_label("Time").fill("10:15")
    form.get_by_label("Kind").select_option(label="Presentation")
    chard = Person.objects.get(name="Nick Chard")
    form.get_by_label("Presenters (partner list)").select_option(value=str(chard.pk))
    form.get_by_role("button", name="Save").click()

    page.get_by_text("Item “Presentation – ‘Towards 2010’” saved.").wait_for()
    line = page.locator(f"#item-{item.pk} > .editor-row")
    expect(line).to_contain_text("10.15am Presentation – ‘Towards 2010’ – Nick Chard")
    expect(line.get_by_role("link", name="Edit")).to_be_focused()
    item.refresh_from_db()
    assert (item.title, item.kind, str(item.scheduled_time)) == (
        "Presentation – ‘Towards 2010’",
        "presentation",
        "10:15:00",
    )
    assert loads == []


def test_two_coordinators_adding_at_once_the_second_is_told_and_keeps_their_text(
    page, live_server, sign_in, agenda, browser
):
    sign_in(page, "coordinator", PASSWORD)
    editor = f"{live_server.url}/meetings/{agenda.pk}/agenda/"
    page.goto(editor)
    other_context = browser.new_context()
    other = other_context.new_page()
    try:
        sign_in(other, "second", PASSWORD)
        other.goto(editor)

        page.get_by_label("New item title").fill("First co-ordinator's item")
        page.get_by_label("New item title").press("Enter")
        page.get_by_text("Item “First co-ordinator's item” added.").wait_for()

        loads = count_loads(other)
        other.get_by_label("New item title").fill("Second co-ordinator's item")
        other.get_by_label("New item title").press("Enter")
        other.get_by_text("Someone else changed this agenda").wait_for()
        expect(other.get_by_label("New item title")).to_have_value("Second co-ordinator's item")
        expect(other.locator("#agenda-editor")).to_contain_text("First co-ordinator's item")
        assert not AgendaItem.objects.filter(title="Second co-ordinator's item").exists()

        other.get_by_label("New item title").press("Enter")
        other.get_by_text("Item “Second co-ordinator's item” added.").wait_for()
        assert loads == []
    finally:
        other_context.close()
    titles = list(AgendaItem.objects.order_by("position").values_list("title", flat=True))
    assert set(titles) == {
        "Minutes",
        "Transport",
        "First co-ordinator's item",
        "Second co-ordinator's item",
    }


def test_every_editor_action_works_in_chromium_with_javascript_off(
    browser, live_server, sign_in, agenda, tmp_path
):
    """The same rows and buttons, each a plain form or link: a page load instead of a swap."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, "coordinator", PASSWORD)
        editor = f"{live_server.url}/meetings/{agenda.pk}/agenda/"
        page.goto(editor)

        # Add after the last item, then a sub-item under it, then one level up.
        form = page.locator("#add-row form")
        form.get_by_label("New item title").fill("Sub group updates")
        form.get_by_label("New item title").press("Enter")
        page.get_by_text("Item “Sub group updates” added.").wait_for()
        form = page.locator("#add-row form")
        form.get_by_label("New item title").fill("Housing")
        form.get_by_role("button", name="Add as sub-item").click()
        page.get_by_text("Item “Housing” added.").wait_for()
        form = page.locator("#add-row form")
        form.get_by_label("New item title").fill("Any other business")
        form.get_by_role("button", name="Add one level up").click()
        page.get_by_text("Item “Any other business” added.").wait_for()

        # Edit in the row.
        row(page, "Housing").locator("> div").get_by_role("link", name="Edit").click()
        edit = page.get_by_role("form", name="Edit Housing")
        edit.get_by_label("Title").fill("Housing sub-group")
        edit.get_by_role("button", name="Save").click()
        page.get_by_text("Item “Housing sub-group” saved.").wait_for()

        # Add paper on the row: an upload titled after the item.
        row(page, "Transport").locator("> div").get_by_role("link", name="Add paper").click()
        panel = page.locator("form.paper-panel")
        expect(panel.get_by_label("Paper title")).to_have_value("Transport")
        pdf = pikepdf.new()
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(tmp_path / "transport.pdf")
        panel.get_by_label("Upload a PDF or Word (.docx) file").set_input_files(
            tmp_path / "transport.pdf"
        )
        panel.get_by_role("button", name="Add paper").click()
        page.get_by_text("Paper A “Transport” added to “Transport”.").wait_for()
        expect(row(page, "Transport").locator("> div")).to_contain_text("(Paper A)")

        # Move, indent, outdent, delete, restore and undo.
        for button, message in [
            ("Move down", "Item “Minutes” moved."),
            ("Indent", "Item “Minutes” moved."),
            ("Outdent", "Item “Minutes” moved."),
            ("Delete", "Item “Minutes” deleted."),
        ]:
            row(page, "Minutes").locator("> div").get_by_role("button", name=button).click()
            page.get_by_text(message).wait_for()
        page.get_by_role("button", name="Restore item Minutes").click()
        page.get_by_text("Item “Minutes” restored.").wait_for()
        page.get_by_role("button", name="Undo the last change").click()
        page.get_by_text("Last change undone (“Minutes”)").wait_for()
        assert AgendaItem.objects.get(title="Minutes").deleted_at is not None
        assert [p.title for p in Paper.objects.all()] == ["Transport"]
    finally:
        context.close()
