"""Cleaning of user-authored HTML: one allow-list for every rich-text field, screen and PDF alike.

nh3 removes everything not on the list (scripts, styles, event handlers, images, unknown URL
schemes). Deep nesting is then flattened, because WeasyPrint fails on markup nested ~150 deep.
Cleaning is idempotent: clean(clean(x)) == clean(x).
"""

from html import escape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "blockquote",
    "h2", "h3", "h4", "ul", "ol", "li", "a",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# nh3 allows these on every tag unless told otherwise; named here so the allow-list is complete.
GENERIC_ATTRIBUTES = {"title", "lang"}
URL_SCHEMES = {"http", "https", "mailto"}
VOID_TAGS = {"br"}
MAX_DEPTH = 30


class _DepthCapper(HTMLParser):
    """Re-serialises clean HTML, dropping tags (not their text) nested deeper than MAX_DEPTH."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out = []
        self.stack = []  # (tag, kept)

    def depth(self):
        return sum(1 for _, kept in self.stack if kept)

    def handle_starttag(self, tag, attrs):
        keep = self.depth() < MAX_DEPTH
        if tag in VOID_TAGS:
            if keep:
                self.out.append(self.get_starttag_text())
            return
        self.stack.append((tag, keep))
        if keep:
            self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for open_tag, kept in reversed(self.stack[index:]):
                    if kept:
                        self.out.append(f"</{open_tag}>")
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.out.append(escape(data, quote=False))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def close(self):
        super().close()
        for tag, kept in reversed(self.stack):
            if kept:
                self.out.append(f"</{tag}>")
        self.stack = []
        return "".join(self.out)


def clean_html(value):
    """Return `value` reduced to the allowed tags, attributes and URL schemes."""
    if not value:
        return ""
    # The HTML parser drops one leading byte-order mark per pass, which made cleaning not
    # idempotent ("<x>\ufeff\ufeff"); a BOM has no place inside rich text, so drop them all.
    value = value.replace("\ufeff", "")
    cleaned = nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, "*": GENERIC_ATTRIBUTES},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    capper = _DepthCapper()
    capper.feed(cleaned)
    capped = capper.close()
    # A second pass makes the result a fixed point of the cleaner.
    return nh3.clean(
        capped,
        tags=ALLOWED_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, "*": GENERIC_ATTRIBUTES},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def nesting_depth(value):
    """The deepest element nesting in `value` (for form validation messages)."""

    class Counter(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth = self.max_depth = 0

        def handle_starttag(self, tag, attrs):
            if tag not in VOID_TAGS:
                self.depth += 1
                self.max_depth = max(self.max_depth, self.depth)

        def handle_endtag(self, tag):
            self.depth = max(0, self.depth - 1)

    counter = Counter()
    counter.feed(value or "")
    return counter.max_depth
