import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subgroups.formatting import format_change, format_number, ordinal
from subgroups.outline import (
    OutlineError,
    inline_html,
    outline_blocks,
    outline_to_text,
    parse_outline,
)


def test_parse_outline_reads_paragraphs_bullets_subpoints_headings_and_numbers():
    text = (
        "Intro\n\n- Marketing group to explore\n-- Emphasise work/life balance\n"
        "## (a) Damage\n[1.2.1] Figures"
    )

    items = parse_outline(text)

    assert items == [
        {"style": "p", "text": "Intro"},
        {"style": "bullet", "text": "Marketing group to explore"},
        {"style": "sub", "text": "Emphasise work/life balance"},
        {"style": "h", "text": "(a) Damage"},
        {"style": "p", "text": "Figures", "number": "1.2.1"},
    ]


def test_outline_to_text_round_trips():
    text = "Intro\n- Point\n-- Sub\n## Heading\n[9] Numbered\n- [2] numbered point"

    assert outline_to_text(parse_outline(text)) == text


def test_parse_outline_refuses_a_subpoint_without_a_bullet_above():
    with pytest.raises(OutlineError, match="Line 2: a sub-point"):
        parse_outline("A paragraph\n-- orphan")


def test_parse_outline_refuses_a_marker_without_text():
    with pytest.raises(OutlineError, match="Line 1 has a marker but no text"):
        parse_outline("- ")


def test_outline_blocks_nest_subpoints_one_level_under_their_bullet():
    blocks = outline_blocks(parse_outline("- A\n-- A1\n-- A2\n- B\nAfter"))

    assert [block.kind for block in blocks] == ["list", "p"]
    assert [point.text for point in blocks[0].points] == ["A", "B"]
    assert [sub.text for sub in blocks[0].points[0].subpoints] == ["A1", "A2"]


def test_inline_html_escapes_markup_then_adds_emphasis():
    html = inline_html("<script>x</script> **Bold** and *italic* & 5 * 3")

    assert html == (
        "&lt;script&gt;x&lt;/script&gt; <strong>Bold</strong> and <em>italic</em> &amp; 5 * 3"
    )


def test_italic_holds_no_asterisk_so_unpaired_ones_stay_text():
    """An italic run ends at the next "*" (which keeps the pattern linear: see
    tests/benchmarks/text_cost.py); unpaired asterisks are left as typed."""
    assert inline_html("*a *a *a") == "*a *a *a"
    assert inline_html("*One* and *two*, 5 * 3") == "<em>One</em> and <em>two</em>, 5 * 3"
    assert inline_html("**Bold** then *italic*") == "<strong>Bold</strong> then <em>italic</em>"


def test_format_number_drops_trailing_zeros_and_uses_a_true_minus():
    assert format_number("72.0") == "72"
    assert format_number("-4.1") == "−4.1"
    assert format_number(1234) == "1,234"


def test_format_change_signs_rises_and_falls():
    assert format_change("0.3") == "+0.3%"
    assert format_change("-59") == "−59%"
    assert format_change("0") == "0%"


def test_ordinal_uses_english_suffixes():
    assert [ordinal(n) for n in (1, 2, 3, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "11th", "12th", "13th", "21st", "22nd",
    ]  # fmt: skip


# Texts the editor itself can produce: a line that starts like a marker ("-", "--", "##" or a
# "[1.2]" reference) is read as that marker, so no stored item's text starts that way.
MARKER_LIKE = re.compile(r"^(?:-{1,2}|##)(?:\s|$)|^\[")
line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda text: text.strip() == text and text.strip() and not MARKER_LIKE.match(text))
item = st.fixed_dictionaries({"style": st.sampled_from(["p", "h", "bullet"]), "text": line_text})


@given(st.lists(item, max_size=12))
def test_outline_text_round_trips_any_outline_without_subpoints(items):
    text = outline_to_text(items)

    assert outline_to_text(parse_outline(text)) == text
