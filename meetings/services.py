"""Workflows that change a meeting's agenda and papers.

Every change to an agenda goes through `claim_version`, so two co-ordinators editing the same
meeting never overwrite each other: the second one is told the agenda changed under them.
"""

import dataclasses
import datetime
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from wkp.pdf import PdfRenderError
from wkp.templatetags.wkp_format import uk_date, uk_time

from .agenda import current_change, load_agenda, papers_in_agenda_order, walk
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
    pack_path,
)
from .notices import record_notice
from .pack import build_pack, gather_pack, paper_pdf, paper_states, supplement_pdf
from .papers import finance_html, paper_html
from .targets import last_day
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


def claim_version(meeting, expected_version):
    """Claim the next version of a meeting's agenda (see `_claim`)."""
    _claim(meeting, expected_version, CONFLICT_MESSAGE)
    current_change.set((meeting.pk, f"Agenda version {meeting.version}"))
    transaction.on_commit(lambda: current_change.set(None))


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
def check_stored_file(record):
    """Check (and clean) a paper's or attachment's file stored before uploads were checked, as
    an upload is checked (`uploads.inspect`, in a bounded child), and store the results: a Word
    paper's HTML and text, a PDF's page count and text, the cleaned PDF when anything was removed
    (the old file is deleted once this commits). Returns the CheckedFile; raises ValidationError
    (and changes nothing) when the file would be refused at upload."""
    from .uploads import inspect, sniff_kind

    is_paper = isinstance(record, Paper)
    with record.file.open("rb") as handle:
        data = handle.read()
    kind = sniff_kind(data)
    if kind is None:
        raise ValidationError("The file is neither a PDF nor a Word document (.docx).")
    checked = inspect(data, kind, convert=is_paper)
    fields = ["file_checked_at", "file_size"]
    if checked.cleaned is not None:
        old = record.file.name
        storage = record.file.storage
        stem = "paper" if is_paper else "attachment"
        record.file.save(f"{stem}.pdf", ContentFile(checked.cleaned), save=False)
        transaction.on_commit(lambda: storage.delete(old))
        fields.append("file")
    record.file_checked_at = timezone.now()
    record.file_size = checked.size
    if is_paper:
        for name, value in checked.paper_fields().items():
            setattr(record, name, value)
            if name not in fields:
                fields.append(name)
    record.save(update_fields=fields)
    return checked


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


# Minutes and matters arising recur at every meeting and carry the outstanding actions: a new
# agenda started from the standing items left them out.
STANDING_KINDS = {
    AgendaItem.Kind.MINUTES,
    AgendaItem.Kind.STANDING,
    AgendaItem.Kind.AOB,
    AgendaItem.Kind.NEXT_MEETINGS,
}


@transaction.atomic
def last_meeting_of(body, *, before=None):
    """The body's latest meeting (before another meeting of it, if given)."""
    meetings = Meeting.objects.filter(body=body)
    if before is not None:
        meetings = meetings.exclude(pk=before.pk).filter(date__lte=before.date)
    return meetings.order_by("-date", "-start_time", "-pk").first()


def new_meeting_defaults(body):
    """A new meeting of a body starts from that body's last meeting: venue, time, contact
    officer, numbering style and, where the body numbers on, the next item number."""
    defaults = {"body": body.pk, "contact_officer": body.contact_officer_id}
    previous = last_meeting_of(body)
    if previous is None:
        return defaults
    defaults.update(
        venue=previous.venue_id,
        start_time=previous.start_time,
        contact_officer=previous.contact_officer_id or body.contact_officer_id,
        sub_numbering=previous.sub_numbering,
    )
    if body.continue_numbering:
        top_level = AgendaItem.objects.live().filter(meeting=previous, parent__isnull=True)
        defaults["number_from"] = previous.number_from + top_level.count()
    return defaults


@transaction.atomic
def create_meeting(meeting, *, copy_standing):
    """Save a new meeting and, if asked, start its agenda from the standing items of the body's
    previous meeting."""
    meeting.save()
    previous = last_meeting_of(meeting.body, before=meeting)
    if previous and copy_standing:
        copy_standing_items(previous, meeting)
    return meeting


@transaction.atomic
def update_meeting(meeting, *, version):
    """Save a meeting's changed details, claiming the next version of its agenda (ConcurrentEdit
    if someone saved in between)."""
    claim_version(meeting, version)
    meeting.save()
    return meeting


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
        elif _changed(before, after):
            changes.append(f"Paper {letter} – {after['title']}: replaced with a new version.")
    return changes


def _changed(before, after):
    """Whether a paper's words changed (not merely how they are typeset). Packs issued before
    the content fingerprint was kept only have the render key to go by."""
    if "content" in before and "content" in after:
        return before["content"] != after["content"]
    return before["fingerprint"] != after["fingerprint"]


ISSUE_ATTEMPTS = 5


def issued_paper_path(meeting, fingerprint, extension):
    """Where an issued paper's words (.html) and PDF (.pdf) are kept for ever, by render key."""
    return f"packs/{meeting.pk}/papers/{fingerprint}.{extension}"


@dataclasses.dataclass
class PackCandidate:
    """A pack version built and not yet issued: `claim_pack_version` issues it, or finds that
    someone issued another version meanwhile."""

    meeting: Meeting
    number: int
    content: object
    built: object = None  # None: the same as the version before it
    changes: list = dataclasses.field(default_factory=list)
    agenda: list = dataclasses.field(default_factory=list)
    paper_pdfs: dict = dataclasses.field(default_factory=dict)  # render key → PDF bytes
    supplement: bytes | None = None


def prepare_pack_version(meeting):
    """Build the next version of the meeting's pack without writing anything (the slow part:
    typesetting), against the version issued last."""
    previous = meeting.pack_versions.order_by("-number").first()
    content = gather_pack(meeting)
    if previous and previous.fingerprint == content.fingerprint:
        return PackCandidate(meeting=meeting, number=previous.number, content=content)
    number = previous.number + 1 if previous else 1
    current = paper_states(content)
    agenda = agenda_state(content.agenda)
    changes = describe_changes(previous.papers, current) if previous else []
    if previous and previous.agenda is not None:
        changes = describe_agenda_changes(previous.agenda, agenda) + changes
    content = dataclasses.replace(content, changes=tuple(changes), version=number)
    built = build_pack(content)
    # Each paper's own (tagged) PDF: issued with the pack, so that downloading a paper never
    # typesets anything in a web request and shows the issued words (unchanged ones are cached).
    paper_pdfs = {}
    for entry in content.papers:
        try:
            paper_pdfs[entry.fingerprint] = paper_pdf(entry.paper, entry=entry)
        except PdfRenderError:
            logger.warning("Paper PDF of %s could not be typeset", entry.heading)
    supplement = None
    if previous:
        changed = [
            entry
            for entry in content.papers
            if previous.papers.get(entry.paper.letter) is None
            or _changed(previous.papers[entry.paper.letter], current[entry.paper.letter])
            or previous.papers[entry.paper.letter]["status"] != entry.paper.status
        ]
        if changed:
            supplement = supplement_pdf(meeting, changed, number - 1, paper_pdfs)
    return PackCandidate(
        meeting=meeting,
        number=number,
        content=content,
        built=built,
        changes=changes,
        agenda=agenda,
        paper_pdfs=paper_pdfs,
        supplement=supplement,
    )


def _store(path, data, written):
    """Save `data` at `path` (storage may choose a free name): the name, noted in `written`."""
    name = default_storage.save(path, ContentFile(data))
    written.append(name)
    return name


def claim_pack_version(candidate, *, by=None, notify=True):
    """Issue a prepared version under a lock on the meeting, so two workers never issue the
    same number: the issued version, or None if another was issued since it was prepared (then
    prepare again). Files are written only once the number is ours, and removed if issuing
    fails, so a failed or lost race leaves no file behind."""
    meeting = candidate.meeting
    written = []
    try:
        with transaction.atomic():
            Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
            latest = PackVersion.objects.filter(meeting=meeting).order_by("-number").first()
            if latest is not None and latest.fingerprint == candidate.content.fingerprint:
                return latest  # the same pack is issued already
            if candidate.built is None or (latest.number if latest else 0) != candidate.number - 1:
                return None
            version = _issue(candidate, written, by=by)
            if notify:
                notify_pack_issued(version)
            return version
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _issue(candidate, written, *, by):
    meeting, content, built = candidate.meeting, candidate.content, candidate.built
    states = built.papers
    for entry in content.papers + content.separate:
        state = states[entry.paper.letter]
        # The words its page shows (an upload's or a separate attachment's typed notes too).
        html = entry.html if entry.kind == "authored" else paper_html(entry.paper, content.as_of)
        for extension, data in (
            ("html", html.encode() if html else None),
            ("pdf", candidate.paper_pdfs.get(entry.fingerprint)),
        ):
            path = issued_paper_path(meeting, entry.fingerprint, extension)
            if data is None:
                continue
            if not default_storage.exists(path):  # content-addressed: kept from an earlier one
                path = _store(path, data, written)
            state[extension] = path
    version = PackVersion(
        meeting=meeting,
        number=candidate.number,
        sha256=hashlib.sha256(built.pdf).hexdigest(),
        size=len(built.pdf),
        page_count=built.page_count,
        page_map=built.page_map,
        papers=states,
        changes=candidate.changes,
        agenda=candidate.agenda,
        fingerprint=content.fingerprint,
        issued_by=by if getattr(by, "pk", None) else None,
    )
    version.file.name = _store(pack_path(version, version.file_name), built.pdf, written)
    if candidate.supplement is not None:
        version.supplement_sha256 = hashlib.sha256(candidate.supplement).hexdigest()
        version.supplement.name = _store(
            pack_path(version, version.supplement_name), candidate.supplement, written
        )
    version.save()
    freeze_financial_content(entry.paper for entry in content.papers)
    return version


def agenda_state(nodes):
    """The agenda as a pack version records it: one entry per item, in agenda order (its
    description as a digest: enough to say it changed)."""
    return [
        {
            "id": node.item.pk,
            "parent": node.item.parent_id,
            "number": node.number,
            "title": node.item.title,
            "time": node.item.scheduled_time.isoformat() if node.item.scheduled_time else "",
            "description": description_digest(node.item.description),
        }
        for node in walk(nodes)
    ]


def description_digest(description):
    return hashlib.sha256(description.encode()).hexdigest()[:16] if description else ""


def _common_order(previous_ids, current_ids):
    """The longest run of items kept in the same relative order (the rest have moved)."""
    n, m = len(previous_ids), len(current_ids)
    lengths = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            lengths[i][j] = (
                lengths[i + 1][j + 1] + 1
                if previous_ids[i] == current_ids[j]
                else max(lengths[i + 1][j], lengths[i][j + 1])
            )
    kept, i, j = set(), 0, 0
    while i < n and j < m:
        if previous_ids[i] == current_ids[j]:
            kept.add(previous_ids[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] > lengths[i][j + 1]:
            i += 1  # on a tie (two items swapped) the one now higher up is the one that moved
        else:
            j += 1
    return kept


def _differs(old, new, key):
    """Versions issued before items' times and descriptions were recorded have neither."""
    return key in old and key in new and old[key] != new[key]


def describe_agenda_changes(previous, current):
    """Items added, removed, renamed or moved between two issued agendas (agenda_state lists).

    An item counts as moved when it changed parent or left the order the other items kept, not
    when it was merely renumbered because an item before it came or went.
    """

    def label(entry):
        return f"Item {entry['number']} – {entry['title']}" if entry["number"] else entry["title"]

    before = {entry["id"]: entry for entry in previous}
    after = {entry["id"]: entry for entry in current}
    both = [entry["id"] for entry in current if entry["id"] in before]
    kept = _common_order([entry["id"] for entry in previous if entry["id"] in after], both)
    changes = []
    for entry in current:
        old = before.get(entry["id"])
        if old is None:
            changes.append(f"{label(entry)}: added to the agenda.")
            continue
        if old["title"] != entry["title"]:
            changes.append(f"{label(entry)}: renamed (was “{old['title']}”).")
        if _differs(old, entry, "time"):
            was = uk_time(datetime.time.fromisoformat(old["time"])) if old["time"] else "no time"
            changes.append(f"{label(entry)}: time changed (was {was}).")
        if _differs(old, entry, "description"):
            changes.append(f"{label(entry)}: description changed.")
        if old["parent"] != entry["parent"] or entry["id"] not in kept:
            where = f"item {old['number']}" if old["number"] else "elsewhere"
            changes.append(f"{label(entry)}: moved (was {where}).")
    for entry in previous:
        if entry["id"] not in after:
            changes.append(f"{label(entry)}: removed from the agenda.")
    return changes


def issue_pack(meeting, *, by=None, notify=True):
    """Build and store the next version of the meeting's pack, unless nothing has changed.

    Version 1 is issued when the agenda is published. A later version lists on its cover what
    changed since the one before, and comes with a supplement holding only the new or changed
    papers. Issued files never change, and each paper's words and PDF are kept with the
    version. Typesetting happens outside the lock; if another worker issued a version
    meanwhile, this one is built again against it (so racing workers issue n and n + 1).
    """
    for _attempt in range(ISSUE_ATTEMPTS):
        candidate = prepare_pack_version(meeting)
        version = claim_pack_version(candidate, by=by, notify=notify)
        if version is not None:
            return version
    raise PdfRenderError(
        f"The pack for {meeting} kept changing while it was built; please issue it again."
    )


def _when(meeting):
    return uk_date(meeting.date)


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
def record_minutes(meeting, *, version, entries, attendance, declarations):
    """Save a meeting's minutes, attendance and declarations of interest together: all or
    nothing. `attendance` and `declarations` are bound, valid model formsets of the meeting's
    rows; claiming the minutes' version (a conditional update of its row) makes a second editor
    working from the same version fail before anything is written."""
    minutes = minutes_for(meeting)
    save_minutes(minutes, version=version, entries=entries)
    for formset in (attendance, declarations):
        for row in formset.save(commit=False):
            row.meeting = meeting
            row.save()
        for row in formset.deleted_objects:
            row.delete()
    return minutes


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
    if at_meeting.body_id != meeting.body_id:
        raise ValidationError(f"Minutes are approved at a later meeting of {meeting.body}.")
    if at_meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("The approving meeting was cancelled.")
    if at_meeting.date > today:
        raise ValidationError("The approving meeting has not happened yet.")
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_at = timezone.now()
    minutes.approved_at_meeting = at_meeting
    minutes._change_reason = f"Approved at {at_meeting} (recorded by {by})"
    minutes.save(update_fields=["status", "approved_at", "approved_at_meeting"])


@transaction.atomic
def amend_minute(entry, *, note, decisions, reason, by):
    """Correct an approved minute: the amendment keeps what it said before and why it changed.
    A note and decisions the same as before amend nothing: None, and nothing is recorded."""
    if not entry.minutes.is_locked:
        raise ValidationError(
            "Draft minutes are edited directly; amendments are for approved ones."
        )
    if not reason.strip():
        raise ValidationError("Say why the approved minutes are being amended.")
    if (note, decisions.strip()) == (entry.note, entry.decisions.strip()):
        return None
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


@transaction.atomic
def update_action(*, form):
    """Save an edited action (a bound, valid ActionUpdateForm) with its owners: the action's
    row and its owner links together, all or nothing."""
    return form.save()


def add_action(
    meeting,
    *,
    description,
    owner_people=(),
    owner_organisations=(),
    owner_text="",
    target_date=None,
    target_is_month=False,
    item=None,
    number=None,
):
    """Add an action to the log of the meeting's body: with the number it was given (an action
    log carried in keeps its numbers), else the next number in the body's sequence."""
    if not owner_people and not owner_organisations and not owner_text.strip():
        raise ValidationError("An action needs an owner: a person or an organisation.")
    if target_date and last_day(target_date, target_is_month) < meeting.date:
        raise ValidationError("The target date is before the meeting that set the action.")
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError("The item belongs to another meeting.")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                action = Action.objects.create(
                    body_id=meeting.body_id,
                    number=number or Action.objects.next_number(meeting.body_id),
                    meeting=meeting,
                    item=item,
                    description=description,
                    owner_text=owner_text.strip(),
                    target_date=target_date,
                    target_is_month=target_is_month,
                )
                action.owner_people.set(owner_people)
                action.owner_organisations.set(owner_organisations)
                return action
        except IntegrityError as error:
            if number:
                raise ValidationError(
                    f"Action {number} is already in the log of {meeting.body}."
                ) from error
            continue  # Another co-ordinator took that number a moment ago: take the next.
    raise ValidationError("The action log is busy; please try again.")
