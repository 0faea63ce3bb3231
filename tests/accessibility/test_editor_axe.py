"""axe-core on the agenda editor's in-place rows and on the rich-text editor, open: 0 A/AA."""

import pytest

from meetings.models import AgendaItem, Paper
from tests.accessibility.conftest import axe_violations, describe
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agenda_editor_rows_open_have_no_violations(page, live_server, sign_in, roles, demo):
    sign_in(page, "coordinator", PASSWORD)
    item = AgendaItem.objects.filter(meeting=demo, parent=None).first()
    editor = f"{live_server.url}/meetings/{demo.pk}/agenda/"
    for state in ("", f"?add_after={item.pk}", f"?edit={item.pk}", f"?paper_for={item.pk}"):
        page.goto(editor + state)
        violations = axe_violations(page)
        assert violations == [], f"{state or 'editor'}:\n{describe(violations)}"


@pytest.mark.parametrize(
    "path",
    [
        "/meetings/{meeting}/papers/new/",
        "/meetings/items/{item}/edit/",
        "/meetings/{meeting}/minutes/edit/",
        "/meetings/papers/{paper}/edit/",
    ],
)
def test_rich_text_editor_open_has_no_violations(page, live_server, sign_in, roles, demo, path):
    sign_in(page, "coordinator", PASSWORD)
    item = AgendaItem.objects.filter(meeting=demo).first()
    paper = Paper.objects.filter(meeting=demo, body_html__contains="<a ").first()
    page.goto(live_server.url + path.format(meeting=demo.pk, item=item.pk, paper=paper.pk))
    editable = page.locator(".ProseMirror[contenteditable]").first
    editable.wait_for()
    editable.click()
    page.keyboard.type("Typed in the editor")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_greyed_toolbar_commands_say_they_are_unavailable(page, live_server, sign_in, roles, demo):
    """Undo is greyed until something is typed: a screen reader hears it as unavailable, and
    the greyed button counts as an inactive control, not as text of too low contrast."""
    sign_in(page, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{demo.pk}/papers/new/")
    editable = page.locator(".ProseMirror[contenteditable]").first
    editable.wait_for()
    undo = page.locator(".prose-menubar__button[data-name='history:undo']").first
    assert "disabled" in undo.get_attribute("class")
    assert undo.get_attribute("aria-disabled") == "true"
    editable.click()
    page.keyboard.type("Typed")
    page.wait_for_function(
        "() => !document.querySelector(\".prose-menubar__button[data-name='history:undo']\")"
        ".hasAttribute('aria-disabled')"
    )
    assert "disabled" not in undo.get_attribute("class")
