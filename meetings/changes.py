"""What changed in a meeting since a user last looked (read-only; visits are recorded by POST)."""

from dataclasses import dataclass

from django.db.models import F

from .access import papers_visible_to
from .models import AgendaItem, MeetingVisit


@dataclass(frozen=True)
class Changes:
    since: object
    new_papers: tuple
    updated_papers: tuple
    changed_items: tuple

    def __bool__(self):
        return bool(self.new_papers or self.updated_papers or self.changed_items)


def changes_for(user, meeting):
    visit = MeetingVisit.objects.filter(user=user, meeting=meeting).first()
    if visit is None:
        return None
    since = visit.seen_at
    papers = list(papers_visible_to(user).live().filter(meeting=meeting, updated_at__gt=since))
    history = AgendaItem.history.filter(meeting_id=meeting.pk, history_date__gt=since)
    item_ids = set(history.values_list("id", flat=True))
    items = AgendaItem.objects.live().filter(pk__in=item_ids).order_by("position", "pk")
    return Changes(
        since=since,
        new_papers=tuple(p for p in papers if p.created_at > since),
        updated_papers=tuple(p for p in papers if p.created_at <= since),
        changed_items=tuple(items),
    )


def changed_since_last_visit(user, limit=10):
    """Papers changed in meetings the user has looked at, since they last looked (home page)."""
    return list(
        papers_visible_to(user)
        .live()
        .filter(meeting__visits__user=user, updated_at__gt=F("meeting__visits__seen_at"))
        .select_related("meeting__body")
        .order_by("-updated_at")[:limit]
    )
