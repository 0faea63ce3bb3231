"""The fund report's number style, as Paper B prints it: whole pounds, no separators (55000)."""

from django import template

from finance.reports import pounds_text

register = template.Library()


@register.filter
def whole_pounds_plain(value):
    """55000, −500 or "" for None: whole pounds with no separators (finance.reports.pounds_text)."""
    return pounds_text(value)
