"""Two co-ordinators on one agenda and one paper: no silent overwrites, every write in history,
deleted papers restorable.

Editors act as the views do: each write loads the rows afresh and passes the version the editor
saw when they last opened the page. A write on a stale version must be refused and change
nothing; a write on the current version must succeed and move the version on by exactly one.
"""

import random
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from meetings import services
from meetings.models import AgendaItem, Meeting, Paper
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory

INTERLEAVINGS = 100
STEPS = 6


def snapshot(meeting_pk):
    items = tuple(
        AgendaItem.objects.filter(meeting_id=meeting_pk)
        .order_by("pk")
        .values_list("pk", "title", "parent_id", "position", "deleted_at")
    )
    papers = tuple(
        Paper.objects.filter(meeting_id=meeting_pk)
        .order_by("pk")
        .values_list("pk", "title", "letter", "version", "deleted_at")
    )
    return items, papers


class Editor:
    def __init__(self, name, meeting_pk, paper_pk):
        self.name, self.meeting_pk, self.paper_pk = name, meeting_pk, paper_pk
        self.open()

    def open(self):
        self.meeting_version = Meeting.objects.get(pk=self.meeting_pk).version
        self.paper_version = Paper.objects.get(pk=self.paper_pk).version
        self.tree = list(
            AgendaItem.objects.live()
            .filter(meeting_id=self.meeting_pk)
            .order_by("parent_id", "position")
            .values_list("pk", "parent_id")
        )


def live_items(meeting_pk):
    return list(AgendaItem.objects.live().filter(meeting_id=meeting_pk).order_by("pk"))


def write(editor, action, rng):
    """Perform one write as the views would; return the kind of version the write used."""
    meeting = Meeting.objects.get(pk=editor.meeting_pk)
    items = live_items(editor.meeting_pk)
    if action == "add":
        services.add_item(meeting, version=editor.meeting_version, title=f"{editor.name} new")
    elif action == "edit":
        services.update_item(
            rng.choice(items), version=editor.meeting_version, title=f"{editor.name} edit"
        )
    elif action == "move":
        services.move_item(
            rng.choice(items),
            version=editor.meeting_version,
            direction=rng.choice(["up", "down", "indent", "outdent"]),
        )
    elif action == "delete":
        services.delete_item(rng.choice(items), version=editor.meeting_version)
    elif action == "reorder":
        tree = list(editor.tree)
        rng.shuffle(tree)
        flat = [(pk, None) for pk, _ in tree]
        services.reorder_agenda(meeting, version=editor.meeting_version, tree=flat)
    elif action == "paper":
        paper = Paper.objects.get(pk=editor.paper_pk)  # the view's fresh instance
        if paper.version != editor.paper_version:  # PaperForm.clean refuses a stale form
            raise services.ConcurrentEdit("stale paper form")
        paper.title = f"{editor.name} paper"
        services.save_paper(paper, version=editor.paper_version)


def versions(editor):
    return (
        Meeting.objects.get(pk=editor.meeting_pk).version,
        Paper.objects.get(pk=editor.paper_pk).version,
    )


@pytest.mark.django_db
def test_random_interleavings_of_two_editors_never_overwrite_silently():
    rng = random.Random(20060714)
    meeting = MeetingFactory()
    for position in range(5):
        AgendaItemFactory(meeting=meeting, title=f"Item {position}", position=position)
    paper = PaperFactory(meeting=meeting, title="Shared paper")
    silent, refused, applied = [], 0, 0
    for run in range(INTERLEAVINGS):
        editors = [Editor("A", meeting.pk, paper.pk), Editor("B", meeting.pk, paper.pk)]
        for step in range(STEPS):
            editor = rng.choice(editors)
            if rng.random() < 0.2:
                editor.open()
                continue
            action = rng.choice(["add", "edit", "move", "delete", "reorder", "paper"])
            if action == "delete" and len(live_items(meeting.pk)) < 4:
                action = "add"
            before_state = snapshot(meeting.pk)
            meeting_before, paper_before = versions(editor)
            uses = "paper" if action == "paper" else "meeting"
            stale = (
                editor.paper_version != paper_before
                if uses == "paper"
                else editor.meeting_version != meeting_before
            )
            try:
                write(editor, action, rng)
            except services.ConcurrentEdit:
                refused += 1
                if not stale:
                    silent.append((run, step, action, "refused a current version"))
                if snapshot(meeting.pk) != before_state:
                    silent.append((run, step, action, "a refused write changed rows"))
                continue
            except ValidationError:
                # A move that is impossible (top item up): refused, nothing changed.
                if snapshot(meeting.pk) != before_state:
                    silent.append((run, step, action, "an invalid write changed rows"))
                continue
            applied += 1
            if stale:
                silent.append((run, step, action, "a stale version was applied"))
            meeting_after, paper_after = versions(editor)
            if uses == "meeting":
                assert meeting_after == meeting_before + 1
            else:
                assert paper_after == paper_before + 1
            editor.open()  # the page reloads after a successful save
    assert silent == []
    assert refused >= 50 and applied >= 50


def test_the_interleaving_count_meets_the_brief():
    assert INTERLEAVINGS >= 100


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locking")
def test_two_simultaneous_saves_on_one_version_let_exactly_one_through():
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Shared")
    winners_per_round = []
    for round_number in range(20):
        version = Meeting.objects.get(pk=meeting.pk).version
        barrier = threading.Barrier(2)
        outcomes = []

        def save(
            name, version=version, barrier=barrier, outcomes=outcomes, round_number=round_number
        ):
            from django.db import connections

            try:
                barrier.wait()
                fresh = AgendaItem.objects.get(pk=item.pk)
                services.update_item(fresh, version=version, title=f"{name} {round_number}")
                outcomes.append(name)
            except services.ConcurrentEdit:
                pass
            finally:
                connections.close_all()

        threads = [threading.Thread(target=save, args=(name,)) for name in ("A", "B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners_per_round.append(len(outcomes))
        assert AgendaItem.objects.get(pk=item.pk).title == f"{outcomes[0]} {round_number}"
    assert winners_per_round == [1] * 20


@pytest.mark.django_db
def test_every_agenda_write_path_leaves_history(coordinator):
    meeting = MeetingFactory()
    items = [AgendaItemFactory(meeting=meeting, position=n) for n in range(4)]
    paper = PaperFactory(meeting=meeting, title="P")

    def count():
        return (
            AgendaItem.history.filter(meeting_id=meeting.pk).count(),
            Paper.history.filter(meeting_id=meeting.pk).count(),
            Meeting.history.filter(id=meeting.pk).count(),
        )

    def version():
        return Meeting.objects.get(pk=meeting.pk).version

    steps = [
        ("add", lambda: services.add_item(meeting, version=version(), title="New")),
        ("update", lambda: services.update_item(items[0], version=version(), title="Changed")),
        ("move", lambda: services.move_item(items[1], version=version(), direction="up")),
        ("indent", lambda: services.move_item(items[2], version=version(), direction="indent")),
        ("delete", lambda: services.delete_item(items[3], version=version())),
        ("restore", lambda: services.restore_item(items[3], version=version())),
        (
            "bulk reorder",
            lambda: services.reorder_agenda(
                meeting,
                version=version(),
                tree=[(i.pk, None) for i in reversed(live_items(meeting.pk))],
            ),
        ),
        ("save paper", lambda: services.save_paper(paper, version=paper.version, by=coordinator)),
        ("delete paper", lambda: services.delete_paper(paper, by=coordinator)),
        ("restore paper", lambda: services.restore_paper(paper, by=coordinator)),
        ("publish", lambda: services.publish_agenda(meeting, version=version(), by=coordinator)),
    ]
    missing = []
    for name, action in steps:
        before = count()
        action()
        after = count()
        if not any(a > b for a, b in zip(after, before, strict=True)):
            missing.append(name)
    assert missing == []


@pytest.mark.django_db
def test_a_bulk_reorder_records_every_moved_item(coordinator):
    meeting = MeetingFactory()
    items = [AgendaItemFactory(meeting=meeting, position=n) for n in range(6)]
    before = {i.pk: i.history.count() for i in items}
    services.reorder_agenda(
        meeting,
        version=meeting.version,
        tree=[(i.pk, None) for i in reversed(items)],
    )
    moved = [i for i in items if i.history.count() > before[i.pk]]
    assert len(moved) == 6


@pytest.mark.django_db
def test_a_deleted_paper_is_restored_whole_through_the_views(
    coordinator_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting)
    paper = PaperFactory(meeting=meeting, title="Keep me", body_html="<p>Body text</p>")
    item.papers.add(paper)
    response = coordinator_client.post(reverse("meetings:paper_delete", args=[paper.pk]))
    assert response.status_code == 302
    assert not Paper.objects.live().filter(pk=paper.pk).exists()
    editor = coordinator_client.get(reverse("meetings:agenda_edit", args=[meeting.pk]))
    assert "Keep me" in editor.content.decode()
    response = coordinator_client.post(reverse("meetings:paper_restore", args=[paper.pk]))
    assert response.status_code == 302
    restored = Paper.objects.live().get(pk=paper.pk)
    assert (restored.title, restored.body_html) == ("Keep me", "<p>Body text</p>")
    assert list(restored.agenda_items.values_list("pk", flat=True)) == [item.pk]
    assert restored.history.count() >= 3
