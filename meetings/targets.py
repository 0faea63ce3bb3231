"""Action targets as action logs write them: a day ("14 March 2011", "14/03/2011", "14/03/11")
or a month ("March 2011", "Mar 2011", "2011-03"). Pure functions, no ORM."""

import calendar
import datetime
import re

from wkp.templatetags.wkp_format import short_date

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

MONTH_NAME = re.compile(r"^([a-z]+)\.?\s+(\d{4})$")
DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?\s+(\d{4})$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
UK_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")

HELP = "A day (14/03/2011 or 14 March 2011) or a month (March 2011)."


class TargetError(ValueError):
    pass


def parse_target(text):
    """(date, is_month) for the text, (None, False) for an empty one; TargetError otherwise."""
    shown = " ".join(text.split())  # as typed, for the message
    text = shown.lower().removeprefix("by ").strip()
    if not text:
        return None, False
    if len(text) > 40:
        raise TargetError(f"That is not a date or a month. {HELP}")
    if match := MONTH_NAME.match(text):
        return _date(match[2], _month(match[1]), 1), True
    if match := ISO_MONTH.match(text):
        return _date(match[1], match[2], 1), True
    if match := DAY_MONTH_NAME.match(text):
        return _date(match[3], _month(match[2]), match[1]), False
    if match := ISO_DAY.match(text):
        return _date(match[1], match[2], match[3]), False
    if match := UK_DAY.match(text):
        year = match[3] if len(match[3]) == 4 else f"20{match[3]}"  # "30/11/21": this century
        return _date(year, match[2], match[1]), False
    raise TargetError(f"“{shown}” is not a date or a month. {HELP}")


def last_day(date, is_month):
    """The last day a target allows: the day itself, or the end of its month."""
    if date is None or not is_month:
        return date
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def format_target(date, is_month):
    """As a member reads it, and as the form shows it again (it parses back to the same)."""
    if date is None:
        return ""
    if is_month:
        return f"{date:%B %Y}"
    return short_date(date)


def _month(name):
    if name not in MONTHS:
        raise TargetError(f"“{name.capitalize()}” is not a month. {HELP}")
    return MONTHS[name]


def _date(year, month, day):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError as error:
        raise TargetError(f"That day does not exist. {HELP}") from error
