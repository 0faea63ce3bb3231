"""wkp/pdf_speed.py: pydyf's page references kept per document, text tagged in its own element,
and streams compressed at zlib's default level; all still right."""

import io
import re
import subprocess
import zlib
from collections import Counter

import pikepdf
import pydyf
from weasyprint import HTML
from weasyprint.pdf import tags

from wkp import typesetting as _typesetting  # noqa: F401 - installs the fixes, as every render does
from wkp.pdf_speed import WEASYPRINT_BUILD_BOX_TREE, _original
from wkp.pdf_tags import check_structure


def test_page_references_are_kept_and_follow_added_pages():
    document = pydyf.PDF()
    for _ in range(3):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))

    first = document.page_references

    assert first == _original.fget(document)  # what pydyf itself would say
    assert document.page_references is first  # kept, not built again per read
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    after = document.page_references
    assert after == _original.fget(document) and len(after) == 4
    assert pydyf.PDF().page_references == ()  # each document its own


PAGE = """<html lang="en-GB"><head><title>Paper</title></head><body>
<h1>Housing update</h1>
<p>The sub-group met on Friday 14 July 2006. {words}</p>
<ul><li>Affordable homes</li><li>See <a href="#top">the summary</a></li></ul>
<table><thead><tr><th>Year</th><th>Homes</th></tr></thead>
<tbody><tr><td>2005/06</td><td>212</td></tr></tbody></table>
</body></html>""".format(words="It agreed a joint plan for the district. " * 30)


def _tagged(build_box_tree):
    saved = tags._build_box_tree
    tags._build_box_tree = build_box_tree
    try:
        return HTML(string=PAGE).write_pdf(pdf_tags=True)
    finally:
        tags._build_box_tree = saved


def _struct_text(data, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(
        ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
    ).stdout


def test_text_belongs_to_its_element_and_reads_the_same(tmp_path):
    assert tags._build_box_tree.wkp_text_in_element  # installed on this WeasyPrint
    ours = _tagged(tags._build_box_tree)
    theirs = _tagged(WEASYPRINT_BUILD_BOX_TREE)

    with pikepdf.open(io.BytesIO(ours)) as pdf:
        assert check_structure(pdf) == []
        kinds, paragraph = Counter(), None
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem":
                kinds[str(obj.S)] += 1
                if obj.S == "/P":
                    paragraph = obj
        assert kinds["/Span"] == 0 and kinds["/P"] == 1
        # The paragraph's lines are its own marked content, found again through the parent tree.
        mcids = [kid for kid in paragraph.K if isinstance(kid, int)]
        assert len(mcids) > 3
        page_entries = pdf.Root.StructTreeRoot.ParentTree.Nums[1]
        assert all(page_entries[mcid].objgen == paragraph.objgen for mcid in mcids)
    with pikepdf.open(io.BytesIO(theirs)) as pdf:
        spans = sum(
            1
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Span"
        )
        assert spans > len(mcids)  # WeasyPrint's own: one element per run of text

    # The same words in the same elements and order, less WeasyPrint's one Span per run (header
    # cell ids name the table's object number, which the Spans no longer there change).
    def read(text):
        lines = [re.sub(r"\d+-(\d+-\d+)", r"\1", line.strip()) for line in text.splitlines()]
        return [line for line in lines if line and not line.startswith("Span")]

    assert read(_struct_text(ours, tmp_path, "ours.pdf")) == read(
        _struct_text(theirs, tmp_path, "theirs.pdf")
    )


def test_streams_are_compressed_at_zlibs_default_level_and_read_back_whole():
    data = HTML(string=PAGE).write_pdf(pdf_tags=True)

    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert check_structure(pdf) == []
        content = pdf.pages[0].obj.Contents
        raw, text = content.read_raw_bytes(), content.read_bytes()
        assert b"BDC" in text and len(raw) < len(text)  # tagged, and compressed
        assert zlib.compress(text, 9) != zlib.compress(text, 6)  # the levels differ here
        assert raw == zlib.compress(text, 6)
        object_streams = [
            obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Type") == "/ObjStm"
        ]
        assert object_streams
        for stream in object_streams:
            assert stream.read_raw_bytes() == zlib.compress(stream.read_bytes(), 6)
