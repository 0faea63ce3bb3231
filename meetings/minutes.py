"""The minutes of a meeting as one read model, for the page, the PDF and packs alike."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from finance.reports import allocations_approved_at

from .agenda import load_agenda, walk
from .models import Action, Attendance, Declaration, MinuteEntry, Minutes, MinutesAmendment


@dataclass(frozen=True)
class MinuteRow:
    number: str
    title: str
    depth: int
    entry: MinuteEntry | None
    actions: tuple = ()
    declarations: tuple = ()
    item_id: int | None = None
    allocations: tuple = ()  # finance.reports.ApprovedAllocation, approved at this item


@dataclass(frozen=True)
class MinutesView:
    meeting: object
    minutes: Minutes
    attended: tuple
    apologies: tuple
    substitutes: tuple
    officers: tuple
    rows: tuple
    actions: tuple
    amendments: tuple = field(default=())
    other_allocations: tuple = ()  # approved at the meeting with no agenda item recorded


def actions_queryset():
    return Action.objects.select_related("body", "meeting", "item").prefetch_related(
        "owner_people", "owner_organisations"
    )


def load_minutes(meeting):
    """The minutes with attendance, one row per agenda item and the actions set (fixed queries)."""
    # Reading never writes: until someone saves minutes, an unsaved draft stands in for them.
    minutes = Minutes.objects.filter(meeting=meeting).first() or Minutes(meeting=meeting)
    minutes.meeting = meeting  # the same object: is_published reads its status, no query
    nodes, _papers = load_agenda(meeting)
    entries = {
        entry.item_id: entry
        for entry in MinuteEntry.objects.filter(minutes_id=minutes.pk).prefetch_related(
            Prefetch("amendments", queryset=MinutesAmendment.objects.select_related("made_by"))
        )
    }
    actions = list(actions_queryset().filter(meeting=meeting))
    by_item = {}
    for action in actions:
        by_item.setdefault(action.item_id, []).append(action)
    allocations = allocations_approved_at(meeting.pk)
    declared = {}
    for declaration in Declaration.objects.filter(meeting=meeting).select_related("person"):
        declared.setdefault(declaration.item_id, []).append(declaration)
    rows = tuple(
        MinuteRow(
            number=node.number,
            title=node.item.title,
            depth=node.depth,
            entry=entries.get(node.item.pk),
            actions=tuple(by_item.get(node.item.pk, ())),
            declarations=tuple(declared.get(node.item.pk, ())),
            item_id=node.item.pk,
            allocations=tuple(allocations.get(node.item.pk, ())),
        )
        for node in walk(nodes)
    )
    people = list(
        Attendance.objects.filter(meeting=meeting).select_related(
            "person", "organisation", "substitute_for"
        )
    )

    def role(name):
        return tuple(a for a in people if a.role == name)

    return MinutesView(
        meeting=meeting,
        minutes=minutes,
        attended=role(Attendance.Role.ATTENDED),
        apologies=role(Attendance.Role.APOLOGIES),
        substitutes=role(Attendance.Role.SUBSTITUTE),
        officers=role(Attendance.Role.OFFICER),
        rows=rows,
        actions=tuple(actions),
        amendments=tuple(a for entry in entries.values() for a in entry.amendments.all()),
        other_allocations=tuple(
            allocation
            for item_id, approved in allocations.items()
            if item_id not in {node.item.pk for node in walk(nodes)}
            for allocation in approved
        ),
    )


def outstanding_actions(meeting, user=None):
    """Open actions from earlier meetings: listed under this meeting's matters arising.

    For `user` as they may see them; without one, as members see them (packs and papers)."""
    actions = actions_queryset()
    actions = actions.visible_to(user) if user is not None else actions.published()
    return list(actions.outstanding_before(meeting))


def minutes_html(meeting, as_of=None):
    """The minutes of `meeting` as an HTML fragment (for a paper of a later meeting), or "" while
    members may not read them. "Overdue" is judged as of `as_of` (default: today), so a paper
    issued in a pack says what it said on its issue date, whenever it is typeset again."""
    view = load_minutes(meeting)
    if view.minutes.pk is None or not view.minutes.is_published:
        return ""
    return render_to_string(
        "meetings/partials/minutes.html", {"view": view, "today": as_of or timezone.localdate()}
    )


def minutes_visible_to(minutes, user):
    if user.has_perm("meetings.change_minutes"):
        return True
    return user.has_perm("meetings.view_minutes") and minutes.is_published
