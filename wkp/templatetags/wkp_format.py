"""Money, date and time filters shared by pages and PDFs, so screen and paper agree.

British forms: "£55,000", "Friday 14 July 2006", "10am", "9.30am". Also `table_head`, the
caption and column headings of a list table.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import mark_safe

from wkp.sanitise import clean_html

register = template.Library()


@register.filter
def money(value, places=0):
    """£ with thousands separators; pence only when asked for (places=2). Negatives as −£1,000."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    places = int(places)
    quantum = Decimal(1).scaleb(-places)
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "−" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.{places}f}"


@register.filter
def plain_number(value):
    """A whole number with thousands separators and no currency sign: 55,000."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{amount:,}"


@register.filter
def uk_date(value):
    """Friday 14 July 2006."""
    if not isinstance(value, datetime.date):
        return ""
    return f"{value:%A} {value.day} {value:%B %Y}"


@register.filter
def short_date(value):
    """14 July 2006."""
    if not isinstance(value, datetime.date):
        return ""
    return f"{value.day} {value:%B %Y}"


@register.filter
def overdue_on(record, day):
    """`record.is_overdue(day)` (an action), so that templates keep no copy of the rule; not
    overdue when there is no day to judge by."""
    return bool(day) and record.is_overdue(day)


@register.filter
def uk_time(value):
    """10am, 9.30am, 12 noon, 2.15pm."""
    if not isinstance(value, datetime.time):
        return ""
    if value.hour == 12 and value.minute == 0:
        return "12 noon"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    if value.minute:
        return f"{hour}.{value.minute:02d}{suffix}"
    return f"{hour}{suffix}"


@register.filter
def clean_rich_text(value):
    """Render stored rich text: cleaned again at render time (defence in depth)."""
    return mark_safe(clean_html(value))  # noqa: S308 - cleaned by the nh3 allow-list


_RICH_START = re.compile(r"\s*<(p|h[1-6]|ul|ol|table|blockquote|strong|em)\b", re.IGNORECASE)


@register.filter
def rich_or_plain(value):
    """Text kept as rich text (from the editor) is cleaned and shown as such; older plain text
    keeps its line breaks, escaped."""
    if value and _RICH_START.match(value):
        return clean_rich_text(value)
    return linebreaksbr(value or "", autoescape=True)


# An <ol> start tag with a start number, as the sanitiser writes it: double quotes, no style.
_OL_START = re.compile(r'<ol\b([^<>]*?\sstart="(-?\d{1,9})"[^<>]*)>')


@register.filter(is_safe=True)
def list_starts(html):
    """Print HTML with each `<ol start="N">` numbered from N. WeasyPrint ignores the attribute
    (browsers honour it) and cannot read it into `counter-reset` with attr(), so the number is
    written into an inline style. For print only (templates/pdf/base.html): the pages' CSP
    refuses inline styles, and browsers need none."""
    return mark_safe(  # noqa: S308 - adds a style built from digits only
        _OL_START.sub(
            lambda match: f'<ol{match[1]} style="counter-reset: list-item {int(match[2]) - 1}">',
            str(html),
        )
    )


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template, or "" when absent."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""


@register.inclusion_tag("includes/table_head.html")
def table_head(caption, *columns):
    """A list table's caption, for screen readers only (the page's heading says it on screen),
    and its column headings, each scoped to its column:
    `{% table_head "Papers of this meeting" "Paper" "Title" "Status" %}`.

    A column named "" is left out, for a column some readers do not get:
    `can_edit|yesno:"Edit,"`."""
    return {"caption": caption, "columns": [column for column in columns if column]}
