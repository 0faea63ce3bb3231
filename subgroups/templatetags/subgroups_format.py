"""Template filters for sub-group records: outlines and figures, identical on screen and paper."""

from django import template
from django.utils.safestring import mark_safe

from wkp.sanitise import clean_html

from .. import formatting
from ..outline import inline_html, outline_blocks

register = template.Library()


@register.filter
def blocks(items):
    """Group outline items into paragraphs, sub-headings and nested lists."""
    return outline_blocks(items)


@register.filter
def inline(text):
    """Escaped text with **bold** and *italic*; cleaned again by the house allow-list."""
    return mark_safe(clean_html(inline_html(text)))  # noqa: S308 - escaped, then nh3-cleaned


register.filter("number", formatting.format_number)
register.filter("change", formatting.format_change)
register.filter("count_change", formatting.format_count_change)
register.filter("ordinal", formatting.ordinal)
