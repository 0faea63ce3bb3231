"""Workflows that change a meeting's agenda and papers.

Every change to an agenda goes through `claim_version`, so two co-ordinators editing the same
meeting never overwrite each other: the second one is told the agenda changed under them.
"""

import contextvars
import dataclasses
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from wkp.pdf import PdfRenderError

from .agenda import load_agenda, papers_in_agenda_order
from .models import (
    MAX_AGENDA_DEPTH,
    Action,
    AgendaItem,
    AgendaItemPaper,
    Meeting,
    MinuteEntry,
    Minutes,
    MinutesAmendment,
    PackVersion,
    Paper,
    index_of_letter,
    letter_for,
)
from .notices import record_notice
from .pack import build_pack, gather_pack, paper_pdf, supplement_pdf
from .papers import finance_html
from .tasks import request_pack_build

logger = logging.getLogger(__name__)

CONFLICT_MESSAGE = (
    "Someone else changed this agenda since you opened it. Your change was not saved: "
    "the page now shows the latest version, please make your change again."
)


class ConcurrentEdit(Exception):
    pass


PAPER_CONFLICT = (
    "Someone else changed this paper since you opened it. Your change was not saved: the form "
    "now shows the latest version."
)
MINUTES_CONFLICT = (
    "Someone else changed these minutes since you opened them. Your change was not saved: "
    "the page now shows the latest version."
)


def _claim(instance, expected_version, message):
    """Atomically move a versioned row to its next version, or refuse if it moved on already.

    The editor's form carries the version it was opened at; a stale one means someone else
    saved in between, and nothing is written.
    """
    try:
        expected = int(expected_version)
    except (TypeError, ValueError) as error:
        raise ConcurrentEdit(message) from error
    model = type(instance)
    if not model.objects.filter(pk=instance.pk, version=expected).update(version=F("version") + 1):
        raise ConcurrentEdit(message)
    instance.version = expected + 1


# The agenda change under way in this context: (meeting id, tag). Its items' history rows carry
# the tag as their change reason, so "Undo" knows which rows make up the last change.
current_change = contextvars.ContextVar("current_agenda_change", default=None)


def claim_version(meeting, expected_version):
    """Claim the next version of a meeting's agenda (see `_claim`)."""
    _claim(meeting, expected_version, CONFLICT_MESSAGE)
    current_change.set((meeting.pk, f"Agenda version {meeting.version}"))
    transaction.on_commit(lambda: current_change.set(None))


def tag_agenda_history(sender, history_instance, **kwargs):
    """simple-history's pre-create hook: stamp an item's history row with the change it is part
    of (see `current_change`); connected in apps.py."""
    change = current_change.get()
    if change and history_instance.meeting_id == change[0]:
        history_instance.history_change_reason = (
            history_instance.history_change_reason or (change[1])
        )


def touch_meeting(meeting):
    """Move the meeting to its next version after a change made outside the agenda editor."""
    Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)
    meeting.refresh_from_db(fields=["version"])


def _siblings(item):
    return list(
        AgendaItem.objects.live()
        .filter(meeting_id=item.meeting_id, parent_id=item.parent_id)
        .order_by("position", "pk")
    )


def _renumber(siblings):
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])


def _subtree_height(item):
    """1 for a leaf, 2 for an item with children, 3 with grandchildren."""
    children = list(AgendaItem.objects.live().filter(parent=item))
    return 1 + max((_subtree_height(child) for child in children), default=0)


def _check_depth(parent, item=None):
    depth = parent.depth() + 1 if parent else 1
    height = _subtree_height(item) if item and item.pk else 1
    if depth + height - 1 > MAX_AGENDA_DEPTH:
        raise ValidationError(
            f"An agenda has at most {MAX_AGENDA_DEPTH} levels: this would make a fourth."
        )


@transaction.atomic
def add_item(meeting, *, version, parent=None, after=None, presenters=(), paper_ids=(), **fields):
    """Add an item under `parent`: straight after its sibling `after`, or else at the end."""
    claim_version(meeting, version)
    if parent is not None and parent.meeting_id != meeting.pk:
        raise ValidationError("The parent item belongs to another meeting.")
    _check_depth(parent)
    siblings = list(
        AgendaItem.objects.live().filter(meeting=meeting, parent=parent).order_by("position", "pk")
    )
    at = len(siblings)
    if after is not None:
        at = next((i + 1 for i, s in enumerate(siblings) if s.pk == after.pk), None)
        if at is None:
            raise ValidationError(
                "The item to add after has moved; the page now shows the latest agenda."
            )
    item = AgendaItem.objects.create(meeting=meeting, parent=parent, position=at, **fields)
    siblings.insert(at, item)
    _renumber(siblings)
    item.presenters.set(presenters)
    set_item_papers(item, paper_ids)
    reletter_papers(meeting)
    return item


@transaction.atomic
def update_item(item, *, version, presenters=(), paper_ids=(), **fields):
    claim_version(item.meeting, version)
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    item.presenters.set(presenters)
    set_item_papers(item, paper_ids)
    reletter_papers(item.meeting)
    return item


def set_item_papers(item, paper_ids):
    """Attach exactly these papers to the item, keeping the order of those already attached."""
    wanted = [int(pk) for pk in paper_ids]
    valid = set(
        Paper.objects.live()
        .filter(meeting_id=item.meeting_id, pk__in=wanted)
        .values_list("pk", flat=True)
    )
    if set(wanted) - valid:
        raise ValidationError("A chosen paper does not belong to this meeting.")
    AgendaItemPaper.objects.filter(item=item).exclude(paper_id__in=wanted).delete()
    existing = set(AgendaItemPaper.objects.filter(item=item).values_list("paper_id", flat=True))
    for pk in wanted:
        if pk not in existing:
            AgendaItemPaper.objects.create(item=item, paper_id=pk)


@transaction.atomic
def move_item(item, *, version, direction):
    """Move an item up or down among its siblings, or indent/outdent it."""
    meeting = item.meeting
    claim_version(meeting, version)
    siblings = _siblings(item)
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    if direction in {"up", "down"}:
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(siblings):
            raise ValidationError(f"“{item.title}” cannot move further {direction}.")
        siblings[index], siblings[target] = siblings[target], siblings[index]
        _renumber(siblings)
    elif direction == "indent":
        if index == 0:
            raise ValidationError(
                f"“{item.title}” has no item above it at its level to become a sub-item of."
            )
        new_parent = siblings[index - 1]
        _check_depth(new_parent, item)
        item.parent = new_parent
        item.position = AgendaItem.objects.live().filter(parent=new_parent).count()
        item.save(update_fields=["parent", "position"])
        _renumber([s for s in siblings if s.pk != item.pk])
    elif direction == "outdent":
        if item.parent_id is None:
            raise ValidationError(f"“{item.title}” is already a top-level item.")
        old_parent = item.parent
        new_siblings = _siblings(old_parent)
        at = next(i for i, s in enumerate(new_siblings) if s.pk == old_parent.pk) + 1
        item.parent = old_parent.parent
        item.save(update_fields=["parent"])
        new_siblings.insert(at, item)
        _renumber(new_siblings)
        _renumber([s for s in siblings if s.pk != item.pk])
    else:
        raise ValidationError("Unknown move.")
    reletter_papers(meeting)


@transaction.atomic
def reorder_agenda(meeting, *, version, tree):
    """Apply a whole new order from drag and drop: `tree` is a list of (item id, parent id)."""
    claim_version(meeting, version)
    items = {item.pk: item for item in AgendaItem.objects.live().filter(meeting=meeting)}
    seen = set()
    positions = {}
    new_parent = {}
    for item_id, parent_id in tree:
        if item_id not in items or (parent_id is not None and parent_id not in items):
            raise ValidationError("The new order names an item that is not on this agenda.")
        if item_id in seen:
            raise ValidationError("The new order names an item twice.")
        seen.add(item_id)
        new_parent[item_id] = parent_id
        positions[item_id] = sum(1 for other in new_parent.values() if other == parent_id) - 1
    if seen != set(items):
        raise ValidationError("The new order leaves out some items; please reload the page.")
    for item_id in items:
        depth, node = 1, item_id
        while new_parent[node] is not None:
            node = new_parent[node]
            depth += 1
            if depth > MAX_AGENDA_DEPTH:
                raise ValidationError(
                    f"An agenda has at most {MAX_AGENDA_DEPTH} levels: this would make a fourth."
                )
    for item_id, item in items.items():
        if item.parent_id != new_parent[item_id] or item.position != positions[item_id]:
            item.parent_id = new_parent[item_id]
            item.position = positions[item_id]
            item.save(update_fields=["parent", "position"])
    reletter_papers(meeting)


@transaction.atomic
def delete_item(item, *, version):
    claim_version(item.meeting, version)
    item.deleted_at = timezone.now()
    item.save(update_fields=["deleted_at"])
    _renumber(_siblings(item))
    reletter_papers(item.meeting)


@transaction.atomic
def restore_item(item, *, version):
    claim_version(item.meeting, version)
    item.deleted_at = None
    item.position = (
        AgendaItem.objects.live()
        .filter(meeting_id=item.meeting_id, parent_id=item.parent_id)
        .count()
    )
    item.save(update_fields=["deleted_at", "position"])
    reletter_papers(item.meeting)


def reletter_papers(meeting):
    """Letter papers A, B, C … in agenda order; once published, only give late papers a letter.

    Withdrawn papers keep their letter once fixed; before publication they get none.
    """
    meeting.refresh_from_db(fields=["published_at"])
    nodes, ordered = load_agenda(meeting)
    if meeting.letters_fixed:
        used = (
            Paper.objects.filter(meeting=meeting)
            .exclude(letter="")
            .values_list("letter", flat=True)
        )
        next_index = max((index_of_letter(letter) for letter in used), default=-1) + 1
        for paper in ordered:
            if not paper.letter:
                paper.letter = letter_for(next_index)
                next_index += 1
                paper.save(update_fields=["letter"])
        return
    wanted = {}
    index = 0
    for paper in papers_in_agenda_order(nodes, ordered):
        if paper.is_withdrawn:
            wanted[paper.pk] = ""
        else:
            wanted[paper.pk] = letter_for(index)
            index += 1
    changed = [paper for paper in ordered if paper.letter != wanted[paper.pk]]
    if not changed:
        return
    # Clear first so that the unique (meeting, letter) constraint holds at every step.
    Paper.objects.filter(pk__in=[p.pk for p in changed]).update(letter="")
    for paper in changed:
        paper.letter = wanted[paper.pk]
        if paper.letter:
            paper.save(update_fields=["letter"])


@transaction.atomic
def publish_agenda(meeting, *, version, by):
    """Publish a draft agenda: members can see it and paper letters are fixed from now on."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.DRAFT:
        raise ValidationError(
            f"This agenda is already {meeting.get_status_display().lower()}; "
            "it cannot be published again."
        )
    claim_version(meeting, version)
    reletter_papers(meeting)
    meeting.status = Meeting.Status.PUBLISHED
    meeting.published_at = timezone.now()
    meeting._change_reason = f"Published by {by}"
    meeting.save(update_fields=["status", "published_at"])
    request_pack_build(meeting, by=by)
    return meeting


def _reissue_if_published(meeting, by=None):
    """After publication, any change to the papers leads to a new pack version."""
    if meeting.published_at is not None:
        request_pack_build(meeting, by=by)


@transaction.atomic
def save_paper(paper, *, version=None, item_ids=None, by=None):
    """Create or update a paper (content already validated) and re-letter the meeting."""
    meeting = paper.meeting
    if paper.pk:
        _claim(paper, version, PAPER_CONFLICT)
    paper.save()
    if item_ids is not None:
        for item in AgendaItem.objects.live().filter(meeting=meeting, pk__in=item_ids):
            AgendaItemPaper.objects.get_or_create(item=item, paper=paper)
        AgendaItemPaper.objects.filter(paper=paper).exclude(item_id__in=item_ids).delete()
    touch_meeting(meeting)
    reletter_papers(meeting)
    paper.refresh_from_db(fields=["letter"])
    _reissue_if_published(meeting, by)
    return paper


@transaction.atomic
def add_item_with_paper(meeting, *, version, paper=None, by=None, **item_fields):
    """Add an item (see `add_item`) and, when given, its new paper, in one step."""
    item = add_item(meeting, version=version, **item_fields)
    if paper is not None:
        add_item_paper(item, paper, version=meeting.version, by=by)
    return item


@transaction.atomic
def add_item_paper(item, paper, *, version, by=None):
    """A new paper taken at this item, made from its row in the editor (one step).

    The editor's version is checked first, so a paper is never attached to an agenda that
    changed under the co-ordinator.
    """
    claim_version(item.meeting, version)
    if item.deleted_at is not None:
        raise ValidationError(f"“{item.title}” has been deleted; restore it first.")
    paper.meeting = item.meeting
    return save_paper(paper, item_ids=[item.pk], by=by)


@transaction.atomic
def delete_paper(paper, *, by=None):
    paper.deleted_at = timezone.now()
    paper.save(update_fields=["deleted_at"])
    touch_meeting(paper.meeting)
    reletter_papers(paper.meeting)
    _reissue_if_published(paper.meeting, by)


@transaction.atomic
def restore_paper(paper, *, by=None):
    paper.deleted_at = None
    if paper.letter and (
        Paper.objects.live().filter(meeting_id=paper.meeting_id, letter=paper.letter).exists()
    ):
        paper.letter = ""
    paper.save(update_fields=["deleted_at", "letter"])
    touch_meeting(paper.meeting)
    reletter_papers(paper.meeting)
    _reissue_if_published(paper.meeting, by)


STANDING_KINDS = {
    AgendaItem.Kind.STANDING,
    AgendaItem.Kind.AOB,
    AgendaItem.Kind.NEXT_MEETINGS,
}


@transaction.atomic
def copy_standing_items(source, target):
    """Start a new agenda from the previous meeting's standing items (top level only)."""
    items = AgendaItem.objects.live().filter(
        meeting=source, parent__isnull=True, kind__in=STANDING_KINDS
    )
    for position, item in enumerate(items.order_by("position", "pk")):
        AgendaItem.objects.create(
            meeting=target,
            position=position,
            title=item.title,
            description=item.description,
            kind=item.kind,
        )
    return target


@transaction.atomic
def copy_agenda(source, target, *, version, standing_only=False):
    """Copy another meeting's agenda to the end of this one: every item with its sub-items,
    titles, kinds, times, descriptions and presenters (not papers), or only its top-level
    standing items. Returns the number of items copied."""
    claim_version(target, version)
    if source.pk == target.pk:
        raise ValidationError("Choose another meeting's agenda to copy.")
    items = list(
        AgendaItem.objects.live()
        .filter(meeting=source)
        .order_by("position", "pk")
        .prefetch_related("presenters")
    )
    if standing_only:
        items = [i for i in items if i.parent_id is None and i.kind in STANDING_KINDS]
    children = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    start = AgendaItem.objects.live().filter(meeting=target, parent=None).count()
    copied = 0

    def copy(parent_id, new_parent, offset):
        nonlocal copied
        for position, item in enumerate(children.get(parent_id, [])):
            new = AgendaItem.objects.create(
                meeting=target,
                parent=new_parent,
                position=offset + position,
                title=item.title,
                description=item.description,
                kind=item.kind,
                scheduled_time=item.scheduled_time,
                presenters_text=item.presenters_text,
            )
            new.presenters.set(item.presenters.all())
            copied += 1
            copy(item.pk, new, 0)

    copy(None, None, start)
    if not copied:
        raise ValidationError("That agenda has no items to copy.")
    reletter_papers(target)
    return copied


UNDONE_FIELDS = [
    "title",
    "description",
    "kind",
    "scheduled_time",
    "presenters_text",
    "parent_id",
    "position",
    "deleted_at",
]


@transaction.atomic
def undo_last_change(meeting, *, version):
    """Put the agenda's items back as they were before the last change (from their history):
    an added item goes, a deleted one returns, a move, indent or edit is reversed. Papers are
    left alone (they have Delete and Restore). Undoing again redoes. Returns the items touched.
    """
    claim_version(meeting, version)
    history = AgendaItem.history.model
    rows = list(
        history.objects.filter(meeting_id=meeting.pk).order_by("-history_date", "-history_id")[
            :1000
        ]
    )
    # The change that this undo itself is (tagged with the version just claimed) is not yet
    # written, so the newest rows are the last change's.
    if not rows:
        raise ValidationError("There is no change to undo.")
    tag = rows[0].history_change_reason
    change = [row for row in rows if row.history_change_reason == tag] if tag else rows[:1]
    first_of = {}
    for row in change:  # newest first, so the last seen is the earliest
        first_of[row.id] = row
    touched = []
    now = timezone.now()
    for item_id, earliest in first_of.items():
        item = AgendaItem.objects.filter(pk=item_id).first()
        if item is None:
            continue
        before = (
            history.objects.filter(id=item_id, history_date__lt=earliest.history_date)
            .order_by("-history_date", "-history_id")
            .first()
        )
        if before is None or before.history_type == "-":
            item.deleted_at = item.deleted_at or now
        else:
            for name in UNDONE_FIELDS:
                setattr(item, name, getattr(before, name))
        item.save()
        touched.append(item)
    reletter_papers(meeting)
    return touched


def describe_changes(previous, current):
    """What changed between two issued packs' paper states (letter → title, status, …)."""
    labels = dict(Paper.Status.choices)
    changes = []
    for letter in sorted(set(previous) | set(current), key=index_of_letter):
        before, after = previous.get(letter), current.get(letter)
        if before is None:
            changes.append(f"Paper {letter} – {after['title']}: added.")
        elif after is None:
            changes.append(f"Paper {letter} – {before['title']}: withdrawn from the pack.")
        elif before["status"] != after["status"]:
            changes.append(
                f"Paper {letter} – {after['title']}: now {labels[after['status']].lower()} "
                f"(was {labels[before['status']].lower()})."
            )
        elif before["fingerprint"] != after["fingerprint"]:
            changes.append(f"Paper {letter} – {after['title']}: replaced with a new version.")
    return changes


def issue_pack(meeting, *, by=None, notify=True):
    """Build and store the next version of the meeting's pack, unless nothing has changed.

    Version 1 is issued when the agenda is published. A later version lists on its cover what
    changed since the one before, and comes with a supplement holding only the new or changed
    papers. Issued files never change.
    """
    previous = meeting.pack_versions.order_by("-number").first()
    content = gather_pack(meeting)
    if previous and previous.fingerprint == content.fingerprint:
        return previous
    number = previous.number + 1 if previous else 1
    current = {
        entry.paper.letter: {
            "title": entry.paper.title,
            "status": entry.paper.status,
            "fingerprint": entry.fingerprint,
        }
        for entry in content.papers + content.separate
    }
    changes = describe_changes(previous.papers, current) if previous else []
    content = dataclasses.replace(content, changes=tuple(changes), version=number)
    built = build_pack(content)
    # Typeset each paper's own (tagged) PDF now, in the background, so that downloading a
    # paper never typesets anything in a web request; unchanged papers are cached already.
    for entry in content.papers:
        try:
            paper_pdf(entry.paper, entry=entry)
        except PdfRenderError:
            logger.warning("Paper PDF of %s could not be typeset", entry.heading)
    version = PackVersion(
        meeting=meeting,
        number=number,
        sha256=hashlib.sha256(built.pdf).hexdigest(),
        size=len(built.pdf),
        page_count=built.page_count,
        page_map=built.page_map,
        papers=built.papers,
        changes=changes,
        fingerprint=content.fingerprint,
        issued_by=by if getattr(by, "pk", None) else None,
    )
    version.file.save(version.file_name, ContentFile(built.pdf), save=False)
    changed_letters = {
        letter
        for letter, state in current.items()
        if previous and previous.papers.get(letter, {}).get("fingerprint") != state["fingerprint"]
    }
    if changed_letters:
        papers = [e.paper for e in content.papers if e.paper.letter in changed_letters]
        if papers:
            data = supplement_pdf(meeting, papers, number - 1)
            version.supplement_sha256 = hashlib.sha256(data).hexdigest()
            version.supplement.save(version.supplement_name, ContentFile(data), save=False)
    with transaction.atomic():
        version.save()
        freeze_financial_content(entry.paper for entry in content.papers)
        if notify:
            notify_pack_issued(version)
    return version


def _when(meeting):
    return f"{meeting.date:%A} {meeting.date.day} {meeting.date:%B %Y}"


def notify_pack_issued(version):
    meeting = version.meeting
    if version.number == 1:
        subject = f"Agenda and papers: {meeting.display_title}, {_when(meeting)}"
        lines = [
            f"The agenda and papers for the meeting of {_when(meeting)} are published.",
            f"The meeting pack (version 1, {version.page_count} pages) is ready to download.",
        ]
    else:
        subject = f"Updated papers: {meeting.display_title}, {_when(meeting)}"
        lines = [
            f"Version {version.number} of the meeting pack is ready "
            f"({version.page_count} pages). What changed:",
            *version.changes,
            "A supplement with only the new or changed papers is on the meeting page.",
        ]
    record_notice(meeting, subject=subject, lines=lines, path=meeting.get_absolute_url())


def freeze_financial_content(papers):
    """Keep the financial content as issued, so later ledger edits never change the paper."""
    for paper in papers:
        if (paper.fund_report_as_of or paper.event_budget_id) and not paper.frozen_html:
            paper.frozen_html = finance_html(paper)
            Paper.objects.filter(pk=paper.pk).update(frozen_html=paper.frozen_html)


# ---- Minutes, attendance and the action log


def minutes_for(meeting):
    minutes, _ = Minutes.objects.get_or_create(meeting=meeting)
    return minutes


@transaction.atomic
def save_minutes(minutes, *, version, entries):
    """Save the minute of each item: `entries` maps an agenda item to (note, decisions)."""
    if minutes.is_locked:
        raise ValidationError(
            "These minutes are approved and locked: correct them with an amendment."
        )
    _claim(minutes, version, MINUTES_CONFLICT)
    for item, (note, decisions) in entries.items():
        if item.meeting_id != minutes.meeting_id:
            raise ValidationError("An item belongs to another meeting.")
        MinuteEntry.objects.update_or_create(
            minutes=minutes, item=item, defaults={"note": note, "decisions": decisions}
        )


@transaction.atomic
def circulate_minutes(minutes, *, by):
    """Let members read the draft minutes."""
    if minutes.status != Minutes.Status.DRAFT:
        raise ValidationError("These minutes have already been circulated.")
    minutes.status = Minutes.Status.CIRCULATED
    minutes.circulated_at = timezone.now()
    minutes._change_reason = f"Circulated by {by}"
    minutes.save(update_fields=["status", "circulated_at"])
    meeting = minutes.meeting
    record_notice(
        meeting,
        subject=f"Draft minutes: {meeting.display_title}, {_when(meeting)}",
        lines=[
            f"The draft minutes of the meeting of {_when(meeting)} are circulated.",
            "They will be approved at the next meeting.",
        ],
        path=reverse("meetings:minutes_detail", args=[meeting.pk]),
    )


@transaction.atomic
def approve_minutes(minutes, *, at_meeting, by, today):
    """Approve (and lock) the minutes at a later meeting that has taken place."""
    meeting = minutes.meeting
    if minutes.is_locked:
        raise ValidationError("These minutes are already approved.")
    if meeting.date > today:
        raise ValidationError(
            "The minutes of a meeting that has not happened yet cannot be approved."
        )
    if at_meeting.date <= meeting.date:
        raise ValidationError("Minutes are approved at a later meeting.")
    if at_meeting.date > today:
        raise ValidationError("The approving meeting has not happened yet.")
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_at = timezone.now()
    minutes.approved_at_meeting = at_meeting
    minutes._change_reason = f"Approved at {at_meeting} (recorded by {by})"
    minutes.save(update_fields=["status", "approved_at", "approved_at_meeting"])


@transaction.atomic
def amend_minute(entry, *, note, decisions, reason, by):
    """Correct an approved minute: the amendment keeps what it said before and why it changed."""
    if not entry.minutes.is_locked:
        raise ValidationError(
            "Draft minutes are edited directly; amendments are for approved ones."
        )
    if not reason.strip():
        raise ValidationError("Say why the approved minutes are being amended.")
    before = f"{entry.note}\n{entry.decisions}".strip()
    entry.note, entry.decisions = note, decisions
    entry._change_reason = reason
    entry.save(update_fields=["note", "decisions"])
    return MinutesAmendment.objects.create(
        entry=entry,
        before=before,
        after=f"{note}\n{decisions}".strip(),
        reason=reason.strip(),
        made_by=by if getattr(by, "pk", None) else None,
    )


def _next_action_number():
    last = Action.objects.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def add_action(
    meeting, *, description, owner_people=(), owner_organisations=(), target_date=None, item=None
):
    """Add an action to the log with the next number in the sequence across all meetings."""
    if not owner_people and not owner_organisations:
        raise ValidationError("An action needs an owner: a person or an organisation.")
    if target_date and target_date < meeting.date:
        raise ValidationError("The target date is before the meeting that set the action.")
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError("The item belongs to another meeting.")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                action = Action.objects.create(
                    number=_next_action_number(),
                    meeting=meeting,
                    item=item,
                    description=description,
                    target_date=target_date,
                )
                action.owner_people.set(owner_people)
                action.owner_organisations.set(owner_organisations)
                return action
        except IntegrityError:
            continue  # Another co-ordinator took that number a moment ago: take the next.
    raise ValidationError("The action log is busy; please try again.")
