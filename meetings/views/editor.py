"""The co-ordinator's editor: meetings, venues, agenda items, papers and attachments."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, UpdateView

from wkp.views import NavSectionMixin, nothing_changed

from .. import services
from ..access import get_meeting_for_user_or_404
from ..forms import (
    AgendaItemForm,
    AttachmentForm,
    MeetingForm,
    PaperForm,
    VenueForm,
    stored_file,
)
from ..models import AgendaItem, Body, Meeting, Paper, Venue
from .reading import CONTENT_TYPES, agenda_context


class MeetingCreateView(PermissionRequiredMixin, NavSectionMixin, CreateView):
    permission_required = "meetings.add_meeting"
    model = Meeting
    form_class = MeetingForm
    template_name = "meetings/meeting_form.html"
    nav_section = "meetings"

    @cached_property
    def body(self):
        """The body the new meeting is for: ?body=<id>, else that of the latest meeting."""
        value = self.request.GET.get("body", "")
        if value.isascii() and value.isdigit() and len(value) <= 18:
            body = Body.objects.filter(pk=int(value)).first()
            if body:
                return body
        latest = Meeting.objects.order_by("-date").select_related("body").first()
        return latest.body if latest else Body.objects.filter(kind=Body.Kind.BOARD).first()

    def get_initial(self):
        initial = super().get_initial()
        if self.body:
            initial.update(services.new_meeting_defaults(self.body))
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["body"] = self.body
        context["bodies"] = Body.objects.order_by("name")
        context["previous"] = services.last_meeting_of(self.body) if self.body else None
        return context

    @transaction.atomic
    def form_valid(self, form):
        meeting = form.save()
        previous = services.last_meeting_of(meeting.body, before=meeting)
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
        if nothing_changed(self.request, form):
            return redirect("meetings:agenda_edit", form.instance.pk)
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
    context = agenda_context(meeting, request.user)
    context["item_form"] = AgendaItemForm(meeting=meeting)
    context["deleted_items"] = AgendaItem.objects.deleted().filter(meeting=meeting)
    context["deleted_papers"] = Paper.objects.deleted().filter(meeting=meeting)
    return render(request, "meetings/agenda_edit.html", context)


def _editor(meeting):
    return redirect("meetings:agenda_edit", meeting.pk)


def report_error(request, error):
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
            report_error(request, error)
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
        if nothing_changed(request, form):
            return _editor(meeting)
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
        report_error(request, error)
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
        report_error(request, error)
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
        if paper is not None and paper.pk and nothing_changed(request, form):
            return redirect("meetings:agenda_edit", meeting.pk)
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
            if form.checked and form.checked.removed:
                messages.warning(request, form.checked.removal_message)
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
        attachment.file = stored_file(form.cleaned_data["upload"], form.checked, "attachment")
        attachment.file_checked_at = timezone.now()
        attachment.file_name = form.original_name
        attachment.file_size = form.checked.size
        attachment.content_type = CONTENT_TYPES[form.checked.kind]
        attachment.save()
        messages.success(request, f"Attachment “{attachment.title}” added to {paper.label}.")
        if form.checked.removed:
            messages.warning(request, form.checked.removal_message)
        return redirect("meetings:paper_detail", paper.pk)
    return render(
        request,
        "meetings/attachment_form.html",
        {"form": form, "paper": paper, "nav_section": "papers"},
    )
