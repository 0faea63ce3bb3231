"""Minutes, attendance, declarations and the action log."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from wkp.downloads import attachment
from wkp.forms import with_more_rows
from wkp.http_methods import require_form_methods
from wkp.pdf import PdfRenderError, render_pdf_once
from wkp.views import nothing_changed

from .. import services
from ..access import get_meeting_for_user_or_404, meeting_view
from ..agenda import load_agenda, walk
from ..forms import (
    ActionForm,
    ActionUpdateForm,
    AmendMinuteForm,
    ApproveMinutesForm,
    AttendanceFormSet,
    DeclarationFormSet,
    MinutesForm,
)
from ..minutes import actions_queryset, load_minutes, minutes_visible_to
from ..models import Action, Attendance, Declaration, MinuteEntry, Minutes
from ..pack import document_footer
from .editor import report_error, rich_text_form_page


def _saved(request, form, save, done):
    """Call `save` (a service) for a valid form: True, saying `done`, when it saved; False when
    it refused (invalid, or changed by someone else meanwhile), its reasons on the form."""
    try:
        saved = save()
    except (services.ConcurrentEdit, ValidationError) as error:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
        return False
    messages.success(request, done(saved) if callable(done) else done)
    return True


def _minutes_or_404(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    view = load_minutes(meeting)
    if not minutes_visible_to(view.minutes, request.user):
        raise Http404
    return meeting, view


@require_safe
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


@require_safe
def minutes_pdf(request, pk):
    meeting, view = _minutes_or_404(request, pk)
    html = render_to_string(
        "meetings/pdf/minutes.html",
        {
            "meeting": meeting,
            "view": view,
            "today": timezone.localdate(),
            "footer": document_footer(meeting),
        },
    )
    try:
        data = render_pdf_once(html, name=f"The minutes of {meeting}")
    except PdfRenderError as error:
        messages.error(request, str(error))
        return redirect("meetings:minutes_detail", meeting.pk)
    return attachment(data, f"{meeting.file_stem}-minutes.pdf", content_type="application/pdf")


MORE_ROWS = 5  # blank rows "Add 5 more people" adds to attendance or declarations


@require_form_methods
@meeting_view("meetings.change_minutes")
def minutes_edit(request, meeting):
    # Opening the form writes nothing; the minutes row is made on the first save.
    minutes = Minutes.objects.filter(meeting=meeting).first() or Minutes(meeting=meeting)
    if minutes.is_locked:
        messages.error(request, "These minutes are approved: correct them with an amendment.")
        return redirect("meetings:minutes_detail", meeting.pk)
    nodes, _ = load_agenda(meeting)
    data = request.POST if request.method == "POST" else None
    form = MinutesForm(data, minutes=minutes, nodes=list(walk(nodes)))

    def formsets(data):
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
        return attendance, declarations

    attendance, declarations = formsets(data)
    more = data is not None and with_more_rows(data, (attendance, declarations), more=MORE_ROWS)
    if more:
        attendance, declarations = formsets(more)
        messages.info(request, f"{MORE_ROWS} more rows added. Nothing is saved until you save.")
    elif request.method == "POST" and all(
        [form.is_valid(), attendance.is_valid(), declarations.is_valid()]
    ):
        if nothing_changed(request, form, attendance, declarations):
            return redirect("meetings:minutes_detail", meeting.pk)
        record = partial(
            services.record_minutes,
            meeting,
            version=form.cleaned_data["version"],
            entries=form.entries(),
            attendance=attendance,
            declarations=declarations,
        )
        if _saved(request, form, record, "Minutes and attendance saved."):
            return redirect("meetings:minutes_detail", meeting.pk)
    return rich_text_form_page(
        request,
        "meetings/minutes_form.html",
        form,
        meeting=meeting,
        attendance=attendance,
        declarations=declarations,
    )


def _minutes_step(request, meeting, step, done, **details):
    """Take the minutes one step on (circulate, approve), report what the step refuses, and go
    back to the minutes."""
    try:
        step(services.minutes_for(meeting), by=request.user, **details)
    except ValidationError as error:
        report_error(request, error)
    else:
        messages.success(request, done)
    return redirect("meetings:minutes_detail", meeting.pk)


@require_POST
@meeting_view("meetings.change_minutes")
def minutes_circulate(request, meeting):
    done = "The draft minutes are circulated: members can read them."
    return _minutes_step(request, meeting, services.circulate_minutes, done)


@require_POST
@meeting_view("meetings.change_minutes")
def minutes_approve(request, meeting):
    form = ApproveMinutesForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, "Choose the later meeting at which the minutes were approved.")
        return redirect("meetings:minutes_detail", meeting.pk)
    return _minutes_step(
        request,
        meeting,
        services.approve_minutes,
        "The minutes are approved and locked.",
        at_meeting=form.cleaned_data["at_meeting"],
        today=timezone.localdate(),
    )


@require_form_methods
@permission_required("meetings.change_minuteentry", raise_exception=True)
def minute_amend(request, pk):
    entry = get_object_or_404(MinuteEntry.objects.select_related("minutes", "item"), pk=pk)
    meeting = get_meeting_for_user_or_404(request.user, entry.minutes.meeting_id)
    form = AmendMinuteForm(
        request.POST or None, initial={"note": entry.note, "decisions": entry.decisions}
    )
    if request.method == "POST" and form.is_valid():
        if not form.minute_changed():
            messages.info(request, "Nothing in the minute was changed, so nothing was amended.")
            return redirect("meetings:minutes_detail", meeting.pk)
        amend = partial(services.amend_minute, entry, by=request.user, **form.cleaned_data)
        if _saved(request, form, amend, "The amendment is recorded."):
            return redirect("meetings:minutes_detail", meeting.pk)
    return rich_text_form_page(
        request, "meetings/minute_amend.html", form, entry=entry, meeting=meeting
    )


@require_form_methods
@meeting_view("meetings.add_action")
def action_create(request, meeting):
    form = ActionForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target_date, target_is_month = data["target"]
        add = partial(
            services.add_action,
            meeting,
            description=data["description"],
            owner_people=data["owner_people"] or (),
            owner_organisations=data["owner_organisations"] or (),
            owner_text=data["owner_text"],
            target_date=target_date,
            target_is_month=target_is_month,
            item=data["item"],
            number=data["number"],
        )
        if _saved(request, form, add, lambda action: f"Action {action.number} added to the log."):
            return redirect("meetings:minutes_detail", meeting.pk)
    return render(
        request,
        "meetings/action_form.html",
        {"form": form, "meeting": meeting, "nav_section": "meetings"},
    )


@require_form_methods
@permission_required("meetings.change_action", raise_exception=True)
def action_edit(request, pk):
    action = get_object_or_404(Action.objects.select_related("meeting"), pk=pk)
    form = ActionUpdateForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        if nothing_changed(request, form):
            return redirect("meetings:action_list")
        services.update_action(form=form)
        messages.success(request, f"Action {action.number} saved.")
        return redirect("meetings:action_list")
    return render(
        request,
        "meetings/action_form.html",
        {"form": form, "action": action, "meeting": action.meeting, "nav_section": "meetings"},
    )


@require_safe
@permission_required("meetings.view_action", raise_exception=True)
def action_list(request):
    actions = actions_queryset().visible_to(request.user)
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
