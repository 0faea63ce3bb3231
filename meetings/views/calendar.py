"""Calendars: one meeting as .ics, and each member's subscription feed."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from wkp.downloads import attachment
from wkp.http_methods import require_form_methods

from ..access import get_meeting_for_user_or_404
from ..models import CalendarToken, Meeting
from ..schedule import calendar_for, new_token


@require_safe
def meeting_ics(request, pk):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    body = calendar_for([meeting], lambda m: request.build_absolute_uri(m.get_absolute_url()))
    return attachment(body, f"{meeting.file_stem}.ics", content_type="text/calendar; charset=utf-8")


@login_not_required
@require_safe
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


@require_form_methods
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
