"""The co-ordinator's editor: meetings, venues, agenda items, papers and attachments."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import CreateView, UpdateView

from wkp.http_methods import PAGE_METHODS, require_form_methods
from wkp.rich_text import editor_media, removed_message
from wkp.templatetags.wkp_format import uk_date
from wkp.views import NavSectionMixin, nothing_changed

from .. import services
from ..access import get_meeting_for_user_or_404, meeting_view
from ..agenda import walk
from ..editor_forms import CopyAgendaForm, InlineItemForm, ItemPaperForm, NewItemForm
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


class MeetingFormPage(PermissionRequiredMixin, NavSectionMixin):
    """The meeting details form, for a new meeting or an existing one."""

    http_method_names = PAGE_METHODS
    model = Meeting
    form_class = MeetingForm
    template_name = "meetings/meeting_form.html"
    nav_section = "meetings"


class MeetingCreateView(MeetingFormPage, CreateView):
    permission_required = "meetings.add_meeting"

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

    def form_valid(self, form):
        meeting = services.create_meeting(
            form.save(commit=False), copy_standing=self.request.POST.get("copy_standing") == "1"
        )
        messages.success(self.request, "Meeting created. Now build its agenda.")
        for note in form.repeated_time_notes():
            messages.info(self.request, note)
        return redirect("meetings:agenda_edit", meeting.pk)


class MeetingUpdateView(MeetingFormPage, UpdateView):
    permission_required = "meetings.change_meeting"

    def form_valid(self, form):
        if nothing_changed(self.request, form):
            return redirect("meetings:agenda_edit", form.instance.pk)
        try:
            services.update_meeting(form.instance, version=form.cleaned_data["version"])
        except services.ConcurrentEdit as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Meeting details saved.")
        for note in form.repeated_time_notes():
            messages.info(self.request, note)
        return redirect("meetings:agenda_edit", form.instance.pk)


class VenueCreateView(PermissionRequiredMixin, NavSectionMixin, CreateView):
    http_method_names = PAGE_METHODS
    permission_required = "meetings.add_venue"
    model = Venue
    form_class = VenueForm
    template_name = "meetings/venue_form.html"
    nav_section = "meetings"

    def form_valid(self, form):
        form.save()
        messages.success(self.request, f"Venue “{form.instance.name}” added.")
        return redirect("meetings:meeting_create")


def _int_param(request, name):
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


@require_safe
@meeting_view("meetings.change_meeting")
def agenda_edit(request, meeting):
    """The editor. Query parameters say where the co-ordinator is working: `add_after` /
    `add_under` place the "add an item" row, `edit` opens an item's row for editing and
    `paper_for` opens "Add paper" on an item. Links carry them, so every step also works
    without JavaScript; with htmx only the workspace is fetched and swapped in place."""
    state = {
        "add_after": _int_param(request, "add_after"),
        "add_under": _int_param(request, "add_under"),
        "edit": _int_param(request, "edit"),
        "paper_for": _int_param(request, "paper_for"),
    }
    return render_editor(request, meeting, **state)


def render_editor(
    request,
    meeting,
    *,
    add_after=None,
    add_under=None,
    edit=None,
    paper_for=None,
    new_form=None,
    edit_form=None,
    paper_form=None,
    copy_form=None,
    status=200,
):
    """The editor page, or only its workspace for an htmx request (same template, same data)."""
    context = agenda_context(meeting, request.user)
    items = {node.item.pk: node for node in walk(context["agenda"])}
    top = context["agenda"]
    # Where the "add an item" row goes: (parent id, id of the sibling it follows or None).
    if add_under in items:
        children = items[add_under].children
        add = (add_under, children[-1].item.pk if children else None)
    elif add_after in items:
        add = (items[add_after].item.parent_id, add_after)
    elif new_form is not None and new_form.is_bound:
        add = (_row_id(new_form.data.get("new-parent")), _row_id(new_form.data.get("new-after")))
    else:
        add = (None, top[-1].item.pk if top else None)
    if new_form is None:
        follows = items.get(add[1])
        kind = follows.item.kind if follows and follows.item.kind in CONTINUED_KINDS else None
        new_form = NewItemForm(
            meeting=meeting,
            initial={"parent": add[0], "after": add[1], **({"kind": kind} if kind else {})},
        )
    if edit in items and edit_form is None:
        edit_form = InlineItemForm(
            instance=items[edit].item,
            meeting=meeting,
            prefix=f"item{edit}",
        )
    if paper_for in items and paper_form is None:
        paper_form = ItemPaperForm(item=items[paper_for].item)
    context.update(
        # Focus moves to the "add" row only when the co-ordinator is adding; after a move or an
        # edit, htmx gives the focus back to the button or link that was used (same id).
        focus_add=bool(add_after or add_under or new_form.is_bound),
        add_parent=add[0],
        add_after=add[1],
        new_form=new_form,
        edit_item=edit_form.instance.pk if edit_form is not None else None,
        edit_form=edit_form,
        paper_item=paper_form.item.pk if paper_form is not None else None,
        paper_form=paper_form,
        deleted_items=AgendaItem.objects.deleted().filter(meeting=meeting),
        deleted_papers=Paper.objects.deleted().filter(meeting=meeting),
        editor_url=reverse("meetings:agenda_edit", args=[meeting.pk]),
        copy_form=copy_form or CopyAgendaForm(meeting=meeting),
        can_undo=AgendaItem.history.filter(meeting_id=meeting.pk).exists(),
    )
    template = (
        "meetings/partials/agenda_workspace.html" if request.htmx else "meetings/agenda_edit.html"
    )
    return render(request, template, context, status=status)


def _row_id(value):
    """An item id as the add row posted it, or None. ASCII digits only, and no more than a
    bigint has: str.isdigit() also passes "²", and int() refuses thousands of digits."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None


# A new item takes the kind of the item it follows when that kind comes in runs (reports,
# discussions); after any other kind it starts as a report, the model's default.
CONTINUED_KINDS = {AgendaItem.Kind.REPORT, AgendaItem.Kind.DISCUSSION}


def _editor(meeting, **state):
    url = reverse("meetings:agenda_edit", args=[meeting.pk])
    state = {name: value for name, value in state.items() if value is not None}
    if state:
        url += "?" + urlencode(state)
    return redirect(url)


@require_POST
@meeting_view("meetings.add_agendaitem")
def item_add(request, meeting):
    """The "add an item" row: add it where the row is, and open the row again after it."""
    form = NewItemForm(request.POST, request.FILES, meeting=meeting)
    if form.is_valid():
        paper = form.paper()
        data = {name: form.cleaned_data[name] for name in InlineItemForm.Meta.fields}
        try:
            item = services.add_item_with_paper(
                meeting,
                version=form.cleaned_data["version"],
                parent=form.cleaned_data["parent"],
                after=form.cleaned_data["after"],
                paper=paper,
                by=request.user,
                **data,
            )
        except (services.ConcurrentEdit, ValidationError) as error:
            meeting.refresh_from_db()
            form = NewItemForm(_with_version(request.POST, "new-version", meeting), meeting=meeting)
            form.is_valid()
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
            return render_editor(request, meeting, new_form=form, status=409)
        if paper is not None:
            paper.refresh_from_db(fields=["letter"])
            messages.success(request, f"Item “{item.title}” added with {paper.label}.")
        else:
            messages.success(request, f"Item “{item.title}” added.")
        return _editor(meeting, add_after=item.pk)
    return render_editor(request, meeting, new_form=form, status=400)


def _with_version(data, field, meeting):
    """The co-ordinator's input kept after a conflict, now against the latest version."""
    data = data.copy()
    data[field] = meeting.version
    return data


@require_POST
@meeting_view("meetings.add_agendaitem")
def agenda_copy(request, meeting):
    """Copy another meeting's agenda (all items, or only the standing ones) into this one."""
    form = CopyAgendaForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return render_editor(request, meeting, copy_form=form, status=400)
    source = form.cleaned_data["source"]
    try:
        copied = services.copy_agenda(
            source,
            meeting,
            version=form.cleaned_data["version"],
            standing_only=form.cleaned_data["what"] == "standing",
        )
    except (services.ConcurrentEdit, ValidationError) as error:
        report_error(request, error)
        return _editor(meeting)
    messages.success(
        request,
        f"{copied} item{'s' if copied != 1 else ''} copied from the agenda of "
        f"{uk_date(source.date)}. Undo takes them out again.",
    )
    return _editor(meeting)


@require_POST
@meeting_view("meetings.change_agendaitem")
def agenda_undo(request, meeting):
    """Undo the agenda's last change (see services.undo_last_change)."""
    try:
        touched = services.undo_last_change(meeting, version=request.POST.get("version"))
    except (services.ConcurrentEdit, ValidationError) as error:
        report_error(request, error)
    else:
        names = ", ".join(f"“{item.title}”" for item in touched[:3])
        more = f" and {len(touched) - 3} more" if len(touched) > 3 else ""
        messages.success(request, f"Last change undone ({names}{more}). Undo again to redo it.")
    return _editor(meeting)


@require_POST
@permission_required("meetings.change_agendaitem", raise_exception=True)
def item_row_save(request, pk):
    """Title, time, kind and presenters saved from the item's row."""
    item = get_object_or_404(AgendaItem.objects.live().select_related("meeting"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, item.meeting_id)
    prefix = f"item{item.pk}"
    form = InlineItemForm(request.POST, instance=item, meeting=meeting, prefix=prefix)
    if form.is_valid():
        if nothing_changed(request, form):
            return _editor(meeting)
        paper_ids = list(item.paper_links.values_list("paper_id", flat=True))
        try:
            services.update_item(item, **item_changes(form, paper_ids=paper_ids))
        except (services.ConcurrentEdit, ValidationError) as error:
            meeting.refresh_from_db()
            item.refresh_from_db()
            form = InlineItemForm(
                _with_version(request.POST, f"{prefix}-version", meeting),
                instance=item,
                meeting=meeting,
                prefix=prefix,
            )
            form.is_valid()
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
            return render_editor(request, meeting, edit_form=form, status=409)
        messages.success(request, f"Item “{item.title}” saved.")
        return _editor(meeting)
    return render_editor(request, meeting, edit_form=form, status=400)


@require_POST
@permission_required("meetings.add_paper", raise_exception=True)
def item_paper_add(request, pk):
    """ "Add paper" on an item's row, or a file dropped on it: the paper is taken at the item."""
    item = get_object_or_404(AgendaItem.objects.live().select_related("meeting"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, item.meeting_id)
    form = ItemPaperForm(request.POST, request.FILES, item=item)
    if form.is_valid():
        paper = form.build_paper()
        try:
            paper = services.add_item_paper(
                item, paper, version=form.cleaned_data["meeting_version"], by=request.user
            )
        except (services.ConcurrentEdit, ValidationError) as error:
            meeting.refresh_from_db()
            form = ItemPaperForm(
                _with_version(request.POST, "paper-meeting_version", meeting), item=item
            )
            form.is_valid()
            reason = str(error) if isinstance(error, services.ConcurrentEdit) else error.messages[0]
            form.add_error(None, f"{reason} Choose the file again to add it.")
            return render_editor(request, meeting, paper_form=form, status=409)
        label = paper.label if paper.letter else "The paper"
        messages.success(request, f"{label} “{paper.title}” added to “{item.title}”.")
        return _editor(meeting, add_after=item.pk)
    return render_editor(request, meeting, paper_form=form, status=400)


def item_changes(form, **given):
    """An agenda item form's data as the item services take it: papers by id."""
    changes = dict(form.cleaned_data)
    if "papers" in changes:
        changes["paper_ids"] = [paper.pk for paper in changes.pop("papers")]
    return {**changes, **given}


def report_error(request, error):
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error))


@require_form_methods
@meeting_view("meetings.add_agendaitem")
def item_create(request, meeting):
    form = AgendaItemForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        changes = item_changes(form)
        try:
            services.add_item(meeting, **changes)
        except (services.ConcurrentEdit, ValidationError) as error:
            report_error(request, error)
            return _editor(meeting)
        messages.success(request, f"Item “{changes['title']}” added.")
        return _editor(meeting)
    return _item_form_page(request, form, meeting)


def rich_text_form_page(request, template_name, form, **context):
    """A meetings page whose form has a rich-text editor (its media carry the CSP nonce)."""
    context.update(form=form, nav_section="meetings", editor_media=editor_media(form, request))
    return render(request, template_name, context)


def _item_form_page(request, form, meeting, item=None):
    """The page of one agenda item's form (added or edited without JavaScript)."""
    return rich_text_form_page(request, "meetings/item_form.html", form, meeting=meeting, item=item)


@require_form_methods
@permission_required("meetings.change_agendaitem", raise_exception=True)
def item_edit(request, pk):
    item = get_object_or_404(AgendaItem.objects.live().select_related("meeting"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, item.meeting_id)
    form = AgendaItemForm(request.POST or None, instance=item, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        if nothing_changed(request, form):
            return _editor(meeting)
        try:
            services.update_item(item, **item_changes(form))
        except services.ConcurrentEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Item “{item.title}” saved.")
            return _editor(meeting)
    return _item_form_page(request, form, meeting, item)


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
    if request.htmx:
        return _editor(meeting)
    return redirect(reverse("meetings:agenda_edit", args=[meeting.pk]) + f"#item-{item.pk}")


@require_POST
@meeting_view("meetings.change_agendaitem")
def agenda_reorder(request, meeting):
    """Drag and drop posts the whole new tree as JSON: {"version": n, "tree": [[id, parent]…]}."""
    try:
        version, tree = _read_order(request.body)
    except (ValueError, KeyError, TypeError, RecursionError):
        return JsonResponse(
            {"ok": False, "message": "The new order could not be read: please reload the page."},
            status=400,
        )
    try:
        services.reorder_agenda(meeting, version=version, tree=tree)
    except services.ConcurrentEdit as error:
        return JsonResponse({"ok": False, "message": str(error)}, status=409)
    except ValidationError as error:
        return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=400)
    return JsonResponse({"ok": True, "version": meeting.version})


def _read_order(body):
    """The version and (item id, parent id) pairs of a posted order. Each must be a JSON whole
    number: json reads 1e999 as infinity, which int() cannot take, and true as 1."""
    payload = json.loads(body)
    version = payload["version"]
    tree = [(item_id, parent) for item_id, parent in payload["tree"]]
    numbers = [version, *(number for pair in tree for number in pair if number is not None)]
    if any(type(number) is not int for number in numbers):
        raise ValueError("The order holds something other than whole numbers.")
    return version, tree


@require_POST
@meeting_view("meetings.change_meeting")
def meeting_publish(request, meeting):
    try:
        services.publish_agenda(meeting, version=request.POST.get("version"), by=request.user)
    except (services.ConcurrentEdit, ValidationError) as error:
        report_error(request, error)
        return _editor(meeting)
    messages.success(request, "The agenda is published: members can now see it.")
    return redirect("meetings:meeting_detail", meeting.pk)


@require_form_methods
@meeting_view("meetings.add_paper")
def paper_create(request, meeting):
    initial = {}
    item = AgendaItem.objects.live().filter(meeting=meeting, pk=_int_param(request, "item")).first()
    if item is not None:
        # "Type the paper instead" from an item's row: taken at that item, titled after it.
        initial = {"items": [item.pk], "title": item.title}
    return _paper_form(request, meeting, Paper(meeting=meeting), initial=initial)


@require_form_methods
@permission_required("meetings.change_paper", raise_exception=True)
def paper_edit(request, pk):
    paper = get_object_or_404(Paper.objects.live().select_related("meeting"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, paper.meeting_id)
    return _paper_form(request, meeting, paper)


def _paper_form(request, meeting, paper, initial=None):
    form = PaperForm(
        request.POST or None,
        request.FILES or None,
        instance=paper,
        meeting=meeting,
        initial=initial,
    )
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
            if removed := removed_message(form.fields["body_html"]):
                messages.warning(request, removed)
            return redirect("meetings:agenda_edit", meeting.pk)
    return rich_text_form_page(
        request, "meetings/paper_form.html", form, meeting=meeting, paper=paper
    )


def _paper_step(request, pk, papers, step, done):
    """Deletes or restores one paper (`step`, a service), then back to the agenda editor."""
    paper = get_object_or_404(papers, pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, paper.meeting_id)
    step(paper, by=request.user)
    messages.success(request, f"“{paper.title}” {done}")
    return _editor(meeting)


@require_POST
@permission_required("meetings.delete_paper", raise_exception=True)
def paper_delete(request, pk):
    return _paper_step(
        request,
        pk,
        Paper.objects.live(),
        services.delete_paper,
        "deleted. You can restore it below.",
    )


@require_POST
@permission_required("meetings.change_paper", raise_exception=True)
def paper_restore(request, pk):
    return _paper_step(request, pk, Paper.objects.deleted(), services.restore_paper, "restored.")


@require_form_methods
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
