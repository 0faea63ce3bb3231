import contextlib
import hashlib
import io
import logging
import re
import shutil

import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.models import Attachment, Meeting, PackVersion, Paper
from meetings.pack import FOOTER_WIDTH, _stamp_texts, build_pack, gather_pack, paper_pdf
from meetings.pdf_fonts import text_width
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from tests.pdftext import page_texts as texts
from wkp.pdf_tags import check_structure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db):
    call_command("load_demo", "--no-users")
    return Meeting.objects.get(pk=1)


def outline(pdf_bytes):
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf, pdf.open_outline() as tree:
        return [(item.title, [child.title for child in item.children]) for item in tree.root]


def upload_pdf(text, pages=2):
    """A real PDF with text on each page (typeset by WeasyPrint)."""
    from wkp.pdf import render_pdf

    body = "".join(f'<p style="break-before: page">{text} page {n + 1}</p>' for n in range(pages))
    return render_pdf(f"<html><body>{body}</body></html>", name="upload", tagged=False)


def test_demo_pack_has_cover_agenda_and_papers_in_letter_order(demo):
    built = build_pack(gather_pack(demo))
    pages = texts(built.pdf)

    assert "West Kent Partnership" in pages[0]
    assert "Meeting" in pages[0]
    assert "10am, Friday 14 July 2006" in pages[0]
    assert "Kings Hill Conference Centre" in pages[0]
    assert "Agenda" in pages[1]
    starts = [built.page_map[letter][0] for letter in "ABCDFGHIJK"]
    assert starts == sorted(starts)
    assert "E" not in built.page_map  # circulated separately: listed, not merged
    assert "Sevenoaks District Community Plan – circulated as a separate attachment" in (
        "".join(pages[1:3])
    )
    assert len(pages) == built.page_count


SEED_SENTENCES = {
    "C": "Distraction Burglary was down from 78 reported crimes to 32",
    "D": "the Borough is placed 11th out of 13",
    "F": "93% of the projects were on target at the end of 2005/6",
    "G": "At a meeting on 5 July the group discussed its future remit.",
    "I": "There are currently 4,000 applicants on this register",
    "J": "This was the first meeting chaired by Kent County Council",
}


def test_demo_pack_holds_the_seeds_papers_from_structured_records(demo):
    built = build_pack(gather_pack(demo))
    pages = texts(built.pdf)
    for letter, sentence in SEED_SENTENCES.items():
        first, last = built.page_map[letter]
        text = " ".join(" ".join(pages[first - 1 : last]).split())
        assert sentence in text, letter
    transport = " ".join(pages[built.page_map["J"][0] - 1 : built.page_map["J"][1]])
    assert "South Eastern Trains" in transport
    assert "To be arranged" in transport


def test_every_page_number_in_the_agenda_is_where_that_paper_starts(demo):
    built = build_pack(gather_pack(demo))
    pages = texts(built.pdf)
    agenda = " ".join(pages[1:3])
    references = re.findall(r"Papers? ([A-K])(?: to follow)?(?: – [^,)]*)?, page (\d+)", agenda)
    assert {letter for letter, _ in references} == set("ABCDGHIJK")
    for letter, page in references:
        assert built.page_map[letter][0] == int(page)
        first_line = pages[int(page) - 1].splitlines()[0]
        assert first_line.startswith(f"Paper {letter} – "), (letter, first_line)
    assert re.search(r"Papers E & F, page (\d+)", agenda).group(1) == str(built.page_map["F"][0])


def test_every_page_has_the_running_footer_and_papers_the_running_header(demo):
    built = build_pack(gather_pack(demo))
    pages = texts(built.pdf)
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {total}" in text
        assert "Friday 14 July 2006" in text
    first, last = built.page_map["B"]
    for index in range(first - 1, last):
        assert pages[index].startswith("Paper B – Co-ordinator's Report")


def test_outline_lists_the_agenda_then_each_paper_under_its_item(demo):
    built = build_pack(gather_pack(demo))
    tree = outline(built.pdf)
    assert tree[0] == ("Agenda", [])
    flat = dict(tree[1:])
    assert flat["2. Presentation – ‘Towards 2010’"] == ["Paper A – Towards 2010"]
    assert flat["3. Co-ordinator's report"] == ["Paper B – Co-ordinator's Report"]
    assert flat["Sevenoaks District Council Community Plan and CDRP"] == [
        "Paper F – Sevenoaks District Community Safety Partnership – 2005-2006 Progress"
    ]
    assert sum(len(children) for _, children in tree) == 10


def test_pack_metadata(demo):
    built = build_pack(gather_pack(demo))
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Meeting pack – West Kent Partnership Meeting"
        assert str(pdf.docinfo["/Author"]) == "West Kent Partnership"
        assert "14 July 2006" in str(pdf.docinfo["/Subject"])
        assert str(pdf.Root.Lang) == "en-GB"
        assert "/CreationDate" in pdf.docinfo


@pytest.mark.storage
def test_uploaded_pdf_is_merged_in_place_with_header_and_page_numbers():
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    first = AgendaItemFactory(meeting=meeting, title="Towards 2010", position=0)
    second = AgendaItemFactory(meeting=meeting, title="Report", position=1)
    upload = PaperFactory(meeting=meeting, letter="A", title="Towards 2010", file_kind="pdf")
    upload.file.save("paper.pdf", ContentFile(upload_pdf("UPLOADED CONTENT", pages=3)))
    authored = PaperFactory(meeting=meeting, letter="B", title="Report", body_html="<p>Typed</p>")
    first.papers.add(upload)
    second.papers.add(authored)

    built = build_pack(gather_pack(meeting))
    pages = texts(built.pdf)
    start, end = built.page_map["A"]
    assert end - start == 2
    for offset in range(3):
        text = pages[start - 1 + offset]
        assert text.startswith("Paper A – Towards 2010")
        assert f"UPLOADED CONTENT page {offset + 1}" in text
        assert f"page {start + offset} of {len(pages)}" in text
    assert built.page_map["B"][0] == end + 1


def test_a_long_title_is_cut_in_the_running_header_after_a_whole_word_with_an_ellipsis():
    title = (
        "Sevenoaks and Tonbridge community safety partnership annual report and the districts’ "
        "plans for the coming year ending in March, with the allocations from the West Kent fund "
        "and Kent Police’s figures."
    )
    assert len(title) == 200
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting)
    item.papers.add(PaperFactory(meeting=meeting, letter="A", title=title, body_html="<p>x</p>"))

    built = build_pack(gather_pack(meeting))

    header = texts(built.pdf)[built.page_map["A"][0] - 1].splitlines()[0]
    # As much as fits the 174 mm between the margins at 8.5 pt, then "…" after a whole word.
    assert header == (
        "Paper A – Sevenoaks and Tonbridge community safety partnership annual report and the "
        "districts’ plans for the…"
    )


def test_stamp_texts_fit_their_place_on_the_page():
    body = "West Kent Partnership Community Safety and Neighbourhood Engagement Sub-group"

    header, footer, number = _stamp_texts(
        "Paper A – " + "x" * 300, f"{body}, Wednesday 30 September 2026", "page 1 of 2"
    )

    # A word too long for the line goes whole (and the dash before it); the footer's left part
    # stops short of "page N of M" rather than running into it.
    assert header == "Paper A…"
    assert footer == f"{body}…"
    assert number == "page 1 of 2"
    assert text_width(footer, 8.5) <= FOOTER_WIDTH < text_width(f"{body}, Wednesday…", 8.5)
    # Only a first word wider than the line is cut inside it.
    assert _stamp_texts("x" * 300, "", "")[0] == "x" * 96 + "…"


def test_lettered_and_roman_lists_keep_their_numbering_in_the_pdf():
    """The options of a precept report, (a) to (c), must read the same on paper as on screen."""
    meeting = MeetingFactory()
    paper = PaperFactory(
        meeting=meeting,
        letter="A",
        title="Proposed precept",
        body_html=(
            '<ol type="a"><li>agree the precept</li><li>support it</li><li>veto it</li></ol>'
            '<ol type="i"><li>pecuniary</li><li>other</li></ol>'
            '<ol type="A"><li>Upper</li></ol><ol type="I"><li>One</li><li>Two</li></ol>'
        ),
    )
    text = " ".join(" ".join(texts(paper_pdf(paper))).split())
    assert "a. agree the precept b. support it c. veto it" in text
    assert "i. pecuniary ii. other" in text
    assert "A. Upper" in text and "I. One II. Two" in text


CONTINUED_LIST = (
    "<ol><li>Welcome</li><li>Apologies</li></ol><h2>For decision</h2>"
    '<ol start="3"><li>Precept</li><li>Bid appraisal</li></ol>'
    '<ol type="a" start="4"><li>option four</li></ol>'
)


def test_a_list_that_continues_after_a_heading_keeps_its_numbers_in_paper_and_pack():
    """WeasyPrint ignores <ol start>: the agenda's later items printed as 1. and 2. again."""
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting, title="Papers")
    paper = PaperFactory(meeting=meeting, letter="A", title="Agenda", body_html=CONTINUED_LIST)
    item.papers.add(paper)

    for pdf in (paper_pdf(paper), build_pack(gather_pack(meeting)).pdf):
        text = " ".join(" ".join(texts(pdf)).split())
        assert "1. Welcome 2. Apologies For decision 3. Precept 4. Bid appraisal" in text
        assert "d. option four" in text
        assert "1. Precept" not in text


def test_a_papers_attachments_are_listed_in_the_contents_and_make_a_new_version():
    """Appendices uploaded as a paper's attachments are not merged: the contents say so, and
    name them, rather than leaving them out without a word."""
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting, title="Precept")
    paper = PaperFactory(
        meeting=meeting, letter="C", title="Proposed precept", body_html="<p>x</p>"
    )
    item.papers.add(paper)
    before = gather_pack(meeting).fingerprint
    for title in ("Appendix A – Budget", "Appendix B – Map"):
        Attachment.objects.create(paper=paper, title=title, file_name="annex.pdf")

    content = gather_pack(meeting)
    text = " ".join(" ".join(texts(build_pack(content).pdf)).split())
    assert (
        "Proposed precept With 2 attachments not in this pack; download them from the "
        "intranet: Appendix A – Budget; Appendix B – Map"
    ) in text
    assert content.fingerprint != before


def test_to_follow_paper_gets_a_placeholder_and_withdrawn_is_left_out():
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting)
    later = PaperFactory(
        meeting=meeting, letter="A", title="Learning and Skills", status="to_follow"
    )
    gone = PaperFactory(meeting=meeting, letter="B", title="Old news", status="withdrawn")
    item.papers.add(later, gone)

    built = build_pack(gather_pack(meeting))
    text = "\n".join(texts(built.pdf))
    assert "Paper A – to follow." in text
    assert "Old news" not in text
    assert set(built.page_map) == {"A"}


def test_a_damaged_upload_gets_a_notice_page_and_the_pack_still_builds():
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting)
    broken = PaperFactory(meeting=meeting, letter="A", title="Broken", file_kind="pdf")
    broken.file.save("paper.pdf", ContentFile(b"%PDF-1.7 this is not really a pdf"))
    fine = PaperFactory(meeting=meeting, letter="B", title="Fine", body_html="<p>All good</p>")
    item.papers.add(broken, fine)

    built = build_pack(gather_pack(meeting))
    text = "\n".join(texts(built.pdf))
    assert "Paper A – Broken could not be included: its file is damaged or unreadable." in text
    assert "All good" in text


def test_single_paper_pdf_is_tagged_titled_and_in_british_english():
    paper = PaperFactory(letter="B", title="Co-ordinator's Report", body_html="<h2>Money</h2>")
    data = paper_pdf(paper)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en-GB"
        assert str(pdf.docinfo["/Title"]) == "Paper B – Co-ordinator's Report"
    text = texts(data)[0]
    assert text.startswith("Paper B – Co-ordinator's Report")
    assert "page 1 of 1" in text


def test_a_paper_alone_names_its_body_in_the_footer_as_the_pack_does_and_after_a_rename():
    """A paper downloaded on its own printed only the date in its footer: whose was it?"""
    meeting = MeetingFactory(title="Annual meeting")  # titled: the body's name is in no title
    meeting.body.name = "Sevenoaks Community Safety Partnership"
    meeting.body.save()
    authored = PaperFactory(
        meeting=meeting, letter="A", title="Report", body_html="<p>Words.</p>" * 40
    )
    uploaded = PaperFactory(meeting=meeting, letter="B", title="Figures", file_kind="pdf")
    uploaded.file.save("paper.pdf", ContentFile(upload_pdf("UPLOADED CONTENT", pages=2)))

    for name in ("Sevenoaks Community Safety Partnership", "Sevenoaks and Tonbridge CSP"):
        meeting.body.name = name
        meeting.body.save()
        for paper in (Paper.objects.get(pk=authored.pk), Paper.objects.get(pk=uploaded.pk)):
            pages = texts(paper_pdf(paper))
            assert len(pages) == 2  # a footer on a page the paper runs on to, too
            for number, text in enumerate(pages, start=1):
                footer = f"{name}, Friday 14 July 2006"
                assert [line for line in text.splitlines() if line.startswith(footer)] == [
                    footer
                ], (paper.letter, number, text)
                assert f"page {number} of 2" in text


def test_paper_pdf_download_name(member_client):
    paper = PaperFactory(letter="B", meeting=MeetingFactory(status=Meeting.Status.PUBLISHED))
    response = member_client.get(reverse("meetings:paper_pdf", args=[paper.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="WKP-2006-07-14-paper-B.pdf"'
    assert response.content.startswith(b"%PDF-")


@pytest.mark.storage
def test_publishing_issues_v1_and_later_changes_issue_v2_with_a_supplement(
    demo, django_capture_on_commit_callbacks, member, coordinator
):
    demo.status, demo.published_at = Meeting.Status.DRAFT, None
    demo.save()
    demo.pack_versions.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_agenda(demo, version=demo.version, by=coordinator)
    v1 = PackVersion.objects.get(meeting=demo)
    assert (v1.number, v1.changes, v1.supplement.name) == (1, [], "")
    with v1.file.open("rb") as handle:
        v1_bytes = handle.read()
    assert hashlib.sha256(v1_bytes).hexdigest() == v1.sha256
    assert "Paper H – to follow." in "\n".join(texts(v1_bytes))

    paper_h = Paper.objects.get(meeting=demo, letter="H")
    paper_h.status = Paper.Status.AVAILABLE
    paper_h.body_html = "<p>The Learning and Skills sub-group met in June.</p>"
    demo.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_paper(paper_h, version=paper_h.version, by=coordinator)
    v2 = demo.pack_versions.get(number=2)
    assert v2.changes == ["Paper H – Learning and Skills sub group: now available (was to follow)."]
    with v2.file.open("rb") as handle:
        v2_pages = texts(handle.read())
    assert "Changed since version 1" in v2_pages[0]
    assert "Paper H – Learning and Skills sub group: now available" in v2_pages[0]
    with v2.supplement.open("rb") as handle:
        supplement = handle.read()
    supplement_text = "\n".join(texts(supplement))
    assert "Supplement 1" in supplement_text
    assert "The Learning and Skills sub-group met in June." in supplement_text
    assert "Towards 2010" not in supplement_text

    client = Client()
    client.force_login(member)
    old = client.get(reverse("meetings:pack_version_download", args=[demo.pk, 1]))
    old_bytes = b"".join(old.streaming_content)
    assert hashlib.sha256(old_bytes).hexdigest() == v1.sha256
    assert old["ETag"] == f'"{v1.sha256}"'
    assert old["Content-Disposition"] == 'attachment; filename="WKP-2006-07-14-pack-v1.pdf"'
    current = client.get(reverse("meetings:pack_download", args=[demo.pk]))
    assert current["ETag"] == f'"{v2.sha256}"'
    cached = client.get(
        reverse("meetings:pack_download", args=[demo.pk]), HTTP_IF_NONE_MATCH=f'"{v2.sha256}"'
    )
    assert cached.status_code == 304
    page = client.get(demo.get_absolute_url()).text
    assert "version 2" in page


def test_unchanged_content_is_not_issued_or_rendered_again(demo, settings):
    first = services.issue_pack(demo)
    parts = sorted((settings.MEDIA_ROOT / "renders" / "parts").iterdir())
    mtimes = [path.stat().st_mtime_ns for path in parts]

    again = services.issue_pack(demo)

    assert again.pk == first.pk
    assert PackVersion.objects.count() == 1
    assert [p.stat().st_mtime_ns for p in parts] == mtimes


def test_member_cannot_download_the_pack_of_a_draft(member_client):
    meeting = MeetingFactory()
    services.issue_pack(meeting)
    response = member_client.get(reverse("meetings:pack_download", args=[meeting.pk]))
    assert response.status_code == 404


def test_build_pack_command_writes_the_file(demo, tmp_path):
    out = tmp_path / "pack.pdf"
    call_command("build_pack", "2006-07-14", "-o", str(out))
    assert out.read_bytes().startswith(b"%PDF-")
    assert len(texts(out.read_bytes())) == build_pack(gather_pack(demo)).page_count


def test_paper_b_embeds_the_financial_report_frozen_once_its_pack_is_issued(demo):
    from decimal import Decimal

    from finance.models import FinancialYear, LedgerEntry
    from finance.reports import render_fund_report_html
    from meetings.papers import paper_html

    paper_b = Paper.objects.get(meeting=demo, letter="B")
    assert PackVersion.objects.filter(meeting=demo).exists()
    issued = paper_html(paper_b)
    assert "2006/7 project funding available" in issued
    assert "55971" in issued

    LedgerEntry.objects.create(
        year=FinancialYear.objects.get(start_year=2006),
        kind="income",
        posted_on="2006-07-01",
        amount=Decimal("1000.00"),
        description="A back-dated contribution",
    )
    assert "56971" in render_fund_report_html(paper_b.fund_report_as_of)
    paper_b.refresh_from_db()
    assert paper_html(paper_b) == issued


def test_issuing_typesets_every_papers_own_pdf_so_downloads_render_nothing(demo, settings):
    from meetings.pack import pack_entry

    cached = {path.name for path in (settings.MEDIA_ROOT / "renders" / "papers").iterdir()}
    for paper in Paper.objects.live().filter(meeting=demo).exclude(status="withdrawn"):
        if paper.separate_attachment:
            continue
        entry = pack_entry(paper, demo)
        expected = (
            f"{entry.fingerprint}-upload-tagged.pdf"
            if entry.kind == "upload"
            else f"{entry.fingerprint}-tagged.pdf"
        )
        assert expected in cached, paper.letter


def test_a_rebuild_in_a_new_worker_process_takes_the_front_matters_length_from_the_last_pack(
    demo, settings
):
    """The worker restarts every few jobs; the last issued pack still tells the front matter's
    length, so a rebuild lays the front matter out once."""
    from meetings import pack

    issued = PackVersion.objects.get(meeting=demo)
    assert pack._last_front_pages(demo) == min(p[0] for p in issued.page_map.values()) - 1 == 3
    pack._FRONT_PAGES_SEEN.clear()
    # Without its cached layout, as when a paper's change moved no page but the cover changed.
    shutil.rmtree(settings.MEDIA_ROOT / "renders" / "fronts")
    with renders_logged() as rendered:
        built = build_pack(gather_pack(demo))
    assert [name for name in rendered if name.startswith("The pack for")] == [
        "The pack for West Kent Partnership Meeting – 14 July 2006"
    ]
    assert built.page_map == issued.page_map


@contextlib.contextmanager
def renders_logged():
    """The names of the documents WeasyPrint lays out in the block (wkp.pdf logs each)."""
    rendered = []

    class Record(logging.Handler):
        def emit(self, record):
            message = record.getMessage()
            if message.startswith("PDF rendered: "):
                rendered.append(message.removeprefix("PDF rendered: "))

    logger, handler = logging.getLogger("wkp.pdf"), Record()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield rendered
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def agenda_references(built):
    """Each paper the agenda refers to, with the page it says, checked against the pack."""
    pages = texts(built.pdf)
    front = " ".join(pages[: min(first for first, _ in built.page_map.values()) - 1])
    references = dict(re.findall(r"Paper ([A-Z]), page (\d+)", front))
    for letter, page in references.items():
        assert built.page_map[letter][0] == int(page), letter
        assert pages[int(page) - 1].startswith(f"Paper {letter} – "), letter
    return references


def three_typed_papers():
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    for index, letter in enumerate("ABC"):
        item = AgendaItemFactory(meeting=meeting, title=f"Item {letter}", position=index)
        item.papers.add(
            PaperFactory(
                meeting=meeting,
                letter=letter,
                title=f"Report {letter}",
                body_html=f"<p>Paper {letter} says this.</p>" * 20,
            )
        )
    return meeting


def test_a_rebuild_after_a_change_that_moves_no_page_typesets_only_the_changed_paper():
    """The front matter's layout is reused when its HTML is the same (no page moved)."""
    meeting = three_typed_papers()
    first = build_pack(gather_pack(meeting))
    paper = Paper.objects.get(meeting=meeting, letter="B")
    paper.body_html = paper.body_html.replace("says this", "now says that", 1)
    paper.save()

    with renders_logged() as rendered:
        again = build_pack(gather_pack(meeting))

    assert rendered == [f"The papers of {meeting}"]
    assert again.page_map == first.page_map
    assert (
        agenda_references(again)
        == agenda_references(first)
        == {letter: str(pages[0]) for letter, pages in first.page_map.items()}
    )
    pages = texts(again.pdf)
    assert "Paper B now says that." in pages[again.page_map["B"][0] - 1]
    assert "now says that" not in " ".join(texts(first.pdf))
    # A and C come from the batch they were first typeset in, with their tags.
    with pikepdf.open(io.BytesIO(again.pdf)) as pdf:
        assert check_structure(pdf) == []
        (document,) = pdf.Root.StructTreeRoot.K
        sections = [str(kid.T) for kid in document.K if kid.S == "/Sect"]
    assert sections == [f"Paper {letter} – Report {letter}" for letter in "ABC"]


def test_a_spoilt_cache_note_or_a_pruned_batch_means_typesetting_again_once():
    meeting = three_typed_papers()
    first = build_pack(gather_pack(meeting))
    content = gather_pack(meeting)
    note = f"renders/parts/{content.papers[0].fingerprint}-tagged.json"
    with default_storage.open(note, "rb") as handle:
        whole = handle.read()
    default_storage.delete(note)
    default_storage.save(note, ContentFile(whole[: len(whole) // 2]))

    with renders_logged() as rendered:
        again = build_pack(gather_pack(meeting))

    assert rendered == [f"The papers of {meeting}"]
    assert again.page_map == first.page_map
    assert texts(again.pdf) == texts(first.pdf)
    # The spoilt note was replaced, so the next build typesets nothing; nor after a batch is
    # pruned, beyond the one build that typesets its papers again.
    with renders_logged() as rendered:
        build_pack(gather_pack(meeting))
    assert rendered == []
    _, batches = default_storage.listdir("renders/batches")
    for name in batches:
        default_storage.delete(f"renders/batches/{name}")
    with renders_logged() as rendered:
        build_pack(gather_pack(meeting))
    assert rendered == [f"The papers of {meeting}"]
    with renders_logged() as rendered:
        build_pack(gather_pack(meeting))
    assert rendered == []


def test_a_rebuild_after_a_paper_grows_lays_out_the_front_matter_with_the_new_page_numbers():
    meeting = three_typed_papers()
    first = build_pack(gather_pack(meeting))
    paper = Paper.objects.get(meeting=meeting, letter="A")
    paper.body_html += "<p>A paragraph more.</p>" * 60
    paper.save()

    with renders_logged() as rendered:
        again = build_pack(gather_pack(meeting))

    assert rendered == [f"The papers of {meeting}", f"The pack for {meeting}"]
    assert again.page_map["B"][0] > first.page_map["B"][0]
    assert agenda_references(again) == {
        letter: str(pages[0]) for letter, pages in again.page_map.items()
    }


def test_front_matter_whose_length_never_settles_fails_loudly():
    """The old loop stopped after three layouts without checking, and printed wrong numbers."""
    from types import SimpleNamespace

    from meetings.pack import FrontMatterUnsettled, settle_front_matter

    tried = []

    def oscillating(front_pages):  # two pages of front matter push it to three, and back
        tried.append(front_pages)
        return SimpleNamespace(page_count=3 if front_pages == 2 else 2)

    with pytest.raises(FrontMatterUnsettled, match="did not settle after 4 layouts"):
        settle_front_matter(oscillating, 2)
    assert tried == [2, 3, 2, 3]


def test_front_matter_is_laid_out_again_until_its_length_agrees():
    from types import SimpleNamespace

    from meetings.pack import settle_front_matter

    tried = []

    def grows_once(front_pages):
        tried.append(front_pages)
        return SimpleNamespace(page_count=max(front_pages, 4))

    pages, front = settle_front_matter(grows_once, 2)
    assert (pages, front.page_count, tried) == (4, 4, [2, 4])
