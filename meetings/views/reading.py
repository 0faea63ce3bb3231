"""Reading meetings and papers: the meeting list and page, the paper list and page, and the
stored files."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, Http404
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from finance.reports import allocations_approved_at
from wkp import table_versions
from wkp.downloads import file_name
from wkp.http_methods import PAGE_METHODS
from wkp.views import NavSectionMixin

from .. import pack
from ..access import (
    can_edit_meetings,
    get_attachment_for_user_or_404,
    get_meeting_for_user_or_404,
    get_paper_for_user_or_404,
    papers_visible_to,
)
from ..agenda import load_agenda
from ..changes import changes_for
from ..fragments import fill_slots, shared_page_html, with_page_versions
from ..minutes import minutes_visible_to, outstanding_actions
from ..models import Body, Meeting, Minutes, Paper
from ..papers import paper_html
from ..schedule import next_meetings


def agenda_context(meeting, user):
    nodes, papers = load_agenda(meeting) if meeting.agenda_visible_to(user) else ([], [])
    if not can_edit_meetings(user):
        # Members see neither a withdrawn paper nor its title; the agenda cites shown papers only.
        papers = [paper for paper in papers if not paper.is_withdrawn]
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is not None:
        minutes.meeting = meeting
    today = timezone.localdate()
    return {
        "outstanding_actions": outstanding_actions(meeting, user),
        "today": today,
        # From the meeting's day, before any minutes exist: attendance, minutes and actions.
        "can_record": meeting.date <= today and user.has_perm("meetings.change_minutes"),
        "minutes_link": minutes is not None and minutes_visible_to(minutes, user),
        "pack_versions": list(meeting.pack_versions.all()),
        "pack_job": meeting.pack_jobs.first(),
        "agenda_visible": meeting.agenda_visible_to(user),
        "meeting": meeting,
        "agenda": nodes,
        "papers": papers,
        "next_meetings": next_meetings(meeting),
        "can_edit": can_edit_meetings(user),
        "nav_section": "meetings",
    }


class MeetingListView(PermissionRequiredMixin, NavSectionMixin, ListView):
    http_method_names = PAGE_METHODS
    permission_required = "meetings.view_meeting"
    template_name = "meetings/meeting_list.html"
    nav_section = "meetings"

    @cached_property
    def body(self):
        """The body chosen by ?body=<id>; an unknown or malformed id shows every meeting."""
        value = self.request.GET.get("body", "")
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            return None
        return Body.objects.filter(pk=int(value)).first()

    def get_queryset(self):
        meetings = Meeting.objects.visible_to(self.request.user).select_related("body", "venue")
        return meetings.filter(body=self.body) if self.body else meetings

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["body"] = self.body
        today = timezone.localdate()
        meetings = list(context["object_list"])
        context["upcoming"] = [m for m in meetings if m.date >= today]
        past = sorted((m for m in meetings if m.date < today), key=lambda m: m.date, reverse=True)
        years = {}
        for meeting in past:
            years.setdefault(meeting.date.year, []).append(meeting)
        context["past_by_year"] = sorted(years.items(), reverse=True)
        context["can_edit"] = can_edit_meetings(self.request.user)
        return context


@require_safe
def meeting_detail(request, pk):
    """The meeting page: its shared part from the cache while none of the rows it shows has
    changed (meetings/fragments.py), with this viewer's changes panel and CSRF token put in."""
    meeting = get_meeting_for_user_or_404(request.user, pk, **with_page_versions())
    user = request.user
    today = timezone.localdate()

    def build_context():
        context = agenda_context(meeting, user)
        context["today"] = today
        context["allocations"] = allocations_approved_at(meeting.pk) if context["agenda"] else {}
        return context

    html = shared_page_html(meeting, user, today, build_context)
    changes = changes_for(user, meeting) if meeting.agenda_visible_to(user) else None
    page_html = fill_slots(
        html,
        changes_html=render_to_string("meetings/partials/changes.html", {"changes": changes}),
        csrf_token=lambda: get_token(request),
    )
    return render(
        request,
        "meetings/meeting_detail.html",
        {"meeting": meeting, "page_html": page_html, "nav_section": "meetings"},
    )


# What the papers list shows; the large text of a paper is not among it.
PAPER_LIST_FIELDS = (
    "pk",
    "letter",
    "title",
    "status",
    "meeting__id",
    "meeting__date",
    "meeting__body__id",
    "meeting__body__name",
)
PAPER_LIST_TEMPLATES = ("meetings/partials/paper_list_table.html", "includes/pagination.html")


class PaperListView(PermissionRequiredMixin, NavSectionMixin, ListView):
    http_method_names = PAGE_METHODS
    permission_required = "meetings.view_paper"
    template_name = "meetings/paper_list.html"
    nav_section = "papers"
    paginate_by = 50

    def get_queryset(self):
        return (
            papers_visible_to(self.request.user)
            .live()
            .select_related("meeting__body")
            .only(*PAPER_LIST_FIELDS)
            .order_by("-meeting__date", "letter", "pk")
        )

    def get(self, request, *args, **kwargs):
        # The table is kept under the versions of the papers, meetings and bodies tables
        # (wkp.table_versions): one query when nothing has changed since it was rendered.
        versions = table_versions.versions(Paper, Meeting, Body)
        key = (request.GET.get("page", ""), can_edit_meetings(request.user))
        html = table_versions.cached(
            "paper-list", versions, key, self.render_table, templates=PAPER_LIST_TEMPLATES
        )
        context = {"papers_html": mark_safe(html), "nav_section": self.nav_section}  # noqa: S308
        return render(request, self.template_name, context)

    def render_table(self):
        self.object_list = self.get_queryset()
        return render_to_string(PAPER_LIST_TEMPLATES[0], self.get_context_data())


@require_safe
def paper_detail(request, pk):
    """The paper as its meeting's newest pack issued it (saying so, and whether it has changed
    since); a paper not issued yet (a draft agenda, a paper just added) as it stands."""
    paper = get_paper_for_user_or_404(request.user, pk)
    meeting = paper.meeting
    issued = None if meeting.is_draft else pack.issued_paper(paper)
    newer = False
    if issued is not None:
        html = issued.html
        newer = pack.pack_entry(paper, meeting).content != issued.content
    else:
        html = paper_html(paper)
    return render(
        request,
        "meetings/paper_detail.html",
        {
            "paper": paper,
            "meeting": meeting,
            "items": paper.agenda_items.live(),
            "attachments": paper.attachments.all(),
            "html": html,
            "issued": issued,
            "newer": newer,
            "can_edit": can_edit_meetings(request.user),
            "nav_section": "papers",
        },
    )


def _file_response(field_file, download_name, content_type):
    if not field_file:
        raise Http404
    response = FileResponse(
        field_file.open("rb"),
        as_attachment=True,
        filename=file_name(download_name),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _unchecked_for_member(record, user):
    """A file stored before uploads were checked (and cleaned) goes to co-ordinators only, until
    `manage.py process_uploads` has checked it: members get only checked files."""
    return record.file_checked_at is None and not can_edit_meetings(user)


@require_safe
def paper_file(request, pk):
    paper = get_paper_for_user_or_404(request.user, pk)
    if not paper.file or _unchecked_for_member(paper, request.user):
        raise Http404
    name = f"{paper.meeting.file_stem}-paper-{paper.letter or paper.pk}-original.{paper.file_kind}"
    return _file_response(paper.file, name, CONTENT_TYPES.get(paper.file_kind))


@require_safe
def attachment_file(request, pk):
    attachment = get_attachment_for_user_or_404(request.user, pk)
    if _unchecked_for_member(attachment, request.user):
        raise Http404
    return _file_response(
        attachment.file, attachment.file_name or "attachment", attachment.content_type or None
    )
