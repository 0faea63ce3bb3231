"""Mutated PDFs and Word files: never an uncaught exception, never slow, never a broken pack.

CI runs about 100 seeded mutations; tests/benchmarks/security_fuzz.py runs thousands.
"""

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.models import Meeting, Paper
from meetings.pack import build_pack, gather_pack
from meetings.uploads import check_upload
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory
from tests.security.badfiles import bad_files, docx, mutate, mutated_pdfs
from tests.security.world import tiny_pdf

SEED = 20260714

# Mutations found worth keeping (seed, index) and hand-made cases: a small regression set.
REGRESSIONS = [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>",
    b"%PDF-1.4\n1 0 obj << /Length 99999999 >> stream\nxx\nendstream endobj\n%%EOF",
    b"%PDF-1.4\n" + b"[" * 10_000 + b"\n%%EOF",
    b"%PDF-1.4\n" + b"<<" * 5_000 + b"\n%%EOF",
    b"%PDF-1.4\n1 0 obj 1 0 R endobj trailer << /Root 1 0 R /Size 2 >>\n%%EOF",
    b"%PDF-\x00\x00\x00",
    b"%PDF-1.7\nxref\n0 999999999\n0000000000 65535 f \ntrailer<</Size 1>>\nstartxref\n9\n%%EOF",
]


def check(name, data):
    """Return "accepted" or "refused"; any other exception fails the test."""
    upload = SimpleUploadedFile(name, data)
    try:
        check_upload(upload)
    except ValidationError:
        return "refused"
    return "accepted"


def test_regression_set_is_accepted_or_refused():
    outcomes = [check("regression.pdf", data) for data in REGRESSIONS]
    assert len(outcomes) == len(REGRESSIONS)
    assert set(outcomes) <= {"accepted", "refused"}


def test_random_pdf_mutations_never_raise():
    # No wall-time bound here (timings belong in tests/benchmarks/security_fuzz.py).
    outcomes = {"accepted": 0, "refused": 0}
    for _, data in mutated_pdfs(SEED, 100):
        outcomes[check("mutant.pdf", data)] += 1
    assert sum(outcomes.values()) == 100
    assert outcomes["refused"] > 0  # the mutator does damage


def test_random_docx_mutations_never_raise():
    rng = random.Random(SEED)
    base = docx()
    outcomes = {"accepted": 0, "refused": 0}
    for _ in range(100):
        outcomes[check("mutant.docx", mutate(base, rng))] += 1
    assert sum(outcomes.values()) == 100


@pytest.mark.django_db
def test_mutated_pdfs_through_the_real_upload_view_never_give_a_server_error(
    coordinator_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    coordinator_client.raise_request_exception = False
    meeting = MeetingFactory()
    url = reverse("meetings:paper_create", args=[meeting.pk])
    statuses = []
    for index, data in mutated_pdfs(SEED + 1, 25):
        upload = SimpleUploadedFile("mutant.pdf", data, content_type="application/pdf")
        response = coordinator_client.post(
            url, {"title": f"Mutant {index}", "status": "available", "upload": upload}
        )
        statuses.append(response.status_code)
    assert set(statuses) <= {200, 302}
    assert Paper.objects.count() == statuses.count(302)


def accepted_mutants(count):
    found = []
    for _, data in mutated_pdfs(SEED + 2, 400):
        if check("mutant.pdf", data) == "accepted":
            found.append(data)
            if len(found) == count:
                break
    return found


@pytest.mark.django_db
def test_one_bad_paper_among_ten_never_breaks_the_pack(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting)
    letters = "ABCDEFGHIJ"
    bad_letter = "E"
    for letter in letters:
        paper = PaperFactory(meeting=meeting, letter=letter, title=f"Paper {letter}")
        if letter == bad_letter:
            paper.file_kind = "pdf"
            paper.file.save("paper.pdf", ContentFile(tiny_pdf()[:300]))
        elif letter in "BH":
            paper.file_kind = "pdf"
            paper.file.save("paper.pdf", ContentFile(tiny_pdf(f"Uploaded {letter}")))
        else:
            paper.body_html = f"<p>Typed {letter}</p>"
            paper.save()
        item.papers.add(paper)
    built = build_pack(gather_pack(meeting))
    assert set(built.page_map) == set(letters)
    assert built.pdf.startswith(b"%PDF-") and built.page_count >= 10


@pytest.mark.django_db
def test_files_that_passed_the_upload_check_despite_damage_never_break_the_pack(settings, tmp_path):
    """Lenient parsers accept some damaged PDFs: those must still merge or become a notice."""
    settings.MEDIA_ROOT = tmp_path
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting)
    mutants = accepted_mutants(5)
    assert mutants, "no mutant passed the upload check: the mutator is too destructive"
    for index, data in enumerate(mutants):
        paper = PaperFactory(meeting=meeting, letter="ABCDE"[index], file_kind="pdf")
        paper.file.save("paper.pdf", ContentFile(data))
        item.papers.add(paper)
    built = build_pack(gather_pack(meeting))
    assert len(built.page_map) == len(mutants)


@pytest.mark.django_db
def test_a_stored_pdf_with_a_corrupt_stream_gets_a_notice_page(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = MeetingFactory(status=Meeting.Status.PUBLISHED)
    item = AgendaItemFactory(meeting=meeting)
    damaged = PaperFactory(meeting=meeting, letter="A", title="Damaged", file_kind="pdf")
    damaged.file.save("paper.pdf", ContentFile(corrupt_stream_pdf()))
    fine = PaperFactory(meeting=meeting, letter="B", title="Fine", body_html="<p>Fine</p>")
    item.papers.add(damaged, fine)
    built = build_pack(gather_pack(meeting))
    assert set(built.page_map) == {"A", "B"}


def corrupt_stream_pdf():
    """A PDF that opens and counts its pages but whose content stream will not inflate."""
    import io

    import pikepdf

    pdf = pikepdf.open(io.BytesIO(tiny_pdf("Damaged")))
    page = pdf.pages[0]
    page.Contents = pdf.make_stream(
        b"x\x9c\xff\xff\xff\xff garbage", Filter=pikepdf.Name.FlateDecode
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def test_a_pdf_with_a_corrupt_stream_is_refused_at_upload():
    assert check("damaged.pdf", corrupt_stream_pdf()) == "refused"


def test_the_bad_file_corpus_never_raises_from_the_check():
    for name, content, _ in bad_files():
        assert check(name, content) == "refused"
