"""The pack's one structure tree with uploads mixed in, and the structure checker itself."""

import io
import shutil
import subprocess

import pikepdf
import pytest
from django.core.files.base import ContentFile

from meetings.models import Meeting
from meetings.pack import build_pack, gather_pack, paper_pdf, supplement_pdf
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from tests.pdftext import pdf_text
from wkp.pdf import render_pdf
from wkp.pdf_tags import build_structure, check_structure, take_elements

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://intranet.example"


def typeset(body, *, tagged):
    html = f'<html lang="en-GB"><head><title>Upload</title></head><body>{body}</body></html>'
    return render_pdf(html, name="upload", tagged=tagged)


def mixed_meeting():
    """A typed paper, a tagged upload (with a table and a link) and an untagged upload."""
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    tagged = typeset(
        "<h1>Tagged upload</h1><p>TAGGED TEXT <a href='https://example.org/'>a link</a></p>"
        "<table><tr><th scope=col>Year</th></tr><tr><td>2006</td></tr></table>"
        "<h2 style='break-before: page'>Second page</h2><p>MORE TAGGED TEXT</p>",
        tagged=True,
    )
    untagged = typeset(
        "<p>UNTAGGED 1</p><p style='break-before: page'>UNTAGGED 2</p>", tagged=False
    )
    papers = [
        PaperFactory(meeting=meeting, letter="A", title="Typed", body_html="<h2>Part</h2><p>x</p>"),
        PaperFactory(meeting=meeting, letter="B", title="Tagged file", file_kind="pdf"),
        PaperFactory(meeting=meeting, letter="C", title="Scanned file", file_kind="pdf"),
    ]
    papers[1].file.save("b.pdf", ContentFile(tagged))
    papers[2].file.save("c.pdf", ContentFile(untagged))
    for position, paper in enumerate(papers):
        AgendaItemFactory(meeting=meeting, title=paper.title, position=position).papers.add(paper)
    return meeting, papers


def walk(element):
    yield element
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield from walk(kid)


def test_pack_with_tagged_and_untagged_uploads_keeps_one_valid_tree(tmp_path):
    meeting, papers = mixed_meeting()

    built = build_pack(gather_pack(meeting))

    # Every structure element (the front matter's, the typed paper's, the tagged upload's, the
    # pack's own) is written in a compressed object stream, none as plain text (wkp.pdf.pdf_bytes).
    assert b"/StructElem" not in built.pdf
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        assert check_structure(pdf) == []
        (document,) = pdf.Root.StructTreeRoot.K
        sections = {str(kid.T): kid for kid in document.K if "/T" in kid}
        assert list(sections) == [
            "Paper A – Typed",
            "Paper B – Tagged file",
            "Paper C – Scanned file",
        ]
        # The tagged upload keeps its own headings and table header cells.
        kinds_b = [str(e.S) for e in walk(sections["Paper B – Tagged file"])]
        assert {"/H1", "/H2", "/TH", "/Link"} <= set(kinds_b)
        # The untagged upload: a figure per page naming the paper, and a link to its web page.
        section_c = sections["Paper C – Scanned file"]
        figures = [e for e in walk(section_c) if e.S == "/Figure"]
        assert [str(f.Alt).split(":")[0] for f in figures] == [
            "Paper C – Scanned file, page 1 of 2",
            "Paper C – Scanned file, page 2 of 2",
        ]
        assert all("not tagged" in str(f.Alt) for f in figures)
        (link,) = [e for e in walk(section_c) if e.S == "/Link"]
        annotation = [k for k in link.K if isinstance(k, pikepdf.Dictionary)][0].Obj
        url = f"https://intranet.example/meetings/papers/{papers[2].pk}/"
        assert str(annotation.A.URI) == url
        first_c = built.page_map["C"][0] - 1
        assert any(a.objgen == annotation.objgen for a in pdf.pages[first_c].Annots)
        with pdf.open_metadata() as meta:
            assert "pdfuaid:part" not in meta  # an untagged upload: no PDF/UA claim

    path = tmp_path / "pack.pdf"
    path.write_bytes(built.pdf)
    text = pdf_text(built.pdf)
    assert "TAGGED TEXT" in text and "MORE TAGGED TEXT" in text and "UNTAGGED 2" in text
    # The contents page names exactly the upload the pack marks as untagged.
    words = " ".join(text.split())
    assert "Paper C is an uploaded PDF that is not tagged" in words
    assert "Paper B is an uploaded PDF that is not tagged" not in words
    if shutil.which("pdfinfo"):
        tree = subprocess.run(
            ["pdfinfo", "-struct-text", str(path)], capture_output=True, check=True
        ).stdout.decode(errors="replace")
        assert '"TAGGED TEXT' in tree and '"MORE TAGGED TEXT"' in tree


def test_each_papers_own_pdf_passes_the_checker():
    """A typed paper's own PDF (running header and footer in WeasyPrint's margin boxes, marked
    as artifacts) and each upload's (stamped) pass the same checker as the pack."""
    meeting, papers = mixed_meeting()

    for paper in papers:
        data = paper_pdf(paper)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            problems = check_structure(pdf)
            drawn_as_artifacts = _artifact_text_operations(pdf.pages[0])
        assert problems == [], (paper.letter, problems)
        # The header and footer are still drawn, as artifacts.
        assert drawn_as_artifacts >= 2, paper.letter
        assert "page 1 of" in pdf_text(data), paper.letter
    # The untagged upload's own PDF links to its web page, as its figures' alternative text says.
    with pikepdf.open(io.BytesIO(paper_pdf(papers[2]))) as pdf:
        uris = [str(a.A.URI) for a in pdf.pages[0].Annots if "/A" in a]
    assert uris == [f"https://intranet.example/meetings/papers/{papers[2].pk}/"]


def _artifact_text_operations(page):
    """How many text-showing operations of a page are inside /Artifact sequences."""
    found, depth = 0, []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            depth.append(str(operands[0]) == "/Artifact" or bool(depth and depth[-1]))
        elif op == "EMC" and depth:
            depth.pop()
        elif op in ("Tj", "TJ", "'", '"') and depth and depth[-1]:
            found += 1
    return found


def test_the_supplement_is_tagged_like_the_pack(tmp_path):
    """Papers issued after the pack: the cover, then each paper a section titled by its letter
    and title, with the papers' own tags (the untagged upload's figures and link), 0 problems."""
    meeting, papers = mixed_meeting()
    entries = gather_pack(meeting).papers

    data = supplement_pdf(meeting, entries, 1)

    assert b"/StructElem" not in data  # in compressed object streams, as in the pack
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert check_structure(pdf) == []
        (document,) = pdf.Root.StructTreeRoot.K
        sections = [kid for kid in document.K if kid.get("/S") == "/Sect" and "/T" in kid]
        assert [str(section.T) for section in sections] == [
            "Paper A – Typed",
            "Paper B – Tagged file",
            "Paper C – Scanned file",
        ]
        kinds = {str(e.S) for e in walk(sections[1])}
        assert {"/H1", "/H2", "/TH", "/Link"} <= kinds
        figures = [e for e in walk(sections[2]) if e.S == "/Figure"]
        assert len(figures) == 2 and all("not tagged" in str(f.Alt) for f in figures)
        assert str(pdf.Root.Lang) == "en-GB"
        assert str(pdf.docinfo.Title).startswith("Supplement 1 – ")
    path = tmp_path / "supplement.pdf"
    path.write_bytes(data)
    tree = subprocess.run(
        ["pdfinfo", "-struct-text", str(path)], capture_output=True, check=True
    ).stdout.decode(errors="replace")
    assert '"TAGGED TEXT' in tree and "Supplement 1" in tree


def test_the_checker_finds_each_kind_of_problem():
    """The checker is only worth its 0 if it can say something else."""
    bad = typeset(
        "<h1>One</h1><h3>Skipped a level</h3><table><tr><td>no header</td></tr></table>"
        '<img src=\'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" width="9" '
        "height=\"9\"/>'><p><a href='https://example.org/'>link</a></p>",
        tagged=True,
    )
    with pikepdf.open(io.BytesIO(bad)) as pdf:
        pdf.Root.StructTreeRoot.ParentTree.Nums[1][0] = pikepdf.Dictionary(S=pikepdf.Name.P)
        annotation = pdf.pages[0].Annots[0]
        del annotation["/StructParent"]
        pdf.pages[0].contents_add(pdf.make_stream(b"BT /F1 9 Tf (x) Tj ET"))
        problems = check_structure(pdf)
    text = "\n".join(problems)
    for problem in [
        "heading level skips from H1 to H3",
        "table without header cells",
        "figure without alternative text",
        "link annotation without a structure parent",
        "parent-tree entry for MCID 0 does not resolve",
        "painting operation(s) neither tagged nor artifact",
    ]:
        assert problem in text
    # WeasyPrint sets it
    assert "viewers are not told to show the title (DisplayDocTitle)" not in text

    untagged = typeset("<p>plain</p>", tagged=False)
    with pikepdf.open(io.BytesIO(untagged)) as pdf:
        assert "the document has no structure tree" in check_structure(pdf)


def test_the_builds_own_walk_finds_the_rules_the_pdf_ua_claim_rests_on():
    """The pack claims PDF/UA-1 on the problems build_structure finds while it numbers the tree
    (not on a second walk): they are the checker's, and a well-formed part has none."""
    bad = typeset(
        "<h1>One</h1><h3>Skipped a level</h3><table><tr><td>no header</td></tr></table>"
        '<img src=\'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" width="9" '
        "height=\"9\"/>'><p><a href='https://example.org/'>link</a></p>",
        tagged=True,
    )
    good = typeset(
        "<h1>One</h1><h2>Two</h2><table><tr><th scope=col>Year</th></tr>"
        "<tr><td>2006</td></tr></table><p><a href='https://example.org/'>link</a></p>",
        tagged=True,
    )
    with pikepdf.open(io.BytesIO(good)) as pdf:
        problems = []
        build_structure(pdf, take_elements(pdf), problems=problems)
        assert problems == []
        assert check_structure(pdf) == []
    with pikepdf.open(io.BytesIO(bad)) as pdf:
        stray = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=pikepdf.Array([0, 0, 9, 9]),
            )
        )
        pdf.pages[0].Annots.append(stray)  # a link no element refers to
        problems = []
        build_structure(pdf, take_elements(pdf), problems=problems)
        found = "\n".join(problems)
        for rule in (
            "heading level skips from H1 to H3",
            "table without header cells",
            "figure without alternative text",
            "link annotation without a structure parent",
        ):
            assert rule in found
            assert rule in "\n".join(check_structure(pdf, content=False))


def test_an_upload_whose_structure_tree_loops_is_merged_as_untagged():
    tagged = typeset("<h1>Looping</h1><p>LOOP TEXT</p>", tagged=True)
    with pikepdf.open(io.BytesIO(tagged)) as pdf:
        (document,) = pdf.Root.StructTreeRoot.K
        first = document.K[0]
        first.K.append(document)  # the tree now loops back to its root
        out = io.BytesIO()
        pdf.save(out)
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    paper = PaperFactory(meeting=meeting, letter="A", title="Loop", file_kind="pdf")
    paper.file.save("a.pdf", ContentFile(out.getvalue()))
    AgendaItemFactory(meeting=meeting, title="Loop", position=0).papers.add(paper)

    built = build_pack(gather_pack(meeting))

    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        assert check_structure(pdf) == []
        (document,) = pdf.Root.StructTreeRoot.K
        (section,) = [kid for kid in document.K if "/T" in kid]
        assert [str(e.S) for e in walk(section)] == ["/Sect", "/P", "/Link", "/Figure"]
    text = " ".join(pdf_text(built.pdf).split())
    # A file that says it is tagged, but whose tags cannot be used: the contents page says so.
    assert "Paper A is an uploaded PDF that is not tagged" in text
