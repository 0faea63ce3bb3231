"""Every calendar the app serves, read by two independent parsers (icalendar and vobject).

RFC 5545 3.2.19: every TZID a calendar uses must be defined by a VTIMEZONE in the same file;
strict clients (older Outlook) refuse the file or shift the times otherwise. The times are
checked through each parser's own reading of that VTIMEZONE (not the system's zoneinfo), for a
meeting in summer time (BST, UTC+1) and one in winter (GMT), so a wrong rule shows as an hour out.
"""

import datetime
import re

import pytest
import time_machine
import vobject
from django.urls import reverse
from icalendar import Calendar

from meetings.models import CalendarToken, Meeting
from tests.factories import MeetingFactory
from tests.urlcrawl import project_urls

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SUMMER = datetime.date(2026, 7, 14)  # BST: 10:00 in London is 09:00 UTC
WINTER = datetime.date(2026, 12, 10)  # GMT: 14:00 in London is 14:00 UTC
# Every calendar view, by URL name; a new .ics address must be added here (checked below).
CALENDAR_URLS = {"meetings:meeting_ics", "meetings:calendar_feed"}


def test_every_calendar_address_of_the_project_is_checked_here():
    served = {name for path, name in project_urls() if path.endswith(".ics")}
    assert served == CALENDAR_URLS


def check_rfc5545(content):
    """Parse with both parsers and check what strict clients rely on; return both readings."""
    text = content.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == "", "the file ends with CRLF"
    assert all("\n" not in line and "\r" not in line for line in lines), "lines end with CRLF"
    assert all(len(line.encode()) <= 75 for line in lines), "lines are folded at 75 octets"
    ours = Calendar.from_ical(content)
    theirs = vobject.readOne(text)
    assert ours.name == "VCALENDAR"
    assert str(ours["version"]) == "2.0" and str(ours["prodid"])
    used = set(re.findall(r";TZID=([^:;]+)", text))
    defined = {str(zone["tzid"]) for zone in ours.walk("VTIMEZONE")}
    assert defined == {"Europe/London"}
    assert used <= defined, f"TZID without a VTIMEZONE: {used - defined}"
    assert [z.tzid.value for z in theirs.contents.get("vtimezone", [])] == ["Europe/London"]
    # RFC 5545 3.4: a calendar holds at least one component.
    assert ours.subcomponents
    for event in ours.walk("VEVENT"):
        for required in ("uid", "dtstamp", "dtstart"):
            assert required in event
        assert event["dtstamp"].dt.tzinfo is not None
        assert event["dtstamp"].dt.utcoffset() == datetime.timedelta(0)
    return ours, theirs


def starts_on(value, day):
    return isinstance(value, datetime.datetime) and value.date() == day


def start_in_utc(ours, theirs, summary_date):
    """The start of the meeting on this date in UTC, as each parser reads the file's VTIMEZONE."""
    zone_ours = ours.walk("VTIMEZONE")[0].to_tz()
    (event,) = [e for e in ours.walk("VEVENT") if starts_on(e["dtstart"].dt, summary_date)]
    local = event["dtstart"].dt.replace(tzinfo=None)
    by_icalendar = local.replace(tzinfo=zone_ours).astimezone(UTC)

    zone_theirs = theirs.vtimezone.gettzinfo()
    (vevent,) = [v for v in theirs.vevent_list if starts_on(v.dtstart.value, summary_date)]
    assert vevent.dtstart.value.tzinfo is not None  # vobject took the TZID
    by_vobject = vevent.dtstart.value.replace(tzinfo=None).replace(tzinfo=zone_theirs)
    return local, by_icalendar, by_vobject.astimezone(UTC)


@pytest.fixture
def summer_and_winter():
    common = {"status": Meeting.Status.PUBLISHED}
    return (
        MeetingFactory(date=SUMMER, start_time=datetime.time(10), **common),
        MeetingFactory(
            date=WINTER, start_time=datetime.time(14), end_time=datetime.time(16), **common
        ),
    )


@pytest.mark.parametrize("which", [0, 1])
def test_meeting_ics_has_a_vtimezone_and_the_london_time(member_client, summer_and_winter, which):
    meeting = summer_and_winter[which]
    response = member_client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))

    assert response.status_code == 200
    ours, theirs = check_rfc5545(response.content)
    local, by_icalendar, by_vobject = start_in_utc(ours, theirs, meeting.date)
    assert local.time() == meeting.start_time
    expected = {
        SUMMER: datetime.datetime(2026, 7, 14, 9, 0, tzinfo=UTC),
        WINTER: datetime.datetime(2026, 12, 10, 14, 0, tzinfo=UTC),
    }[meeting.date]
    assert by_icalendar == expected
    assert by_vobject == expected


def test_feed_holds_summer_and_winter_meetings_at_their_london_times(
    client, member, summer_and_winter
):
    token = CalendarToken.objects.create(user=member, token="feed-token-1234567890")
    all_day = MeetingFactory(
        date=datetime.date(2026, 10, 1), start_time=None, status=Meeting.Status.PUBLISHED
    )
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=UTC)):
        response = client.get(reverse("meetings:calendar_feed", args=[token.token]))

    assert response.status_code == 200
    ours, theirs = check_rfc5545(response.content)
    assert len(ours.walk("VEVENT")) == 3
    assert len(theirs.vevent_list) == 3
    _, summer_ours, summer_theirs = start_in_utc(ours, theirs, SUMMER)
    _, winter_ours, winter_theirs = start_in_utc(ours, theirs, WINTER)
    assert summer_ours == summer_theirs == datetime.datetime(2026, 7, 14, 9, 0, tzinfo=UTC)
    assert winter_ours == winter_theirs == datetime.datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    (day,) = [v for v in theirs.vevent_list if v.dtstart.value == all_day.date]
    assert day.dtstart.params.get("VALUE") == ["DATE"]


def test_feed_with_no_meeting_in_its_window_is_still_a_valid_calendar(client, member):
    MeetingFactory(date=datetime.date(2006, 7, 14), status=Meeting.Status.PUBLISHED)
    token = CalendarToken.objects.create(user=member, token="feed-token-0987654321")

    response = client.get(reverse("meetings:calendar_feed", args=[token.token]))

    assert response.status_code == 200
    ours, theirs = check_rfc5545(response.content)
    assert ours.walk("VEVENT") == []
    assert "vevent" not in theirs.contents


def test_feed_leaves_out_a_meeting_dated_where_its_times_overflow(client, member):
    """A row holding a date the meeting form refuses (restored or loaded data) must not make
    every member's feed fail: it is left out, and the other meetings are served."""
    good = MeetingFactory(
        date=SUMMER, start_time=datetime.time(10), status=Meeting.Status.PUBLISHED
    )
    MeetingFactory(
        date=datetime.date(9999, 12, 31),
        start_time=datetime.time(23),
        status=Meeting.Status.PUBLISHED,
    )
    token = CalendarToken.objects.create(user=member, token="feed-token-1122334455")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=UTC)):
        response = client.get(reverse("meetings:calendar_feed", args=[token.token]))

    assert response.status_code == 200
    ours, _ = check_rfc5545(response.content)
    assert [str(event["uid"]) for event in ours.walk("VEVENT")] == [
        f"meeting-{good.pk}@wkp-intranet"
    ]


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (datetime.date(9999, 12, 31), datetime.time(23)),
        (datetime.date(9999, 12, 31), None),
        (datetime.date(1, 1, 1), datetime.time(0)),
    ],
)
def test_meeting_ics_of_a_meeting_dated_where_its_times_overflow_is_an_empty_calendar(
    member_client, day, start
):
    meeting = MeetingFactory(date=day, start_time=start, status=Meeting.Status.PUBLISHED)

    response = member_client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))

    assert response.status_code == 200
    ours, _ = check_rfc5545(response.content)
    assert ours.walk("VEVENT") == []


def test_meeting_ics_on_the_last_date_a_meeting_may_have_ends_in_the_next_year(member_client):
    meeting = MeetingFactory(
        date=datetime.date(2199, 12, 31),
        start_time=datetime.time(23),
        status=Meeting.Status.PUBLISHED,
    )

    response = member_client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))

    assert response.status_code == 200
    ours, _ = check_rfc5545(response.content)
    (event,) = ours.walk("VEVENT")
    assert event["dtend"].dt.replace(tzinfo=None) == datetime.datetime(2200, 1, 1, 1, 0)


def at_utc(day, hour, minute):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


MARCH_28, MARCH_29 = datetime.date(2026, 3, 28), datetime.date(2026, 3, 29)
OCTOBER_24, OCTOBER_25 = datetime.date(2026, 10, 24), datetime.date(2026, 10, 25)


@pytest.mark.parametrize(
    ("day", "start", "end", "lines", "instants"),
    [
        # With no end time, two hours later on the clock face: 00:30 GMT to 02:30 BST.
        (
            MARCH_29,
            datetime.time(0, 30),
            None,
            [
                "DTSTART;TZID=Europe/London:20260329T003000",
                "DTEND;TZID=Europe/London:20260329T023000",
            ],
            (at_utc(MARCH_29, 0, 30), at_utc(MARCH_29, 1, 30)),
        ),
        # The clock face's 01:30 is skipped: the end is the instant it would have been, in UTC.
        (
            MARCH_28,
            datetime.time(23, 30),
            None,
            ["DTSTART;TZID=Europe/London:20260328T233000", "DTEND:20260329T013000Z"],
            (at_utc(MARCH_28, 23, 30), at_utc(MARCH_29, 1, 30)),
        ),
        # A row saved before the form refused a skipped time: read as RFC 5545 reads it.
        (
            MARCH_29,
            datetime.time(1, 30),
            datetime.time(3, 30),
            ["DTSTART:20260329T013000Z", "DTEND;TZID=Europe/London:20260329T033000"],
            (at_utc(MARCH_29, 1, 30), at_utc(MARCH_29, 2, 30)),
        ),
        # A repeated 01:30 is the first one (BST), written in UTC so no client reads the second.
        (
            OCTOBER_25,
            datetime.time(1, 30),
            datetime.time(2, 30),
            ["DTSTART:20261025T003000Z", "DTEND;TZID=Europe/London:20261025T023000"],
            (at_utc(OCTOBER_25, 0, 30), at_utc(OCTOBER_25, 2, 30)),
        ),
        (
            OCTOBER_24,
            datetime.time(23, 30),
            None,
            ["DTSTART;TZID=Europe/London:20261024T233000", "DTEND:20261025T003000Z"],
            (at_utc(OCTOBER_24, 22, 30), at_utc(OCTOBER_25, 0, 30)),
        ),
        # Two hours later on the clock face: 00:30 BST to 02:30 GMT.
        (
            OCTOBER_25,
            datetime.time(0, 30),
            None,
            [
                "DTSTART;TZID=Europe/London:20261025T003000",
                "DTEND;TZID=Europe/London:20261025T023000",
            ],
            (at_utc(OCTOBER_24, 23, 30), at_utc(OCTOBER_25, 2, 30)),
        ),
    ],
)
def test_meeting_ics_carries_the_right_instants_across_the_clock_changes(
    member_client, day, start, end, lines, instants
):
    meeting = MeetingFactory(
        date=day, start_time=start, end_time=end, status=Meeting.Status.PUBLISHED
    )

    response = member_client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))

    ours, theirs = check_rfc5545(response.content)
    text = response.content.decode()
    assert [line for line in text.split("\r\n") if line.startswith(("DTSTART", "DTEND"))][
        -2:
    ] == lines
    (event,) = ours.walk("VEVENT")
    assert (event["dtstart"].dt.astimezone(UTC), event["dtend"].dt.astimezone(UTC)) == instants
    zone = theirs.vtimezone.gettzinfo()
    (vevent,) = theirs.vevent_list
    # vobject's reading of the file's own VTIMEZONE for TZID times; UTC times are its own.
    read = [
        prop.value.replace(tzinfo=zone) if "TZID" in prop.params else prop.value
        for prop in (vevent.dtstart, vevent.dtend)
    ]
    assert tuple(value.astimezone(UTC) for value in read) == instants
