"""Outlines: the paragraphs, sub-headings and bullet points of a report section, held as data.

An outline is a list of items, each a dict {"style": ..., "text": ..., "number": ...}:
  "p"      a paragraph            (typed as plain text)
  "h"      a sub-heading          (typed as "## text")
  "bullet" a bullet point         (typed as "- text")
  "sub"    a bullet under a bullet, one level only  (typed as "-- text")
"number" is an optional paragraph reference such as "1.2.1" or "9" (typed as "[1.2.1] text").
Inline **bold** and *italic* are kept in the text and turned into markup only when rendered, after
escaping, so no user HTML is ever stored.

Co-ordinators edit an outline as text, one item a line; `parse_outline` and `outline_to_text`
convert between the two. Pure functions: no ORM, no Django.
"""

import re
from dataclasses import dataclass, field
from html import escape

STYLES = ("p", "h", "bullet", "sub")
MAX_ITEM_LENGTH = 5000
MAX_ITEMS = 500
_NUMBER = re.compile(r"^\[([0-9A-Za-z().]{1,12})\]\s+")
_MARKERS = (("## ", "h"), ("-- ", "sub"), ("- ", "bullet"))


class OutlineError(ValueError):
    """The text cannot be read as an outline; the message says which line and why."""


def parse_outline(text):
    """Read outline text (one item a line) into a list of item dicts."""
    items = []
    for line_number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        style = "p"
        for marker, marker_style in _MARKERS:
            if line.startswith(marker) or line == marker.strip():
                style = marker_style
                line = line[len(marker) :].strip()
                break
        number = ""
        match = _NUMBER.match(line)
        if match:
            number = match.group(1)
            line = line[match.end() :]
        if not line:
            raise OutlineError(f"Line {line_number} has a marker but no text.")
        if len(line) > MAX_ITEM_LENGTH:
            raise OutlineError(
                f"Line {line_number} is longer than {MAX_ITEM_LENGTH} characters; split it."
            )
        if style == "sub" and (not items or items[-1]["style"] not in ("bullet", "sub")):
            raise OutlineError(
                f"Line {line_number}: a sub-point (“-- ”) must follow a bullet point (“- ”)."
            )
        item = {"style": style, "text": line}
        if number:
            item["number"] = number
        items.append(item)
    if len(items) > MAX_ITEMS:
        raise OutlineError(f"An outline may hold at most {MAX_ITEMS} items.")
    return items


def outline_to_text(items):
    """Write items back as the text a co-ordinator edits (the inverse of parse_outline)."""
    prefixes = {"p": "", "h": "## ", "bullet": "- ", "sub": "-- "}
    lines = []
    for item in items or []:
        number = f"[{item['number']}] " if item.get("number") else ""
        lines.append(f"{prefixes.get(item.get('style'), '')}{number}{item.get('text', '')}")
    return "\n".join(lines)


def validate_items(items):
    """Check stored items (e.g. from a fixture) have the shape parse_outline produces."""
    if not isinstance(items, list):
        raise OutlineError("An outline must be a list of items.")
    previous = None
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict) or item.get("style") not in STYLES:
            raise OutlineError(f"Item {index} has no valid style.")
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            raise OutlineError(f"Item {index} has no text.")
        if item["style"] == "sub" and previous not in ("bullet", "sub"):
            raise OutlineError(f"Item {index}: a sub-point must follow a bullet point.")
        previous = item["style"]


@dataclass
class Block:
    """One piece of rendered outline: a paragraph, a sub-heading, or a bullet list."""

    kind: str  # "p", "h" or "list"
    text: str = ""
    number: str = ""
    points: list = field(default_factory=list)  # for "list": [Point]


@dataclass
class Point:
    text: str
    number: str = ""
    subpoints: list = field(default_factory=list)  # [Point]


def outline_blocks(items):
    """Group items into blocks so that consecutive bullets form one list with nested sub-points."""
    blocks = []
    for item in items or []:
        style, text, number = item.get("style"), item.get("text", ""), item.get("number", "")
        if style in ("bullet", "sub"):
            if not blocks or blocks[-1].kind != "list":
                blocks.append(Block("list"))
            points = blocks[-1].points
            if style == "sub" and points:
                points[-1].subpoints.append(Point(text, number))
            else:
                points.append(Point(text, number))
        else:
            blocks.append(Block(style if style in ("p", "h") else "p", text, number))
    return blocks


_STRONG = re.compile(r"\*\*(.+?)\*\*")
# Italic text holds no "*": with ".+?" each opening "*" was tried against every later one, so a
# line of "*a *a *a …" cost the square of its length (18 s a member's view for 500 KB).
_EM = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")


def inline_html(text):
    """Escape text, then turn **bold** into <strong> and *italic* into <em>."""
    html = escape(text or "", quote=False)
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    return _EM.sub(r"<em>\1</em>", html)


def plain_text(text):
    """The text without its ** and * emphasis markers (for titles and search)."""
    return _EM.sub(r"\1", _STRONG.sub(r"\1", text or ""))
