"""What the home page shows a user: the next meeting and recent papers."""

from django.utils import timezone

from .access import papers_visible_to
from .changes import changed_since_last_visit
from .models import Meeting


def dashboard_for(user):
    if not user.has_perm("meetings.view_meeting"):
        return {
            "next_meeting": None,
            "latest_meeting": None,
            "recent_papers": [],
            "changed_papers": [],
        }
    next_meeting = (
        Meeting.objects.visible_to(user)
        .upcoming(timezone.localdate())
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("body", "venue")
        .first()
    )
    latest = None
    if next_meeting is None:
        latest = (
            Meeting.objects.with_agenda_visible_to(user)
            .past(timezone.localdate())
            .select_related("body", "venue")
            .first()
        )
    recent = (
        papers_visible_to(user).live().select_related("meeting__body").order_by("-updated_at")[:8]
    )
    return {
        "next_meeting": next_meeting,
        "latest_meeting": latest,
        "recent_papers": list(recent),
        "changed_papers": changed_since_last_visit(user),
    }
