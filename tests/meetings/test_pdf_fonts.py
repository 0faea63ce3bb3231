"""Every font in the pack and in every paper PDF is embedded, read by poppler's `pdffonts` (an
independent reader), and appended parts do not each bring their own copy of the same fonts."""

import io
import re
import shutil
import subprocess
from collections import Counter

import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from fontTools.ttLib import TTFont

from meetings.models import Meeting, Paper
from meetings.pack import A4, _stamp_all, build_pack, gather_pack, paper_pdf
from meetings.pdf_fonts import stamp_font
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from tests.pdftext import page_texts

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdffonts(data, tmp_path, name="doc.pdf"):
    """pdffonts' rows as (name, type, embedded, subset, unicode)."""
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        fields = line.split()
        # name type… encoding emb sub uni objectID generation
        rows.append((fields[0], " ".join(fields[1:-6]), fields[-5], fields[-4], fields[-3]))
    return rows


def assert_all_embedded(rows, what):
    missing = [row for row in rows if row[2] != "yes"]
    assert rows, f"{what}: pdffonts found no fonts"
    assert not missing, f"{what}: fonts not embedded: {missing}"


def test_demo_pack_and_every_paper_pdf_embed_every_font_once(tmp_path):
    call_command("load_demo", "--no-users")
    meeting = Meeting.objects.get(pk=1)

    built = build_pack(gather_pack(meeting))
    rows = pdffonts(built.pdf, tmp_path)

    assert_all_embedded(rows, "the demo pack")
    # The stamp font is DejaVu Sans, composite, subsetted, with a ToUnicode map.
    stamp = [row for row in rows if row[0].endswith("+DejaVuSans")]
    assert len(stamp) == 1, rows
    assert stamp[0][1:] == ("CID TrueType", "yes", "yes", "yes")
    # One copy per subset: the front matter's and the papers' (typeset in one pass), so no
    # name more than twice; it was 44 entries (each subset about ten times) before sharing.
    per_name = Counter(row[0] for row in rows)
    assert max(per_name.values()) <= 2, per_name
    print(f"demo pack: {len(rows)} font entries in {built.page_count} pages")
    assert len(rows) <= 9

    papers = Paper.objects.filter(meeting=meeting, separate_attachment=False).exclude(
        status="withdrawn"
    )
    checked = 0
    for paper in papers.exclude(letter=""):
        paper_rows = pdffonts(paper_pdf(paper), tmp_path, f"paper-{paper.letter}.pdf")
        assert_all_embedded(paper_rows, f"Paper {paper.letter}")
        assert max(Counter(row[0] for row in paper_rows).values()) == 1, paper_rows
        checked += 1
    assert checked == 10


def test_uploaded_paper_pdf_and_its_pack_are_stamped_in_an_embedded_font(tmp_path):
    from tests.meetings.test_pack import upload_pdf

    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting, title="Towards 2010", position=0)
    upload = PaperFactory(
        meeting=meeting, letter="A", title="Towards 2010 – ‘draft’ £", file_kind="pdf"
    )
    upload.file.save("paper.pdf", ContentFile(upload_pdf("UPLOADED", pages=2)))
    item.papers.add(upload)

    for what, data in (
        ("the pack", build_pack(gather_pack(meeting)).pdf),
        ("the uploaded paper's PDF", paper_pdf(upload)),
    ):
        rows = pdffonts(data, tmp_path)
        assert_all_embedded(rows, what)
        assert not [row for row in rows if "Helvetica" in row[0]], rows


WORLD_TITLE = "Dŵr Cymru a’r Fro – Łukasz, ș, Ωmega, Жук"


def test_stamps_print_welsh_polish_romanian_greek_and_cyrillic_letters(tmp_path):
    """A one-byte (Windows-1252) stamp font printed this title "D?r Cymru a’r Fro – ?ukasz, ?,
    ?mega, ???"."""
    from tests.meetings.test_pack import upload_pdf

    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting, title="Water", position=0)
    upload = PaperFactory(meeting=meeting, letter="A", title=WORLD_TITLE, file_kind="pdf")
    upload.file.save("paper.pdf", ContentFile(upload_pdf("UPLOADED", pages=2)))
    item.papers.add(upload)
    built = build_pack(gather_pack(meeting))
    first, last = built.page_map["A"]

    for what, data, pages in (
        ("the pack", built.pdf, range(first - 1, last)),
        ("the paper's own PDF", paper_pdf(upload), range(2)),
    ):
        headers = [page_texts(data)[index].splitlines()[0] for index in pages]
        assert headers == [f"Paper A – {WORLD_TITLE}"] * 2, what
        stamp = [row for row in pdffonts(data, tmp_path) if row[0].endswith("+DejaVuSans")]
        assert len(stamp) == 1, (what, stamp)
        assert re.fullmatch(r"[A-Z]{6}\+DejaVuSans", stamp[0][0]), stamp
        # A composite font, embedded, subsetted, with a ToUnicode map.
        assert stamp[0][1:] == ("CID TrueType", "yes", "yes", "yes"), (what, stamp)


def test_the_stamp_font_holds_only_the_glyphs_its_text_uses():
    with pikepdf.new() as pdf:
        font = stamp_font(pdf, ["Dŵr Ж"]).dictionary
        descendant = font.DescendantFonts[0]
        assert (font.Subtype, font.Encoding) == ("/Type0", "/Identity-H")
        assert (descendant.Subtype, descendant.CIDToGIDMap) == ("/CIDFontType2", "/Identity")
        program = descendant.FontDescriptor.FontFile2.read_bytes()

    embedded = TTFont(io.BytesIO(program))
    assert sorted(embedded.getBestCmap()) == sorted(ord(char) for char in "Dŵr Ж")
    # .notdef, the five characters' glyphs, and the w and circumflex DejaVu Sans draws ŵ from.
    assert len(embedded.getGlyphOrder()) == 8


def test_a_character_dejavu_sans_lacks_is_stamped_as_a_question_mark():
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=A4)
        _stamp_all(pdf, [("Łukasz – 東京 office", "West Kent Partnership", "page 1 of 1")])
        output = io.BytesIO()
        pdf.save(output)

    assert page_texts(output.getvalue())[0].splitlines()[0] == "Łukasz – ?? office"
