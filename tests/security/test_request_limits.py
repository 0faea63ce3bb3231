"""Safe defaults (issue 16): request bodies are refused by size before anything parses them, and
stored files are private on disk."""

import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.models import Paper
from tests.conftest import PASSWORD
from tests.factories import MeetingFactory
from tests.security.world import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def small_limits(settings):
    settings.WKP_MAX_BODY_BYTES = 4_000
    settings.WKP_MAX_UPLOAD_BODY_BYTES = 40_000


def test_an_anonymous_over_large_body_is_refused_before_the_form_is_read(
    client, member, small_limits
):
    # A valid sign-in padded past the limit: had the body been parsed, it would sign in (302).
    response = client.post(
        reverse("login"), {"username": "member", "password": PASSWORD, "pad": "x" * 5_000}
    )
    assert response.status_code == 413
    assert response.content == b"The request is too large."
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": "member", "password": PASSWORD})
    assert response.status_code == 302


def test_a_member_cannot_send_an_upload_sized_body(member_client, media, small_limits):
    meeting = MeetingFactory()
    upload = SimpleUploadedFile("big.pdf", tiny_pdf() + b"%" * 10_000)
    response = member_client.post(
        reverse("meetings:paper_create", args=[meeting.pk]), {"title": "x", "upload": upload}
    )
    assert response.status_code == 413
    assert not media.exists() or not any(media.rglob("*"))


def test_a_coordinator_may_upload_up_to_the_upload_limit_only(
    coordinator_client, media, small_limits
):
    meeting = MeetingFactory()
    url = reverse("meetings:paper_create", args=[meeting.pk])
    fits = SimpleUploadedFile("paper.pdf", tiny_pdf() + b"\n%" + b"x" * 8_000)
    response = coordinator_client.post(
        url, {"title": "Fits", "status": "available", "upload": fits}
    )
    assert response.status_code == 302
    assert Paper.objects.get().title == "Fits"
    too_big = SimpleUploadedFile("paper.pdf", tiny_pdf() + b"\n%" + b"x" * 50_000)
    response = coordinator_client.post(
        url, {"title": "Big", "status": "available", "upload": too_big}
    )
    assert response.status_code == 413
    assert Paper.objects.count() == 1


def test_a_false_or_missing_length_reads_no_body(client, member, small_limits):
    response = client.generic(
        "POST", reverse("login"), b"x" * 10, CONTENT_TYPE="text/plain", CONTENT_LENGTH="lots"
    )
    assert response.status_code in {200, 403}  # Django reads no body it cannot measure


def test_stored_files_and_folders_are_private(coordinator_client, media):
    meeting = MeetingFactory()
    upload = SimpleUploadedFile("paper.pdf", tiny_pdf())
    response = coordinator_client.post(
        reverse("meetings:paper_create", args=[meeting.pk]),
        {"title": "Private", "status": "available", "upload": upload},
    )
    assert response.status_code == 302
    stored = Paper.objects.get().file.path
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o640
    folder = os.path.dirname(stored)
    while os.path.realpath(folder) != os.path.realpath(media):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o750, folder
        folder = os.path.dirname(folder)
