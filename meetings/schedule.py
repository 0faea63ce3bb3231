"""Dates of next meetings and calendar files, generated from the scheduled meetings."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from wkp.templatetags.wkp_format import short_date

from .clock import is_unique, london
from .models import Body, Meeting

NEXT_MEETINGS_LIMIT = 8
# Meetings' dates and times are London wall-clock times, whatever the server's zone.
TZID = "Europe/London"


def next_meetings(meeting, limit=NEXT_MEETINGS_LIMIT):
    """The meetings after this one: of the same body, plus its events such as conferences."""
    return list(
        Meeting.objects.filter(date__gt=meeting.date)
        .filter(
            Q(body_id=meeting.body_id)
            | Q(body__kind=Body.Kind.EVENT, body__parent_id=meeting.body_id)
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("venue", "body")
        .order_by("date", "start_time")[:limit]
    )


def meeting_uid(meeting):
    """Stable across edits, so calendar clients update the entry rather than add another."""
    return f"meeting-{meeting.pk}@wkp-intranet"


def calendar_time(local):
    """With TZID, or in UTC where the clocks skip or repeat the time (meetings.clock): a local
    time that names no one instant is read differently by different clients."""
    return local if is_unique(local) else local.astimezone(UTC)


def meeting_event(meeting, url):
    tz = ZoneInfo(TZID)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("summary", meeting.display_title)
    event.add("sequence", meeting.version)
    if meeting.start_time:
        start = london(meeting.date, meeting.start_time)
        # With no end time, two hours later on the clock face (Python adds wall-clock time
        # within one zone), as a co-ordinator reads "10am to 12 noon".
        end = (
            london(meeting.date, meeting.end_time)
            if meeting.end_time
            else start + timedelta(hours=2)
        )
        event.add("dtstart", calendar_time(start))
        event.add("dtend", calendar_time(end))
    else:
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + timedelta(days=1))
    if meeting.venue:
        location = meeting.venue.name
        if meeting.venue.address:
            location += ", " + ", ".join(meeting.venue.address.splitlines())
        event.add("location", location)
    if meeting.status == Meeting.Status.CANCELLED:
        event.add("status", "CANCELLED")
    description = []
    if meeting.note:
        description.append(meeting.note)
    if meeting.replaces_date:
        description.append(f"This replaces {short_date(meeting.replaces_date)}.")
    description.append(url)
    event.add("description", "\n".join(description))
    event.add("url", url)
    event.add("dtstamp", datetime.now(tz))
    return event


def london_timezone():
    """The VTIMEZONE that RFC 5545 (3.2.19) requires for every TZID=Europe/London in the file.

    UK rules since 1996 (EU summer time): BST from 01:00 GMT on the last Sunday of March, GMT
    from 02:00 BST on the last Sunday of October. Written as yearly rules, as Outlook and
    tzurl.org write it, so it holds for any meeting date without listing each change."""
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add_component(_yearly_change(TimezoneDaylight, "BST", 0, 1, datetime(1970, 3, 29, 1, 0)))
    zone.add_component(_yearly_change(TimezoneStandard, "GMT", 1, 0, datetime(1970, 10, 25, 2, 0)))
    return zone


def _yearly_change(kind, name, hours_from, hours_to, first):
    """A change of clocks on the last Sunday of `first`'s month, every year since `first`."""
    change = kind()
    change.add("tzname", name)
    change.add("tzoffsetfrom", timedelta(hours=hours_from))
    change.add("tzoffsetto", timedelta(hours=hours_to))
    change.add("dtstart", first)
    change.add("rrule", {"freq": "yearly", "bymonth": first.month, "byday": "-1SU"})
    return change


def calendar_for(meetings, url_for):
    """A calendar of these meetings. It always holds the VTIMEZONE, so a feed with no meeting in
    its window is still a valid calendar (RFC 5545 asks for at least one component). A meeting
    dated outside MEETING_DATES is left out: its times may not be computable, and one such row
    must not break every member's feed."""
    calendar = Calendar()
    calendar.add("prodid", "-//West Kent Partnership//Intranet//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "West Kent Partnership meetings")
    calendar.add("x-wr-timezone", TZID)
    calendar.add_component(london_timezone())
    for meeting in meetings:
        if not meeting.has_date_in_range:
            continue
        calendar.add_component(meeting_event(meeting, url_for(meeting)))
    return calendar.to_ical()


def new_token():
    import secrets

    return secrets.token_urlsafe(32)
