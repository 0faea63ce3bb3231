"""The fund report's number style, as Paper B prints it: whole pounds, no separators (55000)."""

from django import template

from finance.reports import pounds_text

register = template.Library()


@register.filter
def seed_pounds(value):
    return pounds_text(value)
