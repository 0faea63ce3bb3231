"""London wall-clock times, as meetings and agenda items hold them, at the UK's clock changes.

A meeting holds a date and a wall-clock time, not an instant. When the clocks go forward (01:00
to 02:00 on the last Sunday of March) the hour between does not exist: the forms refuse it. When
they go back (02:00 to 01:00 on the last Sunday of October) that hour happens twice: it is always
taken as the first time round, in summer time, as RFC 5545 (3.3.5) and Python's `fold=0` read it.
Pure functions, no database.
"""

import datetime
from zoneinfo import ZoneInfo

from wkp.templatetags.wkp_format import uk_date, uk_time

LONDON = ZoneInfo("Europe/London")
MINUTE = datetime.timedelta(minutes=1)


def london(day, time):
    """The wall-clock time as an aware datetime; a repeated time is the first of the two."""
    return datetime.datetime.combine(day, time, tzinfo=LONDON)


def _skipped(local):
    there_and_back = local.astimezone(datetime.UTC).astimezone(LONDON)
    return there_and_back.replace(tzinfo=None) != local.replace(tzinfo=None)


def _repeated(local):
    return not _skipped(local) and local.utcoffset() != local.replace(fold=1).utcoffset()


def is_unique(local):
    """False for a wall-clock time the clocks skip or show twice: such a time names no one
    instant, so a calendar file must carry it in UTC rather than with TZID."""
    return not (_skipped(local) or _repeated(local))


def _change(local, moved):
    """Where the clocks change ("1am", "2am") and by how much ("an hour"), read from the zone
    data, since the UK's rules before 1981 changed at other hours and sometimes by two."""
    edge = local
    while moved(edge):
        edge += MINUTE if moved is _repeated else -MINUTE
    at = edge if moved is _repeated else edge + MINUTE
    shift = abs(local.replace(fold=1).utcoffset() - local.utcoffset())
    amount = "an hour" if shift == datetime.timedelta(hours=1) else f"{shift.seconds // 60} minutes"
    return uk_time(at.time()), amount


def skipped_time_error(day, time):
    """The message refusing a time the clocks skip, or None for a time that exists."""
    local = london(day, time)
    if not _skipped(local):
        return None
    at, amount = _change(local, _skipped)
    return (
        f"{time:%H:%M} on {uk_date(day)} does not exist in UK time: "
        f"the clocks go forward {amount} at {at}."
    )


def repeated_time_note(day, time):
    """Which of two times is meant, for a time the clocks show twice; None for any other."""
    local = london(day, time)
    if not _repeated(local):
        return None
    at, amount = _change(local, _repeated)
    return (
        f"{time:%H:%M} on {uk_date(day)} happens twice in UK time, as the clocks go back "
        f"{amount} at {at}: it is taken as the first {time:%H:%M}, before they go back."
    )
