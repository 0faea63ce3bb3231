"""E-mail notices to members: one clear message per event, or a daily digest, as each chooses.

Notices are recorded in the transaction that causes them and sent by the background worker
after it commits, so a slow or failing mail server never blocks or undoes the request; a notice
that could not be sent stays unsent and is retried by the next `send_notices` run.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from .models import Notice, NoticePreference

logger = logging.getLogger(__name__)


def record_notice(meeting, *, subject, lines, path):
    """Record a notice now; e-mail it once the current transaction commits.

    Nothing is recorded about a draft meeting: members must not hear of it (None)."""
    # Read the status afresh: a caller may hold the meeting as it was before publication.
    if type(meeting).objects.filter(pk=meeting.pk, status=type(meeting).Status.DRAFT).exists():
        return None
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    # A meeting title may use all 200 characters; the subject must still fit, or issuing fails.
    limit = Notice._meta.get_field("subject").max_length
    if len(subject) > limit:
        subject = subject[: limit - 1] + "…"
    notice = Notice.objects.create(
        meeting=meeting, subject=subject, body="\n".join(lines), url=f"{base}{path}"
    )
    transaction.on_commit(lambda: send_notice.enqueue(notice.pk))
    return notice


def recipients(frequency):
    """Active members (anyone who may view meetings) with an address and this preference."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.filter(
        Q(groups__permissions__codename="view_meeting") | Q(is_superuser=True)
    ).distinct()
    if frequency == NoticePreference.Frequency.EVERY:
        return users.exclude(
            notice_preference__frequency__in=[
                NoticePreference.Frequency.DIGEST,
                NoticePreference.Frequency.NONE,
            ]
        )
    return users.filter(notice_preference__frequency=frequency)


def _message(user, subject, notices, connection):
    context = {"user": user, "notices": notices, "subject": subject}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("meetings/email/notice.txt", context),
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("meetings/email/notice.html", context), "text/html")
    return message


@task()
def send_notice(notice_id):
    notice = Notice.objects.published().select_related("meeting").filter(pk=notice_id).first()
    if notice is None or notice.sent_at:
        return
    connection = get_connection()
    failures = 0
    for user in recipients(NoticePreference.Frequency.EVERY):
        try:
            _message(user, notice.subject, [notice], connection).send()
        except Exception:  # One bad address or a mail server hiccup must not stop the rest.
            failures += 1
            logger.exception("Notice %s to %s failed", notice.pk, user.pk)
    if failures == 0:
        Notice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())


def send_digests(now=None):
    """One e-mail per digest reader with every notice since their last digest."""
    now = now or timezone.now()
    connection = get_connection()
    sent = 0
    for user in recipients(NoticePreference.Frequency.DIGEST).select_related("notice_preference"):
        preference = user.notice_preference
        notices = Notice.objects.published().filter(created_at__lte=now)
        notices = notices.select_related("meeting")
        if preference.last_digest_at:
            notices = notices.filter(created_at__gt=preference.last_digest_at)
        notices = list(notices.order_by("created_at"))
        if notices:
            subject = (
                f"West Kent Partnership: {len(notices)} notice{'s' if len(notices) > 1 else ''}"
            )
            try:
                _message(user, subject, notices, connection).send()
            except Exception:
                logger.exception("Digest to %s failed; it will be tried again", user.pk)
                continue
            sent += 1
        preference.last_digest_at = now
        preference.save(update_fields=["last_digest_at"])
    return sent


def resend_unsent():
    """Queue again every notice that could not be sent (for a periodic job)."""
    unsent = Notice.objects.published().filter(sent_at__isnull=True)
    for notice_id in unsent.values_list("pk", flat=True):
        send_notice.enqueue(notice_id)
