"""Fetch-and-check helpers: every meeting, paper or file a view touches comes through here."""

from functools import wraps

from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Attachment, Meeting, Paper


def can_edit_meetings(user):
    return user.has_perm("meetings.change_meeting")


def get_meeting_for_user_or_404(user, pk, **annotations):
    if not user.has_perm("meetings.view_meeting"):
        raise Http404
    meetings = Meeting.objects.visible_to(user).select_related("body", "venue", "contact_officer")
    return get_object_or_404(meetings.annotate(**annotations), pk=pk)


def meeting_view(permission):
    """A view of one meeting (URL argument `pk`): 403 without the permission, then 404 for a
    meeting the user may not see; the view is called with the meeting in place of its pk. Its
    methods are the view's own decorator's (wkp/http_methods.py), checked before this."""

    def decorate(view):
        @wraps(view)
        def with_meeting(request, pk, **kwargs):
            return view(request, get_meeting_for_user_or_404(request.user, pk), **kwargs)

        return permission_required(permission, raise_exception=True)(with_meeting)

    return decorate


def papers_visible_to(user):
    papers = Paper.objects.filter(meeting__in=Meeting.objects.with_agenda_visible_to(user))
    if can_edit_meetings(user):
        return papers
    return papers.live().exclude(status=Paper.Status.WITHDRAWN)


def paper_visible_to(user, paper):
    """The row-level form of `papers_visible_to` (its meeting loaded with it)."""
    if not user.has_perm("meetings.view_meeting"):
        return False
    if can_edit_meetings(user):
        return True
    return not (paper.meeting.is_draft or paper.deleted_at or paper.is_withdrawn)


def get_paper_for_user_or_404(user, pk):
    if not user.has_perm("meetings.view_paper"):
        raise Http404
    return get_object_or_404(
        papers_visible_to(user).select_related("meeting__body", "author_organisation"), pk=pk
    )


def get_attachment_for_user_or_404(user, pk):
    attachment = get_object_or_404(Attachment.objects.select_related("paper"), pk=pk)
    get_paper_for_user_or_404(user, attachment.paper_id)
    return attachment
