import pytest
from django.core.exceptions import ValidationError

from meetings import services
from meetings.agenda import load_agenda, paper_reference
from meetings.models import AgendaItem, Paper, letter_for
from tests.factories import MeetingFactory, PaperFactory

pytestmark = pytest.mark.django_db


def add(meeting, title, parent=None, papers=()):
    return services.add_item(
        meeting,
        version=meeting.version,
        parent=parent,
        paper_ids=[p.pk for p in papers],
        title=title,
    )


def letters(meeting):
    return dict(Paper.objects.live().filter(meeting=meeting).values_list("title", "letter"))


def test_letter_for_runs_past_z():
    assert [letter_for(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA",
    ]  # fmt: skip


def test_papers_are_lettered_in_agenda_order():
    meeting = MeetingFactory()
    first, second, third = (PaperFactory(meeting=meeting, title=t) for t in ("x", "y", "z"))
    add(meeting, "Report", papers=[second])
    parent = add(meeting, "Updates")
    add(meeting, "Housing", parent=parent, papers=[third, first])

    assert letters(meeting) == {"y": "A", "z": "B", "x": "C"}


def test_inserting_an_item_reletters_a_draft():
    meeting = MeetingFactory()
    late, early = (
        PaperFactory(meeting=meeting, title="late"),
        PaperFactory(meeting=meeting, title="early"),
    )
    add(meeting, "Second", papers=[late])
    assert letters(meeting) == {"late": "A", "early": "B"}

    item = add(meeting, "First", papers=[early])
    services.move_item(item, version=meeting.version, direction="up")

    assert letters(meeting) == {"early": "A", "late": "B"}


def test_letters_are_fixed_after_publishing_and_a_late_paper_takes_the_next_letter():
    meeting = MeetingFactory()
    a, b = PaperFactory(meeting=meeting, title="a"), PaperFactory(meeting=meeting, title="b")
    add(meeting, "One", papers=[a])
    add(meeting, "Two", papers=[b])
    services.publish_agenda(meeting, version=meeting.version, by="test")
    meeting.refresh_from_db()

    late = services.save_paper(Paper(meeting=meeting, title="late"))
    item = add(meeting, "Zero", papers=[late])
    services.move_item(item, version=meeting.version, direction="up")
    services.move_item(item, version=meeting.version, direction="up")

    assert letters(meeting) == {"a": "A", "b": "B", "late": "C"}


def test_a_deleted_papers_letter_is_not_reused_after_publishing():
    meeting = MeetingFactory()
    a, b = PaperFactory(meeting=meeting, title="a"), PaperFactory(meeting=meeting, title="b")
    add(meeting, "One", papers=[a, b])
    services.publish_agenda(meeting, version=meeting.version, by="test")
    meeting.refresh_from_db()
    services.delete_paper(b)

    late = services.save_paper(Paper(meeting=meeting, title="late"))

    assert late.letter == "C"


def test_publishing_twice_is_refused():
    meeting = MeetingFactory()
    services.publish_agenda(meeting, version=meeting.version, by="test")
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="already published"):
        services.publish_agenda(meeting, version=meeting.version, by="test")


def test_numbering_starts_at_the_meetings_offset_and_sub_items_can_be_decimal():
    meeting = MeetingFactory(number_from=7, sub_numbering="decimal")
    top = add(meeting, "Minutes")
    child = add(meeting, "AIF", parent=top)
    add(meeting, "Adult", parent=child)
    add(meeting, "AOB")

    nodes, _ = load_agenda(meeting)

    assert [n.number for n in nodes] == ["7", "8"]
    assert nodes[0].children[0].number == "7.1"
    assert nodes[0].children[0].children[0].number == "7.1.1"


def test_bulleted_sub_items_have_no_number():
    meeting = MeetingFactory()
    top = add(meeting, "Minutes")
    add(meeting, "AIF", parent=top)
    nodes, _ = load_agenda(meeting)
    assert nodes[0].number == "1"
    assert nodes[0].children[0].number == ""


def test_a_fourth_level_is_refused():
    meeting = MeetingFactory()
    one = add(meeting, "1")
    two = add(meeting, "2", parent=one)
    three = add(meeting, "3", parent=two)
    with pytest.raises(ValidationError, match="at most 3 levels"):
        add(meeting, "4", parent=three)
    meeting.refresh_from_db()
    sibling = add(meeting, "3b", parent=two)
    with pytest.raises(ValidationError, match="at most 3 levels"):
        services.move_item(sibling, version=meeting.version, direction="indent")
    assert AgendaItem.objects.filter(meeting=meeting).count() == 4


def test_indent_and_outdent_move_an_item_between_levels():
    meeting = MeetingFactory()
    first = add(meeting, "First")
    second = add(meeting, "Second")
    services.move_item(second, version=meeting.version, direction="indent")
    second.refresh_from_db()
    assert second.parent_id == first.pk

    services.move_item(second, version=meeting.version, direction="outdent")
    second.refresh_from_db()
    assert second.parent_id is None
    nodes, _ = load_agenda(meeting)
    assert [n.item.title for n in nodes] == ["First", "Second"]


def test_restore_after_delete_brings_back_the_item_and_its_papers_letters():
    meeting = MeetingFactory()
    paper = PaperFactory(meeting=meeting, title="p")
    item = add(meeting, "With paper", papers=[paper])
    other = PaperFactory(meeting=meeting, title="q")
    add(meeting, "Other", papers=[other])
    services.delete_item(item, version=meeting.version)
    assert letters(meeting) == {"q": "A", "p": "B"}

    services.restore_item(item, version=meeting.version)
    nodes, _ = load_agenda(meeting)
    assert [n.item.title for n in nodes] == ["Other", "With paper"]
    assert item.history.count() >= 3


def test_deleted_paper_can_be_restored():
    meeting = MeetingFactory()
    paper = PaperFactory(meeting=meeting, title="p")
    add(meeting, "Item", papers=[paper])
    services.delete_paper(paper)
    assert letters(meeting) == {}
    services.restore_paper(paper)
    assert letters(meeting) == {"p": "A"}


def test_a_stale_version_is_refused_and_nothing_changes():
    meeting = MeetingFactory()
    stale = meeting.version
    add(meeting, "Saved by the first co-ordinator")
    with pytest.raises(services.ConcurrentEdit, match="Someone else changed this agenda"):
        services.add_item(meeting, version=stale, title="From a stale page")
    assert list(AgendaItem.objects.values_list("title", flat=True)) == [
        "Saved by the first co-ordinator"
    ]


def test_reorder_applies_a_whole_tree_and_refuses_a_fourth_level():
    meeting = MeetingFactory()
    a, b, c, d = (add(meeting, t) for t in "abcd")
    services.reorder_agenda(
        meeting,
        version=meeting.version,
        tree=[(b.pk, None), (a.pk, b.pk), (c.pk, a.pk), (d.pk, None)],
    )
    nodes, _ = load_agenda(meeting)
    assert [n.item.title for n in nodes] == ["b", "d"]
    assert nodes[0].children[0].children[0].item.title == "c"
    with pytest.raises(ValidationError, match="at most 3 levels"):
        services.reorder_agenda(
            meeting,
            version=meeting.version,
            tree=[(b.pk, None), (a.pk, b.pk), (c.pk, a.pk), (d.pk, c.pk)],
        )


def test_paper_reference_reads_like_the_seed():
    meeting = MeetingFactory()
    e = PaperFactory(meeting=meeting, letter="E")
    f = PaperFactory(meeting=meeting, letter="F")
    h = PaperFactory(meeting=meeting, letter="H", status="to_follow")
    k = PaperFactory(
        meeting=meeting, letter="K", attachment_note="separate Choosing Health attachment"
    )
    assert paper_reference([e, f]) == "Papers E & F"
    assert paper_reference([h]) == "Paper H to follow"
    assert paper_reference([k]) == "Paper K – separate Choosing Health attachment"
