"""Pasting a real Word document into the paper editor (django-prose-editor) in Chromium.

The .docx is made with python-docx (headings, bold and italic, a bulleted and a numbered list, a
table, a link). Its clipboard HTML is mammoth's HTML of that file dressed as Word puts it on the
clipboard (Office namespaces, a style sheet, MsoNormal classes, inline mso styles, <o:p>,
StartFragment comments), since no LibreOffice or Word runs here. The paste keeps the headings,
lists, table and link in the paper page and in the pack; hostile pastes are cleaned and the
co-ordinator told; an over-size paste is refused.
"""

import io
import json
import re

import docx
import mammoth
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from playwright.sync_api import expect

from meetings.models import Paper
from meetings.pack import build_pack, gather_pack, paper_pdf
from tests.conftest import PASSWORD
from tests.factories import AgendaItemFactory, MeetingFactory
from tests.pdftext import pdf_text as full_text
from wkp.roles import COORDINATOR
from wkp.sanitise import MAX_RICH_TEXT_CHARS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_link(paragraph, text, url):
    """python-docx has no hyperlink API: the w:hyperlink element with its relationship."""
    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    label = OxmlElement("w:t")
    label.text = text
    run.append(label)
    link.append(run)
    paragraph._p.append(link)


def word_document():
    document = docx.Document()
    document.add_heading("Housing Sub Group", level=1)
    intro = document.add_paragraph("The group met on ")
    intro.add_run("12 June 2006").bold = True
    intro.add_run(" and agreed the ")
    intro.add_run("Choice Based Lettings").italic = True
    intro.add_run(" timetable.")
    document.add_heading("Progress this quarter", level=2)
    for line in ("Affordable homes completed", "Empty homes brought back into use"):
        document.add_paragraph(line, style="List Bullet")
    for line in ("Agree the sub-regional bid", "Report to the October board"):
        document.add_paragraph(line, style="List Number")
    table = document.add_table(rows=3, cols=3)
    for row, cells in enumerate(
        [("District", "Target", "Completed"), ("Sevenoaks", "120", "96"), ("TWBC", "150", "141")]
    ):
        for column, value in enumerate(cells):
            table.cell(row, column).text = value
    more = document.add_paragraph("See ")
    add_link(more, "the housing strategy", "https://www.example.org/housing")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def clipboard_html(docx_bytes):
    """What Word puts on the clipboard, near enough: its wrapping around the document's HTML."""
    body = mammoth.convert_to_html(io.BytesIO(docx_bytes)).value
    body = body.replace("<p>", '<p class="MsoNormal" style="margin:0cm;mso-pagination:none">')
    body = body.replace("<li>", '<li class="MsoListParagraph" style="mso-list:l0 level1 lfo1">')
    body = re.sub(r"</p>", "<o:p></o:p></p>", body)
    body = body.replace("<table>", '<table class="MsoTableGrid" border="1" style="border:none">')
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">'
        '<head><meta name="Generator" content="Microsoft Word 15"><style><!-- p.MsoNormal '
        "{margin:0cm;font-family:Calibri} --></style></head>"
        "<body lang=EN-GB style='tab-interval:36.0pt'><!--StartFragment-->"
        f'<div class="WordSection1">{body}</div><!--EndFragment--></body></html>'
    )


PASTE_JS = """([html, text]) => {
  const target = document.querySelector(".ProseMirror[contenteditable]");
  target.focus();
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", text);
  target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                    cancelable: true}));
}"""


@pytest.fixture
def editor(make_user, settings, tmp_path, page, live_server, sign_in):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user("coordinator", COORDINATOR)
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title="Housing")
    sign_in(page, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/papers/new/?item={item.pk}")
    page.locator(".ProseMirror[contenteditable]").wait_for()
    return meeting


def test_a_word_document_pasted_keeps_headings_lists_table_and_link_in_page_and_pack(
    page, editor, live_server
):
    meeting = editor
    page.evaluate(PASTE_JS, [clipboard_html(word_document()), "Housing Sub Group"])
    prose = page.locator(".ProseMirror[contenteditable]")
    expect(prose.locator("h1, h2").first).to_have_text("Housing Sub Group")
    expect(prose.locator("ul li")).to_have_count(2)
    expect(prose.locator("table td, table th")).to_have_count(9)
    page.get_by_role("button", name="Save paper").click()
    page.get_by_text("Paper A “Housing” saved.").wait_for()

    paper = Paper.objects.get()
    html = paper.body_html
    assert "<h2>Housing Sub Group</h2>" in html, html
    assert "<h3>Progress this quarter</h3>" not in html  # a level-2 heading stays h2 …
    assert "<h2>Progress this quarter</h2>" in html
    assert "<strong>12 June 2006</strong>" in html and "<em>Choice Based Lettings</em>" in html
    assert re.search(r"<ul>\s*<li>(<p>)?Affordable homes completed", html), html
    assert re.search(r"<ol[^>]*>\s*<li>(<p>)?Agree the sub-regional bid", html), html
    assert re.search(r"<table>.*Sevenoaks.*</table>", html, re.S), html
    assert 'href="https://www.example.org/housing"' in html
    for dropped in ("MsoNormal", "mso-", "<o:p", "style=", "class=", "StartFragment"):
        assert dropped not in html, dropped

    page.goto(f"{live_server.url}{paper.get_absolute_url()}")
    content = page.locator("main")
    expect(content.get_by_role("heading", name="Housing Sub Group")).to_be_visible()
    expect(content.get_by_role("listitem").filter(has_text="Empty homes")).to_be_visible()
    expect(content.get_by_role("cell", name="141")).to_be_visible()
    expect(content.get_by_role("link", name="the housing strategy")).to_be_visible()

    pack = build_pack(gather_pack(meeting))
    text = full_text(pack.pdf)
    text = re.sub(r"\s+", " ", text)
    for words in (
        "Housing Sub Group",
        "Progress this quarter",
        "Affordable homes completed",
        "Report to the October board",
        "Sevenoaks 120 96",
        "TWBC 150 141",
    ):
        assert words in text, words
    # The paper's own PDF keeps the structure: headings, a list and a table, tagged.
    import pikepdf

    with pikepdf.open(io.BytesIO(paper_pdf(paper))) as pdf:
        kinds = set()

        def walk(node):
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.add(str(node.S))
                if "/K" in node:
                    walk(node.K)

        walk(pdf.Root.StructTreeRoot.K)
    assert {"/H2", "/L", "/LI", "/Table", "/TD"} <= kinds, kinds


HOSTILE = (
    '<style>p{color:red}</style><p onclick="alert(1)" style="color:red">Hello '
    '<script>alert("x")</script><img src="https://evil.example/track.png"> world</p>'
    + "<div>" * 200
    + "deep"
    + "</div>" * 200
)


def test_a_hostile_paste_is_cleaned_and_the_coordinator_told(page, editor):
    page.evaluate(PASTE_JS, [HOSTILE, "Hello world deep"])
    status = page.locator(".rich-text-status")
    expect(status).to_contain_text("Removed from the paste:")
    for kind in ("scripts", "styles", "images", "event handlers", "nesting deeper than 30"):
        expect(status).to_contain_text(kind)
    expect(page.locator(".ProseMirror[contenteditable]")).to_contain_text("Hello")
    assert page.locator(".ProseMirror[contenteditable] :is(script, img, [onclick])").count() == 0
    page.get_by_role("button", name="Save paper").click()
    page.get_by_text("saved.").wait_for()
    html = Paper.objects.get().body_html
    assert "Hello" in html and "deep" in html
    for bad in ("<script", "<img", "onclick", "style", "evil.example"):
        assert bad not in html, bad


def test_an_over_size_paste_is_refused_with_a_message(page, editor):
    huge = "<p>" + "Paragraph of a very long report. " * (4 * MAX_RICH_TEXT_CHARS // 30) + "</p>"
    page.evaluate(PASTE_JS, [huge, "x"])
    status = page.locator(".rich-text-status")
    expect(status).to_contain_text("That paste is too large")
    expect(status).to_contain_text("Nothing was pasted")
    assert (
        "Paragraph of a very long report"
        not in page.locator(".ProseMirror[contenteditable]").inner_text()
    )


def test_the_server_refuses_over_size_content_and_reports_what_it_removed(coordinator_client):
    """Without JavaScript the textarea is posted as it is: the server cleans and says so."""
    meeting = MeetingFactory()
    url = f"/meetings/{meeting.pk}/papers/new/"
    base = {"title": "Paper", "status": "available"}
    response = coordinator_client.post(url, {**base, "body_html": "x" * (MAX_RICH_TEXT_CHARS + 1)})
    assert response.status_code == 200
    assert "The content is too long to save" in response.text
    assert not Paper.objects.exists()

    response = coordinator_client.post(url, {**base, "body_html": HOSTILE}, follow=True)
    paper = Paper.objects.get()
    assert "<script" not in paper.body_html and "Hello" in paper.body_html
    messages = [m.message for m in response.context["messages"]]
    (removed,) = [m for m in messages if m.startswith("Removed from the content")]
    for kind in ("scripts", "styles", "images", "event handlers", "nesting deeper than 30"):
        assert kind in removed, (kind, removed)
    assert json.dumps(removed)
