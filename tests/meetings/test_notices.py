import datetime
import logging

import pytest
from django.core import mail
from django.db import transaction

from meetings import services
from meetings.models import Notice, NoticeDelivery, NoticePreference
from meetings.notices import send_digests, send_notice
from tests.factories import AgendaItemFactory, MeetingFactory, PaperFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]


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


# ---- Exactly once per member, whatever the mode (issue 22, point 3; issue 16, point 5)


def raise_notice(meeting, coordinator, capture, n):
    """A notice raised as the pack service raises it (and e-mailed after commit), about a
    published meeting: nothing is ever raised about a draft one."""
    from meetings.models import Meeting
    from meetings.notices import record_notice

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
    with capture(execute=True), transaction.atomic():
        record_notice(meeting, subject=f"Notice {n}", lines=[f"Line {n}"], path="/")


def choose(user, frequency):
    NoticePreference.objects.update_or_create(user=user, defaults={"frequency": frequency})


def subjects_to(outbox, address):
    """Per e-mail to this address: the notice subjects it holds, from its body."""
    return [
        [line for line in message.body.splitlines() if line.startswith("Notice ")]
        for message in outbox
        if message.to == [address]
    ]


def test_each_preference_change_every_digest_none_every_tells_the_member_once(
    make_user, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    reader = make_user("reader", "Member")
    meeting = MeetingFactory()
    address = "reader@example.org"

    def step(n):
        raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, n)

    # every: the notice comes alone, and no digest repeats it.
    step(1)
    send_digests()
    assert subjects_to(mailoutbox, address) == [["Notice 1"]]
    # every → digest: nothing alone; the digest holds the new notice only, once.
    choose(reader, "digest")
    step(2)
    step(3)
    assert subjects_to(mailoutbox, address) == [["Notice 1"]]
    assert send_digests() == 1
    assert send_digests() == 0
    assert subjects_to(mailoutbox, address) == [["Notice 1"], ["Notice 2", "Notice 3"]]
    # digest → none: a notice raised now is never sent, neither now nor in a digest.
    choose(reader, "none")
    step(4)
    send_digests()
    assert subjects_to(mailoutbox, address) == [["Notice 1"], ["Notice 2", "Notice 3"]]
    # none → every: only notices raised from now on, each alone; digests stay empty.
    choose(reader, "every")
    step(5)
    send_digests()
    from meetings.notices import resend_unsent

    resend_unsent()
    assert subjects_to(mailoutbox, address) == [
        ["Notice 1"],
        ["Notice 2", "Notice 3"],
        ["Notice 5"],
    ]
    assert NoticeDelivery.objects.filter(user=reader, sent_at__isnull=True).count() == 0
    assert sorted(
        NoticeDelivery.objects.filter(user=reader).values_list("notice__subject", "mode")
    ) == [
        ("Notice 1", "every"),
        ("Notice 2", "digest"),
        ("Notice 3", "digest"),
        ("Notice 5", "every"),
    ]


def test_a_digest_notice_stays_in_the_digest_when_the_member_changes_their_mind(
    make_user, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    reader = make_user("reader", "Member")
    choose(reader, "digest")
    meeting = MeetingFactory()
    raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, 1)
    choose(reader, "every")  # before the daily digest went out
    raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, 2)
    assert send_digests() == 1
    assert subjects_to(mailoutbox, "reader@example.org") == [["Notice 2"], ["Notice 1"]]


def test_the_first_digest_holds_only_what_was_raised_under_the_digest(
    make_user, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    """The fault seen by hand: an empty last_digest_at took every notice ever raised."""
    reader = make_user("reader", "Member")
    meeting = MeetingFactory()
    raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, 1)  # e-mailed alone
    choose(reader, "none")
    raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, 2)  # chose none
    choose(reader, "digest")
    raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, 3)
    send_digests()
    assert subjects_to(mailoutbox, "reader@example.org") == [["Notice 1"], ["Notice 3"]]


class RefusingSink:
    """A real SMTP server (aiosmtpd) that keeps what it accepts and refuses some recipients."""

    def __init__(self):
        self.refused = set()
        self.received = []  # (recipient, subject)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        from email import message_from_bytes

        subject = message_from_bytes(envelope.content)["Subject"]
        self.received.extend((rcpt, subject) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings):
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    handler = RefusingSink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def test_one_refused_recipient_is_retried_alone(
    make_user, coordinator, smtp_sink, django_capture_on_commit_callbacks
):
    from meetings.notices import resend_unsent

    make_user("alice", "Member")
    make_user("bob", "Member")
    make_user("carol", "Member")
    dave = make_user("dave", "Member")
    smtp_sink.refused.update({"bob@example.org", "dave@example.org"})
    meeting = MeetingFactory()
    raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, 1)

    assert sorted(smtp_sink.received) == [
        ("alice@example.org", "Notice 1"),
        ("carol@example.org", "Notice 1"),
        ("coordinator@example.org", "Notice 1"),
    ]
    bob = NoticeDelivery.objects.get(user__username="bob")
    assert bob.sent_at is None and bob.attempts == 1 and "550" in bob.last_error
    assert Notice.objects.get().sent_at is None

    # Bob's server is back: the retry sends to him, and to nobody else again; Dave has left
    # (deactivated) and is neither sent to nor waited for.
    dave.is_active = False
    dave.save()
    smtp_sink.refused.clear()
    smtp_sink.received.clear()
    resend_unsent()
    assert smtp_sink.received == [("bob@example.org", "Notice 1")]
    bob.refresh_from_db()
    assert bob.sent_at is not None and bob.attempts == 2 and bob.last_error == ""
    assert Notice.objects.get().sent_at is not None
    smtp_sink.received.clear()
    resend_unsent()
    send_notice.call(Notice.objects.get().pk)  # even asked directly, nobody hears twice
    assert smtp_sink.received == []


def test_a_refused_digest_is_retried_for_that_reader_only(
    make_user, coordinator, smtp_sink, django_capture_on_commit_callbacks
):
    for name in ("dora", "ed"):
        choose(make_user(name, "Member"), "digest")
    smtp_sink.refused.add("ed@example.org")
    meeting = MeetingFactory()
    raise_notice(meeting, coordinator, django_capture_on_commit_callbacks, 1)
    smtp_sink.received.clear()
    assert send_digests() == 1
    assert smtp_sink.received == [("dora@example.org", "West Kent Partnership: 1 notice")]
    smtp_sink.refused.clear()
    smtp_sink.received.clear()
    assert send_digests() == 1
    assert smtp_sink.received == [("ed@example.org", "West Kent Partnership: 1 notice")]


@pytest.mark.django_db(transaction=True)
def test_notices_unsent_before_the_outbox_get_a_row_for_each_every_notice_reader(make_user):
    from django.db import connection

    # The original migrations (meetings' are squashed), to stop before the data migration.
    from tests.original_migrations import original_migrations_executor

    before, after = (
        [("meetings", "0019_pack_version_agenda")],
        [("meetings", "0020_outbox_for_unsent_notices")],
    )
    executor = original_migrations_executor(connection)
    executor.migrate(before)
    reader = make_user("reader", "Member")
    choose(make_user("digester", "Member"), "digest")
    meeting = MeetingFactory()
    unsent = Notice.objects.create(meeting=meeting, subject="Unsent", body="x", url="/")
    Notice.objects.create(
        meeting=meeting, subject="Sent", body="x", url="/", sent_at="2006-07-07T09:00Z"
    )
    executor = original_migrations_executor(connection)
    executor.loader.build_graph()
    try:
        executor.migrate(after)
        rows = list(NoticeDelivery.objects.values_list("notice_id", "user_id", "mode"))
    finally:
        # Every later migration too, so the tests after this one (on this worker) see the schema.
        executor = original_migrations_executor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert rows == [(unsent.pk, reader.pk, "every")]
