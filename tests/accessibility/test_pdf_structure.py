"""The per-paper PDFs of the July 2006 demo are tagged: every heading, table header and list."""

import io
import re
import subprocess
from collections import Counter
from html.parser import HTMLParser

import pikepdf
import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from meetings.models import Minutes, Paper
from meetings.pack import build_pack, gather_pack, pack_entry, paper_pdf
from wkp.pdf_tags import check_structure

pytestmark = pytest.mark.django_db

HEADINGS = {f"h{level}" for level in range(1, 7)}
# HTML elements and the structure types WeasyPrint must tag them with.
TAGGED_AS = {**{h: f"/H{h[1]}" for h in HEADINGS}, "th": "/TH", "li": "/LI", "table": "/Table"}
TAGGED_AS |= {"ul": "/L", "ol": "/L"}


class ElementCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.counts = Counter()
        self.th_without_scope = 0

    def handle_starttag(self, tag, attrs):
        if tag in TAGGED_AS:
            self.counts[TAGGED_AS[tag]] += 1
        if tag == "th" and "scope" not in dict(attrs):
            self.th_without_scope += 1


def source_of(paper):
    """The HTML that paper_pdf typesets for an authored paper."""
    entry = pack_entry(paper, paper.meeting)
    return render_to_string("meetings/pdf/paper.html", {"entry": entry, "meeting": paper.meeting})


def structure(pdf):
    """Structure types in document order, with the children of each element."""
    order, children = [], {}

    def walk(node, parent):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, parent)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            kind = str(node.S)
            order.append(kind)
            if kind == "/Figure" and "/Alt" not in node:
                children.setdefault("figures without alt text", []).append(len(order))
            if parent is not None:
                children.setdefault(parent, []).append(kind)
            if "/K" in node:
                walk(node.K, (kind, len(order)))

    walk(pdf.Root.StructTreeRoot.K, None)
    return order, children


@pytest.fixture
def papers(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    authored = [
        paper
        for paper in Paper.objects.filter(meeting=demo).exclude(status="to_follow")
        if pack_entry(paper, demo).kind != "upload"
    ]
    assert len(authored) >= 8
    return authored


def test_july_2006_paper_pdfs_are_tagged_titled_and_in_british_english(papers):
    for paper in papers:
        with pikepdf.open(io.BytesIO(paper_pdf(paper))) as pdf:
            assert "/StructTreeRoot" in pdf.Root, paper.letter
            assert pdf.Root.MarkInfo.Marked is True, paper.letter
            assert str(pdf.Root.Lang) == "en-GB", paper.letter
            assert str(pdf.docinfo.Title) == f"Paper {paper.letter} – {paper.title}"
            assert pdf.Root.ViewerPreferences.DisplayDocTitle is True, paper.letter
            with pdf.open_outline() as outline:
                assert [item.title for item in outline.root][0].startswith(
                    f"Paper {paper.letter} – "
                ), paper.letter


def test_every_heading_table_header_and_list_of_the_papers_is_tagged(papers):
    checked = Counter()
    for paper in papers:
        source = ElementCounter()
        source.feed(source_of(paper))
        with pikepdf.open(io.BytesIO(paper_pdf(paper))) as pdf:
            order, children = structure(pdf)
        tagged = Counter(order)

        for kind, expected in source.counts.items():
            assert tagged[kind] >= expected, (
                f"Paper {paper.letter}: {expected} {kind} in the HTML, {tagged[kind]} tagged"
            )
        assert source.th_without_scope == 0, f"Paper {paper.letter}: <th> without scope"
        assert tagged["/H1"] == 1, f"Paper {paper.letter}: one H1, the paper's title"
        levels = [int(kind[2]) for kind in order if re.fullmatch(r"/H[1-6]", kind)]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (
            f"Paper {paper.letter}: heading levels skip: {levels}"
        )
        for (kind, _), kids in children.items():
            if kind == "/L":
                # WeasyPrint puts a nested list beside its item, which PDF 2.0 permits.
                assert set(kids) <= {"/LI", "/L", "/Caption"}, f"Paper {paper.letter}: {kids}"
                assert "/LI" in kids, f"Paper {paper.letter}: a list without items"
            if kind == "/Table":
                assert "/THead" in kids or "/TR" in kids, f"Paper {paper.letter}: table {kids}"
        assert children.get("figures without alt text", []) == [], f"Paper {paper.letter}"
        checked.update(kind for kind in tagged if kind in {"/TH", "/LI", "/H2"})

    # The demo papers really do have tables with header cells, lists and sub-headings.
    assert {"/TH", "/LI", "/H2"} <= set(checked)


def test_assembled_pack_is_tagged_end_to_end_as_the_accessibility_statement_says(
    demo, settings, tmp_path
):
    """One structure tree: the front matter, then each paper a section titled by its letter and
    title, passing the structure checker (pikepdf) with 0 problems and read by poppler too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    statement = render_to_string("wkp/accessibility.html", {"check": {}, "coordinators": []})
    built = build_pack(gather_pack(demo))
    headings = [entry.heading for entry in gather_pack(demo).papers]

    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        problems = check_structure(pdf)
        (document,) = pdf.Root.StructTreeRoot.K
        titles = [str(kid.T) for kid in document.K if "/T" in kid]
        with pdf.open_metadata() as meta:
            ua = meta.get("pdfuaid:part")

    assert problems == []
    assert document.S == "/Document"
    assert titles == headings  # each paper a section, in reading order
    assert ua == "1"  # no untagged upload in the demo, and every rule holds
    # A second, independent reader: poppler walks the same tree and finds every paper's text.
    path = tmp_path / "pack.pdf"
    path.write_bytes(built.pdf)
    tree = subprocess.run(
        ["pdfinfo", "-struct-text", str(path)], capture_output=True, check=True
    ).stdout.decode(errors="replace")
    assert tree.startswith("Document\n")
    letters = [heading.split(" – ")[0] for heading in headings]  # "Paper B"
    found = [tree.find(f'"{letter} ') for letter in letters]
    assert -1 not in found and found == sorted(found), list(zip(letters, found, strict=True))
    assert "meeting pack PDF is tagged" in statement
    assert "untagged PDF files" in statement


def test_fund_statement_pdf_is_tagged_titled_and_in_british_english(demo, member_client):
    response = member_client.get("/finance/statement/pdf/?year=2006")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    with pikepdf.open(io.BytesIO(b"".join(response))) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en-GB"
        assert str(pdf.docinfo.Title).strip()
        order, _ = structure(pdf)
        # Its running header and "page N of M" are artifacts, not text that belongs to nothing.
        assert check_structure(pdf) == []
    assert order.count("/H1") == 1
    assert "/Table" in order
    assert "/TH" in order


def test_minutes_pdf_passes_the_structure_checker(demo, member_client):
    Minutes.objects.create(
        meeting=demo, status=Minutes.Status.CIRCULATED, circulated_at=timezone.now()
    )
    response = member_client.get(f"/meetings/{demo.pk}/minutes.pdf")

    assert response.status_code == 200
    with pikepdf.open(io.BytesIO(b"".join(response))) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert check_structure(pdf) == []
        footer = [
            block
            for block in pikepdf.parse_content_stream(pdf.pages[0])
            if str(block.operator) == "BDC" and block.operands[0] == pikepdf.Name.Artifact
        ]
    assert len(footer) == 3  # the running title, the meeting's date and "page 1 of 1"
