"""The agenda editor's in-place actions, each through plain HTML (no JavaScript: the test client
posts the same forms a browser without scripts would), and the same URLs answered for htmx."""

import datetime
import io
import re

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.models import AgendaItem, Meeting, Paper
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]
HTMX = {"HTTP_HX_REQUEST": "true"}


def pdf_upload(name="paper.pdf"):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def post_row_paper(client, item_pk, meeting_version, **fields):
    """The "Add paper" form on an item's row, posted (field names without the "paper-")."""
    data = {"paper-meeting_version": meeting_version}
    data.update({f"paper-{name}": value for name, value in fields.items()})
    return client.post(reverse("meetings:item_paper_add", args=[item_pk]), data)


def editor(meeting):
    return reverse("meetings:agenda_edit", args=[meeting.pk])


def titles(meeting):
    """The agenda as (depth, title) in order."""
    items = list(AgendaItem.objects.live().filter(meeting=meeting))
    children = {}
    for item in sorted(items, key=lambda i: (i.position, i.pk)):
        children.setdefault(item.parent_id, []).append(item)
    out = []

    def visit(parent, depth):
        for item in children.get(parent, []):
            out.append((depth, item.title))
            visit(item.pk, depth + 1)

    visit(None, 1)
    return out


def add(client, meeting, title, placement="same", parent=None, after=None, **extra):
    meeting.refresh_from_db()
    data = {
        "new-version": meeting.version,
        "new-title": title,
        "new-kind": "report",
        "new-parent": parent.pk if parent else "",
        "new-after": after.pk if after else "",
        "new-placement": placement,
        **extra,
    }
    return client.post(reverse("meetings:item_add", args=[meeting.pk]), data)


def test_add_item_after_an_item_without_javascript(coordinator_client):
    meeting = MeetingFactory()
    first = AgendaItemFactory(meeting=meeting, title="First", position=0)
    AgendaItemFactory(meeting=meeting, title="Last", position=1)

    response = add(coordinator_client, meeting, "Between", after=first)

    new = AgendaItem.objects.get(title="Between")
    assert response.status_code == 302
    assert response["Location"] == f"{editor(meeting)}?add_after={new.pk}"
    assert titles(meeting) == [(1, "First"), (1, "Between"), (1, "Last")]
    page = coordinator_client.get(response["Location"]).text
    assert "Item “Between” added." in page
    row = page.index('id="add-row"')
    assert page.index(f'id="item-{new.pk}"') < row < page.index("Last</span>"), (
        "the next new item is offered straight after the one just added"
    )
    assert f'name="new-after" value="{new.pk}"' in page


def test_add_sub_item_under_an_item_without_javascript(coordinator_client):
    meeting = MeetingFactory()
    top = AgendaItemFactory(meeting=meeting, title="Sub group updates", position=0)
    AgendaItemFactory(meeting=meeting, title="AOB", position=1)

    page = coordinator_client.get(editor(meeting), {"add_under": top.pk}).text
    assert f'name="new-parent" value="{top.pk}"' in page
    add(coordinator_client, meeting, "Housing", parent=top)
    housing = AgendaItem.objects.get(title="Housing")
    add(coordinator_client, meeting, "Transport", parent=top, after=housing)
    # "Add as sub-item" from the row after an item makes it that item's child.
    add(coordinator_client, meeting, "Buses", placement="under", parent=top, after=housing)
    # "Add one level up" returns to the parent's level, straight after the parent.
    transport = AgendaItem.objects.get(title="Transport")
    add(coordinator_client, meeting, "Health", placement="up", parent=top, after=transport)

    assert titles(meeting) == [
        (1, "Sub group updates"),
        (2, "Housing"),
        (3, "Buses"),
        (2, "Transport"),
        (1, "Health"),
        (1, "AOB"),
    ]


def test_a_fourth_level_is_refused_with_a_message_and_the_title_kept(coordinator_client):
    meeting = MeetingFactory()
    one = AgendaItemFactory(meeting=meeting, title="One")
    two = AgendaItemFactory(meeting=meeting, title="Two", parent=one)
    three = AgendaItemFactory(meeting=meeting, title="Three", parent=two)
    response = add(coordinator_client, meeting, "Four", placement="under", parent=two, after=three)
    assert response.status_code == 409
    assert "at most 3 levels" in response.text
    assert 'value="Four"' in response.text
    assert not AgendaItem.objects.filter(title="Four").exists()


def test_a_stale_add_is_refused_and_the_typed_item_kept(coordinator_client):
    meeting = MeetingFactory()
    stale_version = meeting.version
    Meeting.objects.filter(pk=meeting.pk).update(version=stale_version + 1)
    response = coordinator_client.post(
        reverse("meetings:item_add", args=[meeting.pk]),
        {"new-version": stale_version, "new-title": "My careful title", "new-kind": "report"},
    )
    assert response.status_code == 409
    assert "Someone else changed this agenda" in response.text
    assert 'value="My careful title"' in response.text, "nothing typed is lost"
    assert f'name="new-version" value="{stale_version + 1}"' in response.text
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize("field", ["parent", "after"])
@pytest.mark.parametrize("value", ["²", "9" * 5000, "abc", "-1"])
def test_an_add_row_placed_at_no_item_is_refused_with_a_message(coordinator_client, field, value):
    """A superscript two is a digit to str.isdigit() but not to int(), and int() refuses 5,000
    digits: placing the refused row again failed (500) before the editor could say why."""
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="First")

    response = coordinator_client.post(
        reverse("meetings:item_add", args=[meeting.pk]),
        {
            "new-version": meeting.version,
            "new-title": "Kept",
            "new-kind": "report",
            f"new-{field}": value,
        },
    )

    where = {"parent": "under", "after": "after"}[field]
    message = f"The item to add this {where} is not on this agenda: reload the page and try again."
    assert response.status_code == 400
    assert response.context["new_form"].errors == {field: [message]}
    assert message in response.text
    assert 'value="Kept"' in response.text
    assert list(AgendaItem.objects.values_list("title", flat=True)) == ["First"]


def test_an_empty_title_is_refused_with_a_message(coordinator_client):
    meeting = MeetingFactory()
    response = add(coordinator_client, meeting, "")
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not AgendaItem.objects.exists()


def test_edit_title_time_kind_and_presenters_in_place_without_javascript(coordinator_client):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Presentaton", kind="report")
    paper = PaperFactory(meeting=meeting, title="Slides")
    item.paper_links.create(paper=paper)
    chard = PersonFactory(name="Nick Chard")

    page = coordinator_client.get(editor(meeting), {"edit": item.pk}).text
    assert f'action="{reverse("meetings:item_row_save", args=[item.pk])}"' in page
    assert 'value="Presentaton"' in page
    response = coordinator_client.post(
        reverse("meetings:item_row_save", args=[item.pk]),
        {
            f"item{item.pk}-version": meeting.version,
            f"item{item.pk}-title": "Presentation – ‘Towards 2010’",
            f"item{item.pk}-kind": "presentation",
            f"item{item.pk}-scheduled_time": "10:15",
            f"item{item.pk}-presenters": [chard.pk],
            f"item{item.pk}-presenters_text": "",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Presentation – ‘Towards 2010’"
    assert (item.kind, item.scheduled_time) == ("presentation", datetime.time(10, 15))
    assert list(item.presenters.all()) == [chard]
    assert list(item.paper_links.values_list("paper_id", flat=True)) == [paper.pk], (
        "editing the row keeps the item's papers"
    )


def test_a_row_saved_unchanged_changes_nothing(coordinator_client):
    """Opened with Edit and saved as it was (as the browser sends it): no save, no new agenda
    version, no history, no change notice for members."""
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(
        meeting=meeting, title="Bid appraisal", kind="report", scheduled_time="10:15"
    )
    item.presenters.add(PersonFactory(name="Nick Chard"))
    meeting.refresh_from_db()
    history = item.history.count()
    page = coordinator_client.get(editor(meeting), {"edit": item.pk}).text
    sent = dict(re.findall(r'<input[^>]* name="(item\d+-[^"]+)"[^>]* value="([^"]*)"', page))
    assert sent[f"item{item.pk}-scheduled_time"] == "10:15"
    sent[f"item{item.pk}-kind"] = "report"
    sent[f"item{item.pk}-presenters"] = [str(p.pk) for p in item.presenters.all()]

    response = coordinator_client.post(
        reverse("meetings:item_row_save", args=[item.pk]), sent, follow=True
    )
    assert "Nothing was changed, so nothing was saved." in response.text
    assert Meeting.objects.get(pk=meeting.pk).version == meeting.version
    assert item.history.count() == history


def test_a_stale_row_edit_is_refused_and_the_typed_title_kept(coordinator_client):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Original")
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    response = coordinator_client.post(
        reverse("meetings:item_row_save", args=[item.pk]),
        {
            f"item{item.pk}-version": meeting.version,
            f"item{item.pk}-title": "Mine",
            f"item{item.pk}-kind": "report",
        },
    )
    assert response.status_code == 409
    assert "Someone else changed this agenda" in response.text
    assert 'value="Mine"' in response.text
    item.refresh_from_db()
    assert item.title == "Original"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("up", [(1, "B"), (1, "A"), (1, "C")]),
        ("down", [(1, "A"), (1, "C"), (1, "B")]),
        ("indent", [(1, "A"), (2, "B"), (1, "C")]),
        ("delete", [(1, "A"), (1, "C")]),
    ],
)
def test_move_indent_and_delete_without_javascript(coordinator_client, action, expected):
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="A", position=0)
    b = AgendaItemFactory(meeting=meeting, title="B", position=1)
    AgendaItemFactory(meeting=meeting, title="C", position=2)
    response = coordinator_client.post(
        reverse("meetings:item_action", args=[b.pk, action]), {"version": meeting.version}
    )
    assert response.status_code == 302
    assert titles(meeting) == expected


def test_outdent_and_restore_without_javascript(coordinator_client):
    meeting = MeetingFactory()
    a = AgendaItemFactory(meeting=meeting, title="A", position=0)
    b = AgendaItemFactory(meeting=meeting, title="B", parent=a)
    coordinator_client.post(
        reverse("meetings:item_action", args=[b.pk, "outdent"]), {"version": meeting.version}
    )
    assert titles(meeting) == [(1, "A"), (1, "B")]
    meeting.refresh_from_db()
    coordinator_client.post(
        reverse("meetings:item_action", args=[b.pk, "delete"]), {"version": meeting.version}
    )
    meeting.refresh_from_db()
    coordinator_client.post(
        reverse("meetings:item_action", args=[b.pk, "restore"]), {"version": meeting.version}
    )
    assert titles(meeting) == [(1, "A"), (1, "B")]


def test_add_paper_on_a_row_offers_the_items_title_and_upload_without_javascript(
    coordinator_client,
):
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="Minutes", position=0)
    item = AgendaItemFactory(meeting=meeting, title="Co-ordinator's report", position=1)

    page = coordinator_client.get(editor(meeting), {"paper_for": item.pk}).text
    assert 'name="paper-title" id="id_paper-title" value="Co-ordinator&#x27;s report"' in page
    assert 'name="paper-upload"' in page and "To follow" in page
    assert f"{reverse('meetings:paper_create', args=[meeting.pk])}?item={item.pk}" in page

    response = post_row_paper(
        coordinator_client,
        item.pk,
        meeting.version,
        title="Co-ordinator's report",
        upload=pdf_upload(),
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert (paper.letter, paper.status, paper.file_kind) == ("A", "available", "pdf")
    assert list(paper.agenda_items.all()) == [item]
    page = coordinator_client.get(response["Location"]).text
    assert "Paper A “Co-ordinator&#x27;s report” added" in page
    assert "(Paper A)" in page, "the letter shows in the row at once"


def test_add_paper_to_follow_from_a_row_without_javascript(coordinator_client):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Towards 2010")
    response = post_row_paper(
        coordinator_client, item.pk, meeting.version, title="", to_follow="on"
    )
    assert response.status_code == 400, "a paper needs a title"
    response = post_row_paper(
        coordinator_client, item.pk, meeting.version, title="Towards 2010", to_follow="on"
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert (paper.status, paper.letter) == ("to_follow", "A")
    page = coordinator_client.get(response["Location"]).text
    assert "(Paper A to follow)" in page


@pytest.mark.parametrize(
    ("fields", "stale", "status", "message"),
    [
        pytest.param({}, False, 400, "Choose a file to upload or tick “To follow”", id="no-file"),
        pytest.param(
            {"upload": b"<script>alert(1)</script>"},
            False,
            400,
            'id="paper-upload-error"',
            id="bad-file",
        ),
        pytest.param(
            {"to_follow": "on"}, True, 409, "Someone else changed this agenda", id="stale"
        ),
    ],
)
def test_a_paper_from_a_row_is_refused_with_a_message(
    coordinator_client, fields, stale, status, message
):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Report")
    if stale:
        Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    if "upload" in fields:
        fields = {**fields, "upload": SimpleUploadedFile("x.pdf", fields["upload"])}
    response = post_row_paper(
        coordinator_client, item.pk, meeting.version, title="Report", **fields
    )
    assert response.status_code == status
    assert message in response.text
    assert not Paper.objects.exists()


def test_type_the_paper_opens_the_paper_form_for_the_item(coordinator_client):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Housing")
    page = coordinator_client.get(
        reverse("meetings:paper_create", args=[meeting.pk]), {"item": item.pk}
    ).text
    assert 'name="title" value="Housing"' in page
    (box,) = re.findall(r'<input[^>]*name="items"[^>]*>', page)
    assert f'value="{item.pk}"' in box and "checked" in box


def test_htmx_requests_get_the_workspace_alone(coordinator_client):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Only item")
    full = coordinator_client.get(editor(meeting))
    part = coordinator_client.get(editor(meeting), {"edit": item.pk}, **HTMX)
    assert "<html" in full.text and 'id="workspace"' in full.text
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<div id="workspace"')
    assert "<html" not in part.text
    stale = coordinator_client.post(
        reverse("meetings:item_add", args=[meeting.pk]),
        {"new-version": meeting.version - 1, "new-title": "Late", "new-kind": "report"},
        **HTMX,
    )
    assert stale.status_code == 409
    assert stale.text.lstrip().startswith('<div id="workspace"')
    assert "Someone else changed this agenda" in stale.text


def test_members_cannot_use_the_inline_editor(member_client):
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting)
    for url in (
        reverse("meetings:item_add", args=[meeting.pk]),
        reverse("meetings:item_row_save", args=[item.pk]),
        reverse("meetings:item_paper_add", args=[item.pk]),
    ):
        assert member_client.post(url, {"new-title": "x"}).status_code == 403, url
    assert AgendaItem.objects.count() == 1


def test_an_item_and_its_uploaded_paper_in_one_step_without_javascript(coordinator_client):
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="Minutes", position=0)
    response = add(
        coordinator_client,
        meeting,
        "Transport",
        **{"new-paper_upload": pdf_upload(), "new-paper_title": "Transport Sub-Group Update"},
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert (paper.title, paper.letter, paper.file_kind) == (
        "Transport Sub-Group Update",
        "A",
        "pdf",
    )
    assert [i.title for i in paper.agenda_items.all()] == ["Transport"]
    page = coordinator_client.get(response["Location"]).text
    assert "Item “Transport” added with Paper A." in page
    add(coordinator_client, meeting, "Learning and Skills", **{"new-paper_to_follow": "on"})
    paper = Paper.objects.get(title="Learning and Skills")
    assert (paper.status, paper.letter) == ("to_follow", "B")


def test_an_items_word_paper_is_stored_checked_with_its_content_as_the_paper_form_stores_it(
    coordinator_client,
):
    from tests.security.badfiles import docx

    meeting = MeetingFactory()
    upload = SimpleUploadedFile("Transport update.docx", docx())
    response = add(coordinator_client, meeting, "Transport", **{"new-paper_upload": upload})
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert (paper.file_kind, paper.file_name) == ("docx", "Transport update.docx")
    assert paper.file_checked_at is not None
    assert "Hello" in paper.file_html


def test_an_item_with_a_bad_file_is_not_added_and_the_reason_shown(coordinator_client):
    meeting = MeetingFactory()
    response = add(
        coordinator_client,
        meeting,
        "Transport",
        **{"new-paper_upload": SimpleUploadedFile("t.pdf", b"MZ\x90\x00 not a pdf")},
    )
    assert response.status_code == 400
    assert 'id="new-upload-error"' in response.text
    assert 'value="Transport"' in response.text
    assert not AgendaItem.objects.exists() and not Paper.objects.exists()


def agenda_tree(meeting):
    return titles(meeting)


def test_copy_a_previous_agenda_whole_or_only_its_standing_items(coordinator_client):
    old = MeetingFactory(date=datetime.date(2006, 7, 14))
    minutes = AgendaItemFactory(
        meeting=old, title="Minutes/Matters Arising", kind="standing", position=0
    )
    AgendaItemFactory(meeting=old, title="AIF", kind="discussion", parent=minutes, position=0)
    talk = AgendaItemFactory(meeting=old, title="Towards 2010", kind="presentation", position=1)
    talk.presenters.add(PersonFactory(name="Nick Chard"))
    AgendaItemFactory(meeting=old, title="Any other business", kind="aob", position=2)
    new = MeetingFactory(date=datetime.date(2006, 10, 20))
    url = reverse("meetings:agenda_copy", args=[new.pk])

    page = coordinator_client.get(editor(new)).text
    assert "Friday 14 July 2006" in page and "Only standing items" in page
    response = coordinator_client.post(
        url, {"copy-version": new.version, "copy-source": old.pk, "copy-what": "standing"}
    )
    assert response.status_code == 302
    assert titles(new) == [(1, "Minutes/Matters Arising"), (1, "Any other business")]

    new.refresh_from_db()
    response = coordinator_client.post(
        url, {"copy-version": new.version, "copy-source": old.pk, "copy-what": "all"}, follow=True
    )
    assert "4 items copied from the agenda of Friday 14 July 2006" in response.text
    assert titles(new)[2:] == [
        (1, "Minutes/Matters Arising"),
        (2, "AIF"),
        (1, "Towards 2010"),
        (1, "Any other business"),
    ]
    copied = AgendaItem.objects.get(meeting=new, title="Towards 2010")
    assert [p.name for p in copied.presenters.all()] == ["Nick Chard"]
    assert titles(old) == [
        (1, "Minutes/Matters Arising"),
        (2, "AIF"),
        (1, "Towards 2010"),
        (1, "Any other business"),
    ], "the source is untouched"


def test_a_stale_copy_is_refused(coordinator_client):
    old = MeetingFactory(date=datetime.date(2006, 7, 14))
    AgendaItemFactory(meeting=old, title="Minutes")
    new = MeetingFactory(date=datetime.date(2006, 10, 20))
    response = coordinator_client.post(
        reverse("meetings:agenda_copy", args=[new.pk]),
        {"copy-version": new.version - 1, "copy-source": old.pk, "copy-what": "all"},
        follow=True,
    )
    assert "Someone else changed this agenda" in response.text
    assert titles(new) == []


def undo(client, meeting):
    meeting.refresh_from_db()
    return client.post(
        reverse("meetings:agenda_undo", args=[meeting.pk]), {"version": meeting.version}
    )


def test_undo_the_last_change_from_the_editor(coordinator_client):
    meeting = MeetingFactory()
    add(coordinator_client, meeting, "First")
    first = AgendaItem.objects.get(title="First")
    add(coordinator_client, meeting, "Second", after=first)
    second = AgendaItem.objects.get(title="Second")
    page = coordinator_client.get(editor(meeting)).text
    assert "Undo the last change" in page

    # Undo an indent, then an edit, then an add; and undo again to redo.
    meeting.refresh_from_db()
    coordinator_client.post(
        reverse("meetings:item_action", args=[second.pk, "indent"]), {"version": meeting.version}
    )
    assert titles(meeting) == [(1, "First"), (2, "Second")]
    response = undo(coordinator_client, meeting)
    assert response.status_code == 302
    assert titles(meeting) == [(1, "First"), (1, "Second")]

    meeting.refresh_from_db()
    coordinator_client.post(
        reverse("meetings:item_row_save", args=[first.pk]),
        {f"item{first.pk}-version": meeting.version, f"item{first.pk}-title": "Renamed",
         f"item{first.pk}-kind": "report"},
    )  # fmt: skip
    assert titles(meeting)[0] == (1, "Renamed")
    undo(coordinator_client, meeting)
    assert titles(meeting)[0] == (1, "First")

    add(coordinator_client, meeting, "Third", after=second)
    assert [t for _d, t in titles(meeting)] == ["First", "Second", "Third"]
    response = undo(coordinator_client, meeting)
    assert [t for _d, t in titles(meeting)] == ["First", "Second"]
    page = coordinator_client.get(response["Location"]).text
    assert "Last change undone (“Third”). Undo again to redo it." in page
    undo(coordinator_client, meeting)
    assert [t for _d, t in titles(meeting)] == ["First", "Second", "Third"]


def test_undo_with_a_stale_page_is_refused(coordinator_client):
    meeting = MeetingFactory()
    add(coordinator_client, meeting, "Only")
    response = coordinator_client.post(
        reverse("meetings:agenda_undo", args=[meeting.pk]), {"version": 0}, follow=True
    )
    assert "Someone else changed this agenda" in response.text
    assert titles(meeting) == [(1, "Only")]


def test_undo_with_nothing_to_undo_says_so(coordinator_client):
    meeting = MeetingFactory()
    response = undo(coordinator_client, meeting)
    page = coordinator_client.get(response["Location"]).text
    assert "There is no change to undo." in page
