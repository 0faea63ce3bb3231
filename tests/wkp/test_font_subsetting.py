"""The render children subset fonts with HarfBuzz (Debian's libharfbuzz-subset0).

Without it WeasyPrint falls back to fontTools, which parses each font's layout tables in Python:
about 0.2 s more for every document typeset (most of a one-page render's time), and a fallback
WeasyPrint says it will drop. It only logs a warning, which the logging settings keep quiet, so
this test is what notices a machine without the library."""

import io

import pikepdf
from pypdf import PdfReader

from wkp.pdf import render_pdf, run_isolated
from wkp.typesetting import font_subsetter


def test_render_children_subset_fonts_with_harfbuzz():
    assert run_isolated(font_subsetter, name="the subsetter check") == "harfbuzz", (
        "WeasyPrint would subset fonts with fontTools: install libharfbuzz-subset0 (Debian)"
    )


def test_a_subsetted_font_keeps_the_text_it_shows():
    text = "Paper B – £55,000 “to follow”, bold and italic"
    shown = text.replace("bold", "<b>bold</b>").replace("italic", "<i>italic</i>")
    pdf = render_pdf(
        f'<html lang="en-GB"><body><p>{shown}</p></body></html>', name="a subsetting sample"
    )
    with pikepdf.open(io.BytesIO(pdf)) as document:
        fonts = list(document.pages[0].Resources.Font.values())
        assert len(fonts) == 3  # regular, bold, italic
        for font in fonts:
            program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
            # Subsetted: DejaVu Sans itself is about 740 KB.
            assert 1_000 < len(program) < 60_000
    extracted = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert extracted == text
