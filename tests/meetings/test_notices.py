import datetime

import pytest
from django.core import mail

from meetings import services
from meetings.models import Notice, NoticePreference
from meetings.notices import send_digests
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def readers(make_user):
    every = make_user("every", "Member")
    digest = make_user("digest", "Member")
    NoticePreference.objects.create(user=digest, frequency="digest")
    none = make_user("none", "Member")
    NoticePreference.objects.create(user=none, frequency="none")
    make_user("outsider")  # no role: never told anything
    return every, digest, none


def publish(meeting, coordinator, capture):
    with capture(execute=True):
        services.publish_agenda(meeting, version=meeting.version, by=coordinator)


def test_publishing_sends_one_clear_email_to_each_every_notice_reader(
    readers, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting)
    item.papers.add(PaperFactory(meeting=meeting, body_html="<p>Text</p>"))
    mailoutbox.clear()
    publish(meeting, coordinator, django_capture_on_commit_callbacks)

    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["coordinator@example.org", "every@example.org"]
    message = next(m for m in mailoutbox if m.to == ["every@example.org"])
    assert (
        message.subject == "Agenda and papers: West Kent Partnership Meeting, Friday 14 July 2006"
    )
    assert "The meeting pack (version 1, " in message.body
    assert f"/meetings/{meeting.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'lang="en-GB"' in html
    assert not message.attachments


def test_digest_readers_get_one_email_with_everything_since_their_last(
    readers, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory()
    publish(meeting, coordinator, django_capture_on_commit_callbacks)
    minutes = services.minutes_for(meeting)
    with django_capture_on_commit_callbacks(execute=True):
        services.circulate_minutes(minutes, by=coordinator)
    mailoutbox.clear()
    assert send_digests() == 1
    (digest,) = mailoutbox
    assert digest.to == ["digest@example.org"]
    assert "Agenda and papers" in digest.body and "Draft minutes" in digest.body
    assert send_digests() == 0 and len(mailoutbox) == 1  # nothing new: no second e-mail


def test_a_failing_mail_server_never_loses_the_notice(
    readers, coordinator, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    meeting = MeetingFactory()
    publish(meeting, coordinator, django_capture_on_commit_callbacks)
    notice = Notice.objects.get()
    assert notice.sent_at is None  # kept for `send_notices` to retry
    assert meeting.pack_versions.count() == 1


def test_a_to_follow_paper_arriving_tells_members_what_changed(
    readers, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(date=datetime.date(2006, 7, 14))
    item = AgendaItemFactory(meeting=meeting)
    paper = PaperFactory(meeting=meeting, title="Learning and Skills", status="to_follow")
    item.papers.add(paper)
    publish(meeting, coordinator, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    paper.refresh_from_db()
    paper.status, paper.body_html = "available", "<p>Arrived</p>"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_paper(paper, version=paper.version, by=coordinator)
    message = next(m for m in mailoutbox if m.to == ["every@example.org"])
    assert message.subject.startswith("Updated papers:")
    assert "Paper A – Learning and Skills: now available (was to follow)." in message.body
    assert len(mail.outbox) == 2
