"""Fetch-and-check helpers: every meeting, paper or file a view touches comes through here."""

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


def papers_visible_to(user):
    papers = Paper.objects.filter(meeting__in=Meeting.objects.with_agenda_visible_to(user))
    if can_edit_meetings(user):
        return papers
    return papers.live().exclude(status=Paper.Status.WITHDRAWN)


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
