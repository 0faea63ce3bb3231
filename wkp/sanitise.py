"""Cleaning of user-authored HTML: one allow-list for every rich-text field, screen and PDF alike.

nh3 removes everything not on the list (scripts, styles, event handlers, images, unknown URL
schemes). Deep nesting is then flattened, because WeasyPrint fails on markup nested ~150 deep.
Cleaning is idempotent: clean(clean(x)) == clean(x).
"""

from collections import Counter
from html import escape
from html.parser import HTMLParser

import nh3
from django_prose_editor.config import allowlist_from_extensions

# The one list: what the rich-text editor (django-prose-editor) lets a co-ordinator make, and so
# what the sanitiser keeps. The editor's schema is built from it in the browser (a paste from
# Word or LibreOffice keeps only these), and nh3's allow-list is derived from it here.
RICH_TEXT_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    # Level 1 is accepted so that a pasted "Heading 1" stays a heading; it is stored as h2,
    # under the page's or the paper's own title.
    "Heading": {"levels": [1, 2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
}
_ALLOW = allowlist_from_extensions(RICH_TEXT_EXTENSIONS)
ALLOWED_TAGS = frozenset(_ALLOW["tags"])
# nh3 writes rel="noopener noreferrer" on every link itself, so rel is not taken from input.
ALLOWED_ATTRIBUTES = {
    tag: set(attributes) - {"rel"} for tag, attributes in _ALLOW["attributes"].items()
}
# Header cells get their scope from the server (the editor has none): "col" in a table head or
# along a row, "row" for a header cell that starts a body row. Screen readers and the tagged
# PDFs need it.
ALLOWED_ATTRIBUTES["th"] = ALLOWED_ATTRIBUTES.get("th", set()) | {"scope"}
# nh3 allows these on every tag unless told otherwise; named here so the allow-list is complete.
GENERIC_ATTRIBUTES = {"title", "lang"}
URL_SCHEMES = set(_ALLOW["url_schemes"])
VOID_TAGS = {"br"}
RENAMED_TAGS = {"h1": "h2"}
MAX_DEPTH = 30
# The most rich text one field takes (characters of cleaned HTML); about 60 pages of prose.
MAX_RICH_TEXT_CHARS = 300_000


class _DepthCapper(HTMLParser):
    """Re-serialises clean HTML, dropping tags (not their text) nested deeper than MAX_DEPTH."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out = []
        # The open tags, with counts kept alongside so that no tag rescans the stack: nh3 leaves
        # thousands of tags open in "<table><tr><td>" repeated, and a rescan on each made a
        # 100 KB save take 17 s.
        self.stack = []  # (tag, kept)
        self.kept = 0  # open tags that are written out: the depth
        self.open = Counter()  # open tags by name
        self.cells_in_row = 0

    def handle_starttag(self, tag, attrs):
        keep = self.kept < MAX_DEPTH
        if tag in VOID_TAGS:
            if keep:
                self.out.append(self.get_starttag_text())
            return
        if tag == "tr":
            self.cells_in_row = 0
        elif tag in {"td", "th"}:
            self.cells_in_row += 1
        self.stack.append((tag, keep))
        self.kept += keep
        self.open[tag] += 1
        if keep:
            text = self.get_starttag_text()
            if tag == "th":
                text = self._header_cell(attrs)
            if tag in RENAMED_TAGS:
                text = f"<{RENAMED_TAGS[tag]}{text[len(tag) + 1 :]}"
            self.out.append(text)

    def _header_cell(self, attrs):
        in_head = self.open["thead"] > 0
        scope = "row" if not in_head and self.cells_in_row == 1 else "col"
        kept = "".join(
            f' {name}="{escape(value or "", quote=True)}"'
            for name, value in attrs
            if name != "scope"
        )
        return f'<th{kept} scope="{scope}">'

    def handle_endtag(self, tag):
        if not self.open[tag]:
            return  # closes nothing open
        while self.stack:  # each tag is popped once: linear over the whole document
            open_tag, kept = self.stack.pop()
            self.kept -= kept
            self.open[open_tag] -= 1
            if kept:
                self.out.append(f"</{RENAMED_TAGS.get(open_tag, open_tag)}>")
            if open_tag == tag:
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
                self.out.append(f"</{RENAMED_TAGS.get(tag, tag)}>")
        self.stack = []
        return "".join(self.out)


def clean_html(value):
    """Return `value` reduced to the allowed tags, attributes and URL schemes."""
    if not value:
        return ""
    # The HTML parser drops one leading byte-order mark per pass, which made cleaning not
    # idempotent ("<x>\ufeff\ufeff"); a BOM has no place inside rich text, so drop them all.
    value = value.replace("\ufeff", "")
    capper = _DepthCapper()
    capper.feed(_nh3_clean(value))
    # A second pass makes the result a fixed point of the cleaner.
    return _nh3_clean(capper.close())


def _nh3_clean(value):
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, "*": GENERIC_ATTRIBUTES},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# What a co-ordinator is told was removed, by kind (tag or attribute → a phrase they know).
_REMOVED_TAGS = {
    "script": "scripts",
    "noscript": "scripts",
    "style": "styles",
    "link": "styles",
    "img": "images",
    "picture": "images",
    "svg": "images",
    "iframe": "embedded pages",
    "object": "embedded objects",
    "embed": "embedded objects",
    "form": "forms",
    "input": "forms",
    "button": "forms",
    "select": "forms",
    "textarea": "forms",
}


class _Inventory(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.removed = set()
        self.depth = self.max_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag not in VOID_TAGS:
            self.depth += 1
            self.max_depth = max(self.max_depth, self.depth)
        if tag not in ALLOWED_TAGS:
            self.removed.add(_REMOVED_TAGS.get(tag, "other formatting"))
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES | {"rel"}
        for name, value in attrs:
            if name.startswith("on"):
                self.removed.add("event handlers (on… attributes)")
            elif name == "style":
                self.removed.add("styles")
            elif (
                name == "href"
                and value
                and value.strip().lower().startswith(("javascript:", "vbscript:", "data:"))
            ):
                self.removed.add("unsafe links")
            elif tag in ALLOWED_TAGS and name not in allowed and name not in {"class", "id"}:
                self.removed.add("other formatting")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.depth -= 1

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS:
            self.depth = max(0, self.depth - 1)


def removed_by_cleaning(value):
    """What clean_html takes out of `value`, in words for the person who pasted it (sorted)."""
    inventory = _Inventory()
    inventory.feed(value or "")
    inventory.close()
    removed = set(inventory.removed)
    if inventory.max_depth > MAX_DEPTH:
        removed.add(f"nesting deeper than {MAX_DEPTH} levels (flattened)")
    return sorted(removed)
