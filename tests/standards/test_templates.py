"""The templates themselves: what Django would print as text instead of reading as syntax."""

import re

from django.conf import settings

ONE_LINE_COMMENT = re.compile(r"\{#(.*?)#\}", re.S)


def template_files():
    files = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        files += [path for path in folder.rglob("*") if path.is_file()]
    return files


def test_no_template_comment_spans_lines():
    """`{# … #}` is a one-line comment: over several lines Django prints it on the page (the
    meeting page showed its own comment to every member). Longer notes use {% comment %}."""
    spanning = []
    for path in template_files():
        text = path.read_text()
        for match in ONE_LINE_COMMENT.finditer(text):
            if "\n" in match.group(1):
                spanning.append(f"{path}:{text[: match.start()].count(chr(10)) + 1}")
        for number, line in enumerate(text.splitlines(), 1):
            if "{#" in line and "#}" not in line:
                spanning.append(f"{path}:{number}")
    assert len(template_files()) > 100
    assert not sorted(set(spanning))
