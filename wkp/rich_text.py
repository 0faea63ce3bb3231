"""The rich-text form field: django-prose-editor in the browser, nh3 on the server, one list.

The editor builds its schema from `wkp.sanitise.RICH_TEXT_EXTENSIONS`, so a paste from Word or
LibreOffice keeps headings, lists, bold and italic, tables and links and drops the rest; the
server cleans again with the allow-list derived from the same extensions (a browser without
JavaScript posts the plain textarea) and says what it removed.
"""

import re

from django import forms
from django_prose_editor.widgets import ProseEditorWidget
from js_asset import Media

from .sanitise import MAX_RICH_TEXT_CHARS, RICH_TEXT_EXTENSIONS, clean_html, removed_by_cleaning


class RichTextWidget(ProseEditorWidget):
    def __init__(self, attrs=None):
        super().__init__(
            attrs={"rows": 12, **(attrs or {})},
            config={"extensions": RICH_TEXT_EXTENSIONS},
            preset="configurable",
        )

    @property
    def media(self):
        return super().media + forms.Media(js=["js/rich_text.js"])


class RichTextField(forms.CharField):
    widget = RichTextWidget

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = MAX_RICH_TEXT_CHARS  # the model field passes None
        kwargs.setdefault("required", False)
        kwargs.pop("empty_value", None)
        super().__init__(*args, **kwargs)
        self.error_messages["max_length"] = (
            "The content is too long to save: %(show_value)s characters of formatting and text, "
            "the limit is %(limit_value)s. Split it into parts, or upload the document as a file."
        )
        self.widget.attrs["data-max-paste"] = str(MAX_PASTE_CHARS)
        self.removed = []

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)  # the server says what is too long, with a message
        return attrs

    def clean(self, value):
        value = super().clean(value)
        self.removed = removed_by_cleaning(value)
        return clean_html(value)

    def has_changed(self, initial, data):
        """Changed in what it says, not in how the editor writes it: the editor wraps a list
        item's or a cell's text in a paragraph and lays out whitespace its own way."""
        return canonical_html(initial) != canonical_html(data)


SINGLE_PARAGRAPH = re.compile(r"<(li|td|th)([^>]*)>\s*<p>((?:(?!<p[ >]).)*?)</p>\s*</\1>", re.S)


def canonical_html(value):
    """Sanitised HTML with the differences that do not change what it says taken out."""
    html = clean_html(value or "")
    html = re.sub(r">\s+<", "><", html).strip()
    html = re.sub(r"<p>\s*</p>", "", html)
    return SINGLE_PARAGRAPH.sub(r"<\1\2>\3</\1>", html)


# A paste whose clipboard HTML is larger than this is refused in the browser, with a message
# (Word's clipboard HTML carries much styling that the editor drops).
MAX_PASTE_CHARS = 4 * MAX_RICH_TEXT_CHARS


def removed_message(field):
    """The message shown after a save when cleaning removed something, or ""."""
    if not getattr(field, "removed", None):
        return ""
    return "Removed from the content when it was saved: " + ", ".join(field.removed) + "."


def editor_media(form, request):
    """The form's media with the CSP nonce on the editor's import map (no inline script runs
    without it)."""
    return Media.from_media(form.media, nonce=getattr(request, "csp_nonce", ""))
