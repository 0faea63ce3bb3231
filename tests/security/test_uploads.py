"""Bad files through the real paper and attachment upload views: all refused, nothing written."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.models import Attachment, Paper
from tests.factories import MeetingFactory, PaperFactory
from tests.security.badfiles import bad_files
from tests.security.world import tiny_pdf

pytestmark = pytest.mark.django_db

CLEAR_MESSAGES = (
    "The file is empty.",
    "The submitted file is empty.",
    "The file is neither a PDF nor a Word document (.docx), whatever its name says.",
    "The file is a PDF but its name does not end in .pdf.",
    "Only PDF files and Word documents (.docx) can be uploaded as papers.",
    "The PDF is damaged and cannot be read.",
    "The PDF is password-protected; please upload it without.",
    "The PDF has no pages.",
    "The Word document unpacks to more than 60 MB.",
    "The file is not a Word document (.docx).",
    "Word documents with macros cannot be uploaded; save it as a plain .docx.",
    "The Word document is damaged and cannot be read.",
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_under(folder):
    return [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]


def test_the_corpus_has_at_least_thirty_bad_files():
    assert len(bad_files()) >= 30


def test_every_bad_file_is_refused_by_the_paper_upload_with_a_clear_message(
    coordinator_client, media
):
    meeting = MeetingFactory()
    url = reverse("meetings:paper_create", args=[meeting.pk])
    coordinator_client.raise_request_exception = False
    outcomes = []
    for name, content, why in bad_files():
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        response = coordinator_client.post(
            url, {"title": f"Bad: {why}", "status": "available", "upload": upload}
        )
        text = response.content.decode()
        message = next((m for m in CLEAR_MESSAGES if m in text.replace("&#x27;", "'")), None)
        outcomes.append((why, response.status_code, message))
    refused = [o for o in outcomes if o[1] == 200 and o[2]]
    assert [o for o in outcomes if o not in refused] == []
    assert not Paper.objects.exists()
    assert files_under(media) == []


def test_every_bad_file_is_refused_as_an_attachment(coordinator_client, media):
    paper = PaperFactory()
    url = reverse("meetings:attachment_create", args=[paper.pk])
    coordinator_client.raise_request_exception = False
    statuses = []
    for name, content, why in bad_files():
        upload = SimpleUploadedFile(name, content)
        response = coordinator_client.post(url, {"title": why, "upload": upload})
        statuses.append((why, response.status_code))
    assert {status for _, status in statuses} == {200}
    assert not Attachment.objects.exists()
    assert files_under(media) == []


@pytest.mark.parametrize(
    "name",
    ["../../../../tmp/escape.pdf", "..\\..\\escape.pdf", "a\u202egnp.pdf", "x" * 400 + ".pdf"],
)
def test_a_good_pdf_with_a_hostile_name_is_stored_under_our_own_name(
    coordinator_client, media, name
):
    meeting = MeetingFactory()
    upload = SimpleUploadedFile(name, tiny_pdf(), content_type="application/pdf")
    response = coordinator_client.post(
        reverse("meetings:paper_create", args=[meeting.pk]),
        {"title": "Good file", "status": "available", "upload": upload},
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    stored = files_under(media)
    assert len(stored) == 1
    assert os.path.realpath(stored[0]).startswith(os.path.realpath(media) + os.sep)
    assert os.path.basename(stored[0]).startswith("paper")
    assert "/" not in paper.file_name and "\\" not in paper.file_name
    assert "\u202e" not in paper.file_name
    assert len(paper.file_name) <= 150
