import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, ListView, UpdateView

from subgroups.reports import subgroup_choices
from wkp.models import Organisation
from wkp.pdf import PdfRenderError, render_pdf_once
from wkp.views import NavSectionMixin

from . import pack, search, services
from .access import (
    can_edit_meetings,
    get_attachment_for_user_or_404,
    get_meeting_for_user_or_404,
    get_paper_for_user_or_404,
    papers_visible_to,
)
from .agenda import load_agenda, walk
from .changes import changes_for
from .forms import (
    ActionForm,
    ActionUpdateForm,
    AgendaItemForm,
    AmendMinuteForm,
    ApproveMinutesForm,
    AttachmentForm,
    AttendanceFormSet,
    DeclarationFormSet,
    ForwardPlanEntryForm,
    MeetingForm,
    MinutesForm,
    PaperForm,
    VenueForm,
)
from .minutes import actions_queryset, load_minutes, minutes_visible_to, outstanding_actions
from .models import (
    Action,
    AgendaItem,
    Attendance,
    CalendarToken,
    Declaration,
    ForwardPlanEntry,
    Meeting,
    MeetingVisit,
    MinuteEntry,
    Minutes,
    NoticePreference,
    Paper,
    Venue,
)
from .papers import paper_html
from .schedule import calendar_for, new_token, next_meetings
from .tasks import request_pack_build


def _agenda_context(meeting, user):
    nodes, papers = load_agenda(meeting) if meeting.agenda_visible_to(user) else ([], [])
    minutes = Minutes.objects.filter(meeting=meeting).first()
    return {
        "outstanding_actions": outstanding_actions(meeting),
        "today": timezone.localdate(),
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
    permission_required = "meetings.view_meeting"
    template_name = "meetings/meeting_list.html"
    nav_section = "meetings"

    def get_queryset(self):
        return Meeting.objects.visible_to(self.request.user).select_related("body", "venue")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
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


def meeting_detail(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    context = _agenda_context(meeting, request.user)
    context["changes"] = changes_for(request.user, meeting)
    return render(request, "meetings/meeting_detail.html", context)


class PaperListView(PermissionRequiredMixin, NavSectionMixin, ListView):
    permission_required = "meetings.view_paper"
    template_name = "meetings/paper_list.html"
    nav_section = "papers"
    paginate_by = 50

    def get_queryset(self):
        return (
            papers_visible_to(self.request.user)
            .live()
            .select_related("meeting__body", "author_organisation")
            .order_by("-meeting__date", "letter", "pk")
        )


def paper_detail(request, pk):
    paper = get_paper_for_user_or_404(request.user, pk)
    return render(
        request,
        "meetings/paper_detail.html",
        {
            "paper": paper,
            "meeting": paper.meeting,
            "items": paper.agenda_items.live(),
            "attachments": paper.attachments.all(),
            "html": paper_html(paper),
            "can_edit": can_edit_meetings(request.user),
            "nav_section": "papers",
        },
    )


def _file_response(field_file, download_name, content_type):
    if not field_file:
        raise Http404
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=download_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def paper_file(request, pk):
    paper = get_paper_for_user_or_404(request.user, pk)
    if not paper.file:
        raise Http404
    name = f"{paper.meeting.file_stem}-paper-{paper.letter or paper.pk}-original.{paper.file_kind}"
    return _file_response(paper.file, name, CONTENT_TYPES.get(paper.file_kind))


def attachment_file(request, pk):
    attachment = get_attachment_for_user_or_404(request.user, pk)
    return _file_response(
        attachment.file, attachment.file_name or "attachment", attachment.content_type or None
    )


# ---- Co-ordinator's editor -------------------------------------------------------------------


class MeetingCreateView(PermissionRequiredMixin, NavSectionMixin, CreateView):
    permission_required = "meetings.add_meeting"
    model = Meeting
    form_class = MeetingForm
    template_name = "meetings/meeting_form.html"
    nav_section = "meetings"

    def get_initial(self):
        initial = super().get_initial()
        previous = Meeting.objects.order_by("-date").select_related("body").first()
        if previous:
            initial.update(
                body=previous.body_id,
                venue=previous.venue_id,
                start_time=previous.start_time,
                contact_officer=previous.contact_officer_id,
                sub_numbering=previous.sub_numbering,
            )
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["previous"] = Meeting.objects.order_by("-date").first()
        return context

    @transaction.atomic
    def form_valid(self, form):
        meeting = form.save()
        previous = Meeting.objects.exclude(pk=meeting.pk).order_by("-date").first()
        if previous and self.request.POST.get("copy_standing") == "1":
            services.copy_standing_items(previous, meeting)
        messages.success(self.request, "Meeting created. Now build its agenda.")
        return redirect("meetings:agenda_edit", meeting.pk)


class MeetingUpdateView(PermissionRequiredMixin, NavSectionMixin, UpdateView):
    permission_required = "meetings.change_meeting"
    model = Meeting
    form_class = MeetingForm
    template_name = "meetings/meeting_form.html"
    nav_section = "meetings"

    @transaction.atomic
    def form_valid(self, form):
        try:
            services.claim_version(form.instance, form.cleaned_data["version"])
        except services.ConcurrentEdit as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        form.save()
        messages.success(self.request, "Meeting details saved.")
        return redirect("meetings:agenda_edit", form.instance.pk)


class VenueCreateView(PermissionRequiredMixin, NavSectionMixin, CreateView):
    permission_required = "meetings.add_venue"
    model = Venue
    form_class = VenueForm
    template_name = "meetings/venue_form.html"
    nav_section = "meetings"

    def form_valid(self, form):
        form.save()
        messages.success(self.request, f"Venue “{form.instance.name}” added.")
        return redirect("meetings:meeting_create")


@permission_required("meetings.change_meeting", raise_exception=True)
def agenda_edit(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    context = _agenda_context(meeting, request.user)
    context["item_form"] = AgendaItemForm(meeting=meeting)
    context["deleted_items"] = AgendaItem.objects.deleted().filter(meeting=meeting)
    context["deleted_papers"] = Paper.objects.deleted().filter(meeting=meeting)
    return render(request, "meetings/agenda_edit.html", context)


def _editor(meeting):
    return redirect("meetings:agenda_edit", meeting.pk)


def _report(request, error):
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error))


@permission_required("meetings.add_agendaitem", raise_exception=True)
def item_create(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    form = AgendaItemForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.add_item(
                meeting,
                version=data.pop("version"),
                parent=data.pop("parent"),
                presenters=data.pop("presenters"),
                paper_ids=[p.pk for p in data.pop("papers")],
                **data,
            )
        except (services.ConcurrentEdit, ValidationError) as error:
            _report(request, error)
            return _editor(meeting)
        messages.success(request, f"Item “{data['title']}” added.")
        return _editor(meeting)
    return render(
        request,
        "meetings/item_form.html",
        {"form": form, "meeting": meeting, "nav_section": "meetings"},
    )


@permission_required("meetings.change_agendaitem", raise_exception=True)
def item_edit(request, pk):
    item = get_object_or_404(AgendaItem.objects.live().select_related("meeting"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, item.meeting_id)
    form = AgendaItemForm(request.POST or None, instance=item, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.update_item(
                item,
                version=data.pop("version"),
                presenters=data.pop("presenters"),
                paper_ids=[p.pk for p in data.pop("papers")],
                **data,
            )
        except services.ConcurrentEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Item “{item.title}” saved.")
            return _editor(meeting)
    return render(
        request,
        "meetings/item_form.html",
        {"form": form, "meeting": meeting, "item": item, "nav_section": "meetings"},
    )


ITEM_ACTIONS = {"up", "down", "indent", "outdent", "delete", "restore"}


@require_POST
@permission_required("meetings.change_agendaitem", raise_exception=True)
def item_action(request, pk, action):
    if action not in ITEM_ACTIONS:
        raise Http404
    item = get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, item.meeting_id)
    version = request.POST.get("version")
    try:
        if action == "delete":
            if not request.user.has_perm("meetings.delete_agendaitem"):
                raise PermissionDenied
            services.delete_item(item, version=version)
            messages.success(request, f"Item “{item.title}” deleted. You can restore it below.")
        elif action == "restore":
            services.restore_item(item, version=version)
            messages.success(request, f"Item “{item.title}” restored.")
        else:
            services.move_item(item, version=version, direction=action)
            messages.success(request, f"Item “{item.title}” moved.")
    except (services.ConcurrentEdit, ValidationError) as error:
        _report(request, error)
    return redirect(reverse("meetings:agenda_edit", args=[meeting.pk]) + f"#item-{item.pk}")


@require_POST
@permission_required("meetings.change_agendaitem", raise_exception=True)
def agenda_reorder(request, pk):
    """Drag and drop posts the whole new tree as JSON: {"version": n, "tree": [[id, parent]…]}."""
    meeting = get_meeting_for_user_or_404(request.user, pk)
    try:
        payload = json.loads(request.body)
        tree = [
            (int(item_id), None if parent is None else int(parent))
            for item_id, parent in payload["tree"]
        ]
        version = payload["version"]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("The new order could not be read.")
    try:
        services.reorder_agenda(meeting, version=version, tree=tree)
    except services.ConcurrentEdit as error:
        return JsonResponse({"ok": False, "message": str(error)}, status=409)
    except ValidationError as error:
        return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=400)
    return JsonResponse({"ok": True, "version": meeting.version})


@require_POST
@permission_required("meetings.change_meeting", raise_exception=True)
def meeting_publish(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    try:
        services.publish_agenda(meeting, version=request.POST.get("version"), by=request.user)
    except (services.ConcurrentEdit, ValidationError) as error:
        _report(request, error)
        return _editor(meeting)
    messages.success(request, "The agenda is published: members can now see it.")
    return redirect("meetings:meeting_detail", meeting.pk)


@permission_required("meetings.add_paper", raise_exception=True)
def paper_create(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    return _paper_form(request, meeting, Paper(meeting=meeting))


@permission_required("meetings.change_paper", raise_exception=True)
def paper_edit(request, pk):
    paper = get_object_or_404(Paper.objects.live().select_related("meeting"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, paper.meeting_id)
    return _paper_form(request, meeting, paper)


def _paper_form(request, meeting, paper):
    form = PaperForm(request.POST or None, request.FILES or None, instance=paper, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        paper = form.save(commit=False)
        form.apply_upload(paper)
        form.apply_sources(paper)
        try:
            services.save_paper(
                paper,
                version=form.cleaned_data.get("version"),
                item_ids=[item.pk for item in form.cleaned_data["items"]],
                by=request.user,
            )
        except services.ConcurrentEdit as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{paper.label} “{paper.title}” saved.")
            return redirect("meetings:agenda_edit", meeting.pk)
    return render(
        request,
        "meetings/paper_form.html",
        {"form": form, "meeting": meeting, "paper": paper, "nav_section": "meetings"},
    )


@require_POST
@permission_required("meetings.delete_paper", raise_exception=True)
def paper_delete(request, pk):
    paper = get_object_or_404(Paper.objects.live(), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, paper.meeting_id)
    services.delete_paper(paper, by=request.user)
    messages.success(request, f"“{paper.title}” deleted. You can restore it below.")
    return _editor(meeting)


@require_POST
@permission_required("meetings.change_paper", raise_exception=True)
def paper_restore(request, pk):
    paper = get_object_or_404(Paper.objects.deleted(), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, paper.meeting_id)
    services.restore_paper(paper, by=request.user)
    messages.success(request, f"“{paper.title}” restored.")
    return _editor(meeting)


@permission_required("meetings.add_attachment", raise_exception=True)
def attachment_create(request, pk):
    paper = get_object_or_404(Paper.objects.live(), pk=pk)
    get_meeting_for_user_or_404(request.user, paper.meeting_id)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        attachment = form.save(commit=False)
        attachment.paper = paper
        upload = form.cleaned_data["upload"]
        upload.name = f"attachment.{form.checked.kind}"
        attachment.file = upload
        attachment.file_name = form.original_name
        attachment.file_size = form.checked.size
        attachment.content_type = CONTENT_TYPES[form.checked.kind]
        attachment.save()
        messages.success(request, f"Attachment “{attachment.title}” added to {paper.label}.")
        return redirect("meetings:paper_detail", paper.pk)
    return render(
        request,
        "meetings/attachment_form.html",
        {"form": form, "paper": paper, "nav_section": "papers"},
    )


# ---- Calendar ---------------------------------------------------------------------------------


def meeting_ics(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    body = calendar_for([meeting], lambda m: request.build_absolute_uri(m.get_absolute_url()))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meeting.file_stem}.ics"'
    return response


@login_not_required
def calendar_feed(request, token):
    """Upcoming meetings for calendar clients that cannot sign in; the secret is in the URL."""
    found = CalendarToken.objects.select_related("user").filter(token=token).first()
    if (
        found is None
        or not found.user.is_active
        or not found.user.has_perm("meetings.view_meeting")
    ):
        raise Http404
    since = timezone.localdate() - timedelta(days=90)
    meetings = (
        Meeting.objects.visible_to(found.user)
        .filter(date__gte=since)
        .select_related("venue", "body")
        .order_by("date")
    )
    body = calendar_for(meetings, lambda m: request.build_absolute_uri(m.get_absolute_url()))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("meetings.view_meeting", raise_exception=True)
def calendar_subscribe(request):
    token = CalendarToken.objects.filter(user=request.user).first()
    if request.method == "POST":
        if token:
            token.delete()
        token = CalendarToken.objects.create(user=request.user, token=new_token())
        messages.success(request, "A new calendar address was made; the old one no longer works.")
        return redirect("meetings:calendar_subscribe")
    feed_url = (
        request.build_absolute_uri(reverse("meetings:calendar_feed", args=[token.token]))
        if token
        else None
    )
    return render(
        request,
        "meetings/calendar_subscribe.html",
        {"feed_url": feed_url, "nav_section": "meetings"},
    )


# ---- Packs and paper PDFs ------------------------------------------------------------------------


def _stored_pdf(request, field_file, filename, sha256):
    etag = f'"{sha256}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = FileResponse(
            field_file.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )
    response["ETag"] = etag
    return response


def pack_download(request, pk, number=None):
    """An issued pack: the stored file, never re-rendered (the current version by default)."""
    meeting = get_meeting_for_user_or_404(request.user, pk)
    if not meeting.agenda_visible_to(request.user):
        raise Http404
    versions = meeting.pack_versions.all()
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise Http404
    return _stored_pdf(request, version.file, version.file_name, version.sha256)


def supplement_download(request, pk, number):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    if not meeting.agenda_visible_to(request.user):
        raise Http404
    version = get_object_or_404(meeting.pack_versions, number=number)
    if not version.supplement:
        raise Http404
    return _stored_pdf(
        request, version.supplement, version.supplement_name, version.supplement_sha256
    )


def paper_pdf_download(request, pk):
    paper = get_paper_for_user_or_404(request.user, pk)
    if paper.deleted_at or paper.separate_attachment and not paper.file:
        raise Http404
    try:
        data = pack.paper_pdf(paper)
    except PdfRenderError as error:
        messages.error(request, str(error))
        return redirect(paper.get_absolute_url())
    letter = paper.letter or paper.pk
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{paper.meeting.file_stem}-paper-{letter}.pdf"'
    )
    return response


@require_POST
@permission_required("meetings.change_meeting", raise_exception=True)
def pack_issue(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    if meeting.published_at is None:
        messages.error(request, "Publish the agenda first: version 1 of the pack is issued then.")
    else:
        request_pack_build(meeting, by=request.user)
        messages.success(request, "A new version of the pack is being prepared.")
    return redirect("meetings:meeting_detail", meeting.pk)


# ---- Minutes, attendance and actions ---------------------------------------------------------


def _minutes_or_404(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    view = load_minutes(meeting)
    if not minutes_visible_to(view.minutes, request.user):
        raise Http404
    return meeting, view


def minutes_detail(request, pk):
    meeting, view = _minutes_or_404(request, pk)
    return render(
        request,
        "meetings/minutes_detail.html",
        {
            "meeting": meeting,
            "view": view,
            "today": timezone.localdate(),
            "can_edit": request.user.has_perm("meetings.change_minutes"),
            "approve_form": ApproveMinutesForm(meeting=meeting),
            "nav_section": "meetings",
        },
    )


def minutes_pdf(request, pk):
    meeting, view = _minutes_or_404(request, pk)
    html = render_to_string(
        "meetings/pdf/minutes.html",
        {"meeting": meeting, "view": view, "today": timezone.localdate()},
    )
    try:
        data = render_pdf_once(html, name=f"The minutes of {meeting}")
    except PdfRenderError as error:
        messages.error(request, str(error))
        return redirect("meetings:minutes_detail", meeting.pk)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{meeting.file_stem}-minutes.pdf"'
    return response


@permission_required("meetings.change_minutes", raise_exception=True)
def minutes_edit(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    # Opening the form writes nothing; the minutes row is made on the first save.
    minutes = Minutes.objects.filter(meeting=meeting).first() or Minutes(meeting=meeting)
    if minutes.is_locked:
        messages.error(request, "These minutes are approved: correct them with an amendment.")
        return redirect("meetings:minutes_detail", meeting.pk)
    nodes, _ = load_agenda(meeting)
    data = request.POST if request.method == "POST" else None
    form = MinutesForm(data, minutes=minutes, nodes=list(walk(nodes)))
    attendance = AttendanceFormSet(
        data,
        queryset=Attendance.objects.filter(meeting=meeting).select_related("person"),
        prefix="attendance",
    )
    declarations = DeclarationFormSet(
        data,
        queryset=Declaration.objects.filter(meeting=meeting),
        prefix="declarations",
        form_kwargs={"meeting": meeting},
    )
    valid = form.is_valid() and attendance.is_valid() and declarations.is_valid()
    if request.method == "POST" and valid:
        try:
            with transaction.atomic():
                minutes = services.minutes_for(meeting)
                services.save_minutes(
                    minutes, version=form.cleaned_data["version"], entries=form.entries()
                )
                for row in attendance.save(commit=False):
                    row.meeting = meeting
                    row.save()
                for row in attendance.deleted_objects:
                    row.delete()
                for row in declarations.save(commit=False):
                    row.meeting = meeting
                    row.save()
                for row in declarations.deleted_objects:
                    row.delete()
        except (services.ConcurrentEdit, ValidationError) as error:
            form.add_error(None, error.messages[0] if hasattr(error, "messages") else str(error))
        else:
            messages.success(request, "Minutes and attendance saved.")
            return redirect("meetings:minutes_detail", meeting.pk)
    return render(
        request,
        "meetings/minutes_form.html",
        {
            "meeting": meeting,
            "form": form,
            "attendance": attendance,
            "declarations": declarations,
            "nav_section": "meetings",
        },
    )


@require_POST
@permission_required("meetings.change_minutes", raise_exception=True)
def minutes_circulate(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    try:
        services.circulate_minutes(services.minutes_for(meeting), by=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, "The draft minutes are circulated: members can read them.")
    return redirect("meetings:minutes_detail", meeting.pk)


@require_POST
@permission_required("meetings.change_minutes", raise_exception=True)
def minutes_approve(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    form = ApproveMinutesForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, "Choose the later meeting at which the minutes were approved.")
        return redirect("meetings:minutes_detail", meeting.pk)
    try:
        services.approve_minutes(
            services.minutes_for(meeting),
            at_meeting=form.cleaned_data["at_meeting"],
            by=request.user,
            today=timezone.localdate(),
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, "The minutes are approved and locked.")
    return redirect("meetings:minutes_detail", meeting.pk)


@permission_required("meetings.change_minuteentry", raise_exception=True)
def minute_amend(request, pk):
    entry = get_object_or_404(MinuteEntry.objects.select_related("minutes", "item"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, entry.minutes.meeting_id)
    form = AmendMinuteForm(
        request.POST or None, initial={"note": entry.note, "decisions": entry.decisions}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.amend_minute(entry, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The amendment is recorded.")
            return redirect("meetings:minutes_detail", meeting.pk)
    return render(
        request,
        "meetings/minute_amend.html",
        {"form": form, "entry": entry, "meeting": meeting, "nav_section": "meetings"},
    )


@permission_required("meetings.add_action", raise_exception=True)
def action_create(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    form = ActionForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.add_action(
                meeting,
                description=data["description"],
                owner_people=data["owner_people"],
                owner_organisations=data["owner_organisations"],
                target_date=data["target_date"],
                item=data["item"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Action {action.number} added to the log.")
            return redirect("meetings:minutes_detail", meeting.pk)
    return render(
        request,
        "meetings/action_form.html",
        {"form": form, "meeting": meeting, "nav_section": "meetings"},
    )


@permission_required("meetings.change_action", raise_exception=True)
def action_edit(request, pk):
    action = get_object_or_404(Action.objects.select_related("meeting"), pk=pk)
    form = ActionUpdateForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Action {action.number} saved.")
        return redirect("meetings:action_list")
    return render(
        request,
        "meetings/action_form.html",
        {"form": form, "action": action, "meeting": action.meeting, "nav_section": "meetings"},
    )


@permission_required("meetings.view_action", raise_exception=True)
def action_list(request):
    actions = actions_queryset()
    mine = request.GET.get("mine") == "1"
    if mine:
        actions = actions.owned_by(request.user)
    if request.GET.get("status") in Action.Status.values:
        actions = actions.filter(status=request.GET["status"])
    return render(
        request,
        "meetings/action_list.html",
        {
            "actions": actions,
            "mine": mine,
            "today": timezone.localdate(),
            "can_edit": request.user.has_perm("meetings.change_action"),
            "nav_section": "meetings",
        },
    )


@permission_required("meetings.view_meeting", raise_exception=True)
def search_view(request):
    query = request.GET.get("q", "")[: search.MAX_QUERY]
    kind = request.GET.get("kind") if request.GET.get("kind") in search.KINDS else None

    def number(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    filters = {
        "year": number("year"),
        "meeting": number("meeting"),
        "subgroup": number("subgroup"),
        "organisation": number("organisation"),
    }
    results = search.search(request.user, query, kind=kind, **filters) if query.strip() else []
    years = sorted({d.year for d in Meeting.objects.dates("date", "year")}, reverse=True)
    return render(
        request,
        "meetings/search.html",
        {
            "query": query,
            "results": results,
            "kind": kind,
            "kinds": search.KINDS.items(),
            "filters": filters,
            "years": years,
            "meetings": Meeting.objects.visible_to(request.user)
            .select_related("body")
            .order_by("-date")[:60],
            "subgroups": subgroup_choices(),
            "organisations": Organisation.objects.order_by("name").values_list("pk", "name"),
            "nav_section": "search",
        },
    )


@permission_required("meetings.view_meeting", raise_exception=True)
def notice_preferences(request):
    # A GET never writes: the default preference is shown unsaved until the member chooses.
    preference = NoticePreference.objects.filter(user=request.user).first() or NoticePreference(
        user=request.user
    )
    if request.method == "POST":
        frequency = request.POST.get("frequency")
        if frequency in NoticePreference.Frequency.values:
            preference.frequency = frequency
            preference.save()
            messages.success(request, f"Saved: {preference.get_frequency_display().lower()}.")
            return redirect("meetings:notice_preferences")
        messages.error(request, "Choose one of the options.")
    return render(
        request,
        "meetings/notice_preferences.html",
        {
            "preference": preference,
            "choices": NoticePreference.Frequency.choices,
            "has_email": bool(request.user.email),
            "nav_section": "meetings",
        },
    )


@permission_required("meetings.view_forwardplanentry", raise_exception=True)
def forward_plan(request):
    today = timezone.localdate()
    entries = ForwardPlanEntry.objects.select_related(
        "meeting__body", "owner_person", "owner_organisation", "paper"
    )
    if request.GET.get("all") != "1":
        entries = entries.filter(meeting__date__gte=today)
    return render(
        request,
        "meetings/forward_plan.html",
        {
            "entries": entries,
            "today": today,
            "can_edit": request.user.has_perm("meetings.change_forwardplanentry"),
            "nav_section": "meetings",
        },
    )


def _forward_plan_form(request, entry):
    form = ForwardPlanEntryForm(request.POST or None, instance=entry, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        form.save()
        due = form.instance.due
        messages.success(
            request, f"“{form.instance.title}” is due on {due:%A} {due.day} {due:%B %Y}."
        )
        return redirect("meetings:forward_plan")
    return render(
        request,
        "meetings/forward_plan_form.html",
        {"form": form, "entry": entry, "nav_section": "meetings"},
    )


@permission_required("meetings.add_forwardplanentry", raise_exception=True)
def forward_plan_create(request):
    return _forward_plan_form(request, ForwardPlanEntry())


@permission_required("meetings.change_forwardplanentry", raise_exception=True)
def forward_plan_edit(request, pk):
    return _forward_plan_form(request, get_object_or_404(ForwardPlanEntry, pk=pk))


@require_POST
def meeting_seen(request, pk):
    """Record that the user has now seen the meeting (sent by the page, or its button)."""
    meeting = get_meeting_for_user_or_404(request.user, pk)
    MeetingVisit.objects.update_or_create(
        user=request.user, meeting=meeting, defaults={"seen_at": timezone.now()}
    )
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"ok": True})
    return redirect(meeting.get_absolute_url())
